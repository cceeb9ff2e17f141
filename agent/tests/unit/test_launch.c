/* The generic launch flow (control/launch.c) over a double of struct
 * cm_cloud_api: the arrival line, the wait loop and its deadline on a
 * fake clock, what a failed launch names, the spec through the cloud's
 * keys.  (The real control planes are tested against their emulators in
 * the launch-CLOUD suites.) */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "control/launch.h"
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

static int d_describe(struct cm_api *a, struct cm_target_facts *f)
{
	(void)a;
	d.describe++;
	snprintf(f->instance_type, sizeof(f->instance_type), "t.small");
	snprintf(f->arch, sizeof(f->arch), "x86_64");
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
