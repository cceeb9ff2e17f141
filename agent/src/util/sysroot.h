/* Paths resolved inside a sysroot: "/etc/fstab" under "/sysroot" is
 * /sysroot/etc/fstab, and no symlink or ".." can lead out of it.  Symlinks
 * are followed as the installed system would see them once it is the
 * root: an absolute target starts again at the sysroot, ".." stops at it.
 *
 * openat2(RESOLVE_IN_ROOT) does this in the kernel (Linux >= 5.6); older
 * kernels get a component-by-component openat(O_NOFOLLOW) walk that
 * expands symlinks itself, at most CM_SYSROOT_SYMLINKS_MAX of them
 * (-ELOOP past that), like the kernel's 40.  CM_SYSROOT_NO_OPENAT2 set
 * in the environment forces the walk (tests; valgrind, which does not
 * know openat2 and warns at each call). */
#ifndef CM_SYSROOT_H
#define CM_SYSROOT_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "buf.h"

#define CM_SYSROOT_SYMLINKS_MAX	40
#define CM_NAME_MAX		255	/* one path component (NAME_MAX) */

/* An open sysroot: its directory pinned by fd (a later rename or mount
 * over the path changes nothing for the holder), and whether openat2 was
 * found missing (asked once per handle, not per path). */
struct cm_sysroot {
	int fd;
	int no_openat2;
};

/* 0 or -errno; sysroot NULL or "" is "/". */
int cm_sysroot_init(struct cm_sysroot *s, const char *sysroot);
void cm_sysroot_close(struct cm_sysroot *s);
/* cm_sysroot_open, cm_sysroot_open_parent, cm_sysroot_mkdirs on a handle. */
int cm_sysroot_openat(struct cm_sysroot *s, const char *path, int flags,
		      mode_t mode);
int cm_sysroot_parentat(struct cm_sysroot *s, const char *path, char *name,
			size_t name_size);
int cm_sysroot_mkdirsat(struct cm_sysroot *s, const char *dir);

/* open(2) of path (absolute or relative to the sysroot's root) inside
 * sysroot.  flags and mode as for openat(2); O_NOFOLLOW applies to the
 * last component only, as usual.  An fd or -errno. */
int cm_sysroot_open(const char *sysroot, const char *path, int flags,
		    mode_t mode);

/* The same through the user-space walk only (what cm_sysroot_open falls
 * back to without openat2): exposed so tests cover both. */
int cm_sysroot_open_walk(int rootfd, const char *path, int flags, mode_t mode);

/* The directory holding path, resolved inside sysroot, opened O_RDONLY |
 * O_DIRECTORY (usable for fsync and *at calls), and the last component
 * of path in name (never "", "." or ".."; -EINVAL for such paths).
 * Operations on (fd, name) with AT_SYMLINK_NOFOLLOW / O_NOFOLLOW /
 * renameat / unlinkat never follow a symlink at name.  fd or -errno. */
int cm_sysroot_open_parent(const char *sysroot, const char *path,
			   char *name, size_t name_size);

/* path inside sysroot opened for reading, only if it is a regular file:
 * O_NONBLOCK, so that a FIFO in its place does not hang the open (nor
 * the reads, which it is not let through to).  An fd, -EISDIR,
 * -CM_ENOTREG (log.h: a FIFO, device or socket), or -errno. */
int cm_sysroot_open_file(const char *sysroot, const char *path);
/* The same for name in the directory dirfd (the last component not
 * followed when flags hold O_NOFOLLOW). */
int cm_open_file_at(int dirfd, const char *name, int flags);

/* Reads the whole regular file (symlinks followed inside) into b, capped
 * by b->max: 0, -EMSGSIZE over the cap, -EISDIR, -CM_ENOTREG, -errno. */
int cm_sysroot_read(const char *sysroot, const char *path, struct cm_buf *b);

/* lstat(2) / readlink(2) of path inside sysroot (the last component is
 * not followed).  readlink NUL-terminates: the length, -ENAMETOOLONG
 * when it does not fit, -errno. */
int cm_sysroot_lstat(const char *sysroot, const char *path, struct stat *st);
int cm_sysroot_readlink(const char *sysroot, const char *path, char *out,
			size_t size);

/* Creates the missing directories of dir (mode 0755) inside sysroot. */
int cm_sysroot_mkdirs(const char *sysroot, const char *dir);

/* The regular files of dir in the root whose names match the glob
 * pattern ("*.conf"; names starting with '.' never), sorted by strcmp, the order every
 * tool we edit for reads its drop-in directory in.  The count, 0 when dir
 * is absent, -E2BIG over max or -errno after a line. */
#define CM_SYSROOT_FNAME_MAX (CM_NAME_MAX + 1)
int cm_sysroot_list(const char *sysroot, const char *dir, const char *pattern,
		    char (*names)[CM_SYSROOT_FNAME_MAX], size_t max);

#endif
