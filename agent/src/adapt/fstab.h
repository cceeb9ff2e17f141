/* fstab rewriter: device names that change between clouds (/dev/xvda1,
 * /dev/sda1, /dev/vda1, /dev/nvme0n1p1, /dev/disk/by-path/...) become
 * UUID= (or LABEL=); data disks get nofail and a device timeout so a
 * missing one never stops boot; swap follows the profile.  Comments,
 * order and untouched lines stay byte-identical. */
#ifndef CM_ADAPT_FSTAB_H
#define CM_ADAPT_FSTAB_H

#include <stddef.h>

#include "../util/buf.h"

#define CM_FSTAB_MAX (256 * 1024)

struct cm_fstab_opts {
	int data_nofail;		/* nofail on data (non-system) mounts */
	int device_timeout_s;		/* with it: x-systemd.device-timeout */
	int swap;			/* 0: swap entries are commented out */
	const char *root;		/* the root fs's stable name ("UUID=..."),
					   for an unstable "/" entry; or NULL */
};

/* Maps an unstable device path to "UUID=..."/"LABEL=..."; 0 found,
 * <0 unknown (the entry is kept as it is, and reported). */
typedef int (*cm_fstab_resolve_fn)(void *ctx, const char *dev, char *out,
				   size_t size);

struct cm_fstab_result {
	unsigned renamed, nofail, swap_off, unresolved;
	char unresolved_dev[4][512];	/* the first few, for the message */
};

/* Pure (but for resolve): buf -> out.  0, -EMSGSIZE over the cap,
 * -EBADMSG for a file that is not an fstab (a NUL, or an entry line with
 * fewer than 2 fields), -ENOMEM. */
int cm_fstab_rewrite(const char *buf, size_t len, const struct cm_fstab_opts *o,
		     cm_fstab_resolve_fn resolve, void *ctx, struct cm_buf *out,
		     struct cm_fstab_result *res);

/* Unstable names: the kernel's enumeration order or the bus decides them. */
int cm_fstab_unstable_device(const char *spec);

/* A resolver for the live system's block devices (libblkid). */
int cm_fstab_resolve_blkid(void *ctx, const char *dev, char *out, size_t size);

struct cm_profile_rt;
struct cm_plan;
struct cm_adapt_report;

/* The rewriter (see rewrite.h): adds what profile p needs to plan. */
int cm_fstab_plan(const char *sysroot, const struct cm_profile_rt *p,
		  struct cm_plan *plan, struct cm_adapt_report *rep);

#endif
