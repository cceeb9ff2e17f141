/* `stream --skip-free`: which parts of the disk are free space of its
 * file systems, in units of CM_FREE_UNIT (a unit counts as free only when
 * every byte of it is).  One bit a unit: 16 KiB of map for 8 GiB, 4 MiB
 * for 2 TiB. */
#ifndef CM_STREAM_FREEMAP_H
#define CM_STREAM_FREEMAP_H

#include <stdint.h>

#define CM_FREE_UNIT	(64 * 1024)

struct cm_freemap {
	uint64_t size;			/* the disk's */
	uint8_t *bits;			/* 1: the unit is free */
	uint64_t free_bytes;		/* units marked free, in bytes */
	unsigned filesystems;		/* file systems that gave free space */
};

/* Reads the partition table (libblkid) and each file system's own record
 * of its free space: ext2/3/4 bitmaps (stream/ext4free.c), XFS free-space
 * trees (stream/xfsfree.c), of the disk or image at path, of size bytes.
 * 0 (a disk with nothing to skip is fine) or -errno (logged). */
int cm_freemap_build(struct cm_freemap *m, const char *path, uint64_t size);
void cm_freemap_free(struct cm_freemap *m);

/* Free bytes from off on (up to limit), 0 when off is in use. */
uint64_t cm_freemap_run(const struct cm_freemap *m, uint64_t off, uint64_t limit);
/* The start of the first free unit in [off, limit), or limit. */
uint64_t cm_freemap_next(const struct cm_freemap *m, uint64_t off, uint64_t limit);

#endif
