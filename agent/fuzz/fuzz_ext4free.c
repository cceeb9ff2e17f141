/* libFuzzer: the ext2/3/4 free-space reader (stream/ext4free.c) over any
 * bytes as a file system image: no crash, no read outside the image, runs
 * in order, inside it and block-sized, and the total is what they add to. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream/ext4free.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct img {
	const uint8_t *p;
	size_t size;
	uint64_t last_end, sum;
};

static int rd(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct img *m = ctx;

	if (off > m->size || len > m->size - off)
		return -1;
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
	int64_t n = cm_ext4_free(rd, &m, size, on_free, &m);

	if (n > 0 && (uint64_t)n != m.sum)
		abort();
	return 0;
}
