/* Bounded reads of whole files, and paths joined under a --root. */
#ifndef CM_FILE_H
#define CM_FILE_H

#include <stddef.h>

#include "buf.h"

/* Joins root and an absolute rel ("/sys/...") into out.  root may be NULL
 * or "" (the live system).  -ENAMETOOLONG when it does not fit. */
int cm_path_join(char *out, size_t size, const char *root, const char *rel);

/* dir + "/" + name into out: 0 or -ENAMETOOLONG. */
int cm_path_cat(char *out, size_t size, const char *dir, const char *name);

/* open(2) of path for reading, without waiting (O_NONBLOCK: a FIFO does
 * not hang us) and only if it is a regular file: an fd, -EISDIR for a
 * directory, -CM_ENOTREG (log.h) for a FIFO, device or socket, or -errno. */
int cm_file_open_regular(const char *path);

/* fd when it is a regular file; else fd closed and -EISDIR or
 * -CM_ENOTREG (a negative fd is passed through). */
int cm_fd_regular_only(int fd);

/* Regular files only (cm_file_open_regular).
 * Reads the whole file into b (whose max is the cap): 0, -EMSGSIZE when
 * the file is larger than the cap, or -errno from open/read. */
int cm_file_read(const char *path, struct cm_buf *b);

/* Same into a caller's array; *len excludes the added NUL. */
int cm_file_read_small(const char *path, char *out, size_t size, size_t *len);

#endif
