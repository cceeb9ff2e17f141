/* Hard caps on what is read from outside: the ones shared across modules
 * (CM_PATH_MAX) and detection's and the kernel command line's, the first
 * readers.  Every other cap lives beside the code it bounds: CM_*_MAX in
 * the module's header when other files see it, a file-local *_MAX in the
 * .c when only that file does (doc/design.md, "Caps", says how to list
 * them all). */
#ifndef CM_LIMITS_H
#define CM_LIMITS_H

#define CM_PATH_MAX		4096
#define CM_DMI_FILE_MAX		4096	/* one sysfs dmi/id attribute */
#define CM_DMI_VALUE_MAX	128	/* SMBIOS strings are short; longer is junk */
#define CM_CPUINFO_MAX		(256 * 1024)
#define CM_SMBIOS_ENTRY_MAX	64	/* _SM_ is 31 bytes, _SM3_ 24 */
#define CM_SMBIOS_TABLE_MAX	(1024 * 1024)
/* The command line read whole; past it, only the switches that make the
 * agent do less (boot/cmdline.c).  Linux's own limit is 2048 on x86, but
 * bootloaders and other architectures pass more. */
#define CM_CMDLINE_MAX		(64 * 1024)
#define CM_EVIDENCE_MAX		8

#endif
