/* The EFI system partition of an installed root, for a move: an image
 * that boots on UEFI only through its machine's boot entry (NVRAM, which
 * does not travel with the disk) gets the removable-media loader that
 * every firmware tries on a disk it has never seen, EFI/BOOT/BOOTX64.EFI
 * (BOOTAA64.EFI on arm64): a copy of the distro's shim when the root
 * boots through shim (and shim's second stage, grubx64.efi, beside it),
 * else of its GRUB or systemd-boot.
 *
 * The ESP is a file system of its own (vfat), mounted at the root's
 * /boot/efi.  The change is an ordinary change of the adaptation's
 * transaction (txn.h: journal and backups on the root, the temp file and
 * the rename on the ESP), so it is undone with the rest: every writer
 * and undoer of a transaction that touches /boot/efi holds the ESP
 * mounted there for its writable window (cm_esp_begin / cm_esp_end);
 * between windows (the stream) it is unmounted, so the disk holds a
 * whole FAT.  Where it was mounted already (a running system), it is
 * used as it is. */
#ifndef CM_ADAPT_ESP_H
#define CM_ADAPT_ESP_H

#include <stddef.h>

#include "../limits.h"
#include "plan.h"

#define CM_ESP_DIR		"/boot/efi"
#define CM_ESP_LOADER_MAX	(64u << 20)	/* one loader copied whole */

struct cm_esp {
	char target[CM_PATH_MAX];	/* root + /boot/efi, when we mounted it */
	char dev[CM_PATH_MAX];		/* what was mounted there */
	int mounted;			/* 1: ours, cm_esp_end unmounts */
};

/* The ESP mounted at root's /boot/efi for a transaction's writable
 * window: 1 mounted now (the device from the root's fstab /boot/efi
 * entry), 0 nothing to do (mounted already, no /boot/efi directory, no
 * fstab entry: e->dev says which, "" when none), or -errno (logged). */
int cm_esp_begin(const char *root, struct cm_esp *e);

/* Syncs and unmounts what cm_esp_begin mounted.  0 or -errno (logged). */
int cm_esp_end(struct cm_esp *e);

/* Adds to plan what makes the ESP under root's /boot/efi boot on
 * firmware without a boot entry for it: nothing when EFI/BOOT/BOOT<ARCH>.EFI
 * is there or no loader is found.  Reads only.  The number of changes
 * added (0..4), or -errno: a loader that cannot be read. */
int cm_esp_removable_plan(const char *root, struct cm_plan *plan);

/* 1 when path is on the ESP (under /boot/efi/). */
int cm_esp_path(const char *path);

#endif
