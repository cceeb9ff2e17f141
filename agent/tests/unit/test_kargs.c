#include <errno.h>
#include <stdio.h>

#include "adapt/kargs.h"
#include "test.h"

static const char *const gcp_add[] = { "console=ttyS0,38400n8" };
static const char *const gcp_remove[] = { "console=tty0", "earlyprintk", "rootdelay" };
static const struct cm_kargs_edit gcp = { .add = gcp_add, .n_add = 1, .remove = gcp_remove, .n_remove = 3 };
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
	static const struct cm_kargs_edit e = { .add = add, .n_add = 1, .remove = rm, .n_remove = 2 };
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

static int fixed_resolve(void *ctx, const char *dev, char *o, size_t size)
{
	(void)ctx;
	if (strcmp(dev, "/dev/xvdb1"))
		return -ENOENT;
	snprintf(o, size, "UUID=swap-1");
	return 0;
}

static int run_edit(int (*f)(const char *, size_t, const struct cm_kargs_edit *,
			     struct cm_buf *), const struct cm_kargs_edit *e,
		    const char *in)
{
	cm_buf_free(&out);
	cm_buf_init(&out, 1 << 20);
	return f(in, strlen(in), e, &out);
}

TEST(kargs_root_and_resume_by_stable_name)
{
	struct cm_kargs_edit e = gcp;

	e.root = "UUID=r00t";
	e.resolve = fixed_resolve;
	CHECK_INT(run_edit(apply, &e, "root=/dev/xvda1 resume=/dev/xvdb1 ro"), 3);
	CHECK_STR(out.data, "root=UUID=r00t resume=UUID=swap-1 ro console=ttyS0,38400n8");
	/* a stable root, an LVM root and an unknown device stay */
	CHECK_INT(run_edit(apply, &e, "root=/dev/mapper/vg-root resume=/dev/sdz9 console=ttyS0,38400n8"), 0);
	CHECK_STR(out.data, "root=/dev/mapper/vg-root resume=/dev/sdz9 console=ttyS0,38400n8");
	e.root = NULL;
	e.resolve = NULL;
	CHECK_INT(run_edit(apply, &e, "root=/dev/xvda1 console=ttyS0,38400n8"), 0);
	cm_buf_free(&out);
}

TEST(kargs_bls_entry_options_only)
{
	const char *in = "title Rocky Linux (5.14.0-362.el9.x86_64) 9.3\n"
			 "version 5.14.0-362.el9.x86_64\n"
			 "linux /vmlinuz-5.14.0-362.el9.x86_64\n"
			 "options root=UUID=1 ro console=tty0 $tuned_params\n"
			 "grub_users $grub_users\n";

	CHECK_INT(run(cm_kargs_bls_entry, in), 2);
	CHECK(strstr(out.data, "options root=UUID=1 ro $tuned_params console=ttyS0,38400n8\n"));
	CHECK(strstr(out.data, "grub_users $grub_users\n"));
	{
		char again[512];

		snprintf(again, sizeof(again), "%s", out.data);
		CHECK_INT(run(cm_kargs_bls_entry, again), 0);
	}
	cm_buf_free(&out);
}

TEST(kargs_kernel_cmdline_file)
{
	CHECK_INT(run(cm_kargs_cmdline_file, "root=UUID=1 ro console=tty0\n"), 2);
	CHECK_STR(out.data, "root=UUID=1 ro console=ttyS0,38400n8\n");
	CHECK_INT(run(cm_kargs_cmdline_file, "a\nb\n"), -EBADMSG);
	cm_buf_free(&out);
}

TEST(kargs_grubenv_keeps_1024_bytes)
{
	char env[1024];
	int n = snprintf(env, sizeof(env), "# GRUB Environment Block\n"
			 "saved_entry=x\nkernelopts=root=UUID=1 ro console=tty0\n");

	memset(env + n, '#', sizeof(env) - (size_t)n);
	cm_buf_free(&out);
	cm_buf_init(&out, 1 << 20);
	CHECK_INT(cm_kargs_grubenv(env, sizeof(env), &gcp, &out), 2);
	CHECK_INT((int)out.len, 1024);
	CHECK(!memcmp(out.data, "# GRUB Environment Block\nsaved_entry=x\n"
		      "kernelopts=root=UUID=1 ro console=ttyS0,38400n8\n#", 88));
	CHECK_INT(cm_kargs_grubenv(env, 1000, &gcp, &out), -EBADMSG);
	cm_buf_free(&out);
}

TEST(kargs_grub_vars_additions_where_they_win)
{
	const char *in = "GRUB_CMDLINE_LINUX=\"console=tty0 rootdelay=5\"\n"
			 "GRUB_CMDLINE_LINUX_DEFAULT='quiet console=tty0'\n";

	cm_buf_free(&out);
	cm_buf_init(&out, 1 << 20);
	CHECK_INT(cm_kargs_grub_vars(in, strlen(in), &gcp, 0, &out), 3);
	CHECK_STR(out.data, "GRUB_CMDLINE_LINUX=\"\"\nGRUB_CMDLINE_LINUX_DEFAULT='quiet'\n");
	CHECK_INT(cm_kargs_grub_vars(in, strlen(in), &gcp, 1, &out), 4);
	CHECK_STR(out.data, "GRUB_CMDLINE_LINUX=\"\"\n"
		  "GRUB_CMDLINE_LINUX_DEFAULT='quiet console=ttyS0,38400n8'\n");
	CHECK_INT(cm_kargs_grub_sets_default(in, strlen(in)), 1);
	CHECK_INT(cm_kargs_grub_sets_default("GRUB_CMDLINE_LINUX=\"\"\n", 22), 0);
	cm_buf_free(&out);
}
