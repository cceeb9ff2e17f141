/* Boot loader configurations for check (see bootloader.c): the kernel
 * command lines they hold, parsed without I/O (unit tested). */
#ifndef CM_CHECK_BOOTLOADER_H
#define CM_CHECK_BOOTLOADER_H

#include <stddef.h>

#define CM_BOOT_CFG_MAX		(1024 * 1024)	/* grub.cfg, extlinux.conf */
#define CM_BLS_ENTRY_MAX	(64 * 1024)
#define CM_BLS_ENTRIES_MAX	64

enum cm_boot_cfg {
	CM_BOOT_GRUB,		/* grub.cfg: linux, linuxefi, linux16 lines */
	CM_BOOT_GRUB_LEGACY,	/* menu.lst: kernel lines */
	CM_BOOT_BLS,		/* loader/entries/NAME.conf: options lines, joined */
	CM_BOOT_EXTLINUX,	/* extlinux.conf, syslinux.cfg: append lines */
};

/* Called with each kernel command line (not NUL-terminated). */
typedef void (*cm_boot_cmdline_fn)(void *ctx, const char *args, size_t len);

/* The command lines of a configuration: their count.  For BLS,
 * "$kernelopts" is replaced by kernelopts (RHEL 8 keeps the arguments in
 * grubenv), when given.  *blscfg (GRUB only, may be NULL) is set when the
 * file reads BLS entries (the "blscfg" command). */
int cm_boot_cfg_cmdlines(const char *buf, size_t len, enum cm_boot_cfg kind,
			 const char *kernelopts, int *blscfg,
			 cm_boot_cmdline_fn fn, void *ctx);

/* The value of the last root= in args (the kernel takes the last one):
 * 1 and out, 0 none, -ENAMETOOLONG. */
int cm_boot_cmdline_root(const char *args, size_t len, char *out, size_t size);

/* grubenv text: the value of key into out: 1, 0 absent. */
int cm_grubenv_get(const char *buf, size_t len, const char *key, char *out,
		   size_t size);

#endif
