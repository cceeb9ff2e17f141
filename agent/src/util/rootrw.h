/* The root is mounted read-only before the pivot.  Writers make it
 * writable for as short a time as they can and put it back as it was. */
#ifndef CM_ROOTRW_H
#define CM_ROOTRW_H

enum {
	CM_ROOTRW_MOUNT = 1,	/* the mount's own read-only flag */
	CM_ROOTRW_FS,		/* the file system (and the mount) */
};

struct cm_rootrw {
	char path[4096];
	unsigned long flags;	/* the mount flags to restore */
	int remounted;		/* we made it writable: CM_ROOTRW_* */
};

/* Makes the filesystem holding path writable when it is mounted
 * read-only (remount, keeping its other flags).  0 (st says whether it
 * changed anything), -errno. */
int cm_rootrw_begin(struct cm_rootrw *st, const char *path);

/* Syncs and, if begin remounted, remounts read-only again.  0 or -errno
 * (logged). */
int cm_rootrw_end(struct cm_rootrw *st);

/* The other way round, for a move before the pivot from a root the
 * initramfs mounted read-write (dracut without "ro" on the command
 * line): the file system read-only while its disk streams (syncs
 * first), then read-write again with cm_rootro_end.  0 (st says whether
 * it changed anything) or -errno, logged. */
int cm_rootro_begin(struct cm_rootrw *st, const char *path);
int cm_rootro_end(struct cm_rootrw *st);

#endif
