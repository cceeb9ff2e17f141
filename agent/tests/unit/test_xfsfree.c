/* The XFS free-space reader (stream/xfsfree.c) on a small file system
 * built here byte by byte (v4 and v5 with its CRCs): the free runs it
 * reports, and the refusals (0: read it all) for a bad magic, mkfs not
 * done, unknown features, a log to replay, absurd numbers, loops in the
 * tree, records that disagree with the AGF, bad CRCs.
 *
 * The image: 4 KiB blocks, 512-byte sectors, 2 AGs of 64 blocks.  AG 0:
 * the log at blocks 16..47, its bnobt one leaf at block 1 with [5, 10)
 * and [50, 64).  AG 1: a two-level bnobt, the root node at 1 over leaves
 * 2 ([10, 12), [20, 25)) and 3 ([30, 40), [60, 64)). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stream/xfsfree.h"
#include "test.h"
#include "util/crc32c.h"

#define BS		4096u
#define AGBLOCKS	64u
#define IMG_SIZE	(2 * AGBLOCKS * BS)
#define LOG_START	16u
#define LOG_BLOCKS	32u
#define AG1		(AGBLOCKS * BS)

static uint8_t img[IMG_SIZE];
static int v5;

static void put16(uint32_t off, uint32_t v) { img[off] = (uint8_t)(v >> 8); img[off + 1] = (uint8_t)v; }
static void put32(uint32_t off, uint32_t v) { put16(off, v >> 16); put16(off + 2, v & 0xFFFF); }
static void put64(uint32_t off, uint64_t v) { put32(off, (uint32_t)(v >> 32)); put32(off + 4, (uint32_t)v); }
static uint32_t get32(uint32_t off)
{
	return (uint32_t)img[off] << 24 | (uint32_t)img[off + 1] << 16 | (uint32_t)img[off + 2] << 8 | img[off + 3];
}

static const uint8_t uuid[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

/* The CRC at crc_off of len bytes at off, as XFS stores it. */
static void seal_at(uint32_t off, uint32_t len, uint32_t crc_off)
{
	uint32_t c;

	memset(img + off + crc_off, 0, 4);
	c = cm_crc32c(0, img + off, len);
	img[off + crc_off] = (uint8_t)c;
	img[off + crc_off + 1] = (uint8_t)(c >> 8);
	img[off + crc_off + 2] = (uint8_t)(c >> 16);
	img[off + crc_off + 3] = (uint8_t)(c >> 24);
}

static const uint32_t tree_blocks[] = { 1, AGBLOCKS + 1, AGBLOCKS + 2, AGBLOCKS + 3 };

/* Recomputes every v5 CRC (after a change that is to be tested on its
 * own merits, not caught by a CRC). */
static void seal(void)
{
	size_t i;

	if (!v5)
		return;
	seal_at(0, 512, 224);
	seal_at(512, 512, 216);
	seal_at(AG1 + 512, 512, 216);
	for (i = 0; i < sizeof(tree_blocks) / sizeof(tree_blocks[0]); i++)
		seal_at(tree_blocks[i] * BS, BS, 52);
}

/* A short-form tree block header at fs block blk of AG agno. */
static uint32_t tree_block(uint32_t blk, uint32_t agno, uint32_t level, uint32_t n,
			   uint32_t left, uint32_t right)
{
	uint32_t off = blk * BS;

	put32(off, v5 ? 0x41423342 : 0x41425442);
	put16(off + 4, level);
	put16(off + 6, n);
	put32(off + 8, left);
	put32(off + 12, right);
	if (v5) {
		put64(off + 16, (uint64_t)blk * (BS / 512));
		memcpy(img + off + 32, uuid, 16);
		put32(off + 48, agno);
	}
	return off + (v5 ? 56 : 16);
}

static void agf(uint32_t agno, uint32_t root, uint32_t levels, uint32_t freeblks, uint32_t longest)
{
	uint32_t off = agno * AG1 + 512;

	put32(off, 0x58414746);
	put32(off + 4, 1);
	put32(off + 8, agno);
	put32(off + 12, AGBLOCKS);
	put32(off + 16, root);
	put32(off + 28, levels);
	put32(off + 52, freeblks);
	put32(off + 56, longest);
	memcpy(img + off + 64, uuid, 16);
}

/* An unmount record at the log's first basic block, cycle 1: the head
 * right after it, the rest of the log never written (cycle 0). */
static void clean_log(void)
{
	uint32_t off = LOG_START * BS;

	put32(off, 0xFEEDBABE);
	put32(off + 4, 1);			/* h_cycle */
	put32(off + 8, v5 ? 2 : 1);		/* h_version */
	put32(off + 12, 512);			/* h_len */
	put32(off + 40, 1);			/* h_num_logops */
	memcpy(img + off + 304, uuid, 16);	/* h_fs_uuid */
	put32(off + 320, 32768);		/* h_size */
	put32(off + 512, 1);			/* the cycle, over oh_tid */
	img[off + 512 + 8] = 0xAA;		/* oh_clientid: XFS_LOG */
	img[off + 512 + 9] = 0x20;		/* oh_flags: XLOG_UNMOUNT_TRANS */
	put16(off + 512 + 12, 0x556E);		/* the unmount magic */
}

static void build(int crc)
{
	uint32_t p;

	v5 = crc;
	memset(img, 0, sizeof(img));
	put32(0, 0x58465342);
	put32(4, BS);
	put64(8, 2 * AGBLOCKS);			/* dblocks */
	memcpy(img + 32, uuid, 16);
	put64(48, LOG_START);			/* logstart */
	put32(84, AGBLOCKS);
	put32(88, 2);				/* agcount */
	put32(96, LOG_BLOCKS);
	put16(100, crc ? 5 : 4 | 0x2000);	/* v4 needs dirv2 */
	put16(102, 512);
	img[120] = 12;				/* blocklog */
	img[121] = 9;				/* sectlog */
	img[124] = 6;				/* agblklog */
	if (crc)
		put32(216, 0x1 | 0x8);		/* ftype, bigtime */
	clean_log();
	/* AG 0: one leaf */
	p = tree_block(1, 0, 0, 2, 0xFFFFFFFF, 0xFFFFFFFF);
	put32(p, 5), put32(p + 4, 5), put32(p + 8, 50), put32(p + 12, 14);
	agf(0, 1, 1, 19, 14);
	/* AG 1: a node over two leaves */
	p = tree_block(AGBLOCKS + 1, 1, 1, 2, 0xFFFFFFFF, 0xFFFFFFFF);
	put32(p, 10), put32(p + 4, 2), put32(p + 8, 30), put32(p + 12, 10);
	p += (BS - (v5 ? 56 : 16)) / 12 * 8;	/* the pointers: after room for maxrecs keys */
	put32(p, 2), put32(p + 4, 3);
	p = tree_block(AGBLOCKS + 2, 1, 0, 2, 0xFFFFFFFF, 3);
	put32(p, 10), put32(p + 4, 2), put32(p + 8, 20), put32(p + 12, 5);
	p = tree_block(AGBLOCKS + 3, 1, 0, 2, 2, 0xFFFFFFFF);
	put32(p, 30), put32(p + 4, 10), put32(p + 8, 60), put32(p + 12, 4);
	agf(1, 1, 2, 21, 10);
	seal();
}

struct seen {
	uint64_t off[16], len[16];
	int n;
	int fail_read;
};

static int rd(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct seen *s = ctx;

	if (s->fail_read || off > sizeof(img) || len > sizeof(img) - off)
		return -EIO;
	memcpy(buf, img + off, len);
	return 0;
}

static void on_free(void *ctx, uint64_t off, uint64_t len)
{
	struct seen *s = ctx;

	if (s->n < 16) {
		s->off[s->n] = off;
		s->len[s->n] = len;
	}
	s->n++;
}

static int64_t run(struct seen *s)
{
	memset(s, 0, sizeof(*s));
	return cm_xfs_free(rd, s, sizeof(img), on_free, s);
}

static void check_runs(void)
{
	static const uint64_t want[][2] = {
		{ 5, 5 }, { 50, 14 }, { 64 + 10, 2 }, { 64 + 20, 5 }, { 64 + 30, 10 }, { 64 + 60, 4 },
	};
	struct seen s;
	int i;

	CHECK_INT(run(&s), (19 + 21) * BS);
	CHECK_INT(s.n, 6);
	for (i = 0; i < 6; i++) {
		CHECK_INT(s.off[i], want[i][0] * BS);
		CHECK_INT(s.len[i], want[i][1] * BS);
	}
}

TEST(xfsfree_v4_runs)
{
	build(0);
	check_runs();
}

TEST(xfsfree_v5_runs)
{
	build(1);
	check_runs();
}

/* Builds a v5 image, lets change() spoil it (then reseals the CRCs when
 * asked): the reader must give 0 and report nothing. */
static void refused(int crc, int reseal, void (*change)(void), const char *what)
{
	struct seen s;
	int64_t n;

	build(crc);
	change();
	if (reseal)
		seal();
	n = run(&s);
	if (n != 0 || s.n != 0)
		cm_test_fail(__FILE__, __LINE__, "%s: %lld bytes, %d runs", what, (long long)n, s.n);
}

static void bad_magic(void) { img[0] = 'Y'; }
static void in_progress(void) { img[126] = 1; }
static void unknown_incompat(void) { put32(216, get32(216) | 0x100); }
static void needs_repair(void) { put32(216, get32(216) | 0x10); }
static void unknown_ro_compat(void) { put32(212, 0x10); }
static void log_incompat(void) { put32(220, 1); }
static void v4_shared(void) { put16(100, 4 | 0x2000 | 0x200); }
static void external_log(void) { put64(48, 0); }
static void not_unmount(void) { img[LOG_START * BS + 512 + 9] = 0x02; }	/* a commit */
/* a write in flight past the head: a block of the head's cycle */
static void in_flight(void) { put32(LOG_START * BS + 4 * 512, 1); }
static void two_ops(void) { put32(LOG_START * BS + 40, 2); }
static void rec_short(void) { put32(LOG_START * BS + 12, 1024); }	/* ends past the head */
static void dblocks_big(void) { put64(8, 1000); }
static void agcount_huge(void) { put32(88, 0xFFFFFFFF); }
static void agblklog_wrong(void) { img[124] = 7; }
static void blocksize_odd(void) { put32(4, 3000); }
static void log_outside(void) { put64(48, 60); }
static void agf_seqno(void) { put32(512 + 8, 1); }
static void levels_deep(void) { put32(AG1 + 512 + 28, 10); }
static void freeblks_off(void) { put32(AG1 + 512 + 52, 22); }
static void longest_off(void) { put32(512 + 56, 13); }
/* the root node's second pointer at the first leaf: its records again */
static void node_twice(void)
{
	put32((AGBLOCKS + 1) * BS + (v5 ? 56 : 16) + (BS - (v5 ? 56 : 16)) / 12 * 8 + 4, 2);
}
/* the root node pointing at itself */
static void node_self(void)
{
	put32((AGBLOCKS + 1) * BS + (v5 ? 56 : 16) + (BS - (v5 ? 56 : 16)) / 12 * 8, 1);
}
static void leaf_sibling_loop(void) { put32((AGBLOCKS + 3) * BS + 12, 2); }
static void leaf_order(void) { put32((AGBLOCKS + 3) * BS + 56, 24); }	/* 24 < 25 */
static void over_log(void)
{
	put32(BS + 56 + 8, 40), put32(BS + 56 + 12, 24);
	put32(512 + 52, 29), put32(512 + 56, 24);	/* the AGF agreeing */
}
static void over_headers(void)
{
	put32(BS + 56, 0), put32(BS + 56 + 4, 10);
	put32(512 + 52, 24);
}
static void key_mismatch(void) { put32((AGBLOCKS + 1) * BS + 56 + 8, 31); }
static void blkno_wrong(void) { put64(BS + 16, 99); }
static void owner_wrong(void) { put32(BS + 48, 1); }
static void tree_byte(void) { img[(AGBLOCKS + 2) * BS + 2000] ^= 1; }
static void agf_byte(void) { img[AG1 + 512 + 300] ^= 1; }
static void sb_byte(void) { img[400] ^= 1; }
static void rec_crc(void) { put32(LOG_START * BS + 32, 0x12345678); }

TEST(xfsfree_refusals_super)
{
	refused(1, 1, bad_magic, "bad magic");
	refused(1, 1, in_progress, "sb_inprogress");
	refused(1, 1, unknown_incompat, "unknown incompat bit");
	refused(1, 1, needs_repair, "needsrepair");
	refused(1, 1, unknown_ro_compat, "unknown ro_compat bit");
	refused(1, 1, log_incompat, "log_incompat bit");
	refused(0, 0, v4_shared, "v4 shared bit");
	refused(1, 1, external_log, "external log");
	refused(1, 1, dblocks_big, "dblocks past the device");
	refused(1, 1, agcount_huge, "agcount");
	refused(1, 1, agblklog_wrong, "agblklog");
	refused(1, 1, blocksize_odd, "block size");
	refused(1, 1, log_outside, "log across the AG end");
}

TEST(xfsfree_refusals_log)
{
	refused(1, 1, not_unmount, "last record not an unmount");
	refused(0, 0, not_unmount, "last record not an unmount (v4)");
	refused(1, 1, in_flight, "a block of the head's cycle past it");
	refused(1, 1, two_ops, "two ops");
	refused(1, 1, rec_short, "record length");
	refused(1, 0, rec_crc, "record CRC");
}

TEST(xfsfree_refusals_trees)
{
	refused(1, 1, agf_seqno, "AGF seqno");
	refused(1, 1, levels_deep, "levels");
	refused(1, 1, freeblks_off, "freeblks");
	refused(1, 1, longest_off, "longest");
	refused(1, 1, node_twice, "a leaf twice");
	refused(0, 0, node_twice, "a leaf twice (v4)");
	refused(1, 1, node_self, "a node over itself");
	refused(1, 1, leaf_sibling_loop, "sibling loop");
	refused(1, 1, leaf_order, "records out of order");
	refused(1, 1, over_log, "free over the log");
	refused(1, 1, over_headers, "free over the AG headers");
	refused(1, 1, key_mismatch, "node key");
	refused(1, 1, blkno_wrong, "bb_blkno");
	refused(1, 1, owner_wrong, "bb_owner");
}

TEST(xfsfree_refusals_crc)
{
	refused(1, 0, tree_byte, "tree block CRC");
	refused(1, 0, agf_byte, "AGF CRC");
	refused(1, 0, sb_byte, "superblock CRC");
}

TEST(xfsfree_read_error_and_small)
{
	struct seen s;

	build(1);
	memset(&s, 0, sizeof(s));
	s.fail_read = 1;
	CHECK_INT(cm_xfs_free(rd, &s, sizeof(img), on_free, &s), -EIO);
	CHECK_INT(s.n, 0);
	memset(&s, 0, sizeof(s));
	/* the device smaller than the file system says */
	CHECK_INT(cm_xfs_free(rd, &s, sizeof(img) - BS, on_free, &s), 0);
	CHECK_INT(cm_xfs_free(rd, &s, 100, on_free, &s), 0);
}

TEST(xfsfree_zeroed_log)
{
	/* a log never written (xfs_repair -L zeroes it): nothing to replay */
	build(1);
	memset(img + LOG_START * BS, 0, LOG_BLOCKS * BS);
	check_runs();
}
