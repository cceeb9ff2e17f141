/* control-probe: drives one cloud's control-plane ops (control/CLOUD.c)
 * against the test emulators, until `cloudmove launch` / `cloudmove
 * retire` drive them (and after: the ops alone, step by step).
 *
 *   control-probe launch CLOUD SPEC CREDS IMAGE-URL FIRMWARE ARCH MOVE-ID WAIT [ENDPOINT]
 *     login, describe_type, import_image, run_instance, then console until
 *     "cloudmove: arrived in ... (move MOVE-ID)" or WAIT seconds; FIRMWARE
 *     bios|uefi|both.  Prints "facts ...", "snapshot ...", "image ...",
 *     "instance ...", "arrived" lines; exit 0 arrived, 1 not, 2 usage.
 *   control-probe retire CLOUD stop|delete METADATA-HOST:PORT [ENDPOINT]
 *     self_login, retire_self; on failure prints "hint: COMMAND".
 * Test-only: built as build/musl/control-probe, not installed. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "control/control.h"
#include "log.h"

static int usage(void)
{
	fprintf(stderr, "usage: control-probe launch CLOUD SPEC CREDS IMAGE FIRMWARE ARCH "
		"MOVE WAIT [ENDPOINT]\n       control-probe retire CLOUD stop|delete "
		"MDHOST:PORT [ENDPOINT]\n");
	return 2;
}

static int arrived(const struct cm_buf *out, const char *move_id)
{
	char want[128];

	snprintf(want, sizeof(want), "(move %s)", move_id);
	return out->data && strstr(out->data, "cloudmove: arrived in ") && strstr(out->data, want);
}

static int launch(char **argv, int argc)
{
	const struct cm_cloud_api *ops = cm_cloud_api_find(argv[2]);
	struct cm_spec spec;
	struct cm_creds creds;
	struct cm_api a;
	struct cm_target_facts f;
	struct cm_image_facts img = { 0 };
	struct cm_launch_result res = { 0 };
	struct cm_buf out;
	int r, i, wait = atoi(argv[9]);

	if (!ops || !ops->login)
		return usage();
	img.firmware = !strcmp(argv[6], "bios") ? CM_BOOT_BIOS : !strcmp(argv[6], "uefi") ?
		       CM_BOOT_UEFI : CM_BOOT_BIOS | CM_BOOT_UEFI;
	snprintf(img.arch, sizeof(img.arch), "%s", argv[7]);
	if (cm_spec_load(argv[3], ops->spec_keys, ops->spec_required, &spec) < 0 ||
	    cm_creds_load(argv[4], &creds) < 0 ||
	    cm_api_init(&a, ops, argc > 10 ? argv[10] : NULL) < 0)
		return 1;
	a.spec = &spec;
	a.creds = &creds;
	r = ops->login(&a);
	if (r == 0)
		r = ops->describe_type(&a, &f);
	if (r == 0)
		printf("facts type=%s arch=%s boot=%s%s nvme=%d drivers=%s source=%s\n",
		       f.instance_type, f.arch, f.boot_modes & CM_BOOT_BIOS ? "bios," : "",
		       f.boot_modes & CM_BOOT_UEFI ? "uefi" : "", f.nvme, f.drivers, f.source);
	if (r == 0)
		r = ops->import_image(&a, argv[5], &img, &res);
	if (res.snapshot_id[0])
		printf("snapshot %s\n", res.snapshot_id);
	if (res.image_id[0])
		printf("image %s\n", res.image_id);
	if (r == 0)
		r = ops->run_instance(&a, &img, argv[8], &res);
	if (res.instance_id[0])
		printf("instance %s\n", res.instance_id);
	cm_buf_init(&out, 1 << 20);
	for (i = 0; r == 0; i++) {
		r = ops->console(&a, &res, &out);
		if (r == 0 && arrived(&out, argv[8])) {
			printf("arrived after %d polls\n", i + 1);
			break;
		}
		if (i >= wait * 4) {
			r = -ETIMEDOUT;
			break;
		}
		usleep(250 * 1000);
	}
	printf("result %d\n", r);
	cm_buf_free(&out);
	cm_api_cleanup(&a);
	cm_creds_wipe(&creds);
	return r == 0 ? 0 : 1;
}

static int retire(char **argv, int argc)
{
	const struct cm_cloud_api *ops = cm_cloud_api_find(argv[2]);
	int del = !strcmp(argv[3], "delete");
	struct cm_api a;
	char hint[512];
	int r;

	if (!ops || !ops->self_login || (!del && strcmp(argv[3], "stop")))
		return usage();
	if (cm_api_init(&a, ops, argc > 5 ? argv[5] : NULL) < 0)
		return 1;
	a.metadata_endpoint = argv[4];
	r = ops->self_login(&a);
	if (r == 0)
		r = ops->retire_self(&a, del);
	if (r < 0) {
		ops->retire_hint(&a, del, hint, sizeof(hint));
		printf("hint: %s\n", hint);
	} else {
		printf("retired %s in %s\n", a.self_id, a.self_region);
	}
	cm_api_cleanup(&a);
	return r == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	if (argc >= 10 && !strcmp(argv[1], "launch"))
		return launch(argv, argc);
	if (argc >= 5 && !strcmp(argv[1], "retire"))
		return retire(argv, argc);
	return usage();
}
