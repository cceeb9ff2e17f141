#include <errno.h>
#include <stdio.h>

#include "adapt/kargs.h"
#include "test.h"

static const char *const gcp_add[] = { "console=ttyS0,38400n8" };
static const char *const gcp_remove[] = { "console=tty0", "earlyprintk", "rootdelay" };
static const struct cm_kargs_edit gcp = { gcp_add, 1, gcp_remove, 3 };
static struct cm_buf out;

static int run(int (*f)(const char *, size_t, const struct cm_kargs_edit *,
			struct cm_buf *), const char *in)
{
	cm_buf_free(&out);
	cm_buf_init(&out, 1 << 20);
	return f(in, strlen(in), &gcp, &out);
}

static int apply(const char *in, size_t len, const struct cm_kargs_edit *e,
		 struct cm_buf *o)
{
	return cm_kargs_apply(in, len, e, o);
}

TEST(kargs_add_remove_idempotent)
{
	CHECK_INT(run(apply, "root=UUID=x ro quiet console=tty0 earlyprintk=ttyS0 rootdelay=300"), 4);
	CHECK_STR(out.data, "root=UUID=x ro quiet console=ttyS0,38400n8");
	CHECK_INT(run(apply, "root=UUID=x ro quiet console=ttyS0,38400n8"), 0);
	CHECK_STR(out.data, "root=UUID=x ro quiet console=ttyS0,38400n8");
	CHECK_INT(run(apply, ""), 1);
	CHECK_STR(out.data, "console=ttyS0,38400n8");
	cm_buf_free(&out);
}

TEST(kargs_globs_and_kept_adds)
{
	static const char *const add[] = { "console=ttyS0,38400n8" };
	static const char *const rm[] = { "console=ttyS*", "quiet" };
	static const struct cm_kargs_edit e = { add, 1, rm, 2 };
	const char *in = "ro console=ttyS0,38400n8 console=ttyS1 quiet quietly";

	cm_buf_init(&out, 1 << 16);
	CHECK_INT(cm_kargs_apply(in, strlen(in), &e, &out), 2);
	CHECK_STR(out.data, "ro console=ttyS0,38400n8 quietly");
	cm_buf_free(&out);
}

TEST(kargs_grub_default_edits_only_its_line)
{
	const char *in = "# comment\nGRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet console=tty0\"\n"
			 "GRUB_CMDLINE_LINUX=\"\"\n";

	CHECK_INT(run(cm_kargs_grub_default, in), 2);
	CHECK_STR(out.data, "# comment\nGRUB_DEFAULT=0\n"
		  "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet console=ttyS0,38400n8\"\n"
		  "GRUB_CMDLINE_LINUX=\"\"\n");
	CHECK_INT(run(cm_kargs_grub_default, "GRUB_TIMEOUT=5"), 1);
	CHECK_STR(out.data, "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT=\"console=ttyS0,38400n8\"\n");
	cm_buf_free(&out);
}

TEST(kargs_grub_cfg_linux_lines)
{
	const char *in = "menuentry 'Debian' {\n"
			 "\tlinux\t/boot/vmlinuz-6.1.0-13-amd64 root=UUID=x ro quiet console=tty0\n"
			 "\tinitrd\t/boot/initrd.img-6.1.0-13-amd64\n}\n";

	CHECK_INT(run(cm_kargs_grub_cfg, in), 2);
	CHECK_STR(out.data, "menuentry 'Debian' {\n"
		  "\tlinux\t/boot/vmlinuz-6.1.0-13-amd64 root=UUID=x ro quiet console=ttyS0,38400n8\n"
		  "\tinitrd\t/boot/initrd.img-6.1.0-13-amd64\n}\n");
	{
		char again[512];

		snprintf(again, sizeof(again), "%s", out.data);
		CHECK_INT(run(cm_kargs_grub_cfg, again), 0);
		CHECK_STR(out.data, again);
	}
	cm_buf_free(&out);
}
