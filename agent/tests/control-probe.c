/* control-probe: one cloud's control-plane ops (control/CLOUD.c), driven
 * one by one against the test emulators, so the suites launch-CLOUD test
 * each op by itself as well as through `cloudmove launch` / `retire`.
 * Not installed.
 *
 *   control-probe CLOUD [--spec F] [--creds F] [--api-endpoint URL]
 *                 [--metadata-endpoint HOST:PORT] COMMAND ARGS...
 *     login
 *     describe                          prints the target facts
 *     launch IMAGE_URL FIRMWARE MOVE_ID WAIT_S
 *                                       login, describe, import, run, then
 *                                       the console until the arrival line
 *     retire stop|delete                self_login, retire_self (the hint
 *                                       on failure)
 *     hint stop|delete                  self_login (failure ignored), hint
 *   FIRMWARE: bios, uefi or both.  Prints "key: value" lines; the last is
 *   "result: ok" or "result: ENAME" (the errno the op returned); exit 0
 *   when ok, 1 when not, 2 usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../src/control/control.h"
#include "../src/log.h"

static const char *ename(int r)
{
	static const struct { int e; const char *n; } names[] = {
		{ EACCES, "EACCES" }, { EDQUOT, "EDQUOT" }, { ENOENT, "ENOENT" },
		{ EIO, "EIO" }, { ETIMEDOUT, "ETIMEDOUT" }, { ENOTSUP, "ENOTSUP" },
		{ EINVAL, "EINVAL" }, { ENOMEM, "ENOMEM" }, { EPROTO, "EPROTO" },
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == -r)
			return names[i].n;
	return "E?";
}

static int result(int r)
{
	printf("result: %s\n", r == 0 ? "ok" : ename(r));
	return r == 0 ? 0 : 1;
}

static double since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static void print_facts(const struct cm_target_facts *f)
{
	printf("type: %s\narch: %s\nboot:%s%s\nnvme: %d\ndrivers: %s\nsource: %s\n",
	       f->instance_type, f->arch, f->boot_modes & CM_BOOT_BIOS ? " bios" : "",
	       f->boot_modes & CM_BOOT_UEFI ? " uefi" : "", f->nvme, f->drivers, f->source);
}

static int launch(struct cm_api *a, char **argv)
{
	struct cm_image_facts img = { 0 };
	struct cm_target_facts f;
	struct cm_launch_result res = { 0 };
	struct cm_buf con;
	struct timespec t0;
	char line[200];
	int r, wait_s = atoi(argv[3]);

	img.firmware = !strcmp(argv[1], "bios") ? CM_BOOT_BIOS : !strcmp(argv[1], "uefi") ?
		       CM_BOOT_UEFI : CM_BOOT_BIOS | CM_BOOT_UEFI;
	snprintf(img.arch, sizeof(img.arch), "x86_64");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((r = a->ops->login(a)) < 0)
		return r;
	printf("login: %.2f s\n", since(&t0));
	if ((r = a->ops->describe_type(a, &f)) < 0)
		return r;
	print_facts(&f);
	r = a->ops->import_image(a, argv[0], &img, &res);
	printf("image: %s\nimport: %.2f s\n", res.image_id, since(&t0));
	if (r < 0)
		return r;
	r = a->ops->run_instance(a, &img, argv[2], &res);
	printf("instance: %s\nrun: %.2f s\n", res.instance_id, since(&t0));
	if (r < 0)
		return r;
	snprintf(line, sizeof(line), "cloudmove: arrived in %s from ", a->ops->cloud);
	cm_buf_init(&con, 1024 * 1024);
	for (;;) {
		r = a->ops->console(a, &res, &con);
		if (r < 0)
			break;
		if (con.data && strstr(con.data, line) && strstr(con.data, argv[2])) {
			printf("arrived: %.2f s\n", since(&t0));
			break;
		}
		if (since(&t0) > wait_s) {
			r = -ETIMEDOUT;
			printf("console: %zu bytes, no arrival\n", con.len);
			break;
		}
		usleep(300 * 1000);
	}
	cm_buf_free(&con);
	return r;
}

int main(int argc, char **argv)
{
	const char *spec_path = NULL, *creds_path = NULL, *endpoint = NULL, *md = NULL;
	const struct cm_cloud_api *ops;
	struct cm_spec spec;
	struct cm_creds creds;
	struct cm_api a;
	char hint[512];
	int i = 2, r, rc;

	if (argc < 3 || !(ops = cm_cloud_api_find(argv[1]))) {
		fprintf(stderr, "usage: control-probe CLOUD [options] COMMAND ARGS...\n");
		return 2;
	}
	for (; i + 1 < argc && !strncmp(argv[i], "--", 2); i += 2) {
		if (!strcmp(argv[i], "--spec"))
			spec_path = argv[i + 1];
		else if (!strcmp(argv[i], "--creds"))
			creds_path = argv[i + 1];
		else if (!strcmp(argv[i], "--api-endpoint"))
			endpoint = argv[i + 1];
		else if (!strcmp(argv[i], "--metadata-endpoint"))
			md = argv[i + 1];
		else
			return 2;
	}
	if (i >= argc)
		return 2;
	memset(&creds, 0, sizeof(creds));
	if (cm_api_init(&a, ops, endpoint) < 0)
		return 1;
	a.metadata_endpoint = md;
	if (spec_path) {
		if (cm_spec_load(spec_path, ops->spec_keys, ops->spec_required, &spec) < 0)
			return result(-EINVAL);
		a.spec = &spec;
		if (!endpoint && cm_spec_get(&spec, "api_endpoint"))
			a.endpoint = cm_spec_get(&spec, "api_endpoint");
	}
	if (creds_path) {
		if (cm_creds_load(creds_path, &creds) < 0)
			return result(-EINVAL);
		a.creds = &creds;
	}
	if (!strcmp(argv[i], "login")) {
		r = ops->login(&a);
	} else if (!strcmp(argv[i], "describe")) {
		struct cm_target_facts f;

		r = ops->login(&a);
		if (r == 0 && (r = ops->describe_type(&a, &f)) == 0)
			print_facts(&f);
	} else if (!strcmp(argv[i], "launch") && argc - i == 5) {
		r = launch(&a, argv + i + 1);
	} else if ((!strcmp(argv[i], "retire") || !strcmp(argv[i], "hint")) && argc - i == 2) {
		int del = !strcmp(argv[i + 1], "delete");

		r = ops->self_login(&a);
		if (r == 0 && !strcmp(argv[i], "retire"))
			r = ops->retire_self(&a, del);
		if (r < 0 || !strcmp(argv[i], "hint")) {
			ops->retire_hint(&a, del, hint, sizeof(hint));
			printf("hint: %s\n", hint);
		}
		if (!strcmp(argv[i], "hint"))
			r = 0;
	} else {
		fprintf(stderr, "control-probe: unknown command %s\n", argv[i]);
		r = -EINVAL;
	}
	rc = result(r);
	cm_api_cleanup(&a);
	cm_creds_wipe(&creds);
	return rc;
}
