/* Will the image boot on the target?  The target's facts, as its API
 * answered (struct cm_target_facts), against the image's, as its disk and
 * root say (struct cm_image_facts): boot mode, architecture, drivers.  A
 * mismatch is refused before anything is streamed or imported, naming
 * what does not fit; a fact one side does not know is not a mismatch (it
 * is said, as "not known"). */
#ifndef CM_CONTROL_FIT_H
#define CM_CONTROL_FIT_H

#include <stddef.h>

#include "control.h"

enum cm_fit_verdict { CM_FIT_UNKNOWN = -1, CM_FIT_NO = 0, CM_FIT_YES = 1 };

struct cm_fit {
	enum cm_fit_verdict boot, arch, drivers;
	char boot_why[320];
	char arch_why[320];
	char drivers_why[1024];
};

/* Pure.  missing: the target's drivers the root lacks (space-separated,
 * "" none), or NULL when the root was not looked at. */
void cm_fit_eval(const struct cm_target_facts *t, const struct cm_image_facts *img,
		 const char *missing, struct cm_fit *fit);

/* One line for a refusal ("the disk boots with BIOS only, t4g.micro with
 * UEFI only; the disk is x86_64, t4g.micro arm64") into out: -ENOTSUP
 * when something does not fit, 0 when all fits (out: ""). */
int cm_fit_refusal(const struct cm_fit *fit, char *out, size_t size);

/* "bios", "uefi", "bios+uefi" or "none". */
const char *cm_boot_modes_name(unsigned modes);

/* Of the space-separated module names in wanted, those the root's newest
 * kernel has neither built in nor in modules.dep go into missing
 * (space-separated, "" all there); have gets the others.  The storage
 * drivers among those it has must also be in that kernel's initramfs
 * (check's own kernels and initramfs checks, with a profile of only
 * them); those that are not are added to missing as "nvme (not in the
 * initramfs)".  0, -ENOENT no kernel module tree in the root, or -errno. */
int cm_root_drivers(const char *root, const char *wanted, char *have, size_t have_size,
		    char *missing, size_t missing_size);

struct cm_profile_rt;

/* Folds the target's queried drivers into its profile, for check and
 * adapt: storage drivers (nvme, virtio_blk, ...) into storage_drivers,
 * the others (ena, gve, mana, mlx5_core, ...) into net_drivers.  0 or
 * -E2BIG / -ENAMETOOLONG (a list full). */
int cm_fit_fold(struct cm_profile_rt *p, const struct cm_target_facts *t);

#endif
