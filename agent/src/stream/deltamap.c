/* The block map of a delta stream: see deltamap.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/sha256.h"
#include "deltamap.h"

#define MAGIC		"cloudmove-deltamap 1\n"
#define BLOCK_MIN	4096ULL
#define BLOCK_MAX	(64ULL << 20)
#define DISK_MAX	(1ULL << 62)

uint64_t cm_deltamap_blocks(const struct cm_deltamap_hdr *h)
{
	return h->block ? (h->disk + h->block - 1) / h->block : 0;
}

/* A token: printable, no space, not empty, shorter than size. */
static int token(const char *p, size_t n, char *out, size_t size)
{
	size_t i;

	if (!n || n >= size)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
			return -EINVAL;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

/* A decimal number without sign or leading zero, at most max. */
static int number(const char *p, size_t n, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!n || n > 20 || (n > 1 && p[0] == '0'))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -EINVAL;
		if (v > (max - (uint64_t)(p[i] - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return 0;
}

/* One "key value" line; *seen collects the keys met (each once). */
static int field(const char *line, size_t n, struct cm_deltamap_hdr *h, unsigned *seen,
		 const char **why)
{
	static const char *const keys[] = { "dest", "id", "block", "disk" };
	const char *sp = memchr(line, ' ', n);
	size_t k, klen, vlen;
	const char *v;
	int r;

	if (!sp)
		return *why = "a line without a value", -EINVAL;
	klen = (size_t)(sp - line);
	v = sp + 1;
	vlen = n - klen - 1;
	for (k = 0; k < 4; k++)
		if (strlen(keys[k]) == klen && !memcmp(line, keys[k], klen))
			break;
	if (k == 4)
		return *why = "an unknown field", -EINVAL;
	if (*seen & (1u << k))
		return *why = "a field twice", -EINVAL;
	*seen |= 1u << k;
	if (k == 0)
		r = token(v, vlen, h->dest, sizeof(h->dest));
	else if (k == 1)
		r = token(v, vlen, h->id, sizeof(h->id));
	else if (k == 2)
		r = number(v, vlen, BLOCK_MAX, &h->block);
	else
		r = number(v, vlen, DISK_MAX, &h->disk);
	if (r < 0)
		*why = k < 2 ? "a bad dest or id" : "a bad number";
	return r;
}

int cm_deltamap_parse(const char *buf, size_t len, struct cm_deltamap_hdr *h,
		      const char **why)
{
	size_t pos = sizeof(MAGIC) - 1;
	unsigned seen = 0;

	memset(h, 0, sizeof(*h));
	if (len > CM_DELTAMAP_HDR)
		len = CM_DELTAMAP_HDR;
	if (len < pos || memcmp(buf, MAGIC, pos))
		return *why = "not a cloudmove delta map (or another version)", -EINVAL;
	for (;;) {
		const char *line = buf + pos, *nl = memchr(line, '\n', len - pos);
		size_t n;

		if (!nl)
			return *why = "no end to the header", -EINVAL;
		n = (size_t)(nl - line);
		pos += n + 1;
		if (n == 3 && !memcmp(line, "end", 3))
			break;
		if (field(line, n, h, &seen, why) < 0)
			return -EINVAL;
	}
	if (seen != 0xf)
		return *why = "a field missing", -EINVAL;
	if (h->block < BLOCK_MIN || (h->block & (h->block - 1)))
		return *why = "a block size that is not a power of two of 4 KiB..64 MiB", -EINVAL;
	if (!h->disk)
		return *why = "a disk of no size", -EINVAL;
	return 0;
}

int cm_deltamap_format(const struct cm_deltamap_hdr *h, char out[CM_DELTAMAP_HDR])
{
	struct cm_deltamap_hdr check;
	const char *why;
	int n;

	n = snprintf(out, CM_DELTAMAP_HDR, MAGIC "dest %s\nid %s\nblock %llu\ndisk %llu\nend\n",
		     h->dest, h->id, (unsigned long long)h->block,
		     (unsigned long long)h->disk);
	if (n < 0 || n >= CM_DELTAMAP_HDR)
		return -EMSGSIZE;
	memset(out + n, '\n', CM_DELTAMAP_HDR - (size_t)n);
	/* what is written is read back the same, or not written */
	if (cm_deltamap_parse(out, CM_DELTAMAP_HDR, &check, &why) < 0 ||
	    strcmp(check.dest, h->dest) || strcmp(check.id, h->id) ||
	    check.block != h->block || check.disk != h->disk)
		return -EINVAL;
	return 0;
}

int cm_deltamap_open(struct cm_deltamap_reader *r, const char *path, const char **why)
{
	char hdr[CM_DELTAMAP_HDR];
	int fd, e;

	memset(r, 0, sizeof(*r));
	*why = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r->f = fdopen(fd, "r");
	if (!r->f) {
		e = -errno;
		close(fd);
		return e;
	}
	if (fread(hdr, 1, sizeof(hdr), r->f) != sizeof(hdr)) {
		cm_deltamap_close(r);
		return *why = "shorter than a header", -EINVAL;
	}
	if (cm_deltamap_parse(hdr, sizeof(hdr), &r->hdr, why) < 0) {
		cm_deltamap_close(r);
		return -EINVAL;
	}
	return 0;
}

int cm_deltamap_next(struct cm_deltamap_reader *r, unsigned char hash[CM_DELTAMAP_HASH])
{
	if (r->index >= cm_deltamap_blocks(&r->hdr))
		return 0;
	if (fread(hash, 1, CM_DELTAMAP_HASH, r->f) != CM_DELTAMAP_HASH)
		return -EIO;
	r->index++;
	return 1;
}

void cm_deltamap_close(struct cm_deltamap_reader *r)
{
	if (r->f)
		fclose(r->f);
	r->f = NULL;
}

/* PATH.part, new and ours: one left by a run that was killed is unlinked
 * first (the name, never what a link there points to), as the file sink
 * does with its part file. */
static int create_part(const char *tmp)
{
	int tries, fd = -1;

	for (tries = 0; tries < 2 && fd < 0; tries++) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && (errno != EEXIST || (unlink(tmp) < 0 && errno != ENOENT)))
			break;
	}
	return fd < 0 ? -errno : fd;
}

int cm_deltamap_begin(struct cm_deltamap_writer *w, const char *path)
{
	static const char zeros[CM_DELTAMAP_HDR];
	int fd, n, e;

	memset(w, 0, sizeof(*w));
	n = snprintf(w->path, sizeof(w->path), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(w->path))
		return -ENAMETOOLONG;
	snprintf(w->tmp, sizeof(w->tmp), "%s.part", path);
	fd = create_part(w->tmp);
	if (fd < 0) {
		w->tmp[0] = '\0';
		return fd;
	}
	w->f = fdopen(fd, "w");
	if (!w->f) {
		e = -errno;
		close(fd);
		cm_deltamap_discard(w);
		return e;
	}
	if (fwrite(zeros, 1, sizeof(zeros), w->f) != sizeof(zeros)) {
		cm_deltamap_discard(w);
		return -EIO;
	}
	return 0;
}

int cm_deltamap_add(struct cm_deltamap_writer *w, const unsigned char hash[CM_DELTAMAP_HASH])
{
	if (fwrite(hash, 1, CM_DELTAMAP_HASH, w->f) != CM_DELTAMAP_HASH)
		return -errno ? -errno : -EIO;
	w->count++;
	return 0;
}

/* The directory of path, fsync'ed so that the rename survives a crash. */
static void sync_dir(const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int cm_deltamap_commit(struct cm_deltamap_writer *w, const struct cm_deltamap_hdr *h)
{
	char hdr[CM_DELTAMAP_HDR];
	int r = cm_deltamap_format(h, hdr);

	if (r == 0 && w->count != cm_deltamap_blocks(h))
		r = -EINVAL;
	if (r == 0 && fflush(w->f) != 0)
		r = -errno;
	if (r == 0 && pwrite(fileno(w->f), hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr))
		r = -EIO;
	if (r == 0 && fsync(fileno(w->f)) < 0)
		r = -errno;
	if (r == 0 && fclose(w->f) != 0) {
		w->f = NULL;
		r = -EIO;
	}
	if (r == 0) {
		w->f = NULL;
		if (rename(w->tmp, w->path) < 0)
			r = -errno;
	}
	if (r < 0) {
		cm_deltamap_discard(w);
		return r;
	}
	w->tmp[0] = '\0';
	sync_dir(w->path);
	return 0;
}

void cm_deltamap_discard(struct cm_deltamap_writer *w)
{
	if (w->f)
		fclose(w->f);
	w->f = NULL;
	if (w->tmp[0])
		unlink(w->tmp);
	w->tmp[0] = '\0';
}

void cm_deltamap_hash(const void *buf, size_t len, int zero,
		      unsigned char hash[CM_DELTAMAP_HASH])
{
	if (zero)
		memset(hash, 0, CM_DELTAMAP_HASH);
	else
		cm_sha256(buf, len, hash);
}
