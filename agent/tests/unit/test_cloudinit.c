#include <errno.h>

#include "adapt/cloudinit.h"
#include "test.h"

TEST(cloudinit_pin_writes_one_line_list)
{
	static const char *const gce[] = { "GCE" };
	static const char *const os[] = { "ConfigDrive", "None", "OpenStack" };
	struct cm_buf out;
	char list[64];

	cm_buf_init(&out, 4096);
	CHECK_INT(cm_cloudinit_pin("gcp", gce, 1, &out), 0);
	CHECK(strstr(out.data, "\ndatasource_list: [ GCE, None ]\n"));
	/* ds-identify greps every line for the key: only one may have it. */
	CHECK(strstr(out.data, "datasource_list") ==
	      strrchr(out.data, '\n') - strlen("datasource_list: [ GCE, None ]"));
	CHECK_INT(cm_cloudinit_find_list(out.data, out.len, list, sizeof(list)), 1);
	CHECK_STR(list, "GCE, None");
	/* None goes last, once. */
	CHECK_INT(cm_cloudinit_pin("openstack", os, 3, &out), 0);
	CHECK(strstr(out.data, "\ndatasource_list: [ ConfigDrive, OpenStack, None ]\n"));
	cm_buf_free(&out);
}

TEST(cloudinit_pin_rejects_bad_names)
{
	static const char *const bad[][1] = { { "GCE]" }, { "Ec2, Azure" },
					      { "" }, { "None" } };
	struct cm_buf out;
	size_t i;

	cm_buf_init(&out, 4096);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_INT(cm_cloudinit_pin("x", bad[i], 1, &out), -EINVAL);
	CHECK_INT(cm_cloudinit_pin("x", NULL, 0, &out), -EINVAL);
	cm_buf_free(&out);
}

TEST(cloudinit_find_list_as_ds_identify)
{
	const char *in = "# to update this file, run dpkg-reconfigure cloud-init\n"
			 "datasource_list: [ NoCloud, ConfigDrive, Ec2, None ]\n"
			 "datasource:\n  Ec2:\n    timeout: 5\n"
			 "  datasource_list: [ Nested ]\n"
			 "\"datasource_list\" :\t[Ec2, None]\t# pinned by the AMI\r\n";
	char list[64];

	CHECK_INT(cm_cloudinit_find_list(in, strlen(in), list, sizeof(list)), 1);
	CHECK_STR(list, "Ec2, None");
	CHECK_INT(cm_cloudinit_find_list("datasource_list:\n - Ec2\n", 24, list,
					 sizeof(list)), 0);
	CHECK_INT(cm_cloudinit_find_list("datasource: {}\n", 15, list, sizeof(list)), 0);
	CHECK_INT(cm_cloudinit_find_list("datasource_list: [ Ec2 ]", 24, list, 3),
		  -EMSGSIZE);
	CHECK_INT(cm_cloudinit_find_list("a\0b", 3, list, sizeof(list)), -EBADMSG);
	CHECK_INT(cm_cloudinit_find_list("", CM_CLOUDINIT_MAX + 1, list, sizeof(list)),
		  -EMSGSIZE);
}
