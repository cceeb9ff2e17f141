/* file:///PATH — the image into a regular file or onto a block device.
 *
 * A regular file is written as PATH.part and renamed to PATH only once it
 * is whole and fsync'ed: a failure (full disk, a kill) never leaves a file
 * at PATH that looks like a finished image, and abort() removes the part.
 * Zero ranges are left as holes (the file is sparse; ftruncate at the end
 * gives it its full size).  A block device is written in place, zero
 * ranges included: whatever it held before must not show through. */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../limits.h"
#include "../../log.h"
#include "sink.h"
#include "../stream.h"

struct file_sink {
	int fd;
	int blkdev;
	uint64_t end;			/* highest offset written or skipped */
	char part[CM_PATH_MAX];		/* PATH.part (regular files) */
	unsigned char *zeros;		/* CM_STREAM_CHUNK of them (devices) */
};

static int open_device(struct cm_sink *s, struct file_sink *f)
{
	const char *path = s->url->path;
	uint64_t dev_size = 0;

	f->fd = open(path, O_WRONLY | O_CLOEXEC);
	if (f->fd < 0)
		return cm_err(-errno, "dest %s", s->dest);
	if (ioctl(f->fd, BLKGETSIZE64, &dev_size) < 0)
		return cm_err(-errno, "dest %s: BLKGETSIZE64", s->dest);
	if (s->size != CM_SIZE_UNKNOWN && dev_size < s->size)
		return cm_err(-ENOSPC, "dest %s: device of %llu bytes, image of %llu",
			      s->dest, (unsigned long long)dev_size,
			      (unsigned long long)s->size);
	f->zeros = calloc(1, CM_STREAM_CHUNK);
	if (!f->zeros)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	f->blkdev = 1;
	return 0;
}

static int file_open(struct cm_sink *s, const struct cm_stream_state *resume)
{
	struct file_sink *f;
	struct stat st;
	int n;

	if (resume)
		return cm_err(-EOPNOTSUPP, "dest %s: resume", s->dest);
	f = calloc(1, sizeof(*f));
	if (!f)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	f->fd = -1;
	s->priv = f;
	if (stat(s->url->path, &st) == 0 && S_ISBLK(st.st_mode))
		return open_device(s, f);
	if (stat(s->url->path, &st) == 0 && S_ISDIR(st.st_mode))
		return cm_err(-EISDIR, "dest %s", s->dest);
	n = snprintf(f->part, sizeof(f->part), "%s.part", s->url->path);
	if (n < 0 || (size_t)n >= sizeof(f->part))
		return cm_err(-ENAMETOOLONG, "dest %s", s->dest);
	f->fd = open(f->part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		f->part[0] = '\0';
		return cm_err(-errno, "dest %s", s->dest);
	}
	return 0;
}

static int pwrite_all(struct cm_sink *s, int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const char *)buf + done, len - done,
				   (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cm_err(-errno, "write %s at %llu", s->dest,
				      (unsigned long long)(off + done));
		if (n == 0)
			return cm_err(-EIO, "write %s at %llu", s->dest,
				      (unsigned long long)(off + done));
		done += (size_t)n;
	}
	return 0;
}

static void grow(struct file_sink *f, uint64_t end)
{
	if (end > f->end)
		f->end = end;
}

static int file_write(struct cm_sink *s, uint64_t off, const void *buf, size_t len)
{
	struct file_sink *f = s->priv;
	int r = pwrite_all(s, f->fd, buf, len, off);

	if (r == 0)
		grow(f, off + len);
	return r;
}

static int file_skip(struct cm_sink *s, uint64_t off, uint64_t len)
{
	struct file_sink *f = s->priv;

	if (f->blkdev)
		while (len) {
			size_t n = len < CM_STREAM_CHUNK ? (size_t)len : CM_STREAM_CHUNK;
			int r = pwrite_all(s, f->fd, f->zeros, n, off);

			if (r < 0)
				return r;
			off += n;
			len -= n;
		}
	grow(f, off + len);
	return 0;
}

/* fsync the directory holding path, so the rename survives a power cut */
static int sync_dir(const char *path)
{
	char dir[CM_PATH_MAX];
	char *slash;
	int fd, r = 0;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0 && errno != EINVAL)
		r = -errno;
	close(fd);
	return r;
}

static void file_free(struct cm_sink *s)
{
	struct file_sink *f = s->priv;

	if (f->fd >= 0)
		close(f->fd);
	free(f->zeros);
	free(f);
	s->priv = NULL;
}

static int file_finish(struct cm_sink *s)
{
	struct file_sink *f = s->priv;
	int r;

	if (!f->blkdev && ftruncate(f->fd, (off_t)f->end) < 0)
		return cm_err(-errno, "dest %s: truncate to %llu", s->dest,
			      (unsigned long long)f->end);
	if (fsync(f->fd) < 0)
		return cm_err(-errno, "dest %s: fsync", s->dest);
	if (close(f->fd) < 0) {
		f->fd = -1;
		return cm_err(-errno, "dest %s: close", s->dest);
	}
	f->fd = -1;
	if (!f->blkdev) {
		if (rename(f->part, s->url->path) < 0)
			return cm_err(-errno, "dest %s: rename %s", s->dest, f->part);
		f->part[0] = '\0';
		r = sync_dir(s->url->path);
		if (r < 0)
			return cm_err(r, "dest %s: fsync directory", s->dest);
	}
	file_free(s);
	return 0;
}

static void file_abort(struct cm_sink *s)
{
	struct file_sink *f = s->priv;

	if (!f)
		return;
	if (!f->blkdev && f->part[0])
		unlink(f->part);
	file_free(s);
}

const struct cm_sink_ops cm_sink_file = {
	.scheme = "file",
	.caps   = CM_SINK_SPARSE,
	.open   = file_open,
	.write  = file_write,
	.skip   = file_skip,
	.finish = file_finish,
	.abort  = file_abort,
};
