/* Rebuilding the initramfs images after an adaptation changed what goes
 * into them (drivers): for every installed kernel, with the root's own
 * generator (dracut, else update-initramfs) run in a chroot of the root,
 * depmod first.  The root's own tools know its layout, its hooks and its
 * compression; the agent only decides when and keeps the old image.
 *
 * Each image is built to a temporary file beside it, fsync'ed, the old
 * image kept as a hard link "<image>.cloudmove-<txn>" (only the newest is
 * kept per kernel: /boot is small), and renamed over: after a crash
 * the image is old or new, never half.  What was replaced is recorded in
 * /var/lib/cloudmove/txn/<id>/initramfs before the rename, so rolling
 * back that transaction puts the old images back (cm_initramfs_undo). */
#ifndef CM_ADAPT_INITRAMFS_H
#define CM_ADAPT_INITRAMFS_H

#include <stddef.h>

#include "../limits.h"

#define CM_KERNELS_MAX 16
#define CM_KVER_MAX 128
#define CM_INITRAMFS_TIMEOUT_S 900	/* one generator run, under TCG too */

struct cm_kernel {
	char kver[CM_KVER_MAX];
	char image[CM_PATH_MAX];	/* the image path boot uses for it */
	int has_image;			/* it exists now */
};

/* Installed kernels: a module tree (lib/modules/KVER) and a kernel image
 * (boot/vmlinuz-KVER).  The count (sorted by name), or -errno. */
int cm_initramfs_kernels(const char *sysroot, struct cm_kernel *v, size_t max);

/* The generator the root has: "dracut", "update-initramfs" or NULL. */
const char *cm_initramfs_tool(const char *sysroot);

struct cm_initramfs_report {
	unsigned built, failed;
	char tool[32];
	double seconds;
};

/* Rebuilds every installed kernel's image for transaction txn_id ("0003").
 * 0 when every image was rebuilt (or there is no kernel), -errno after
 * an error line per failed kernel (its old image stays in place).  The
 * generators' output goes to /var/lib/cloudmove/txn/<id>/initramfs.log. */
int cm_initramfs_regenerate(const char *sysroot, const char *txn_id,
			    struct cm_initramfs_report *rep);

/* Puts back the images transaction txn_id replaced (no record: 0). */
int cm_initramfs_undo(const char *sysroot, const char *txn_id);

#endif
