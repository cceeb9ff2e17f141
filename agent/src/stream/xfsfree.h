/* Free space of an XFS file system, from its own free-space B+trees (the
 * by-block-number tree of each allocation group), so that `stream
 * --skip-free` reads none of it (what a deleted file left in free blocks
 * is not part of the image: it streams as zeros).
 *
 * Only what the file system says is free for sure counts.  Nothing is
 * reported free (the whole file system is read) when:
 *  - mkfs did not finish (sb_inprogress), or a feature bit is not one
 *    known here (v5: an unknown incompat or ro_compat bit, needsrepair,
 *    any log_incompat bit; v4: an unknown version or features2 bit);
 *  - the log is not clean: it is external (not checked), or its last
 *    record, found as the kernel's log recovery finds the head (cycle
 *    numbers), is not an unmount record ending exactly at the head (a
 *    mounted file system, or one that crashed, has changes to the free
 *    space in its log only: the trees on disk may call allocated blocks
 *    free);
 *  - anything is inconsistent: a superblock, AGF or tree block field out
 *    of range, a bad magic, level or CRC (v5: superblock, AGF, tree
 *    blocks, and the unmount record's when it has one: mkfs writes it
 *    with none, which the kernel takes too), records out of order or
 *    overlapping the AG headers or the log, sibling links that do not
 *    chain, node keys that are not their child's first record, a tree
 *    deeper than XFS allows, or free totals (agf_freeblks, agf_longest)
 *    that differ from the tree's.
 * All the file system is checked before the first free run is reported;
 * if the second pass, which reports, does not see the same (the disk
 * changed under it), the answer is -EIO.  The AGFL's blocks (kept for
 * the trees) are not in the tree: they are read.  Like ext4free, this
 * trusts a clean file system to stay still while the stream reads it
 * (the moved root is read-only): a mounted one that has not written its
 * log since a clean mount looks clean.
 * Pure: the bytes come through a read callback; fuzzed
 * (agent/fuzz/fuzz_xfsfree.c). */
#ifndef CM_STREAM_XFSFREE_H
#define CM_STREAM_XFSFREE_H

#include "fsruns.h"

/* Calls on_free for each maximal run of free blocks, in order: the number
 * of free bytes reported, 0 when the file system is not one to trust
 * (see above) or not XFS at all, -errno on a read error.  fs_size bounds
 * every read and every run. */
int64_t cm_xfs_free(cm_fs_read_fn read, void *rctx, uint64_t fs_size,
		    cm_fs_free_fn on_free, void *fctx);

#endif
