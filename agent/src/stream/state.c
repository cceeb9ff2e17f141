/* Resume state files (see state.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../limits.h"
#include "../log.h"
#include "../util/atomic.h"
#include "../util/buf.h"
#include "../util/kvlines.h"
#include "state.h"

#define STATE_DIR	"/run/cloudmove/stream"
#define STATE_MAX	(16 * 1024)

int cm_state_path(const char *source, char *out, size_t out_size)
{
	const char *base = strrchr(source, '/');
	struct stat st;
	int n;

	base = base ? base + 1 : source;
	if (stat(source, &st) == 0 && S_ISBLK(st.st_mode))
		n = snprintf(out, out_size, "%s/%s.state", STATE_DIR, base);
	else
		n = snprintf(out, out_size, "%s.cloudmove-stream", source);
	return n < 0 || (size_t)n >= out_size ? -ENAMETOOLONG : 0;
}

static int parse_u64(const char *v, uint64_t *out)
{
	char *end;

	if (*v < '0' || *v > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno || *end ? -EINVAL : 0;
}

static int copy_value(char *dst, size_t size, const char *v)
{
	size_t n = strlen(v);

	if (n >= size)
		return -EINVAL;
	memcpy(dst, v, n + 1);
	return 0;
}

static int set_key(struct cm_stream_state *st, const char *k, const char *v)
{
	uint64_t mtime;
	int r;

	if (!strcmp(k, "dest"))
		return copy_value(st->dest, sizeof(st->dest), v);
	if (!strcmp(k, "format"))
		return copy_value(st->format, sizeof(st->format), v);
	if (!strcmp(k, "session"))
		return copy_value(st->session, sizeof(st->session), v);
	if (!strcmp(k, "size"))
		return parse_u64(v, &st->size);
	if (!strcmp(k, "committed"))
		return parse_u64(v, &st->committed);
	if (!strcmp(k, "mtime")) {
		r = parse_u64(v, &mtime);
		st->mtime = (int64_t)mtime;
		return r == 0 && mtime <= INT64_MAX ? 0 : -EINVAL;
	}
	return 0;	/* a key of a newer version: ignored */
}

static int state_line(const char *key, const char *value, void *ctx)
{
	return set_key(ctx, key, value) < 0 ? -EINVAL : 0;
}

int cm_state_parse(const char *buf, size_t len, struct cm_stream_state *st,
		   const char **why)
{
	memset(st, 0, sizeof(*st));
	if (cm_kvlines(buf, len, state_line, st) < 0) {
		*why = "a bad line";
		return -EINVAL;
	}
	if (!st->dest[0] || !st->format[0] || st->committed > st->size) {
		*why = "incomplete";
		return -EINVAL;
	}
	return 0;
}

int cm_state_trust(const struct stat *st, uid_t euid, char *why, size_t size)
{
	if (!S_ISREG(st->st_mode))
		snprintf(why, size, "not a regular file");
	else if (st->st_uid != euid)
		snprintf(why, size, "owned by uid %u, not %u", (unsigned)st->st_uid,
			 (unsigned)euid);
	else if (st->st_mode & (S_IWGRP | S_IWOTH))
		snprintf(why, size, "writable by %s (mode %04o)",
			 st->st_mode & S_IWGRP ? "its group" : "others",
			 (unsigned)(st->st_mode & 07777));
	else
		return 0;
	return -EPERM;
}

/* Opens path without following a link, as a state this user may trust:
 * the fd, -ENOENT, -EPERM (why says why), other -errno. */
static int open_trusted(const char *path, char *why, size_t size)
{
	struct stat st;
	int fd, r;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 && errno == ELOOP) {
		snprintf(why, size, "a symbolic link");
		return -EPERM;
	}
	if (fd < 0)	/* -EPERM here is ours: why says it */
		return errno == EPERM ? -EACCES : -errno;
	r = fstat(fd, &st) < 0 ? -errno : cm_state_trust(&st, geteuid(), why, size);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

static int read_fd(int fd, struct cm_buf *b)
{
	char chunk[4096];
	ssize_t k;
	int r = 0;

	while (r == 0 && (k = read(fd, chunk, sizeof(chunk))) != 0) {
		if (k < 0 && errno == EINTR)
			continue;
		r = k < 0 ? -errno : cm_buf_add(b, chunk, (size_t)k);
	}
	return r;
}

int cm_state_load(const char *path, struct cm_stream_state *st, char *why, size_t why_size)
{
	const char *bad = NULL;
	struct cm_buf b;
	int fd, r;

	fd = open_trusted(path, why, why_size);
	if (fd == -ENOENT || fd == -EPERM)
		return fd;
	if (fd < 0)
		return cm_err(fd, "resume state %s", path);
	cm_buf_init(&b, STATE_MAX);
	r = read_fd(fd, &b);
	close(fd);
	if (r < 0) {
		cm_buf_free(&b);
		return cm_err(r, "resume state %s", path);
	}
	r = cm_state_parse(b.data ? b.data : "", b.len, st, &bad);
	cm_buf_free(&b);
	if (r < 0)
		return cm_err(r, "resume state %s: %s", path, bad);
	return 0;
}

static int no_newline(const char *s)
{
	return strchr(s, '\n') == NULL;
}

int cm_state_save(const char *path, const struct cm_stream_state *st)
{
	struct cm_buf b;
	int r;

	if (!no_newline(st->dest) || !no_newline(st->session) || !no_newline(st->format))
		return cm_err(-EINVAL, "resume state %s: a value holds a newline", path);
	cm_buf_init(&b, STATE_MAX);
	r = cm_buf_printf(&b, "dest %s\nformat %s\nsize %" PRIu64 "\nmtime %" PRId64
			  "\ncommitted %" PRIu64 "\nsession %s\n", st->dest, st->format,
			  st->size, st->mtime, st->committed, st->session);
	if (r == 0)
		r = cm_mkdir_parents(path);
	if (r == 0)
		r = cm_atomic_write(path, b.data, b.len, 0600);
	cm_buf_free(&b);
	return r < 0 ? cm_err(r, "resume state %s", path) : 0;
}

void cm_state_remove(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		cm_warn("resume state %s: %s", path, strerror(errno));
}
