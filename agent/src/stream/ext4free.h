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

#include <stddef.h>
#include <stdint.h>

/* Reads len bytes at off (relative to the file system's start) into buf:
 * 0 or -errno. */
typedef int (*cm_ext4_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);
/* A run of free bytes [off, off + len), relative to the file system. */
typedef void (*cm_ext4_free_fn)(void *ctx, uint64_t off, uint64_t len);

/* Calls on_free for each maximal run of free blocks, in order: the number
 * of free bytes reported, 0 when the file system is not one to trust
 * (see above) or not ext at all, -errno on a read error.  fs_size bounds
 * every read and every run. */
int64_t cm_ext4_free(cm_ext4_read_fn read, void *rctx, uint64_t fs_size,
		     cm_ext4_free_fn on_free, void *fctx);

#endif
