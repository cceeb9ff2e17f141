/* cloudmove check: can this installed root boot on a target cloud?
 *
 * Each concern is one file and adds lines to one report:
 *   kernels.c    installed kernels, their module trees, the target's
 *                storage and network drivers in each (built in or a
 *                module file found through modules.dep)
 *   initramfs.c  each kernel's initramfs: present, readable, holding the
 *                storage drivers that are not built in
 *   fstabref.c   fstab sources that name a disk the target will not have
 *   bootloader.c a boot loader configuration, and its root= arguments
 *   report.c     the lines, the verdict, text and JSON
 *
 * A line is "ok", "warn" (boots, but see the detail) or "MISSING" (would
 * not boot, or boots into emergency mode).  The root is bootable when no
 * line is MISSING. */
#ifndef CM_CHECK_H
#define CM_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "../profiles/profile.h"

#define CM_CHECK_ITEMS_MAX	256
#define CM_CHECK_WHAT_MAX	256
#define CM_CHECK_DETAIL_MAX	512
#define CM_KERNELS_MAX		16
#define CM_KVER_MAX		128

enum cm_check_status { CM_CHECK_OK = 0, CM_CHECK_WARN, CM_CHECK_MISSING };

struct cm_check_item {
	enum cm_check_status status;
	char what[CM_CHECK_WHAT_MAX];
	char detail[CM_CHECK_DETAIL_MAX];
};

struct cm_check_report {
	size_t n, dropped;	/* dropped: lines over the cap (counted) */
	unsigned missing, warnings;
	struct cm_check_item v[CM_CHECK_ITEMS_MAX];
};

/* Where a driver of the target is, for one kernel. */
enum cm_drv_where {
	CM_DRV_ABSENT = 0,
	CM_DRV_BUILTIN,		/* in modules.builtin */
	CM_DRV_MODULE,		/* a module file, listed in modules.dep */
};

struct cm_kernel {
	char ver[CM_KVER_MAX];
	char image[CM_KVER_MAX + 32];	/* /boot/vmlinuz-<ver> */
	char moddir[CM_KVER_MAX + 32];	/* /usr/lib/modules/<ver>, "" none */
	bool rescue;			/* dracut's generic rescue image */
	enum cm_drv_where storage[CM_PROFILE_LIST_MAX];	/* as p->storage_drivers */
};

struct cm_kernels {
	size_t n;
	struct cm_kernel v[CM_KERNELS_MAX];
};

struct cm_check {
	const char *root;
	const struct cm_profile_rt *p;
	struct cm_check_report *rep;
	struct cm_kernels kernels;
};

/* report.c */
void cm_check_add(struct cm_check_report *rep, enum cm_check_status st,
		  const char *what, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
bool cm_check_bootable(const struct cm_check_report *rep);
/* snprintf for report text: a line cut short is still a line. */
void cm_check_setf(char *out, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
const char *cm_check_status_name(enum cm_check_status st);
struct cm_buf;
/* "<status> <what>: <detail>" per line, then the verdict line. */
int cm_check_format_text(const struct cm_check_report *rep, const char *target,
			 struct cm_buf *out);
/* One object: target, root, checks [{status, what, detail}], bootable. */
int cm_check_format_json(const struct cm_check_report *rep, const char *target,
			 const char *root, struct cm_buf *out);
/* The first MISSING line, for the one-line error: NULL when none. */
const struct cm_check_item *cm_check_first_missing(const struct cm_check_report *rep);

/* The checks; each adds its lines.  0, or -errno for an error that is
 * not a finding (out of memory). */
int cm_check_kernels(struct cm_check *c);
int cm_check_initramfs(struct cm_check *c);
int cm_check_fstab(struct cm_check *c);
int cm_check_bootloader(struct cm_check *c);

/* --- pure helpers, shared and unit tested ------------------------------ */

/* Module names: '-' and '_' are the same to modprobe; a path's basename
 * with .ko, .ko.xz, .ko.zst or .ko.gz stripped. */
bool cm_module_same(const char *a, size_t alen, const char *b);
/* The module name of a path ("kernel/x/virtio_scsi.ko.xz" ->
 * "virtio_scsi"): its length, 0 when the path is no module file. */
size_t cm_module_name(const char *path, size_t len, const char **name);

/* modules.builtin text: true when module is listed. */
bool cm_modules_builtin_has(const char *buf, size_t len, const char *module);
/* modules.dep text: the line of module; its path (before ':') into path
 * and the rest (dependencies) into deps.  1 found, 0 not, -ENAMETOOLONG. */
int cm_modules_dep_find(const char *buf, size_t len, const char *module,
			char *path, size_t path_size, char *deps,
			size_t deps_size);

/* What a device named in fstab or root= becomes on the target. */
enum cm_devref {
	CM_DEVREF_STABLE = 0,	/* UUID=, LABEL=, by-uuid, mapper, LVM, ... */
	CM_DEVREF_SAME_SCHEME,	/* /dev/sda1 on a cloud naming disks sdX */
	CM_DEVREF_GONE,		/* a name the target's disks will not have */
	CM_DEVREF_NOT_DEVICE,	/* tmpfs, proc, nfs host:/path, ... */
};
/* Classifies spec for the target's disk naming; why gets the reason (for
 * SAME_SCHEME and GONE). */
enum cm_devref cm_check_devref(const char *spec, enum cm_disk_naming target,
			       char *why, size_t why_size);

#endif
