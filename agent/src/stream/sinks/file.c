/* file:///PATH — the image into a regular file or onto a block device.
 *
 * A regular file is written as PATH.part and renamed to PATH only once it
 * is whole and fsync'ed: a failure (full disk, a kill) never leaves a file
 * at PATH that looks like a finished image, and abort() removes the part.
 * Zero ranges are left as holes (the file is sparse; ftruncate at the end
 * gives it its full size).  A block device is written in place, zero
 * ranges included: whatever it held before must not show through.
 *
 * The directory may be writable by others, and the agent runs as root:
 * nothing there is written through a link.  PATH.part is created
 * exclusively (O_EXCL|O_NOFOLLOW; one left by an earlier run, or planted,
 * is unlinked first: that removes the name, not what a link points to),
 * and the rename replaces whatever is at PATH, a link included.  A link
 * at PATH is followed to a block device only when it is root's or ours
 * (udev's /dev/disk/by-id/... ones); the device is opened O_NOFOLLOW and
 * checked to be the one looked at.
 *
 * Delta (--delta-map, a map that matches): the file or device at PATH is
 * updated in place: changed blocks written, blocks that became zero
 * punched out (a file) or overwritten with zeros (a device), the file
 * truncated or extended to the disk's size.  Its identity is its device
 * and inode, size and mtime (a regular file), or its device number. */
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
	int dirfd;			/* PATH's directory */
	int blkdev;
	int part_made;			/* part is ours, to rename or remove */
	int in_place;			/* delta: PATH itself is written */
	uint64_t end;			/* highest offset written or skipped */
	char name[CM_PATH_MAX];		/* PATH's last component */
	char part[CM_PATH_MAX];		/* name.part (regular files) */
	unsigned char *zeros;		/* CM_STREAM_CHUNK of them (devices) */
};

/* PATH (absolute, no trailing '/': url.c) as its directory, opened, and
 * its last component. */
static int open_dir(struct cm_sink *s, struct file_sink *f)
{
	const char *path = s->url->path, *slash = strrchr(path, '/');
	char dir[CM_PATH_MAX];
	size_t n;
	int len;

	if (!slash || !slash[1])
		return cm_err(-EISDIR, "dest %s", s->dest);
	n = slash == path ? 1 : (size_t)(slash - path);
	len = snprintf(f->part, sizeof(f->part), "%s.part", slash + 1);
	if (n >= sizeof(dir) || len < 0 || (size_t)len >= sizeof(f->part))
		return cm_err(-ENAMETOOLONG, "dest %s", s->dest);
	memcpy(dir, path, n);
	dir[n] = '\0';
	snprintf(f->name, sizeof(f->name), "%s", slash + 1);
	f->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return f->dirfd < 0 ? cm_err(-errno, "dest %s: %s", s->dest, dir) : 0;
}

/* A link at PATH: its target into out when it is root's or ours (read
 * from the link opened O_PATH, so the link checked is the one followed).
 * 1 out set, 0 not to be followed, -errno. */
static int trusted_link(int dirfd, const char *name, char *out, size_t size)
{
	int fd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC), r = 0;
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
	} else if (S_ISLNK(st.st_mode) && (st.st_uid == 0 || st.st_uid == geteuid())) {
		n = readlinkat(fd, "", out, size);
		r = n < 0 ? -errno : (size_t)n >= size ? -ENAMETOOLONG : 1;
		if (r == 1)
			out[n] = '\0';
	}
	close(fd);
	return r;
}

/* Opens dev (relative to PATH's directory) for writing, O_NOFOLLOW, and
 * checks it is still the block device *st says. */
static int open_device(struct cm_sink *s, struct file_sink *f, const char *dev,
		       const struct stat *st)
{
	uint64_t dev_size = 0;
	struct stat now;

	f->fd = openat(f->dirfd, dev, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (f->fd < 0)
		return cm_err(-errno, "dest %s", s->dest);
	if (fstat(f->fd, &now) < 0)
		return cm_err(-errno, "dest %s", s->dest);
	if (!S_ISBLK(now.st_mode) || now.st_rdev != st->st_rdev)
		return cm_err(-EAGAIN, "dest %s: changed while being opened", s->dest);
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

/* What is at PATH, a link followed only when trusted_link() says so:
 * 1 a block device (opened), 0 anything else (then the image replaces
 * it), -errno (logged). */
static int open_if_device(struct cm_sink *s, struct file_sink *f)
{
	char target[CM_PATH_MAX];
	const char *at = f->name;
	struct stat st;
	int r;

	if (fstatat(f->dirfd, at, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : cm_err(-errno, "dest %s", s->dest);
	if (S_ISLNK(st.st_mode)) {
		r = trusted_link(f->dirfd, at, target, sizeof(target));
		if (r <= 0)
			return r < 0 ? cm_err(r, "dest %s: the link there", s->dest) : 0;
		at = target;
		if (fstatat(f->dirfd, at, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return errno == ENOENT ? 0 : cm_err(-errno, "dest %s: %s", s->dest, at);
	}
	if (S_ISDIR(st.st_mode))
		return cm_err(-EISDIR, "dest %s", s->dest);
	if (!S_ISBLK(st.st_mode))
		return 0;
	r = open_device(s, f, at, &st);
	return r < 0 ? r : 1;
}

/* name.part, new and ours: one already there (a run killed, or planted)
 * is unlinked first, once.  Mode 0600: the image is a whole disk, its
 * /etc/shadow and keys included; the operator widens it if they mean to. */
static int create_part(struct cm_sink *s, struct file_sink *f)
{
	int tries;

	for (tries = 0; tries < 2; tries++) {
		f->fd = openat(f->dirfd, f->part, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			       O_CLOEXEC, 0600);
		if (f->fd >= 0) {
			f->part_made = 1;
			return 0;
		}
		if (errno != EEXIST || tries)
			break;
		if (unlinkat(f->dirfd, f->part, 0) < 0 && errno != ENOENT)
			return cm_err(-errno, "dest %s: remove the %s there", s->dest, f->part);
		cm_info("dest %s: %s left there by an earlier run removed", s->dest, f->part);
	}
	return cm_err(-errno, "dest %s: create %s", s->dest, f->part);
}

/* What proves a file or device is the one a delta map describes. */
static int identity_of(const struct stat *st, char *out, size_t size)
{
	int n;

	if (S_ISBLK(st->st_mode))
		n = snprintf(out, size, "blkdev:rdev=%llx", (unsigned long long)st->st_rdev);
	else if (S_ISREG(st->st_mode))
		n = snprintf(out, size, "file:dev=%llx,ino=%llu,size=%llu,mtime=%lld.%09ld",
			     (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
			     (unsigned long long)st->st_size, (long long)st->st_mtim.tv_sec,
			     st->st_mtim.tv_nsec);
	else
		return -EINVAL;
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int file_identity(const struct cm_sink *s, char *out, size_t size)
{
	struct stat st;
	int r;

	if (stat(s->url->path, &st) < 0)
		return errno == ENOENT ? -ENOENT : cm_err(-errno, "dest %s", s->dest);
	r = identity_of(&st, out, size);
	return r == -EINVAL ? -ENOENT : r;
}

/* Delta: the image file at PATH, opened to be written in place, and still
 * the one the map describes (prev_id). */
static int open_in_place(struct cm_sink *s, struct file_sink *f)
{
	char id[CM_PATH_MAX];
	struct stat st;

	f->fd = openat(f->dirfd, f->name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (f->fd < 0)
		return cm_err(-errno, "dest %s", s->dest);
	if (fstat(f->fd, &st) < 0)
		return cm_err(-errno, "dest %s", s->dest);
	if (identity_of(&st, id, sizeof(id)) < 0 || !s->prev_id || strcmp(id, s->prev_id))
		return cm_err(-ESTALE, "dest %s: changed since the delta map was made",
			      s->dest);
	f->zeros = calloc(1, CM_STREAM_CHUNK);
	if (!f->zeros)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	f->in_place = 1;
	return 0;
}

/* Delta onto a device: the one the map describes. */
static int same_device(struct cm_sink *s, struct file_sink *f)
{
	char id[CM_PATH_MAX];
	struct stat st;

	if (fstat(f->fd, &st) < 0)
		return cm_err(-errno, "dest %s", s->dest);
	if (identity_of(&st, id, sizeof(id)) < 0 || !s->prev_id || strcmp(id, s->prev_id))
		return cm_err(-ESTALE, "dest %s: not the device the delta map was made for",
			      s->dest);
	f->in_place = 1;
	return 0;
}

static int file_open(struct cm_sink *s, const struct cm_stream_state *resume)
{
	struct file_sink *f;
	int r;

	if (resume)
		return cm_err(-EOPNOTSUPP, "dest %s: resume", s->dest);
	f = calloc(1, sizeof(*f));
	if (!f)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	f->fd = -1;
	f->dirfd = -1;
	s->priv = f;
	r = open_dir(s, f);
	if (r == 0)
		r = open_if_device(s, f);
	if (r >= 0 && s->delta)
		r = r == 1 ? same_device(s, f) : open_in_place(s, f);
	else if (r == 0)
		r = create_part(s, f);
	return r < 0 ? r : 0;
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

	/* in place, what was there must go: a hole where the file system
	 * makes one, else zeros written */
	if (f->in_place && !f->blkdev &&
	    fallocate(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
		      (off_t)len) == 0) {
		grow(f, off + len);
		return 0;
	}
	if (f->blkdev || f->in_place)
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

/* Delta: a block the file already holds; the image still reaches past it. */
static int file_keep(struct cm_sink *s, uint64_t off, uint64_t len)
{
	grow(s->priv, off + len);
	return 0;
}

static void file_free(struct cm_sink *s)
{
	struct file_sink *f = s->priv;

	if (f->fd >= 0)
		close(f->fd);
	if (f->dirfd >= 0)
		close(f->dirfd);
	free(f->zeros);
	free(f);
	s->priv = NULL;
}

static int file_finish(struct cm_sink *s)
{
	struct file_sink *f = s->priv;

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
	if (!f->blkdev && !f->in_place) {
		/* replaces what is at PATH, a link too (never followed) */
		if (renameat(f->dirfd, f->part, f->dirfd, f->name) < 0)
			return cm_err(-errno, "dest %s: rename %s", s->dest, f->part);
		f->part_made = 0;
		/* so that the rename survives a power cut */
		if (fsync(f->dirfd) < 0 && errno != EINVAL)
			return cm_err(-errno, "dest %s: fsync directory", s->dest);
	}
	file_free(s);
	return 0;
}

static void file_abort(struct cm_sink *s)
{
	struct file_sink *f = s->priv;

	if (!f)
		return;
	if (f->part_made)
		unlinkat(f->dirfd, f->part, 0);
	/* a file updated in place and given up on is part old, part new:
	 * no image (a device is left: it is not ours to remove) */
	if (f->in_place && !f->blkdev)
		unlinkat(f->dirfd, f->name, 0);
	file_free(s);
}

const struct cm_sink_ops cm_sink_file = {
	.scheme = "file",
	.caps   = CM_SINK_SPARSE | CM_SINK_DELTA | CM_SINK_IN_PLACE,
	.open   = file_open,
	.write  = file_write,
	.skip   = file_skip,
	.finish = file_finish,
	.abort  = file_abort,
	.keep   = file_keep,
	.identity = file_identity,
};
