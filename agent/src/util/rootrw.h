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

#endif
