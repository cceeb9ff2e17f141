/* libFuzzer: the cpio push parser (the input fed whole, then in pieces
 * whose size comes from its last byte: the result must not depend on
 * the pieces) and the
 * initramfs lister over the whole input (segments, gzip, zstd, xz). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "util/cpio.h"
#include "util/initrd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int count(void *ctx, const struct cm_cpio_entry *e)
{
	if (strlen(e->name) >= CM_CPIO_NAME_MAX)
		abort();
	(*(uint64_t *)ctx)++;
	return 0;
}

/* Feeds data in pieces of `piece` bytes: the result and the count. */
static int feed(const uint8_t *data, size_t size, size_t piece, uint64_t *n,
		size_t *consumed)
{
	struct cm_cpio *c = malloc(sizeof(*c));
	size_t off = 0, used;
	int r = 0;

	if (!c)
		abort();
	cm_cpio_init(c);
	*n = 0;
	while (r == 0 && off < size) {
		size_t len = size - off < piece ? size - off : piece;

		r = cm_cpio_feed(c, data + off, len, &used, count, n);
		if (used > len)
			abort();
		off += used;
	}
	if (r == 0)
		r = cm_cpio_finish(c);
	*consumed = off;
	free(c);
	return r;
}

struct mem {
	const uint8_t *p;
	size_t len, pos;
};

static ssize_t mem_read(void *ctx, void *buf, size_t size)
{
	struct mem *m = ctx;
	size_t n = m->len - m->pos < size ? m->len - m->pos : size;

	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cm_initrd_info info;
	struct mem m = { data, size, 0 };
	uint64_t n1, n2, n3 = 0;
	size_t c1, c2;
	int r1, r2;

	if (size == 0)
		return 0;
	r1 = feed(data, size, size, &n1, &c1);
	r2 = feed(data, size, (size_t)data[size - 1] % 17 + 1, &n2, &c2);
	/* the pieces must not change the outcome (nor, short of an error,
	 * where the parser stopped) */
	if (r1 != r2 || n1 != n2 || (r1 >= 0 && c1 != c2))
		abort();
	if (cm_initrd_list(mem_read, &m, count, &n3, &info) < 0 && !info.why[0])
		abort();	/* every error says why */
	return 0;
}
