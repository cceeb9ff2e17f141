/* libFuzzer: kernel-argument edits of /etc/default/grub and grub.cfg;
 * a second edit of the output must change nothing. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/kargs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef int (*edit_fn)(const char *, size_t, const struct cm_kargs_edit *,
		       struct cm_buf *);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const add[] = { "console=ttyS0,38400n8", "rootdelay=300" };
	static const char *const rm[] = { "console=tty0", "earlyprintk" };
	static const struct cm_kargs_edit e = { add, 2, rm, 2 };
	edit_fn f;
	struct cm_buf a, b;

	if (size < 1)
		return 0;
	f = data[0] & 1 ? cm_kargs_grub_cfg : cm_kargs_grub_default;
	cm_buf_init(&a, CM_GRUB_CFG_MAX * 2);
	cm_buf_init(&b, CM_GRUB_CFG_MAX * 2);
	if (f((const char *)data + 1, size - 1, &e, &a) >= 0 &&
	    a.len <= CM_GRUB_CFG_MAX && !memchr(a.data, '\0', a.len) &&
	    f(a.data, a.len, &e, &b) > 0)
		abort();
	cm_buf_free(&a);
	cm_buf_free(&b);
	return 0;
}
