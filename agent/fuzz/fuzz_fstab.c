/* libFuzzer: the fstab rewriter; its output must rewrite to itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/fstab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int resolve(void *ctx, const char *dev, char *out, size_t size)
{
	(void)ctx;
	if (strlen(dev) % 2)
		return -1;
	snprintf(out, size, "UUID=%zu", strlen(dev));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cm_fstab_opts o = {
		.data_nofail = 1, .device_timeout_s = 10, .swap = 0,
	};
	struct cm_fstab_result res;
	struct cm_buf a, b;

	cm_buf_init(&a, CM_FSTAB_MAX * 2);
	cm_buf_init(&b, CM_FSTAB_MAX * 2);
	if (cm_fstab_rewrite((const char *)data, size, &o, resolve, NULL, &a, &res) == 0 &&
	    a.len <= CM_FSTAB_MAX &&
	    cm_fstab_rewrite(a.data, a.len, &o, resolve, NULL, &b, &res) == 0 &&
	    (a.len != b.len || memcmp(a.data, b.data, a.len)))
		abort();	/* a second run must change nothing */
	cm_buf_free(&a);
	cm_buf_free(&b);
	return 0;
}
