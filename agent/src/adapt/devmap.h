/* Stable names for the devices an installed root refers to by unstable
 * ones (/dev/xvda1, /dev/sda1, ...), known even when those devices are
 * not present here, which is the usual case: the root was installed on
 * another cloud, or is a fixture.  Sources, most trusted first:
 *  - the root filesystem itself when the sysroot is mounted from a block
 *    device (the initramfs' /sysroot, or / on a live system): libblkid;
 *  - what the root records: fstab entries that already use UUID=/LABEL=
 *    for "/", root=UUID=... in its boot loader configuration, Debian's
 *    installer comments ("# / was on /dev/sda1 during installation")
 *    above an fstab entry, and a libblkid cache file (etc/blkid.tab);
 *  - the live devices (libblkid), only when the sysroot is mounted here:
 *    a fixture's /dev/sda1 is not this machine's /dev/sda1. */
#ifndef CM_ADAPT_DEVMAP_H
#define CM_ADAPT_DEVMAP_H

#include <stddef.h>

#include "../util/buf.h"

#define CM_DEVMAP_MAX 32
#define CM_DEVMAP_NAME_MAX 192

struct cm_devmap {
	size_t n;
	struct {
		char dev[CM_DEVMAP_NAME_MAX];		/* "/dev/xvda1" */
		char stable[CM_DEVMAP_NAME_MAX];	/* "UUID=..." */
	} v[CM_DEVMAP_MAX];
	char root[CM_DEVMAP_NAME_MAX];	/* the root fs's stable name, or "" */
	char root_from[64];		/* where that came from, for notes */
	int live;			/* the sysroot is mounted from a device */
};

/* Pure: learns from an fstab's text (installer comments, "/" entry). */
void cm_devmap_learn_fstab(struct cm_devmap *m, const char *buf, size_t len);
/* Pure: learns from kernel arguments (root=UUID=...). */
void cm_devmap_learn_kargs(struct cm_devmap *m, const char *args, size_t len,
			   const char *from);
/* Pure: learns from a libblkid cache file's text. */
void cm_devmap_learn_blkid_tab(struct cm_devmap *m, const char *buf, size_t len);

/* Everything above from the files of the root (missing files are fine). */
void cm_devmap_load(const char *sysroot, struct cm_devmap *m);

/* A cm_fstab_resolve_fn over a struct cm_devmap (ctx): the stable name of
 * dev, 0 or -ENOENT.  The root filesystem's unstable names (fstab's "/"
 * source) resolve to m->root. */
int cm_devmap_resolve(void *ctx, const char *dev, char *out, size_t size);

/* A stable name: UUID=, LABEL=, PARTUUID=, PARTLABEL=, /dev/disk/by-uuid|
 * by-label|by-partuuid/..., /dev/mapper/..., /dev/<vg>/<lv>. */
int cm_devmap_stable(const char *spec);

#endif
