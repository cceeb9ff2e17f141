/* libFuzzer: kernel-argument edits of every boot configuration format
 * (/etc/default/grub and grub.d, grub.cfg, BLS entries, grubenv,
 * /etc/kernel/cmdline); a second edit of the output must change nothing. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/kargs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef int (*edit_fn)(const char *, size_t, const struct cm_kargs_edit *,
		       struct cm_buf *);

static int resolve(void *ctx, const char *dev, char *out, size_t size)
{
	(void)ctx;
	if (strcmp(dev, "/dev/sdb"))
		return -1;
	snprintf(out, size, "UUID=s");
	return 0;
}

static int grub_vars_keep(const char *b, size_t l, const struct cm_kargs_edit *e,
			  struct cm_buf *o)
{
	return cm_kargs_grub_vars(b, l, e, 0, o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const add[] = { "console=ttyS0,38400n8", "rootdelay=300" };
	static const char *const rm[] = { "console=tty0", "earlyprintk" };
	static const edit_fn fns[] = {
		cm_kargs_grub_cfg, cm_kargs_grub_default, cm_kargs_bls_entry,
		cm_kargs_grubenv, cm_kargs_cmdline_file, grub_vars_keep,
	};
	static const struct cm_kargs_edit e = {
		.add = add, .n_add = 2, .remove = rm, .n_remove = 2,
		.root = "UUID=r", .resolve = resolve,
	};
	edit_fn f;
	struct cm_buf a, b;

	if (size < 1)
		return 0;
	f = fns[data[0] % (sizeof(fns) / sizeof(fns[0]))];
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
