#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../limits.h"
#include "atomic.h"

int cm_mkdir_parents(const char *path)
{
	char buf[CM_PATH_MAX];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (p = buf + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t k = write(fd, p, len);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += k;
		len -= (size_t)k;
	}
	return 0;
}

static int fsync_dir_of(const char *path)
{
	char buf[CM_PATH_MAX];
	int fd, r = 0;

	snprintf(buf, sizeof(buf), "%s", path);
	fd = open(dirname(buf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* A name no one could have planted: pid, clock and randomness.  The
 * directory may be writable by others (a resume state next to a source in
 * /var/tmp): O_EXCL|O_NOFOLLOW never opens a file or link put there
 * beforehand, and a name taken by chance is just tried again. */
#define TMP_ATTEMPTS	16

static unsigned long long tmp_salt(void)
{
	unsigned long long x = 0;
	struct timespec ts;

	/* getrandom() must not block this early in boot */
	if (getrandom(&x, sizeof(x), GRND_NONBLOCK) != (ssize_t)sizeof(x))
		x = 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return x ^ ((unsigned long long)ts.tv_sec << 30) ^ (unsigned long long)ts.tv_nsec;
}

static int create_tmp(const char *path, char *tmp, size_t size, mode_t mode)
{
	int i, n, fd = -EEXIST;

	for (i = 0; i < TMP_ATTEMPTS && fd == -EEXIST; i++) {
		n = snprintf(tmp, size, "%s.tmp-%ld-%llx", path, (long)getpid(), tmp_salt());
		if (n < 0 || (size_t)n >= size)
			return -ENAMETOOLONG;
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0)
			fd = -errno;
	}
	return fd;
}

int cm_atomic_write(const char *path, const void *data, size_t len,
		    mode_t mode)
{
	char tmp[CM_PATH_MAX];
	int fd, r;

	fd = create_tmp(path, tmp, sizeof(tmp), mode);
	if (fd < 0)
		return fd;
	r = write_all(fd, data, len);
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		unlink(tmp);
		return r;
	}
	return fsync_dir_of(path);
}
