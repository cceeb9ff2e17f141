/* What the free-space readers (ext4free.c, xfsfree.c) share: how they read
 * a file system and report its free space, and the gathering of adjacent
 * free extents into maximal runs. */
#ifndef CM_STREAM_FSRUNS_H
#define CM_STREAM_FSRUNS_H

#include <stddef.h>
#include <stdint.h>

/* Reads len bytes at off (relative to the file system's start) into buf:
 * 0 or -errno. */
typedef int (*cm_fs_read_fn)(void *ctx, uint64_t off, void *buf, size_t len);
/* A run of free bytes [off, off + len), relative to the file system. */
typedef void (*cm_fs_free_fn)(void *ctx, uint64_t off, uint64_t len);

/* Free extents, given in rising order, reported as maximal runs. */
struct cm_fs_runs {
	cm_fs_free_fn on_free;
	void *ctx;
	uint64_t start, len;		/* the run being gathered, in bytes */
	int64_t total;			/* every byte added */
};

void cm_fs_runs_add(struct cm_fs_runs *r, uint64_t off, uint64_t len);
/* Reports the run still gathered. */
void cm_fs_runs_flush(struct cm_fs_runs *r);

#endif
