/* The move marker: parse and who the source machine is. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "move/marker.h"
#include "move/migrate.h"
#include "profiles/profile.h"
#include "test.h"

TEST(move_marker_parse)
{
	static const char ok[] = "before 3\nuuid EC2E1916-0000\ninstance_id i-0abc\ncloud aws\n"
				 "target gcp\ntime 1764230000\nfuture key\n";
	struct cm_move_marker m;

	CHECK_INT(cm_move_marker_parse(ok, sizeof(ok) - 1, &m), 0);
	CHECK_INT(m.before, 3);
	CHECK_STR(m.uuid, "EC2E1916-0000");
	CHECK_STR(m.cloud, "aws");
	CHECK_STR(m.target, "gcp");
	CHECK_INT(cm_move_marker_parse("cloud aws\n", 10, &m), -EBADMSG);
	CHECK_INT(cm_move_marker_parse("before x\ncloud aws\n", 19, &m), -EBADMSG);
	CHECK_INT(cm_move_marker_parse("before 1\n", 9, &m), -EBADMSG);
	CHECK_INT(cm_move_marker_parse("before 1\ncloud aws\0\n", 20, &m), -EBADMSG);
}

TEST(move_marker_is_source)
{
	struct cm_move_marker m = { .before = 1 };

	strcpy(m.uuid, "ec2e1916-0000");
	strcpy(m.instance_id, "i-1");
	strcpy(m.cloud, "aws");
	/* the UUID decides when both sides have one */
	CHECK_INT(cm_move_marker_is_source(&m, "EC2E1916-0000", "i-2", "gcp"), 1);
	CHECK_INT(cm_move_marker_is_source(&m, "6ce0a0e2-0000", "i-1", "aws"), 0);
	/* else the instance id, else the cloud; unknown: the source's */
	CHECK_INT(cm_move_marker_is_source(&m, "", "i-1", "gcp"), 1);
	CHECK_INT(cm_move_marker_is_source(&m, "", "i-9", "aws"), 0);
	m.uuid[0] = m.instance_id[0] = '\0';
	CHECK_INT(cm_move_marker_is_source(&m, "6ce0a0e2-0000", "", "aws"), 1);
	CHECK_INT(cm_move_marker_is_source(&m, "6ce0a0e2-0000", "", "gcp"), 0);
	CHECK_INT(cm_move_marker_is_source(&m, "", "", "unknown"), 1);
}

/* The UUID is the machine's evidence: read under the detection root,
 * as detection reads DMI (a fixture in tests, never this machine). */
TEST(move_machine_uuid_under_detect_root)
{
	char root[512], uuid[64];

	cm_test_write_str("a/sys/class/dmi/id/product_uuid",
			  "4E2343F6-8DC9-4BE5-8431-C20D2E7EDCFD \n");
	cm_test_write_str("b/sys/class/dmi/id/product_uuid",
			  "00000000-0000-0000-0000-000000000000\n");
	snprintf(root, sizeof(root), "%s/a", cm_test_tmpdir());
	cm_machine_uuid(root, uuid, sizeof(uuid));
	CHECK_STR(uuid, "4E2343F6-8DC9-4BE5-8431-C20D2E7EDCFD");
	snprintf(root, sizeof(root), "%s/b", cm_test_tmpdir());	/* "not set" */
	cm_machine_uuid(root, uuid, sizeof(uuid));
	CHECK_STR(uuid, "");
	snprintf(root, sizeof(root), "%s/c", cm_test_tmpdir());	/* no DMI at all */
	cm_machine_uuid(root, uuid, sizeof(uuid));
	CHECK_STR(uuid, "");
}

TEST(move_default_format)
{
	static const char conf[] = "[aws]\nimage_format = vhd\n";
	struct cm_profiles *set = calloc(1, sizeof(*set));

	CHECK(set && cm_profiles_init(set) == 0);
	CHECK_STR(cm_migrate_default_format(cm_profiles_find(set, "gcp")), "gce");
	CHECK_STR(cm_migrate_default_format(cm_profiles_find(set, "azure")), "vhd");
	CHECK_STR(cm_migrate_default_format(cm_profiles_find(set, "aws")), "raw");
	CHECK_STR(cm_migrate_default_format(cm_profiles_find(set, "openstack")), "raw");
	CHECK_STR(cm_migrate_default_format(NULL), "raw");
	/* A user file sets it too. */
	CHECK_INT(cm_profile_conf_parse(conf, strlen(conf), "x.conf", set, NULL, 0), 0);
	CHECK_STR(cm_migrate_default_format(cm_profiles_find(set, "aws")), "vhd");
	free(set);
}
