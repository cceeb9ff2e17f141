/* What firmware a disk image boots with, and for which architecture, read
 * from the disk's own bytes (no mount, no libblkid: the same code runs on
 * a file, a block device and, fuzzed, on any bytes):
 *
 *   BIOS  the MBR holds boot code (bytes 0..439 not all zero) and, on a
 *         GPT disk, a BIOS boot partition gives the loader its core
 *         (GRUB's i386-pc layout); on an MBR disk the boot code suffices
 *   UEFI  an EFI system partition (GPT type C12A7328-..., or MBR type
 *         0xEF) holding a FAT file system with a loader: EFI/BOOT/BOOT*.EFI
 *         (the removable-media path every firmware tries) or a distro's
 *         EFI/VENDOR/NAME.EFI (shimx64.efi, grubx64.efi: the firmware finds
 *         those through its boot entries, which a new machine lacks, so
 *         only a fallback path makes the disk boot anywhere: both count,
 *         the evidence says which)
 *   arch  the loader's PE machine type (x86_64, arm64, i386); a BIOS-only
 *         disk is x86 (no other architecture has a PC BIOS) and, given
 *         the installed root, its /bin/sh ELF machine says which width.
 *
 * The FAT reader is small and bounded: FAT12/16/32, 8.3 names (every
 * FAT writer stores one beside a long name; loaders' names fit), at most
 * CM_FW_DIR_MAX bytes of a directory, CM_FW_CHAIN_MAX clusters of a chain. */
#ifndef CM_MOVE_FIRMWARE_H
#define CM_MOVE_FIRMWARE_H

#include <stddef.h>
#include <stdint.h>

#include "../control/control.h"

#define CM_FW_DIR_MAX		(256 * 1024)
#define CM_FW_CHAIN_MAX		4096
#define CM_FW_PARTS_MAX		128

/* Reads exactly len bytes at off: 0, or -errno (-EIO past the end). */
struct cm_disk_reader {
	int (*read)(void *arg, uint64_t off, void *buf, size_t len);
	void *arg;
	uint64_t size;
};

/* Pure over the reader: f->firmware, f->arch, f->size; evidence gets one
 * line of what was found ("MBR boot code, BIOS boot partition 1; ESP
 * partition 2: EFI/BOOT/BOOTX64.EFI (x86_64)").  0 (firmware may be 0:
 * nothing bootable found, the evidence says so), or -errno from the
 * reader.  Fuzzed. */
int cm_firmware_probe(const struct cm_disk_reader *d, struct cm_image_facts *f,
		      char *evidence, size_t size);

/* A reader over memory (the fuzz harness, the unit tests). */
struct cm_mem_disk {
	const uint8_t *data;
	size_t len;
};
void cm_mem_disk_reader(struct cm_mem_disk *m, struct cm_disk_reader *d);

/* The facts of path (a file or a block device), only read.  0 or -errno
 * (not logged: the caller knows whether it matters). */
int cm_firmware_of(const char *path, struct cm_image_facts *f, char *evidence,
		   size_t size);

/* The architecture of an ELF header (its first 20 bytes or more):
 * "x86_64", "arm64", "i386" or NULL. */
const char *cm_elf_arch(const uint8_t *hdr, size_t len);

/* The installed root's architecture (its /bin/sh's ELF machine) into
 * arch: 0, or -errno (nothing written). */
int cm_root_arch(const char *root, char *arch, size_t size);

#endif
