/* libFuzzer: the XFS free-space reader (stream/xfsfree.c) over any bytes
 * as a file system image: no crash, no read outside the image, runs in
 * order, inside it and not empty, and the total is what they add to.
 * Seeds (agent/fuzz/corpus/xfsfree/, made by xfsfree_seeds.py): 8 KiB
 * file systems of 512-byte blocks, one AG, v4 and v5 (CRCs), a one-leaf
 * and a two-level free-space tree, a clean log of 4 blocks. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream/xfsfree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct img {
	const uint8_t *p;
	size_t size;
	uint64_t last_end, sum;
};

static int rd(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct img *m = ctx;

	/* every read is checked against the file system's size first */
	if (off > m->size || len > m->size - off)
		abort();
	memcpy(buf, m->p + off, len);
	return 0;
}

static void on_free(void *ctx, uint64_t off, uint64_t len)
{
	struct img *m = ctx;

	if (!len || off < m->last_end || off + len > m->size)
		abort();
	m->last_end = off + len;
	m->sum += len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct img m = { .p = data, .size = size };
	int64_t n = cm_xfs_free(rd, &m, size, on_free, &m);

	if (n < 0 || (n > 0 && (uint64_t)n != m.sum) || (n == 0 && m.sum))
		abort();
	return 0;
}
