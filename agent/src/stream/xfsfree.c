/* XFS free blocks (see xfsfree.h).  On-disk layout: the kernel's and
 * xfsprogs' fs/xfs/libxfs/xfs_format.h (struct xfs_dsb, struct xfs_agf,
 * the short-form struct xfs_btree_block: 16 bytes, 56 with CRCs; struct
 * xfs_alloc_rec) and xfs_log_format.h (struct xlog_rec_header,
 * xlog_op_header); how a clean log is told: the log recovery's
 * xlog_find_head / xlog_find_tail (xfs_log_recover.c).  Checksums: CRC-32C
 * with the field zeroed, stored little-endian (xfs_cksum.h).  All on-disk
 * integers are big-endian but the CRCs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../util/crc32c.h"
#include "xfsfree.h"

#define SB_MAGIC		0x58465342u	/* XFSB */
#define AGF_MAGIC		0x58414746u	/* XAGF */
#define ABTB_MAGIC		0x41425442u	/* v4 bnobt block */
#define AB3B_MAGIC		0x41423342u	/* v5 bnobt block */
#define LOG_MAGIC		0xFEEDBABEu	/* log record header */
#define NULLAGBLOCK		0xFFFFFFFFu
#define BB			512u		/* the log's basic block */

#define V_NUMBITS		0x000F		/* sb_versionnum */
#define V_SHAREDBIT		0x0200
#define V_LOGV2BIT		0x0400
#define V_DIRV2BIT		0x2000
#define V_MOREBITSBIT		0x8000
#define F2_OKBITS		(0x2 | 0x8 | 0x80 | 0x200) /* lazysbcount attr2 projid32 ftype */
#define RO_COMPAT_KNOWN		0xF		/* finobt rmapbt reflink inobtcnt */
#define INCOMPAT_META_UUID	0x04
/* ftype spinodes meta_uuid bigtime nrext64 exchrange parent: none changes
 * the AGF or the free-space trees; needsrepair (0x10) and the rest do not
 * pass */
#define INCOMPAT_KNOWN		(0x01 | 0x02 | 0x04 | 0x08 | 0x20 | 0x40 | 0x80)

#define SECT_MAX		32768	/* XFS_MAX_SECTORSIZE */
#define LEVELS_MAX		9	/* XFS_BTREE_MAXLEVELS: deeper is corrupt */
#define LOG_CHUNK_BBS		128	/* log read 64 KiB at a time */
/* In-flight log writes may land out of order up to 8 iclogs of 256 KiB
 * ahead of or behind the head (XLOG_TOTAL_REC_SHIFT): 2 MiB. */
#define LOG_WINDOW_BBS		4096u
#define REC_MAX			(256u * 1024)	/* XLOG_MAX_RECORD_BSIZE */
#define REC_HDR_SIZE		(32u * 1024)	/* XLOG_HEADER_CYCLE_SIZE */
#define OP_UNMOUNT_TRANS	0x20

static uint32_t be16(const uint8_t *p) { return (uint32_t)p[0] << 8 | p[1]; }
static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The CRC of len bytes with the 4 at crc_off taken as zero, as stored. */
static uint32_t crc_without(const uint8_t *p, size_t len, size_t crc_off)
{
	static const uint8_t zero[4];
	uint32_t c = cm_crc32c(0, p, crc_off);

	c = cm_crc32c(c, zero, 4);
	return cm_crc32c(c, p + crc_off + 4, len - crc_off - 4);
}

static int crc_ok(const uint8_t *p, size_t len, size_t crc_off)
{
	return crc_without(p, len, crc_off) == le32(p + crc_off);
}

static int is_pow2(uint32_t v) { return v && !(v & (v - 1)); }

struct xfs_geo {
	uint32_t bs, sect, blocklog;
	uint32_t agblocks, agcount;
	uint64_t dblocks;
	int crc, logv2;
	uint8_t uuid[16];		/* the log's */
	uint8_t meta_uuid[16];		/* stamped in metadata blocks (v5) */
	uint32_t hdr;			/* tree block header bytes */
	uint32_t magic;			/* bnobt block magic */
	uint32_t first_ok;		/* first AG block past the AG headers */
	uint64_t log_block;		/* the log, in linear fs blocks */
	uint64_t log_blocks;
};

/* Superblock offsets (struct xfs_dsb). */
#define SB_BLOCKSIZE	4
#define SB_DBLOCKS	8
#define SB_UUID		32
#define SB_LOGSTART	48
#define SB_AGBLOCKS	84
#define SB_AGCOUNT	88
#define SB_LOGBLOCKS	96
#define SB_VERSIONNUM	100
#define SB_SECTSIZE	102
#define SB_BLOCKLOG	120
#define SB_SECTLOG	121
#define SB_AGBLKLOG	124
#define SB_INPROGRESS	126
#define SB_FEATURES2	200
#define SB_RO_COMPAT	212
#define SB_INCOMPAT	216
#define SB_LOG_INCOMPAT	220
#define SB_CRC		224
#define SB_META_UUID	248

/* 1 the features are all ones known here and safe, 0 not. */
static int sb_features_ok(const uint8_t *sb, struct xfs_geo *g)
{
	uint32_t v = be16(sb + SB_VERSIONNUM), f2 = be32(sb + SB_FEATURES2);

	if ((v & V_NUMBITS) == 5) {
		g->crc = g->logv2 = 1;
		return !(be32(sb + SB_INCOMPAT) & ~INCOMPAT_KNOWN) &&
		       !(be32(sb + SB_RO_COMPAT) & ~RO_COMPAT_KNOWN) &&
		       !be32(sb + SB_LOG_INCOMPAT);
	}
	if ((v & V_NUMBITS) != 4 || !(v & V_DIRV2BIT) || (v & V_SHAREDBIT))
		return 0;
	if ((v & V_MOREBITSBIT) && (f2 & ~F2_OKBITS))
		return 0;
	g->logv2 = !!(v & V_LOGV2BIT);
	return 1;
}

/* ceil(log2(v)) for v >= 1 */
static uint32_t log2_up(uint32_t v)
{
	uint32_t l = 0;

	while (l < 32 && ((uint64_t)1 << l) < v)
		l++;
	return l;
}

/* 1 a file system to go on with, 0 not. */
static int super(const uint8_t *sb, uint64_t fs_size, struct xfs_geo *g)
{
	uint64_t logstart = be64(sb + SB_LOGSTART), ag_of_log, bno_of_log;
	uint32_t agblklog = sb[SB_AGBLKLOG];

	memset(g, 0, sizeof(*g));
	if (be32(sb) != SB_MAGIC || sb[SB_INPROGRESS] || !sb_features_ok(sb, g))
		return 0;
	g->bs = be32(sb + SB_BLOCKSIZE);
	g->sect = be16(sb + SB_SECTSIZE);
	g->blocklog = sb[SB_BLOCKLOG];
	g->agblocks = be32(sb + SB_AGBLOCKS);
	g->agcount = be32(sb + SB_AGCOUNT);
	g->dblocks = be64(sb + SB_DBLOCKS);
	g->log_blocks = be32(sb + SB_LOGBLOCKS);
	if (g->bs < 512 || g->bs > 65536 || !is_pow2(g->bs) || g->bs != 1u << (g->blocklog & 31))
		return 0;
	if (g->sect < 512 || g->sect > 32768 || g->sect > g->bs || !is_pow2(g->sect) ||
	    g->sect != 1u << (sb[SB_SECTLOG] & 31))
		return 0;
	/* XFS_MIN_AG_BLOCKS 64; sb_agblklog is log2 of agblocks rounded up */
	if (g->agblocks < 64 || agblklog != log2_up(g->agblocks) || !g->agcount)
		return 0;
	if (g->dblocks > fs_size / g->bs ||
	    g->dblocks <= (uint64_t)(g->agcount - 1) * g->agblocks ||
	    g->dblocks > (uint64_t)g->agcount * g->agblocks)
		return 0;
	/* an internal log only (logstart 0: on another device, not checked),
	 * inside one AG */
	ag_of_log = logstart >> agblklog;
	bno_of_log = logstart & (((uint64_t)1 << agblklog) - 1);
	if (!logstart || ag_of_log >= g->agcount || !g->log_blocks ||
	    bno_of_log + g->log_blocks > g->agblocks)
		return 0;
	g->log_block = ag_of_log * g->agblocks + bno_of_log;
	if (g->log_block + g->log_blocks > g->dblocks)
		return 0;
	memcpy(g->uuid, sb + SB_UUID, 16);
	memcpy(g->meta_uuid, g->crc && (be32(sb + SB_INCOMPAT) & INCOMPAT_META_UUID) ?
	       sb + SB_META_UUID : sb + SB_UUID, 16);
	g->hdr = g->crc ? 56 : 16;
	g->magic = g->crc ? AB3B_MAGIC : ABTB_MAGIC;
	/* superblock, AGF, AGI, AGFL: the AG's first four sectors */
	g->first_ok = (4 * g->sect + g->bs - 1) / g->bs;
	return !g->crc || crc_ok(sb, g->sect, SB_CRC);
}

/* --- the log ---------------------------------------------------------------- */

struct xlog {
	cm_fs_read_fn read;
	void *rctx;
	const struct xfs_geo *g;
	uint64_t start;			/* byte offset of the log */
	uint32_t bbs;			/* its size in basic blocks */
	uint8_t *chunk;			/* LOG_CHUNK_BBS cached blocks */
	uint32_t chunk_first, chunk_n;
	uint32_t head, cycle;		/* head block, the head's cycle */
};

/* Basic block b of the log (b < bbs): NULL on a read error (*e). */
static const uint8_t *log_bb(struct xlog *l, uint32_t b, int *e)
{
	if (b < l->chunk_first || b >= l->chunk_first + l->chunk_n) {
		uint32_t n = l->bbs - b < LOG_CHUNK_BBS ? l->bbs - b : LOG_CHUNK_BBS;

		l->chunk_n = 0;
		*e = l->read(l->rctx, l->start + (uint64_t)b * BB, l->chunk, (size_t)n * BB);
		if (*e < 0)
			return NULL;
		l->chunk_first = b;
		l->chunk_n = n;
	}
	return l->chunk + (size_t)(b - l->chunk_first) * BB;
}

/* The cycle a block was written in: a record header's h_cycle, else the
 * first word (xlog_get_cycle).  -errno on a read error. */
static int64_t log_cycle(struct xlog *l, uint32_t b)
{
	int e = 0;
	const uint8_t *p = log_bb(l, b, &e);

	if (!p)
		return e;
	return be32(p) == LOG_MAGIC ? be32(p + 4) : be32(p);
}

/* The cycle block b must have when the head is at l->head: blocks before
 * it were written in the head's cycle, the ones from it on in the one
 * before. */
static uint32_t cycle_expected(const struct xlog *l, uint32_t b)
{
	return b < l->head ? l->cycle : l->cycle - 1;
}

/* Finds the head: 1 found, 0 the cycles do not look like a log at rest,
 * -errno.  Blocks [0, head) have cycle C, [head, bbs) C - 1; head == bbs
 * when all have C (xlog_find_head's binary search). */
static int log_find_head(struct xlog *l)
{
	int64_t first = log_cycle(l, 0), last;
	uint32_t lo = 0, hi = l->bbs - 1;

	if (first < 0)
		return (int)first;
	last = log_cycle(l, l->bbs - 1);
	if (last < 0)
		return (int)last;
	l->cycle = (uint32_t)first;
	if (first == last) {
		l->head = l->bbs;
		return 1;
	}
	if (first != last + 1)
		return 0;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		int64_t c = log_cycle(l, mid);

		if (c < 0)
			return (int)c;
		if ((uint64_t)c == (uint64_t)first)
			lo = mid;
		else if ((uint64_t)c == (uint64_t)last)
			hi = mid;
		else
			return 0;
	}
	l->head = hi;
	return 1;
}

/* 1 when every block within LOG_WINDOW_BBS of the head has the cycle it
 * should (no write in flight or torn around it), 0 not, -errno. */
static int log_window_ok(struct xlog *l)
{
	uint64_t n = l->bbs <= 2 * LOG_WINDOW_BBS ? l->bbs : 2 * LOG_WINDOW_BBS, i;
	uint64_t from = l->bbs <= 2 * LOG_WINDOW_BBS ? 0 :
			((uint64_t)l->head + l->bbs - LOG_WINDOW_BBS) % l->bbs;

	for (i = 0; i < n; i++) {
		uint32_t b = (uint32_t)((from + i) % l->bbs);
		int64_t c = log_cycle(l, b);

		if (c < 0)
			return (int)c;
		if ((uint32_t)c != cycle_expected(l, b))
			return 0;
	}
	return 1;
}

/* Record header offsets (struct xlog_rec_header). */
#define RH_CYCLE	4
#define RH_VERSION	8
#define RH_LEN		12
#define RH_CRC		32
#define RH_NUM_LOGOPS	40
#define RH_CYCLE_DATA	44
#define RH_FS_UUID	304
#define RH_SIZE		320
#define RH_STRUCT	328	/* sizeof(struct xlog_rec_header): 324 + padding */
#define XH_STRUCT	260	/* sizeof(struct xlog_rec_ext_header) */

/* The record's CRC (v5 logs; xlog_cksum): the header (h_crc as zero),
 * each extra header, then the payload as on disk (the sum is taken after
 * the cycle stamping, and checked before undoing it).  i386 kernels sum
 * 324 header bytes, the others 328: either is taken, as the kernel does.
 * 1 good, 0 not, -errno. */
static int log_rec_crc_ok(struct xlog *l, uint32_t at, uint32_t hblks, uint32_t len)
{
	uint32_t nbb = (len + BB - 1) / BB, i, c324, c328;
	uint8_t *rec = malloc((size_t)(hblks + nbb) * BB);
	int e = 0, ok;

	if (!rec)
		return -ENOMEM;
	for (i = 0; i < hblks + nbb; i++) {
		const uint8_t *p = log_bb(l, (uint32_t)(((uint64_t)at + i) % l->bbs), &e);

		if (!p) {
			free(rec);
			return e;
		}
		memcpy(rec + (size_t)i * BB, p, BB);
	}
	c324 = crc_without(rec, 324, RH_CRC);
	c328 = crc_without(rec, RH_STRUCT, RH_CRC);
	for (i = 1; i < (len + REC_HDR_SIZE - 1) / REC_HDR_SIZE; i++) {
		c324 = cm_crc32c(c324, rec + (size_t)i * BB, XH_STRUCT);
		c328 = cm_crc32c(c328, rec + (size_t)i * BB, XH_STRUCT);
	}
	c324 = cm_crc32c(c324, rec + (size_t)hblks * BB, len);
	c328 = cm_crc32c(c328, rec + (size_t)hblks * BB, len);
	/* mkfs writes its unmount record with no CRC: the kernel takes a
	 * zero as good on v5 too (xlog_recover_process) */
	ok = !le32(rec + RH_CRC) || le32(rec + RH_CRC) == c324 || le32(rec + RH_CRC) == c328;
	free(rec);
	return ok;
}

/* 1 when the record whose header is at block at is an unmount record
 * ending right at the head (xlog_find_tail), 0 not, -errno. */
static int log_unmount_rec(struct xlog *l, uint32_t at, const uint8_t *h)
{
	static const uint8_t no_uuid[16];
	uint32_t version = be32(h + RH_VERSION), len = be32(h + RH_LEN);
	uint32_t size = be32(h + RH_SIZE), hblks = 1;
	const uint8_t *op;
	int e = 0;

	if (be32(h + RH_CYCLE) != cycle_expected(l, at) || !version || (version & ~3u) ||
	    (!l->g->logv2 && version != 1) || !len || len > REC_MAX || be32(h + RH_NUM_LOGOPS) != 1)
		return 0;
	if (l->g->logv2 && (version & 2) && size > REC_HDR_SIZE) {
		if (size > REC_MAX)
			return 0;
		hblks = (size + REC_HDR_SIZE - 1) / REC_HDR_SIZE;
	}
	/* the headers must hold the cycle data of every payload block */
	if ((len + REC_HDR_SIZE - 1) / REC_HDR_SIZE > hblks)
		return 0;
	if (memcmp(h + RH_FS_UUID, l->g->uuid, 16) && memcmp(h + RH_FS_UUID, no_uuid, 16))
		return 0;
	if (((uint64_t)at + hblks + (len + BB - 1) / BB) % l->bbs != l->head % l->bbs)
		return 0;
	op = log_bb(l, (uint32_t)(((uint64_t)at + hblks) % l->bbs), &e);
	if (!op)
		return e;
	/* xlog_op_header: oh_tid, oh_len, oh_clientid, oh_flags */
	if (!(op[9] & OP_UNMOUNT_TRANS))
		return 0;
	return l->g->crc ? log_rec_crc_ok(l, at, hblks, len) : 1;
}

/* 1 the log is clean: nothing in it to replay; 0 not or not known,
 * -errno. */
static int log_clean(cm_fs_read_fn read, void *rctx, const struct xfs_geo *g)
{
	struct xlog l = { .read = read, .rctx = rctx, .g = g };
	uint64_t bbs = g->log_blocks << (g->blocklog - 9);
	uint32_t i, back;
	int r;

	if (bbs < 4 || bbs > 0x7FFFFFFF)
		return 0;
	l.start = g->log_block * g->bs;
	l.bbs = (uint32_t)bbs;
	l.chunk = malloc((size_t)LOG_CHUNK_BBS * BB);
	if (!l.chunk)
		return -ENOMEM;
	r = log_find_head(&l);
	if (r > 0)
		r = log_window_ok(&l);
	if (r <= 0 || l.cycle == 0)
		goto out;		/* cycle 0: never written (a zeroed log), nothing to replay */
	/* the last record's header: within a record's size of the head (and
	 * within the window checked above) */
	back = REC_MAX / BB + 2 * REC_MAX / REC_HDR_SIZE;
	for (i = 1, r = 0; r == 0 && i <= back && i <= l.bbs; i++) {
		uint32_t at = (uint32_t)(((uint64_t)l.head + l.bbs - i) % l.bbs);
		int e = 0;
		const uint8_t *p = log_bb(&l, at, &e);

		if (!p)
			r = e;
		else if (be32(p) == LOG_MAGIC) {
			uint8_t h[BB];

			memcpy(h, p, BB);
			r = log_unmount_rec(&l, at, h);
			break;
		}
	}
out:
	free(l.chunk);
	return r;
}

/* --- the by-block-number free-space tree of an AG ----------------------------- */

/* AGF offsets (struct xfs_agf). */
#define AGF_VERSIONNUM	4
#define AGF_SEQNO	8
#define AGF_LENGTH	12
#define AGF_BNO_ROOT	16
#define AGF_BNO_LEVEL	28
#define AGF_FREEBLKS	52
#define AGF_LONGEST	56
#define AGF_UUID	64
#define AGF_CRC		216
#define AGF_V5_SIZE	224

/* Short-form tree block offsets (struct xfs_btree_block). */
#define BB_LEVEL	4
#define BB_NUMRECS	6
#define BB_LEFTSIB	8
#define BB_RIGHTSIB	12
#define BB_BLKNO	16
#define BB_UUID		32
#define BB_OWNER	48
#define BB_CRC		52

struct ag_walk {
	cm_fs_read_fn read;
	void *rctx;
	const struct xfs_geo *g;
	uint8_t *bufs;			/* one block per level */
	uint8_t *agf;			/* a sector */
	uint32_t agno, aglen;
	uint64_t next;			/* where the next record may start */
	uint64_t sum, longest, visits;
	uint32_t left[LEVELS_MAX];	/* the last block seen at each level */
	uint32_t right[LEVELS_MAX];	/* and its right sibling */
	struct cm_fs_runs *runs;		/* NULL: a checking pass */
	int err;			/* a read error */
};

static uint64_t ag_base(const struct xfs_geo *g, uint32_t agno)
{
	return (uint64_t)agno * g->agblocks;
}

/* 1 the block's header is what a block at agbno of this level must have
 * (magic, level, v5 self-description and CRC; sibling links chain). */
static int bt_header_ok(struct ag_walk *w, const uint8_t *b, uint32_t agbno, uint32_t level)
{
	const struct xfs_geo *g = w->g;
	uint32_t ls = be32(b + BB_LEFTSIB), rs = be32(b + BB_RIGHTSIB);

	if (be32(b) != g->magic || be16(b + BB_LEVEL) != level)
		return 0;
	if (g->crc && (be64(b + BB_BLKNO) != (ag_base(g, w->agno) + agbno) << (g->blocklog - 9) ||
		       memcmp(b + BB_UUID, g->meta_uuid, 16) || be32(b + BB_OWNER) != w->agno ||
		       !crc_ok(b, g->bs, BB_CRC)))
		return 0;
	if (ls != w->left[level] || (w->left[level] != NULLAGBLOCK && w->right[level] != agbno))
		return 0;
	if (rs != NULLAGBLOCK && (rs >= w->aglen || rs == agbno))
		return 0;
	w->left[level] = agbno;
	w->right[level] = rs;
	return 1;
}

/* A leaf's records: in order, apart, inside the AG past its headers and
 * clear of the log. */
static int bt_leaf(struct ag_walk *w, const uint8_t *b, uint32_t n, uint64_t key)
{
	const struct xfs_geo *g = w->g;
	uint64_t base = ag_base(g, w->agno);
	uint32_t i;

	if (n > (g->bs - g->hdr) / 8)
		return 0;
	for (i = 0; i < n; i++) {
		uint64_t s = be32(b + g->hdr + 8 * i), c = be32(b + g->hdr + 8 * i + 4);

		if (!c || s < w->next || s < g->first_ok || s + c > w->aglen ||
		    (i == 0 && key != UINT64_MAX && s != key))
			return 0;
		if (base + s < g->log_block + g->log_blocks && g->log_block < base + s + c)
			return 0;
		w->next = s + c;
		w->sum += c;
		if (c > w->longest)
			w->longest = c;
		if (w->runs)
			cm_fs_runs_add(w->runs, (base + s) * g->bs, c * g->bs);
	}
	return 1;
}

static int bt_block(struct ag_walk *w, uint32_t agbno, uint32_t level, uint64_t key);

/* A node's keys (each its child's first start block, rising) and
 * pointers, which sit after room for the most keys a block holds. */
static int bt_node(struct ag_walk *w, const uint8_t *b, uint32_t n, uint32_t level, uint64_t key)
{
	const struct xfs_geo *g = w->g;
	uint32_t maxrecs = (g->bs - g->hdr) / 12, i;
	uint64_t prev = 0;

	if (!n || n > maxrecs)
		return 0;
	for (i = 0; i < n; i++) {
		uint64_t k = be32(b + g->hdr + 8 * i);
		uint32_t ptr = be32(b + g->hdr + 8 * maxrecs + 4 * i);
		int r;

		if ((i == 0 && key != UINT64_MAX && k != key) || (i && k <= prev))
			return 0;
		prev = k;
		r = bt_block(w, ptr, level - 1, k);
		if (r <= 0)
			return r;
	}
	return 1;
}

/* The subtree at agbno (key: its first record's start, UINT64_MAX for the
 * root): 1 good, 0 not, -errno.  Depth is bounded by the level, which
 * falls by one each step; every block is visited at most once in a good
 * tree, and records must rise, so a loop fails at once. */
static int bt_block(struct ag_walk *w, uint32_t agbno, uint32_t level, uint64_t key)
{
	const struct xfs_geo *g = w->g;
	uint8_t *b = w->bufs + (size_t)level * g->bs;
	uint32_t n;
	int e;

	if (agbno < g->first_ok || agbno >= w->aglen || ++w->visits > w->aglen)
		return 0;
	e = w->read(w->rctx, (ag_base(g, w->agno) + agbno) * g->bs, b, g->bs);
	if (e < 0)
		return e;
	if (!bt_header_ok(w, b, agbno, level))
		return 0;
	n = be16(b + BB_NUMRECS);
	if (level == 0)
		return (n || key == UINT64_MAX) && bt_leaf(w, b, n, key);
	return bt_node(w, b, n, level, key);
}

/* Walks AG agno's bnobt from its AGF: 1 good (free runs reported when
 * w->runs), 0 not, -errno. */
static int ag_free(struct ag_walk *w, uint32_t agno)
{
	const struct xfs_geo *g = w->g;
	uint64_t len = g->dblocks - ag_base(g, agno);
	uint8_t *agf = w->agf;
	uint32_t levels, l;
	int r;

	w->agno = agno;
	w->aglen = (uint32_t)(len < g->agblocks ? len : g->agblocks);
	w->next = w->sum = w->longest = w->visits = 0;
	for (l = 0; l < LEVELS_MAX; l++)
		w->left[l] = w->right[l] = NULLAGBLOCK;
	if (w->aglen <= g->first_ok)
		return 0;		/* no room for its headers */
	r = w->read(w->rctx, ag_base(g, agno) * g->bs + g->sect, agf, g->sect);
	if (r < 0)
		return r;
	levels = be32(agf + AGF_BNO_LEVEL);
	if (be32(agf) != AGF_MAGIC || be32(agf + AGF_VERSIONNUM) != 1 ||
	    be32(agf + AGF_SEQNO) != agno || be32(agf + AGF_LENGTH) != w->aglen ||
	    !levels || levels > LEVELS_MAX || be32(agf + AGF_FREEBLKS) > w->aglen)
		return 0;
	if (g->crc && (g->sect < AGF_V5_SIZE || memcmp(agf + AGF_UUID, g->meta_uuid, 16) ||
		       !crc_ok(agf, g->sect, AGF_CRC)))
		return 0;
	r = bt_block(w, be32(agf + AGF_BNO_ROOT), levels - 1, UINT64_MAX);
	if (r <= 0)
		return r;
	for (l = 0; l < levels; l++)
		if (w->right[l] != NULLAGBLOCK)
			return 0;
	return w->sum == be32(agf + AGF_FREEBLKS) && w->longest == be32(agf + AGF_LONGEST);
}

/* Every AG: 1 all good, 0 not, -errno. */
static int all_ags(struct ag_walk *w)
{
	uint32_t agno;

	for (agno = 0; agno < w->g->agcount; agno++) {
		int r = ag_free(w, agno);

		if (r <= 0)
			return r;
	}
	return 1;
}

/* The primary superblock into sb (SECT_MAX bytes): 1 one to go on with,
 * 0 not, -errno. */
static int read_super(cm_fs_read_fn read, void *rctx, uint64_t fs_size, uint8_t *sb,
		      struct xfs_geo *g)
{
	uint32_t sect;
	int r = read(rctx, 0, sb, 512);

	if (r < 0)
		return r;
	sect = be16(sb + SB_SECTSIZE);
	if (be32(sb) != SB_MAGIC || sect < 512 || sect > SECT_MAX || sect > fs_size)
		return 0;
	r = read(rctx, 0, sb, sect);
	if (r < 0)
		return r;
	return super(sb, fs_size, g);
}

int64_t cm_xfs_free(cm_fs_read_fn read, void *rctx, uint64_t fs_size,
		    cm_fs_free_fn on_free, void *fctx)
{
	struct cm_fs_runs runs = { .on_free = on_free, .ctx = fctx };
	struct ag_walk w = { .read = read, .rctx = rctx };
	struct xfs_geo g;
	int r;

	if (fs_size < 4096)
		return 0;
	w.agf = malloc(SECT_MAX);
	if (!w.agf)
		return -ENOMEM;
	r = read_super(read, rctx, fs_size, w.agf, &g);
	if (r > 0)
		r = log_clean(read, rctx, &g);
	if (r > 0) {
		w.g = &g;
		w.bufs = malloc((size_t)LEVELS_MAX * g.bs);
		r = w.bufs ? all_ags(&w) : -ENOMEM;
	}
	/* all is checked first: what is reported cannot be taken back */
	if (r > 0) {
		w.runs = &runs;
		r = all_ags(&w);
		cm_fs_runs_flush(&runs);
		/* good once, not twice: the disk changed under us */
		if (r == 0)
			r = -EIO;
	}
	free(w.bufs);
	free(w.agf);
	if (r < 0)
		return r;
	return r > 0 ? runs.total : 0;
}
