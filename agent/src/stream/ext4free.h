/* Free space of an ext2/3/4 file system, from its own block bitmaps, so
 * that `stream --skip-free` reads none of it (what a deleted file left in
 * free blocks is not part of the image: it streams as zeros).
 *
 * Only what the file system says is free for sure counts: a file system
 * that needs journal recovery or has errors, or whose layout is not the
 * plain one (meta_bg), gives nothing; a block group whose bitmap was never
 * initialised (BLOCK_UNINIT) counts as all used.  Pure: the bytes come
 * through a read callback; fuzzed (agent/fuzz/fuzz_ext4free.c). */
#ifndef CM_STREAM_EXT4FREE_H
#define CM_STREAM_EXT4FREE_H

#include "fsruns.h"

/* Calls on_free for each maximal run of free blocks, in order: the number
 * of free bytes reported, 0 when the file system is not one to trust
 * (see above) or not ext at all, -errno on a read error.  fs_size bounds
 * every read and every run. */
int64_t cm_ext4_free(cm_fs_read_fn read, void *rctx, uint64_t fs_size,
		     cm_fs_free_fn on_free, void *fctx);

#endif
