#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../log.h"
#include "file.h"

int cm_path_join(char *out, size_t size, const char *root, const char *rel)
{
	int n;

	if (!root || !*root || !strcmp(root, "/"))
		root = "";
	n = snprintf(out, size, "%s%s", root, rel);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int cm_path_cat(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	return 0;
}

int cm_fd_regular_only(int fd)
{
	struct stat st;
	int r;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISREG(st.st_mode))
		return fd;
	else
		r = S_ISDIR(st.st_mode) ? -EISDIR : -CM_ENOTREG;
	close(fd);
	return r;
}

int cm_file_open_regular(const char *path)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	return cm_fd_regular_only(fd < 0 ? -errno : fd);
}

static ssize_t read_retry(int fd, void *p, size_t n)
{
	ssize_t k;

	do
		k = read(fd, p, n);
	while (k < 0 && errno == EINTR);
	return k;
}

int cm_file_read(const char *path, struct cm_buf *b)
{
	char chunk[4096];
	ssize_t k;
	int fd, r = 0;

	cm_buf_reset(b);
	fd = cm_file_open_regular(path);
	if (fd < 0)
		return fd;
	while ((k = read_retry(fd, chunk, sizeof(chunk))) > 0) {
		r = cm_buf_add(b, chunk, (size_t)k);
		if (r < 0)
			goto out;
	}
	if (k < 0) {
		r = -errno;
		cm_buf_free(b);
	} else if (!b->data) {
		r = cm_buf_add(b, "", 0);	/* empty file: empty string */
	}
out:
	close(fd);
	return r;
}

int cm_file_read_small(const char *path, char *out, size_t size, size_t *len)
{
	size_t got = 0;
	ssize_t k;
	int fd, r = 0;

	if (size < 2)
		return -EINVAL;
	out[0] = '\0';
	if (len)
		*len = 0;
	fd = cm_file_open_regular(path);
	if (fd < 0)
		return fd;
	/* Ask for one byte more than fits, to tell "full" from "too big". */
	while ((k = read_retry(fd, out + got, size - got)) > 0) {
		got += (size_t)k;
		if (got == size) {
			r = -EMSGSIZE;
			goto out;
		}
	}
	if (k < 0)
		r = -errno;
out:
	close(fd);
	out[r < 0 ? 0 : got] = '\0';
	if (len)
		*len = r < 0 ? 0 : got;
	return r;
}
