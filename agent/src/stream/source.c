/* The block source: a block device or an image file, read once, in order,
 * in CM_STREAM_CHUNK pieces.
 *
 * - Size: BLKGETSIZE64 for a device, st_size for a file.
 * - A device is read with O_DIRECT (the whole disk must not evict the
 *   page cache of the system being moved; falls back to buffered reads
 *   where the driver refuses it).  A file is read through the page cache:
 *   an image file was usually just written and is still there, and
 *   O_DIRECT would read it again from the disk.
 * - A file's holes are asked of the file system (SEEK_DATA/SEEK_HOLE,
 *   lseek(2)) and reported without being read; a chunk that was read and
 *   is all zero is reported as zeros too, so sinks and encoders can skip
 *   it. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../log.h"
#include "freemap.h"
#include "stream.h"

void *cm_stream_buf_alloc(size_t len)
{
	void *p = NULL;

	if (posix_memalign(&p, CM_STREAM_ALIGN, len))
		return NULL;
	return p;
}

int cm_is_zero(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i = 0;

	/* 64 bytes per step, OR-ed: one branch per cache line */
	for (; i + 64 <= len; i += 64) {
		uint64_t w[8], acc;

		memcpy(w, p + i, sizeof(w));
		acc = w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7];
		if (acc)
			return 0;
	}
	for (; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

static int open_size(struct cm_source *s)
{
	struct stat st;

	if (fstat(s->fd, &st) < 0)
		return cm_err(-errno, "source %s", s->path);
	if (S_ISBLK(st.st_mode)) {
		uint64_t size = 0;

		if (ioctl(s->fd, BLKGETSIZE64, &size) < 0)
			return cm_err(-errno, "source %s: BLKGETSIZE64", s->path);
		s->size = size;
		s->blkdev = 1;
		return 0;
	}
	if (!S_ISREG(st.st_mode))
		return cm_err(-EINVAL, "source %s: not a block device or a file", s->path);
	s->size = (uint64_t)st.st_size;
	return 0;
}

int cm_source_open(struct cm_source *s, const char *path)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->path = path;
	s->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return cm_err(-errno, "source %s", path);
	r = open_size(s);
	if (r < 0)
		goto fail;
	if (s->size == 0) {
		r = cm_err(-ENODATA, "source %s: empty", path);
		goto fail;
	}
	if (s->blkdev) {
		int fd = open(path, O_RDONLY | O_CLOEXEC | O_DIRECT);

		if (fd >= 0) {
			close(s->fd);
			s->fd = fd;
			s->direct = 1;
		}
	} else {
		/* does the file system answer SEEK_DATA?  (EINVAL/ENXIO: no
		 * or no data at all; both are handled as we go) */
		s->seek_data = lseek(s->fd, 0, SEEK_DATA) >= 0 || errno == ENXIO;
		posix_fadvise(s->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	}
	s->data_end = s->seek_data ? 0 : s->size;
	return 0;
fail:
	close(s->fd);
	s->fd = -1;
	return r;
}

void cm_source_seek(struct cm_source *s, uint64_t off)
{
	s->pos = off < s->size ? off : s->size;
	if (s->seek_data)
		s->data_end = s->pos;	/* look the region up again */
}

void cm_source_close(struct cm_source *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/* pread all of len, through EINTR and short reads; an O_DIRECT read the
 * driver refuses (EINVAL) reopens the source buffered and retries. */
static int read_full(struct cm_source *s, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(s->fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EINVAL && s->direct) {
			int fd = open(s->path, O_RDONLY | O_CLOEXEC);

			if (fd < 0)
				return cm_err(-errno, "source %s", s->path);
			close(s->fd);
			s->fd = fd;
			s->direct = 0;
			continue;
		}
		if (n < 0)
			return cm_err(-errno, "read %s at %llu", s->path,
				      (unsigned long long)(off + done));
		if (n == 0)
			return cm_err(-EIO, "read %s: ends at %llu, before its size %llu",
				      s->path, (unsigned long long)(off + done),
				      (unsigned long long)s->size);
		done += (size_t)n;
	}
	s->read_bytes += len;
	return 0;
}

/* At a data region's end: where is the next data, and where does it end?
 * Returns the length of the hole at s->pos (0: data starts here). */
static int next_region(struct cm_source *s, uint64_t *hole)
{
	off_t d, h;

	*hole = 0;
	d = lseek(s->fd, (off_t)s->pos, SEEK_DATA);
	if (d < 0 && errno == ENXIO) {		/* a hole to the end */
		*hole = s->size - s->pos;
		return 0;
	}
	if (d < 0)
		return cm_err(-errno, "source %s: SEEK_DATA", s->path);
	if ((uint64_t)d > s->size)
		d = (off_t)s->size;
	h = lseek(s->fd, d, SEEK_HOLE);
	if (h < 0)
		return cm_err(-errno, "source %s: SEEK_HOLE", s->path);
	/* data may grow while we read; the size we started with is the image */
	s->data_end = (uint64_t)h < s->size ? (uint64_t)h : s->size;
	*hole = (uint64_t)d - s->pos;
	return 0;
}

int cm_source_next(struct cm_source *s, void *buf, struct cm_extent *e)
{
	uint64_t len, hole;
	int r;

	if (s->pos >= s->size)
		return 0;
	if (s->seek_data && s->pos >= s->data_end) {
		r = next_region(s, &hole);
		if (r < 0)
			return r;
		if (hole) {
			e->off = s->pos;
			e->len = hole;
			e->zero = 1;
			s->pos += hole;
			return 1;
		}
	}
	if (s->free && (len = cm_freemap_run(s->free, s->pos, s->size))) {
		/* free space of a file system: zeros, never read */
		e->off = s->pos;
		e->len = len;
		e->zero = 1;
		s->pos += len;
		s->free_bytes += len;
		return 1;
	}
	len = CM_STREAM_CHUNK - s->pos % CM_STREAM_CHUNK;
	if (len > s->data_end - s->pos)
		len = s->data_end - s->pos;
	if (s->free)
		len = cm_freemap_next(s->free, s->pos, s->pos + len) - s->pos;
	r = read_full(s, buf, (size_t)len, s->pos);
	if (r < 0)
		return r;
	e->off = s->pos;
	e->len = len;
	e->zero = cm_is_zero(buf, (size_t)len);
	if (e->zero)
		s->zero_bytes += len;
	s->pos += len;
	return 1;
}
