#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "../log.h"
#include "rootrw.h"

/* statvfs's ST_* flags are the same bits as mount(2)'s MS_* for the
 * per-mount options that a remount must repeat.  (A remount ignores the
 * source and type given; they are named rather than NULL for valgrind.) */
static unsigned long mount_flags(unsigned long st)
{
	static const unsigned long keep[][2] = {
		{ ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC }, { ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
		{ ST_SYNCHRONOUS, MS_SYNCHRONOUS }, { ST_MANDLOCK, MS_MANDLOCK },
	};
	unsigned long f = 0;
	size_t i;

	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
		if (st & keep[i][0])
			f |= keep[i][1];
	return f;
}

/* syncfs(2) of the file system holding path: 0 or -errno (logged). */
static int sync_fs(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return 0;	/* nothing of ours to flush there */
	if (syncfs(fd) < 0)
		r = cm_err(-errno, "sync %s", path);
	close(fd);
	return r;
}

/* A mount is read-only by its own flag (a read-only bind mount), by its
 * file system's (the initramfs' /sysroot, mounted "ro" from a device),
 * or both: the first is changed with MS_BIND and leaves the file system
 * alone (remounting a bind mount's file system would change every other
 * mount of it: the host's root, in a test); the second only when the
 * first was not enough. */
int cm_rootrw_begin(struct cm_rootrw *st, const char *path)
{
	struct statvfs sv;

	memset(st, 0, sizeof(*st));
	snprintf(st->path, sizeof(st->path), "%s", path);
	if (statvfs(path, &sv) < 0)
		return cm_err(-errno, "statvfs %s", path);
	if (!(sv.f_flag & ST_RDONLY))
		return 0;
	st->flags = mount_flags(sv.f_flag);
	if (mount("none", path, "none", MS_REMOUNT | MS_BIND | st->flags, NULL) == 0) {
		st->remounted = CM_ROOTRW_MOUNT;
		if (statvfs(path, &sv) == 0 && !(sv.f_flag & ST_RDONLY)) {
			cm_debug("made the mount of %s read-write", path);
			return 0;
		}
	}
	if (mount("none", path, "none", MS_REMOUNT | st->flags, NULL) < 0) {
		cm_rootrw_end(st);
		return cm_err(-errno, "remount %s read-write", path);
	}
	st->remounted = CM_ROOTRW_FS;
	cm_debug("remounted %s read-write", path);
	return 0;
}

int cm_rootrw_end(struct cm_rootrw *st)
{
	unsigned long how = st->remounted == CM_ROOTRW_MOUNT ? MS_BIND : 0;
	int r;

	r = sync_fs(st->path);
	if (!st->remounted)
		return r;
	if (mount("none", st->path, "none", MS_REMOUNT | MS_RDONLY | how | st->flags,
		  NULL) < 0)
		return cm_err(-errno, "remount %s read-only again", st->path);
	st->remounted = 0;
	cm_debug("remounted %s read-only", st->path);
	return r;
}

int cm_rootro_begin(struct cm_rootrw *st, const char *path)
{
	struct statvfs sv;

	memset(st, 0, sizeof(*st));
	snprintf(st->path, sizeof(st->path), "%s", path);
	if (statvfs(path, &sv) < 0)
		return cm_err(-errno, "statvfs %s", path);
	if (sv.f_flag & ST_RDONLY)
		return 0;
	st->flags = mount_flags(sv.f_flag);
	sync_fs(path);
	if (mount("none", path, "none", MS_REMOUNT | MS_RDONLY | st->flags, NULL) < 0)
		return cm_err(-errno, "remount %s read-only", path);
	st->remounted = CM_ROOTRW_FS;
	return 0;
}

int cm_rootro_end(struct cm_rootrw *st)
{
	if (!st->remounted)
		return 0;
	if (mount("none", st->path, "none", MS_REMOUNT | st->flags, NULL) < 0)
		return cm_err(-errno, "remount %s read-write again", st->path);
	st->remounted = 0;
	return 0;
}
