/* The free-space map of a disk (see freemap.h). */
#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../log.h"
#include "ext4free.h"
#include "freemap.h"
#include "xfsfree.h"

#define UNIT	((uint64_t)CM_FREE_UNIT)

struct fs_read {
	int fd;
	uint64_t start, size;
};

static int read_at(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct fs_read *f = ctx;
	size_t done = 0;

	if (off > f->size || len > f->size - off)
		return -EINVAL;
	while (done < len) {
		ssize_t n = pread(f->fd, (char *)buf + done, len - done,
				  (off_t)(f->start + off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

struct fs_mark {
	struct cm_freemap *m;
	uint64_t start;			/* the file system's offset on the disk */
};

/* Marks the units lying wholly inside a free run. */
static void mark_free(void *ctx, uint64_t off, uint64_t len)
{
	struct fs_mark *fm = ctx;
	uint64_t a = fm->start + off, b = a + len, u;

	for (u = (a + UNIT - 1) / UNIT; (u + 1) * UNIT <= b && u * UNIT < fm->m->size; u++)
		if (!(fm->m->bits[u >> 3] & (1u << (u & 7)))) {
			fm->m->bits[u >> 3] |= (uint8_t)(1u << (u & 7));
			fm->m->free_bytes += UNIT;
		}
}

/* One candidate file system at [start, start + size). */
static int probe_fs(struct cm_freemap *m, int fd, uint64_t start, uint64_t size)
{
	struct fs_read f = { .fd = fd, .start = start, .size = size };
	struct fs_mark fm = { .m = m, .start = start };
	int64_t n;

	if (start >= m->size)
		return 0;
	if (size > m->size - start)
		size = f.size = m->size - start;
	/* each reader gives 0 for a file system not its own */
	n = cm_ext4_free(read_at, &f, size, mark_free, &fm);
	if (n == 0)
		n = cm_xfs_free(read_at, &f, size, mark_free, &fm);
	if (n > 0)
		m->filesystems++;
	return n < 0 ? (int)n : 0;
}

/* Every partition libblkid finds, or the whole disk when there is no
 * partition table. */
static int probe_all(struct cm_freemap *m, int fd)
{
	blkid_probe pr = blkid_new_probe();
	blkid_partlist ls = NULL;
	int i, n = 0, r = 0;

	if (pr && blkid_probe_set_device(pr, fd, 0, (blkid_loff_t)m->size) == 0) {
		blkid_probe_enable_superblocks(pr, 0);
		blkid_probe_enable_partitions(pr, 1);
		if (blkid_do_fullprobe(pr) == 0)
			ls = blkid_probe_get_partitions(pr);
		n = ls ? blkid_partlist_numof_partitions(ls) : 0;
	}
	for (i = 0; i < n && r == 0; i++) {
		blkid_partition p = blkid_partlist_get_partition(ls, i);

		r = probe_fs(m, fd, (uint64_t)blkid_partition_get_start(p) * 512,
			     (uint64_t)blkid_partition_get_size(p) * 512);
	}
	if (n <= 0)
		r = probe_fs(m, fd, 0, m->size);
	if (pr)
		blkid_free_probe(pr);
	return r;
}

int cm_freemap_build(struct cm_freemap *m, const char *path, uint64_t size)
{
	int fd, r;

	memset(m, 0, sizeof(*m));
	m->size = size;
	m->bits = calloc(1, (size_t)((size / UNIT + 8) / 8));
	if (!m->bits)
		return cm_err(-ENOMEM, "source %s: free-space map", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		cm_freemap_free(m);
		return cm_err(r, "source %s", path);
	}
	r = probe_all(m, fd);
	close(fd);
	if (r < 0) {
		/* a map half made is no map: nothing is skipped */
		cm_freemap_free(m);
		return cm_err(r, "source %s: reading its file systems' free space", path);
	}
	return 0;
}

void cm_freemap_free(struct cm_freemap *m)
{
	free(m->bits);
	m->bits = NULL;
	m->free_bytes = 0;
}

static int unit_free(const struct cm_freemap *m, uint64_t u)
{
	return u * UNIT < m->size && (m->bits[u >> 3] & (1u << (u & 7)));
}

uint64_t cm_freemap_run(const struct cm_freemap *m, uint64_t off, uint64_t limit)
{
	uint64_t u = off / UNIT, end;

	if (!m->bits || !unit_free(m, u))
		return 0;
	while (unit_free(m, u + 1) && (u + 1) * UNIT < limit)
		u++;
	end = (u + 1) * UNIT;
	if (end > limit)
		end = limit;
	return end > off ? end - off : 0;
}

uint64_t cm_freemap_next(const struct cm_freemap *m, uint64_t off, uint64_t limit)
{
	uint64_t u;

	if (!m->bits)
		return limit;
	for (u = (off + UNIT - 1) / UNIT; u * UNIT < limit; u++)
		if (unit_free(m, u))
			return u * UNIT;
	return limit;
}
