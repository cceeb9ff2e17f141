/* ext2/3/4 free blocks (see ext4free.h).  Layout: the kernel's
 * Documentation/filesystems/ext4 (super block at byte 1024; the group
 * descriptor table in the block after s_first_data_block; each
 * descriptor's bg_block_bitmap, bg_flags). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ext4free.h"

#define SB_OFFSET		1024
#define SB_SIZE			1024
#define EXT_MAGIC		0xEF53
#define STATE_ERRORS		0x0002
#define INCOMPAT_RECOVER	0x0004
#define INCOMPAT_META_BG	0x0010
#define INCOMPAT_64BIT		0x0080
#define RO_COMPAT_GDT_CSUM	0x0010
#define RO_COMPAT_METADATA_CSUM	0x0400
#define BG_BLOCK_UNINIT		0x0002
#define GROUPS_MAX		(1u << 24)	/* 2^24 groups of 128 MiB: 2 PiB */

static uint32_t le16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

struct ext_fs {
	uint64_t blocks;		/* s_blocks_count */
	uint32_t block_size;
	uint32_t first_data_block;
	uint32_t per_group;		/* blocks per group */
	uint32_t groups;
	uint32_t desc_size;
	int is64;
	int uninit_valid;		/* BLOCK_UNINIT means what it says */
};

/* 1 a file system to trust, 0 not */
static int super(const uint8_t *sb, uint64_t fs_size, struct ext_fs *fs)
{
	uint32_t log_bs = le32(sb + 0x18), incompat = le32(sb + 0x60);
	uint32_t ro_compat = le32(sb + 0x64);

	if (le16(sb + 0x38) != EXT_MAGIC || log_bs > 6)
		return 0;
	if ((le16(sb + 0x3A) & STATE_ERRORS) || (incompat & (INCOMPAT_RECOVER | INCOMPAT_META_BG)))
		return 0;
	fs->block_size = 1024u << log_bs;
	fs->is64 = !!(incompat & INCOMPAT_64BIT);
	fs->blocks = le32(sb + 0x04) | (fs->is64 ? (uint64_t)le32(sb + 0x150) << 32 : 0);
	fs->first_data_block = le32(sb + 0x14);
	fs->per_group = le32(sb + 0x20);
	fs->desc_size = fs->is64 ? le16(sb + 0xFE) : 32;
	fs->uninit_valid = !!(ro_compat & (RO_COMPAT_GDT_CSUM | RO_COMPAT_METADATA_CSUM));
	if (!fs->per_group || fs->per_group > 8 * fs->block_size || fs->desc_size < 32 ||
	    fs->desc_size > 1024 || (fs->desc_size & (fs->desc_size - 1)) ||
	    fs->blocks <= fs->first_data_block || fs->blocks > fs_size / fs->block_size)
		return 0;
	if ((fs->blocks - fs->first_data_block + fs->per_group - 1) / fs->per_group > GROUPS_MAX)
		return 0;
	fs->groups = (uint32_t)((fs->blocks - fs->first_data_block + fs->per_group - 1) /
				fs->per_group);
	return 1;
}

/* The free blocks of group g from its bitmap. */
static void group_free(const struct ext_fs *fs, uint32_t g, const uint8_t *bitmap,
		       struct cm_fs_runs *r)
{
	uint64_t first = fs->first_data_block + (uint64_t)g * fs->per_group;
	uint64_t n = fs->blocks - first < fs->per_group ? fs->blocks - first : fs->per_group;
	uint64_t i;

	for (i = 0; i < n; i++)
		if (!(bitmap[i >> 3] & (1u << (i & 7)))) {
			cm_fs_runs_add(r, (first + i) * fs->block_size, fs->block_size);
		}
}

/* The block bitmap's block number from descriptor d, or 0 to count the
 * group as all used. */
static uint64_t bitmap_block(const struct ext_fs *fs, const uint8_t *d)
{
	uint64_t b = le32(d);

	if (fs->uninit_valid && (le16(d + 0x12) & BG_BLOCK_UNINIT))
		return 0;
	if (fs->is64 && fs->desc_size >= 64)
		b |= (uint64_t)le32(d + 0x20) << 32;
	return b && b < fs->blocks ? b : 0;
}

int64_t cm_ext4_free(cm_fs_read_fn read, void *rctx, uint64_t fs_size,
		     cm_fs_free_fn on_free, void *fctx)
{
	uint8_t sb[SB_SIZE], desc[1024];
	struct cm_fs_runs r = { .on_free = on_free, .ctx = fctx };
	struct ext_fs fs;
	uint64_t gdt;
	uint8_t *bitmap;
	uint32_t g;
	int e;

	if (fs_size < SB_OFFSET + SB_SIZE)
		return 0;
	e = read(rctx, SB_OFFSET, sb, sizeof(sb));
	if (e < 0)
		return e;
	if (!super(sb, fs_size, &fs))
		return 0;
	bitmap = malloc(fs.block_size);
	if (!bitmap)
		return -ENOMEM;
	gdt = ((uint64_t)fs.first_data_block + 1) * fs.block_size;
	for (g = 0; g < fs.groups; g++) {
		uint64_t b, d = gdt + (uint64_t)g * fs.desc_size;

		if (d + fs.desc_size > fs_size)
			break;
		e = read(rctx, d, desc, fs.desc_size);
		if (e < 0)
			break;
		b = bitmap_block(&fs, desc);
		if (!b)
			continue;
		e = read(rctx, b * fs.block_size, bitmap, fs.block_size);
		if (e < 0)
			break;
		group_free(&fs, g, bitmap, &r);
	}
	free(bitmap);
	cm_fs_runs_flush(&r);
	return e < 0 ? e : r.total;
}
