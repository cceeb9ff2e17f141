/* The generic launch flow (control/launch.c) over a double of struct
 * cm_cloud_api: the arrival line, the wait loop and its deadline on a
 * fake clock, what a failed launch names, the spec through the cloud's
 * keys.  (The real control planes are tested against their emulators in
 * the launch-CLOUD suites.) */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/fit.h"
#include "control/launch.h"
#include "move/firmware.h"
#include "move/launch_step.h"
#include "profiles/profile.h"
#include "test.h"

#define ID_A "0123456789abcdef0123456789abcdef"
#define ID_B "fedcba9876543210fedcba9876543210"

TEST(launch_arrival_line)
{
	const char *con =
		"[    0.000000] Linux version 6.1.0\r\n"
		"[    3.1] cloud-init: ok\n"
		"[    4.2] cloudmove: arrived in gcp from aws (move " ID_A ")\r\n"
		"cloudmove: arrived in aws from gcp (move " ID_B ")\n";
	struct cm_arrival a;

	CHECK_INT(cm_arrival_find(con, strlen(con), "gcp", NULL, &a), 1);
	CHECK_STR(a.target, "gcp");
	CHECK_STR(a.from, "aws");
	CHECK_STR(a.move_id, ID_A);
	CHECK_INT(cm_arrival_find(con, strlen(con), "aws", "", &a), 1);
	CHECK_STR(a.from, "gcp");
	CHECK_STR(a.move_id, ID_B);
	CHECK_INT(cm_arrival_find(con, strlen(con), "gcp", ID_A, &a), 1);
	/* another move's arrival is not this one's */
	CHECK_INT(cm_arrival_find(con, strlen(con), "gcp", ID_B, &a), 0);
	CHECK_INT(cm_arrival_find(con, strlen(con), "azure", NULL, &a), 0);
	/* cut short (the console read mid-line), bad ids, trailing junk */
	CHECK_INT(cm_arrival_find(con, strlen(con) - 3, "aws", NULL, &a), 0);
	con = "cloudmove: arrived in aws from gcp (move 0123456789ABCDEF0123456789abcdef)\n"
	      "cloudmove: arrived in aws from gcp (move " ID_A "0)\n"
	      "cloudmove: arrived in aws from gcp (move " ID_A ") now\n"
	      "cloudmove: arrived in aws  from gcp (move " ID_A ")\n"
	      "cloudmove: arrived in  from gcp (move " ID_A ")\n";
	CHECK_INT(cm_arrival_find(con, strlen(con), "aws", NULL, &a), 0);
	CHECK_INT(cm_arrival_find("", 0, "aws", NULL, &a), 0);
}

TEST(launch_move_id_valid)
{
	CHECK(cm_move_id_valid(ID_A));
	CHECK(!cm_move_id_valid(ID_A "0"));
	CHECK(!cm_move_id_valid("0123456789abcdef0123456789abcde"));
	CHECK(!cm_move_id_valid("0123456789abcdef0123456789abcdeF"));
	CHECK(!cm_move_id_valid(""));
}

/* The double: each op counts its calls and fails when told to. */
static struct {
	int login, describe, import, run, console;
	int fail_login, fail_import, fail_run, fail_console;
	int arrive_at;		/* the console look that shows the arrival */
	const char *arrival;
	long long now;
	long slept_total;
	int sleeps;
} d;

static int d_login(struct cm_api *a)
{
	(void)a;
	d.login++;
	return d.fail_login;
}

static const char *describe_arch = "x86_64";

static int d_describe(struct cm_api *a, struct cm_target_facts *f)
{
	(void)a;
	d.describe++;
	snprintf(f->instance_type, sizeof(f->instance_type), "t.small");
	snprintf(f->arch, sizeof(f->arch), "%s", describe_arch);
	f->boot_modes = CM_BOOT_UEFI;
	return 0;
}

static int d_import(struct cm_api *a, const char *url, const struct cm_image_facts *img,
		    struct cm_launch_result *r)
{
	(void)a; (void)url; (void)img;
	d.import++;
	snprintf(r->snapshot_id, sizeof(r->snapshot_id), "snap-1");
	if (d.fail_import)
		return d.fail_import;
	snprintf(r->image_id, sizeof(r->image_id), "img-1");
	return 0;
}

static int d_run(struct cm_api *a, const struct cm_image_facts *img, const char *move_id,
		 struct cm_launch_result *r)
{
	(void)a; (void)img; (void)move_id;
	d.run++;
	if (d.fail_run)
		return d.fail_run;
	snprintf(r->instance_id, sizeof(r->instance_id), "vm-1");
	return 0;
}

static int d_console(struct cm_api *a, const struct cm_launch_result *r, struct cm_buf *out)
{
	(void)a; (void)r;
	d.console++;
	if (d.fail_console)
		return d.fail_console;
	cm_buf_reset(out);
	if (cm_buf_addstr(out, "booting\n"))
		return -ENOMEM;
	if (d.arrive_at && d.console >= d.arrive_at && cm_buf_addstr(out, d.arrival))
		return -ENOMEM;
	return 0;
}

static long long fake_now(void *arg)
{
	(void)arg;
	return d.now;
}

static void fake_sleep(void *arg, long ms)
{
	(void)arg;
	d.now += ms;
	d.slept_total += ms;
	d.sleeps++;
}

static const struct cm_launch_clock fake_clock = { fake_now, fake_sleep, NULL };
static const char *const d_keys[] = { "zone", "size", "api_endpoint", NULL };
static const char *const d_required[] = { "zone", NULL };
static const struct cm_cloud_api d_api = {
	.cloud = "aws", .spec_keys = d_keys, .spec_required = d_required,
	.login = d_login, .describe_type = d_describe, .import_image = d_import,
	.run_instance = d_run, .console = d_console,
};

static void start(struct cm_launch *l)
{
	memset(&d, 0, sizeof(d));
	d.now = 1000000;
	cm_launch_init(l, &d_api);
	l->clock = &fake_clock;
}

TEST(launch_flow_arrives)
{
	static struct cm_launch l;
	struct cm_image_facts img = { .firmware = CM_BOOT_UEFI };

	start(&l);
	d.arrive_at = 4;
	d.arrival = "cloudmove: arrived in aws from gcp (move " ID_A ")\n";
	CHECK_INT(cm_launch_supported(&l), 0);
	CHECK_INT(cm_launch_connect(&l, "http://127.0.0.1:1"), 0);
	CHECK_INT(cm_launch_ask(&l), 0);
	CHECK_STR(l.target.arch, "x86_64");
	CHECK_INT(cm_launch_start(&l, "ebs://r/snap", &img, ID_A), 0);
	CHECK_STR(l.result.instance_id, "vm-1");
	CHECK_INT(cm_launch_wait(&l, ID_A, 60), 1);
	CHECK_INT(d.console, 4);
	CHECK_STR(l.arrival.from, "gcp");
	/* the pauses grow: 0.5 s, 1 s, 2 s */
	CHECK_INT(d.slept_total, 3500);
	CHECK_INT(l.waited_ms, 3500);
	cm_launch_close(&l);
}

TEST(launch_flow_deadline)
{
	static struct cm_launch l;
	struct cm_image_facts img = { 0 };
	char what[256];

	start(&l);
	d.arrive_at = 2;	/* an arrival, but another move's */
	d.arrival = "cloudmove: arrived in aws from gcp (move " ID_B ")\n";
	CHECK_INT(cm_launch_connect(&l, NULL), 0);
	CHECK_INT(cm_launch_start(&l, "x", &img, ID_A), 0);
	CHECK_INT(cm_launch_wait(&l, ID_A, 20), 0);
	/* looked until the deadline, never slept past it, paused 3 s at most */
	CHECK_INT(d.slept_total, 20000);
	CHECK(d.console >= 8 && d.console <= 10);
	cm_launch_exists(&l, what, sizeof(what));
	CHECK_STR(what, "image img-1, instance vm-1 exist (nothing deleted)");
	cm_launch_close(&l);

	/* --wait 1: one look, one pause of a second, one last look */
	start(&l);
	CHECK_INT(cm_launch_connect(&l, NULL), 0);
	CHECK_INT(cm_launch_start(&l, "x", &img, NULL), 0);
	CHECK_INT(cm_launch_wait(&l, NULL, 1), 0);
	CHECK_INT(d.slept_total, 1000);
	CHECK_INT(d.console, 3);
	cm_launch_close(&l);
}

TEST(launch_flow_console_errors)
{
	static struct cm_launch l;
	struct cm_image_facts img = { 0 };

	start(&l);
	CHECK_INT(cm_launch_connect(&l, NULL), 0);
	CHECK_INT(cm_launch_start(&l, "x", &img, NULL), 0);
	d.fail_console = -EACCES;	/* refused: no point in asking again */
	CHECK_INT(cm_launch_wait(&l, NULL, 600), -EACCES);
	CHECK_INT(d.console, 1);
	d.console = 0;
	d.fail_console = -EIO;		/* transport: a few more tries */
	CHECK_INT(cm_launch_wait(&l, NULL, 600), -EIO);
	CHECK_INT(d.console, 5);
	cm_launch_close(&l);
}

TEST(launch_flow_failures_name_what_exists)
{
	static struct cm_launch l;
	struct cm_image_facts img = { 0 };
	char what[256];

	start(&l);
	d.fail_login = -EACCES;
	CHECK_INT(cm_launch_connect(&l, NULL), 0);
	CHECK_INT(cm_launch_ask(&l), -EACCES);
	CHECK_INT(d.describe, 0);
	cm_launch_exists(&l, what, sizeof(what));
	CHECK_STR(what, "");
	cm_launch_close(&l);

	start(&l);
	d.fail_import = -EIO;
	CHECK_INT(cm_launch_connect(&l, NULL), 0);
	CHECK_INT(cm_launch_start(&l, "x", &img, NULL), -EIO);
	CHECK_INT(d.run, 0);
	cm_launch_exists(&l, what, sizeof(what));
	CHECK_STR(what, "snapshot snap-1 exists (nothing deleted)");
	cm_launch_close(&l);

	start(&l);
	d.fail_run = -EDQUOT;
	CHECK_INT(cm_launch_connect(&l, NULL), 0);
	CHECK_INT(cm_launch_start(&l, "x", &img, NULL), -EDQUOT);
	cm_launch_exists(&l, what, sizeof(what));
	CHECK_STR(what, "image img-1 exists (nothing deleted)");
	cm_launch_close(&l);
}

TEST(launch_stub_not_supported)
{
	static const char *const none[] = { NULL };
	static const struct cm_cloud_api stub = {
		.cloud = "gcp", .spec_keys = none, .spec_required = none,
	};
	static struct cm_launch l;

	cm_launch_init(&l, &stub);
	CHECK_INT(cm_launch_supported(&l), -ENOTSUP);
	cm_launch_close(&l);
}

TEST(launch_spec_through_the_cloud_keys)
{
	static struct cm_launch l;
	char p[512];

	start(&l);
	cm_test_write_str("ok.spec", "zone = z1\napi_endpoint = http://127.0.0.1:9\n");
	cm_test_write_str("missing.spec", "size = 2\n");
	cm_test_write_str("twice.spec", "zone = a\nzone = b\n");
	cm_test_write_str("unknown.spec", "zone = a\ncolour = red\n");

	snprintf(p, sizeof(p), "%s/ok.spec", cm_test_tmpdir());
	CHECK_INT(cm_launch_load(&l, p, NULL), 0);
	/* the spec's api_endpoint is --api-endpoint's default */
	CHECK_INT(cm_launch_connect(&l, NULL), 0);
	CHECK_STR(l.api.endpoint, "http://127.0.0.1:9");
	cm_launch_close(&l);
	start(&l);
	CHECK_INT(cm_launch_load(&l, p, NULL), 0);
	CHECK_INT(cm_launch_connect(&l, "http://127.0.0.1:7"), 0);
	CHECK_STR(l.api.endpoint, "http://127.0.0.1:7");
	cm_launch_close(&l);
	snprintf(p, sizeof(p), "%s/missing.spec", cm_test_tmpdir());
	CHECK_INT(cm_launch_load(&l, p, NULL), -EINVAL);
	snprintf(p, sizeof(p), "%s/twice.spec", cm_test_tmpdir());
	CHECK_INT(cm_launch_load(&l, p, NULL), -EINVAL);
	snprintf(p, sizeof(p), "%s/unknown.spec", cm_test_tmpdir());
	CHECK_INT(cm_launch_load(&l, p, NULL), -EINVAL);
}

TEST(launch_elf_arch)
{
	uint8_t h[64] = { 0x7f, 'E', 'L', 'F', 2, 1 };

	h[18] = 62;
	CHECK_STR(cm_elf_arch(h, sizeof(h)), "x86_64");
	h[18] = 183;
	CHECK_STR(cm_elf_arch(h, sizeof(h)), "arm64");
	h[18] = 3;
	h[4] = 1;
	CHECK_STR(cm_elf_arch(h, sizeof(h)), "i386");
	h[18] = 40;			/* arm (32-bit): not one we launch */
	CHECK(cm_elf_arch(h, sizeof(h)) == NULL);
	h[5] = 2;			/* big-endian: the machine is h[18..19] */
	h[18] = 0;
	h[19] = 62;
	CHECK_STR(cm_elf_arch(h, sizeof(h)), "x86_64");
	CHECK(cm_elf_arch(h, 19) == NULL);
	h[0] = 'M';
	CHECK(cm_elf_arch(h, sizeof(h)) == NULL);
}

static struct cm_target_facts target(const char *arch, unsigned modes, const char *drivers)
{
	struct cm_target_facts t;

	memset(&t, 0, sizeof(t));
	snprintf(t.instance_type, sizeof(t.instance_type), "t4g.micro");
	snprintf(t.arch, sizeof(t.arch), "%s", arch);
	t.boot_modes = modes;
	snprintf(t.drivers, sizeof(t.drivers), "%s", drivers);
	return t;
}

TEST(launch_fit)
{
	struct cm_target_facts t = target("arm64", CM_BOOT_UEFI, "ena nvme");
	struct cm_image_facts img = { .firmware = CM_BOOT_BIOS, .arch = "x86_64" };
	struct cm_fit fit;
	char why[2048];

	/* everything wrong: every mismatch in the one line */
	cm_fit_eval(&t, &img, "ena", &fit);
	CHECK_INT(cm_fit_refusal(&fit, why, sizeof(why)), -ENOTSUP);
	CHECK_STR(why, "the disk boots with bios only, t4g.micro with uefi only; "
		  "the disk is x86_64, t4g.micro arm64; "
		  "t4g.micro needs ena nvme; the root lacks ena");
	/* a hybrid disk fits either; aarch64 is arm64 */
	img.firmware = CM_BOOT_BIOS | CM_BOOT_UEFI;
	snprintf(img.arch, sizeof(img.arch), "aarch64");
	cm_fit_eval(&t, &img, "", &fit);
	CHECK_INT(cm_fit_refusal(&fit, why, sizeof(why)), 0);
	CHECK_STR(why, "");
	CHECK_INT(fit.boot, CM_FIT_YES);
	CHECK_INT(fit.arch, CM_FIT_YES);
	CHECK_INT(fit.drivers, CM_FIT_YES);
	/* what one side does not know is no refusal */
	memset(&img, 0, sizeof(img));
	cm_fit_eval(&t, &img, NULL, &fit);
	CHECK_INT(cm_fit_refusal(&fit, why, sizeof(why)), 0);
	CHECK_INT(fit.boot, CM_FIT_UNKNOWN);
	CHECK_INT(fit.arch, CM_FIT_UNKNOWN);
	CHECK_INT(fit.drivers, CM_FIT_UNKNOWN);
	/* a UEFI-only disk on a BIOS-only type */
	t = target("x86_64", CM_BOOT_BIOS, "");
	img.firmware = CM_BOOT_UEFI;
	cm_fit_eval(&t, &img, "", &fit);
	CHECK_INT(cm_fit_refusal(&fit, why, sizeof(why)), -ENOTSUP);
	CHECK_STR(why, "the disk boots with uefi only, t4g.micro with bios only");
}

TEST(launch_root_drivers)
{
	char root[512], have[256], missing[256];

	cm_test_write_str("root/usr/lib/modules/6.1.0-9-amd64/modules.dep",
			  "kernel/drivers/net/ethernet/amazon/ena/ena.ko.xz:\n"
			  "kernel/drivers/nvme/host/nvme.ko.xz: kernel/drivers/nvme/host/nvme-core.ko.xz\n");
	cm_test_write_str("root/usr/lib/modules/6.1.0-9-amd64/modules.builtin",
			  "kernel/drivers/block/virtio_blk.ko\n");
	/* an older kernel that has gve: only the newest counts */
	cm_test_write_str("root/usr/lib/modules/5.10.0-1-amd64/modules.dep",
			  "kernel/drivers/net/ethernet/google/gve/gve.ko:\n");
	snprintf(root, sizeof(root), "%s/root", cm_test_tmpdir());
	CHECK_INT(cm_root_drivers(root, "ena nvme virtio_blk gve mlx5_core", have,
				  sizeof(have), missing, sizeof(missing)), 0);
	CHECK_STR(have, "ena nvme virtio_blk");
	CHECK_STR(missing, "gve mlx5_core");
	CHECK_INT(cm_root_drivers(root, "", have, sizeof(have), missing, sizeof(missing)), 0);
	CHECK_STR(missing, "");
	snprintf(root, sizeof(root), "%s/none", cm_test_tmpdir());
	CHECK_INT(cm_root_drivers(root, "ena", have, sizeof(have), missing,
				  sizeof(missing)), -ENOENT);
}

TEST(launch_run_refuses_before_import)
{
	static struct cm_launch l;
	uint8_t elf[64] = { 0x7f, 'E', 'L', 'F', 2, 1 };
	const char *failed;
	char spec[512], disk[512], root[512];

	start(&l);
	elf[18] = 183;			/* the root is arm64, the type x86_64 */
	cm_test_write("root/bin/sh", elf, sizeof(elf));
	cm_test_write_str("s.spec", "zone = z\n");
	cm_test_write("blank.img", (char[4096]){ 0 }, 4096);
	snprintf(spec, sizeof(spec), "%s/s.spec", cm_test_tmpdir());
	snprintf(disk, sizeof(disk), "%s/blank.img", cm_test_tmpdir());
	snprintf(root, sizeof(root), "%s/root", cm_test_tmpdir());
	CHECK_INT(cm_launch_run(&l, &(struct cm_launch_args){
		.image_url = "x", .spec = spec, .source = disk, .root = root,
		.wait = 60 }, &failed), -ENOTSUP);
	CHECK_STR(failed, "fit");
	CHECK_INT(d.login, 1);
	CHECK_INT(d.describe, 1);
	CHECK_INT(d.import, 0);
	CHECK_INT(l.fit.arch, CM_FIT_NO);
	cm_launch_close(&l);

	/* the same root on an arm64 type: imported, started, arrived */
	start(&l);
	d.arrive_at = 2;
	d.arrival = "cloudmove: arrived in aws from gcp (move " ID_A ")\n";
	describe_arch = "arm64";
	CHECK_INT(cm_launch_run(&l, &(struct cm_launch_args){
		.image_url = "x", .spec = spec, .source = disk, .root = root,
		.move_id = ID_A, .wait = 60 }, &failed), 1);
	CHECK(failed == NULL);
	CHECK_INT(d.import, 1);
	CHECK_INT(d.run, 1);
	CHECK_INT(d.console, 2);
	describe_arch = "x86_64";
	cm_launch_close(&l);

	/* --wait 0: started, not waited for */
	start(&l);
	describe_arch = "arm64";
	CHECK_INT(cm_launch_run(&l, &(struct cm_launch_args){
		.image_url = "x", .spec = spec, .source = disk, .root = root,
		.wait = 0 }, &failed), 0);
	CHECK(failed == NULL);
	CHECK_INT(d.console, 0);
	describe_arch = "x86_64";
	cm_launch_close(&l);
}

TEST(launch_fit_folds_into_the_profile)
{
	static struct cm_profile_rt p;
	struct cm_target_facts t = target("x86_64", CM_BOOT_UEFI, "ena nvme mlx5_core");

	memset(&p, 0, sizeof(p));
	CHECK_INT(cm_plist_add(&p.storage_drivers, "nvme", 4), 0);
	CHECK_INT(cm_fit_fold(&p, &t), 0);
	CHECK_INT(p.storage_drivers.n, 1);	/* nvme once */
	CHECK_INT(p.net_drivers.n, 2);
	CHECK_STR(p.net_drivers.v[0], "ena");
	CHECK_STR(p.net_drivers.v[1], "mlx5_core");
}

TEST(launch_move_step_finish_and_hint)
{
	static struct cm_move_launch m;
	char hint[1024];

	memset(&m, 0, sizeof(m));
	m.target = "aws";
	m.spec = "/sysroot/etc/cloudmove/launch.spec";
	m.spec_shown = "/etc/cloudmove/launch.spec";
	m.creds = "/sysroot/etc/cloudmove/creds";
	m.endpoint = "http://10.0.2.2:8773";
	m.root = cm_test_tmpdir();
	m.wait = 30;
	cm_move_launch_hint(&m, "ebs://us-east-1/snap-1", ID_A, hint, sizeof(hint));
	CHECK_STR(hint, "cloudmove launch --target aws --image ebs://us-east-1/snap-1 "
		  "--spec /etc/cloudmove/launch.spec --creds /sysroot/etc/cloudmove/creds "
		  "--api-endpoint http://10.0.2.2:8773 --move-id " ID_A);
	/* a URL with a query (a SAS signature) is never printed */
	cm_move_launch_hint(&m, "https://a.blob.core.windows.net/c/d.vhd?sig=SECRET", NULL,
			    hint, sizeof(hint));
	CHECK(!strstr(hint, "SECRET"));
	CHECK(strstr(hint, "--image URL --spec"));

	/* the instance never says it arrived: -ETIMEDOUT, the image kept */
	start(&m.l);
	CHECK_INT(cm_launch_connect(&m.l, NULL), 0);
	CHECK_INT(cm_move_launch_finish(&m, "ebs://us-east-1/snap-1", ID_A), -ETIMEDOUT);
	CHECK_INT(d.run, 1);
	CHECK_INT(d.slept_total, 30000);
	cm_launch_close(&m.l);
	/* a quota refusal at launch */
	start(&m.l);
	d.fail_run = -EDQUOT;
	CHECK_INT(cm_launch_connect(&m.l, NULL), 0);
	CHECK_INT(cm_move_launch_finish(&m, "ebs://us-east-1/snap-1", ID_A), -EDQUOT);
	CHECK_STR(m.l.result.image_id, "img-1");
	cm_launch_close(&m.l);
	/* arrival */
	start(&m.l);
	d.arrive_at = 1;
	d.arrival = "cloudmove: arrived in aws from kvm (move " ID_A ")\n";
	CHECK_INT(cm_launch_connect(&m.l, NULL), 0);
	CHECK_INT(cm_move_launch_finish(&m, "ebs://us-east-1/snap-1", ID_A), 0);
	CHECK_STR(m.l.arrival.from, "kvm");
	cm_launch_close(&m.l);
}

/* One newc entry (as test_cpio.c makes them). */
static void newc(struct cm_buf *b, const char *name)
{
	static const char zeros[4];
	size_t nl = strlen(name) + 1;
	int r;

	r = cm_buf_printf(b, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08zx%08x",
			  1u, 0100644u, 0u, 0u, 1u, 0u, 0u, 0u, 0u, 0u, 0u, nl, 0u);
	r |= cm_buf_add(b, name, nl);
	r |= cm_buf_add(b, zeros, (4 - b->len % 4) % 4);
	if (r)
		abort();
}

static void initramfs_with(const char *rel, const char *const *modules)
{
	struct cm_buf b;

	cm_buf_init(&b, 1 << 16);
	for (; *modules; modules++)
		newc(&b, *modules);
	newc(&b, "TRAILER!!!");
	cm_test_write(rel, b.data, b.len);
	cm_buf_free(&b);
}

TEST(launch_root_drivers_in_the_initramfs)
{
	static const char *const without_nvme[] = {
		"usr/lib/modules/6.1.0-9-amd64/kernel/drivers/net/ethernet/amazon/ena/ena.ko.xz",
		NULL,
	};
	static const char *const with_nvme[] = {
		"usr/lib/modules/6.1.0-9-amd64/kernel/drivers/nvme/host/nvme-core.ko.xz",
		"usr/lib/modules/6.1.0-9-amd64/kernel/drivers/nvme/host/nvme.ko.xz",
		NULL,
	};
	char root[512], have[256], missing[256];

	cm_test_write_str("root/boot/vmlinuz-6.1.0-9-amd64", "");
	cm_test_write_str("root/usr/lib/modules/6.1.0-9-amd64/modules.dep",
			  "kernel/drivers/net/ethernet/amazon/ena/ena.ko.xz:\n"
			  "kernel/drivers/nvme/host/nvme-core.ko.xz:\n"
			  "kernel/drivers/nvme/host/nvme.ko.xz: kernel/drivers/nvme/host/nvme-core.ko.xz\n");
	cm_test_write_str("root/usr/lib/modules/6.1.0-9-amd64/kernel/drivers/net/ethernet/amazon/ena/ena.ko.xz", "");
	cm_test_write_str("root/usr/lib/modules/6.1.0-9-amd64/kernel/drivers/nvme/host/nvme-core.ko.xz", "");
	cm_test_write_str("root/usr/lib/modules/6.1.0-9-amd64/kernel/drivers/nvme/host/nvme.ko.xz", "");
	initramfs_with("root/boot/initrd.img-6.1.0-9-amd64", without_nvme);
	snprintf(root, sizeof(root), "%s/root", cm_test_tmpdir());
	/* nvme is a module of the kernel but not in its initramfs: the root
	 * disk behind it would not be found; ena loads after the pivot */
	CHECK_INT(cm_root_drivers(root, "ena nvme", have, sizeof(have), missing,
				  sizeof(missing)), 0);
	CHECK_STR(have, "ena nvme");
	CHECK_STR(missing, "nvme (not in the initramfs)");
	initramfs_with("root/boot/initrd.img-6.1.0-9-amd64", with_nvme);
	CHECK_INT(cm_root_drivers(root, "ena nvme", have, sizeof(have), missing,
				  sizeof(missing)), 0);
	CHECK_STR(missing, "");
}
