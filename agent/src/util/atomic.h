/* Replacing a file so that a crash at any instant leaves the old or the
 * new content, never a mix: temp file in the same directory, fsync,
 * rename, fsync of the directory.  The temp file is created exclusively
 * (O_EXCL|O_NOFOLLOW) under a name no one can guess, so a file or link
 * planted in a directory others can write is never opened. */
#ifndef CM_ATOMIC_H
#define CM_ATOMIC_H

#include <stddef.h>
#include <sys/types.h>

/* Creates missing parent directories (mode 0755) of path. */
int cm_mkdir_parents(const char *path);

int cm_atomic_write(const char *path, const void *data, size_t len,
		    mode_t mode);

#endif
