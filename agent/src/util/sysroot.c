/* Paths resolved inside a sysroot (see sysroot.h). */
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../limits.h"
#include "../log.h"
#include "file.h"
#include "sysroot.h"

/* <linux/openat2.h> is not in every libc's headers (musl); the ABI is
 * fixed and the syscall number is the same on every architecture. */
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#define CM_RESOLVE_NO_MAGICLINKS	0x02
#define CM_RESOLVE_IN_ROOT		0x10

struct cm_open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};

static int open_root(const char *sysroot)
{
	int fd = open(sysroot && *sysroot ? sysroot : "/",
		      O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static int try_openat2(int rootfd, const char *path, int flags, mode_t mode)
{
	struct cm_open_how how;
	int tries, fd = -EAGAIN;

	memset(&how, 0, sizeof(how));
	how.flags = (uint64_t)(unsigned)(flags | O_CLOEXEC);
	how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
	how.resolve = CM_RESOLVE_IN_ROOT | CM_RESOLVE_NO_MAGICLINKS;
	/* EAGAIN: a concurrent rename made the kernel refuse; try again. */
	for (tries = 0; tries < 8 && fd == -EAGAIN; tries++) {
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (fd < 0)
			fd = -errno;
	}
	return fd;
}

/* Opens the directory rootfd/done ("a/b/c", every component a real
 * directory) without following anything. */
static int reopen(int rootfd, const char *done)
{
	char comp[CM_NAME_MAX + 1];
	const char *p = done, *end;
	int cur, next;

	cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;
	while (*p) {
		end = strchrnul(p, '/');
		if ((size_t)(end - p) > CM_NAME_MAX) {
			close(cur);
			return -ENAMETOOLONG;
		}
		memcpy(comp, p, (size_t)(end - p));
		comp[end - p] = '\0';
		next = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW |
			      O_CLOEXEC);
		close(cur);
		if (next < 0)
			return -errno;
		cur = next;
		p = *end ? end + 1 : end;
	}
	return cur;
}

int cm_sysroot_open_walk(int rootfd, const char *path, int flags, mode_t mode)
{
	char pend[CM_PATH_MAX], tmp[CM_PATH_MAX], link[CM_PATH_MAX];
	char done[CM_PATH_MAX], name[CM_NAME_MAX + 1];
	size_t done_len = 0, nlen;
	const char *p, *end, *q;
	struct stat st;
	int cur, next, fd, links = 0, last, follow;
	ssize_t k;

	if (!*path)
		return -ENOENT;
	if (strlen(path) >= sizeof(pend))
		return -ENAMETOOLONG;
	memcpy(pend, path, strlen(path) + 1);
	done[0] = '\0';
	cur = openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return -errno;
	p = pend;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p) {	/* the directory reached is the file */
			fd = openat(cur, ".", flags | O_CLOEXEC, mode);
			fd = fd < 0 ? -errno : fd;
			goto out;
		}
		end = strchrnul(p, '/');
		nlen = (size_t)(end - p);
		if (nlen > CM_NAME_MAX) {
			fd = -ENAMETOOLONG;
			goto out;
		}
		memcpy(name, p, nlen);
		name[nlen] = '\0';
		p = end;
		for (q = p; *q == '/'; q++)
			;
		last = !*q && !*p;	/* no trailing slash either */
		if (!strcmp(name, "."))
			continue;
		if (!strcmp(name, "..")) {
			char *slash;

			if (!done_len)
				continue;	/* clamped at the root */
			slash = strrchr(done, '/');
			done_len = slash ? (size_t)(slash - done) : 0;
			done[done_len] = '\0';
			next = reopen(rootfd, done);
			if (next < 0) {
				fd = next;
				goto out;
			}
			close(cur);
			cur = next;
			continue;
		}
		follow = 1;
		if (last && ((flags & O_NOFOLLOW) ||
			     ((flags & O_CREAT) && (flags & O_EXCL))))
			follow = 0;
		if (fstatat(cur, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno == ENOENT && last) {
				fd = openat(cur, name, flags | O_NOFOLLOW |
					    O_CLOEXEC, mode);
				fd = fd < 0 ? -errno : fd;
			} else {
				fd = -errno;
			}
			goto out;
		}
		if (S_ISLNK(st.st_mode) && follow) {
			if (++links > CM_SYSROOT_SYMLINKS_MAX) {
				fd = -ELOOP;
				goto out;
			}
			k = readlinkat(cur, name, link, sizeof(link));
			if (k < 0) {
				fd = -errno;
				goto out;
			}
			if ((size_t)k >= sizeof(link)) {
				fd = -ENAMETOOLONG;
				goto out;
			}
			link[k] = '\0';
			if ((size_t)k + strlen(p) >= sizeof(tmp)) {
				fd = -ENAMETOOLONG;
				goto out;
			}
			memcpy(tmp, link, (size_t)k);
			memcpy(tmp + k, p, strlen(p) + 1);
			memcpy(pend, tmp, strlen(tmp) + 1);
			p = pend;
			if (link[0] == '/') {	/* re-rooted */
				next = openat(rootfd, ".", O_PATH | O_DIRECTORY |
					      O_CLOEXEC);
				if (next < 0) {
					fd = -errno;
					goto out;
				}
				close(cur);
				cur = next;
				done_len = 0;
				done[0] = '\0';
			}
			continue;
		}
		if (last) {
			fd = openat(cur, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
			fd = fd < 0 ? -errno : fd;
			goto out;
		}
		if (!S_ISDIR(st.st_mode)) {
			fd = -ENOTDIR;
			goto out;
		}
		next = openat(cur, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
			      O_CLOEXEC);
		if (next < 0) {
			fd = -errno;
			goto out;
		}
		close(cur);
		cur = next;
		if (done_len + 1 + nlen >= sizeof(done)) {
			fd = -ENAMETOOLONG;
			goto out;
		}
		if (done_len)
			done[done_len++] = '/';
		memcpy(done + done_len, name, nlen + 1);
		done_len += nlen;
	}
out:
	close(cur);
	return fd;
}

int cm_sysroot_init(struct cm_sysroot *s, const char *sysroot)
{
	s->no_openat2 = getenv("CM_SYSROOT_NO_OPENAT2") != NULL;
	s->fd = open_root(sysroot);
	return s->fd < 0 ? s->fd : 0;
}

void cm_sysroot_close(struct cm_sysroot *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

int cm_sysroot_openat(struct cm_sysroot *s, const char *path, int flags,
		      mode_t mode)
{
	int fd = -ENOSYS;

	if (!s->no_openat2) {
		fd = try_openat2(s->fd, path, flags, mode);
		if (fd == -ENOSYS)
			s->no_openat2 = 1;
	}
	if (s->no_openat2)
		fd = cm_sysroot_open_walk(s->fd, path, flags, mode);
	return fd;
}

int cm_sysroot_open(const char *sysroot, const char *path, int flags,
		    mode_t mode)
{
	struct cm_sysroot s;
	int fd;

	fd = cm_sysroot_init(&s, sysroot);
	if (fd < 0)
		return fd;
	fd = cm_sysroot_openat(&s, path, flags, mode);
	cm_sysroot_close(&s);
	return fd;
}

int cm_sysroot_parentat(struct cm_sysroot *s, const char *path, char *name,
			size_t name_size)
{
	char dir[CM_PATH_MAX];
	const char *slash;
	size_t len = strlen(path);
	int fd;

	if (len >= sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(path, '/');
	if (!slash) {
		memcpy(dir, "/", 2);
		slash = path - 1;
	} else if (slash == path) {
		memcpy(dir, "/", 2);
	} else {
		memcpy(dir, path, (size_t)(slash - path));
		dir[slash - path] = '\0';
	}
	slash++;
	if (!*slash || !strcmp(slash, ".") || !strcmp(slash, ".."))
		return -EINVAL;
	if (strlen(slash) >= name_size || strlen(slash) > CM_NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(name, slash, strlen(slash) + 1);
	fd = cm_sysroot_openat(s, dir, O_RDONLY | O_DIRECTORY, 0);
	return fd;
}

int cm_sysroot_open_parent(const char *sysroot, const char *path,
			   char *name, size_t name_size)
{
	struct cm_sysroot s;
	int fd;

	fd = cm_sysroot_init(&s, sysroot);
	if (fd < 0)
		return fd;
	fd = cm_sysroot_parentat(&s, path, name, name_size);
	cm_sysroot_close(&s);
	return fd;
}

int cm_sysroot_open_file(const char *sysroot, const char *path)
{
	return cm_fd_regular_only(cm_sysroot_open(sysroot, path, O_RDONLY | O_NONBLOCK |
					    O_NOCTTY | O_CLOEXEC, 0));
}

int cm_open_file_at(int dirfd, const char *name, int flags)
{
	int fd = openat(dirfd, name, flags | O_RDONLY | O_NONBLOCK | O_NOCTTY |
			O_CLOEXEC);

	return cm_fd_regular_only(fd < 0 ? -errno : fd);
}

int cm_sysroot_read(const char *sysroot, const char *path, struct cm_buf *b)
{
	char chunk[8192];
	ssize_t k;
	int fd, r = 0;

	fd = cm_sysroot_open_file(sysroot, path);
	if (fd < 0)
		return fd;
	cm_buf_reset(b);
	for (;;) {
		k = read(fd, chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			break;
		}
		if (k == 0)
			break;
		r = cm_buf_add(b, chunk, (size_t)k);
		if (r < 0)
			break;
	}
	if (r == 0 && !b->data)
		r = cm_buf_add(b, "", 0);	/* an empty file: "" not NULL */
	close(fd);
	return r;
}

int cm_sysroot_lstat(const char *sysroot, const char *path, struct stat *st)
{
	char name[CM_NAME_MAX + 1];
	int dfd, r = 0;

	dfd = cm_sysroot_open_parent(sysroot, path, name, sizeof(name));
	if (dfd == -EINVAL) {	/* "/" or ending in "." or "..": a directory */
		dfd = cm_sysroot_open(sysroot, path, O_PATH, 0);
		if (dfd < 0)
			return dfd;
		if (fstat(dfd, st) < 0)
			r = -errno;
		close(dfd);
		return r;
	}
	if (dfd < 0)
		return dfd;
	if (fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	close(dfd);
	return r;
}

int cm_sysroot_readlink(const char *sysroot, const char *path, char *out,
			size_t size)
{
	char name[CM_NAME_MAX + 1];
	ssize_t k;
	int dfd;

	dfd = cm_sysroot_open_parent(sysroot, path, name, sizeof(name));
	if (dfd < 0)
		return dfd;
	k = readlinkat(dfd, name, out, size);
	if (k < 0)
		k = -errno;
	else if ((size_t)k >= size)
		k = -ENAMETOOLONG;
	else
		out[k] = '\0';
	close(dfd);
	return (int)k;
}

int cm_sysroot_mkdirsat(struct cm_sysroot *s, const char *dir)
{
	char prefix[CM_PATH_MAX], name[CM_NAME_MAX + 1];
	size_t len = strlen(dir), i;
	int dfd, r;

	if (len >= sizeof(prefix))
		return -ENAMETOOLONG;
	for (i = 1; i <= len; i++) {
		if (i < len && dir[i] != '/')
			continue;
		if (dir[i - 1] == '/')
			continue;
		memcpy(prefix, dir, i);
		prefix[i] = '\0';
		dfd = cm_sysroot_parentat(s, prefix, name, sizeof(name));
		if (dfd == -EINVAL)
			continue;	/* "." or "..": nothing to create */
		if (dfd < 0)
			return dfd;
		r = mkdirat(dfd, name, 0755) < 0 && errno != EEXIST ? -errno : 0;
		close(dfd);
		if (r < 0)
			return r;
	}
	return 0;
}

int cm_sysroot_mkdirs(const char *sysroot, const char *dir)
{
	struct cm_sysroot s;
	int r;

	r = cm_sysroot_init(&s, sysroot);
	if (r < 0)
		return r;
	r = cm_sysroot_mkdirsat(&s, dir);
	cm_sysroot_close(&s);
	return r;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int cm_sysroot_list(const char *sysroot, const char *dir, const char *pattern,
		    char (*names)[CM_SYSROOT_FNAME_MAX], size_t max)
{
	char path[CM_PATH_MAX];
	struct dirent *de;
	struct stat st;
	size_t n = 0;
	DIR *d;
	int fd;

	fd = cm_sysroot_open(sysroot, dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd == -ENOENT || fd == -ENOTDIR ? 0 :
		       cm_err(fd, "open %s%s", sysroot, dir);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return cm_err(-errno, "read %s%s", sysroot, dir);
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' || l >= CM_SYSROOT_FNAME_MAX ||
		    fnmatch(pattern, de->d_name, 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (cm_sysroot_lstat(sysroot, path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == max) {
			closedir(d);
			return cm_err(-E2BIG, "%s%s: more than %zu files", sysroot,
				      dir, max);
		}
		memcpy(names[n++], de->d_name, l + 1);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	return (int)n;
}
