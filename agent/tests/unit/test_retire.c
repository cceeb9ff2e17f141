/* Retire's generic flow (control/retire.c) against a double of struct
 * cm_cloud_api: what it calls, in which order, with which mode, and the
 * one line either way. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "clouds/clouds.h"
#include "control/retire.h"
#include "detect/detect.h"
#include "move/retire.h"
#include "record/move.h"
#include "record/record.h"
#include "record/store.h"
#include "test.h"

/* What the double saw and what it answers (test state, reset per test). */
static struct {
	int login_r, retire_r;
	int logins, retires, delete_seen;
	char endpoint_seen[64], api_seen[64];
	char calls[64];
} dbl;

static void dbl_reset(void)
{
	memset(&dbl, 0, sizeof(dbl));
	dbl.delete_seen = -1;
}

static int dbl_self_login(struct cm_api *a)
{
	dbl.logins++;
	strcat(dbl.calls, "login ");
	snprintf(dbl.endpoint_seen, sizeof(dbl.endpoint_seen), "%s",
		 a->metadata_endpoint ? a->metadata_endpoint : "");
	snprintf(dbl.api_seen, sizeof(dbl.api_seen), "%s", a->endpoint ? a->endpoint : "");
	if (dbl.login_r < 0)
		return dbl.login_r;
	snprintf(a->self_id, sizeof(a->self_id), "i-0123456789abcdef0");
	snprintf(a->self_region, sizeof(a->self_region), "eu-west-1");
	return 0;
}

static int dbl_retire_self(struct cm_api *a, int delete)
{
	(void)a;
	dbl.retires++;
	dbl.delete_seen = delete;
	strcat(dbl.calls, delete ? "delete " : "stop ");
	return dbl.retire_r;
}

static void dbl_hint(const struct cm_api *a, int delete, char *out, size_t size)
{
	snprintf(out, size, "aws ec2 %s-instances --region %s --instance-ids %s",
		 delete ? "terminate" : "stop", a->self_region[0] ? a->self_region : "REGION",
		 a->self_id[0] ? a->self_id : "INSTANCE_ID");
}

static const struct cm_cloud_api dbl_aws = {
	.cloud = "aws",
	.self_login = dbl_self_login,
	.retire_self = dbl_retire_self,
	.retire_hint = dbl_hint,
};

static const struct cm_cloud_api dbl_azure = {
	.cloud = "azure",
	.self_login = dbl_self_login,
	.retire_self = dbl_retire_self,
};

/* A cloud file that is still a stub: no retire ops. */
static const struct cm_cloud_api stub = { .cloud = "gcp" };

static struct cm_retire_opts opts(const char *cloud)
{
	return (struct cm_retire_opts){ .cloud = cloud, .in_cloud = 1,
					.instance_id = "", .region = "" };
}

TEST(retire_mode_words)
{
	int d = -1;

	CHECK_INT(cm_retire_mode_parse("stop", &d), 0);
	CHECK_INT(d, 0);
	CHECK_INT(cm_retire_mode_parse("delete", &d), 0);
	CHECK_INT(d, 1);
	/* delete only by its exact name */
	CHECK_INT(cm_retire_mode_parse("Delete", &d), -EINVAL);
	CHECK_INT(cm_retire_mode_parse("del", &d), -EINVAL);
	CHECK_INT(cm_retire_mode_parse("", &d), -EINVAL);
	CHECK_INT(cm_retire_mode_parse("terminate", &d), -EINVAL);
	CHECK_INT(cm_retire_mode_parse(NULL, &d), -EINVAL);
	CHECK_STR(cm_retire_mode_name(0), "stop");
	CHECK_STR(cm_retire_mode_name(1), "delete");
}

TEST(retire_stops_by_default)
{
	struct cm_retire_opts o = opts("aws");
	struct cm_retire_result res;

	dbl_reset();
	o.metadata_endpoint = "127.0.0.1:8111";
	o.api_endpoint = "http://127.0.0.1:8222";
	CHECK_INT(cm_retire_run(&dbl_aws, &o, &res), 0);
	CHECK_STR(dbl.calls, "login stop ");
	CHECK_INT(dbl.delete_seen, 0);
	CHECK_STR(dbl.endpoint_seen, "127.0.0.1:8111");
	CHECK_STR(dbl.api_seen, "http://127.0.0.1:8222");
	CHECK_INT(res.retired, 1);
	CHECK(res.step == NULL);
	CHECK_STR(res.instance, "i-0123456789abcdef0");
	CHECK(strstr(res.line, "i-0123456789abcdef0 (eu-west-1) stopped through the aws API"));
	CHECK(strstr(res.line, "disks are kept"));
}

TEST(retire_deletes_only_when_asked)
{
	struct cm_retire_opts o = opts("aws");
	struct cm_retire_result res;

	dbl_reset();
	o.delete = 1;
	CHECK_INT(cm_retire_run(&dbl_aws, &o, &res), 0);
	CHECK_STR(dbl.calls, "login delete ");
	CHECK_INT(dbl.delete_seen, 1);
	CHECK(strstr(res.line, "deleted through the aws API"));
}

/* No identity: nothing is asked to stop; the line names what is billed
 * and the cloud's own command. */
TEST(retire_no_identity_refused_with_the_command)
{
	struct cm_retire_opts o = opts("aws");
	struct cm_retire_result res;

	dbl_reset();
	dbl.login_r = -ENOENT;
	o.instance_id = "i-0aaa";
	o.region = "us-east-1";
	CHECK_INT(cm_retire_run(&dbl_aws, &o, &res), -ENOENT);
	CHECK_STR(dbl.calls, "login ");
	CHECK_INT(res.retired, 0);
	CHECK_STR(res.step, "identity");
	/* what detection knew names the instance; the command is the cloud
	 * file's, from what its self_login learned (here nothing) */
	CHECK_STR(res.finish, "aws ec2 stop-instances --region REGION --instance-ids INSTANCE_ID");
	CHECK(strstr(res.line, "instance i-0aaa (us-east-1) still runs"));
	CHECK(strstr(res.line, "to finish: aws ec2 stop-instances"));
}

TEST(retire_api_refusal_names_what_stays_billed)
{
	struct cm_retire_opts o = opts("azure");
	struct cm_retire_result res;

	dbl_reset();
	dbl.retire_r = -EACCES;
	o.powering_off = 1;
	CHECK_INT(cm_retire_run(&dbl_azure, &o, &res), -EACCES);
	CHECK_STR(dbl.calls, "login stop ");
	CHECK_STR(res.step, "stop");
	/* a VM powered off from inside is still billed for compute */
	CHECK(strstr(res.billed, "not deallocated"));
	CHECK(strstr(res.line, "VM i-0123456789abcdef0 (eu-west-1) stays provisioned"));
	/* no hint from the cloud file: still a way to finish */
	CHECK_STR(res.finish, "stop it in azure's console");
}

TEST(retire_stub_or_no_api_asks_nothing)
{
	struct cm_retire_opts o = opts("gcp");
	struct cm_retire_result res;

	dbl_reset();
	CHECK_INT(cm_retire_run(&stub, &o, &res), -ENOTSUP);
	CHECK_STR(res.step, "api");
	CHECK(strstr(res.line, "retire: gcp: no API we speak; power off"));
	o.cloud = "hetzner";
	o.powering_off = 1;
	CHECK_INT(cm_retire_run(NULL, &o, &res), -ENOTSUP);
	CHECK(strstr(res.line, "retire: hetzner: no API we speak; powering off as before"));
	CHECK(strstr(res.line, "still billed"));
	o.cloud = "kvm";
	o.in_cloud = 0;
	CHECK_INT(cm_retire_run(NULL, &o, &res), -ENOTSUP);
	CHECK(strstr(res.line, "not in a cloud (detected kvm)"));
	CHECK_INT(dbl.logins + dbl.retires, 0);
}

/* The move's step: the ordering rule.  Without the target's arrival
 * nothing is asked of the source's cloud, whatever the mode. */
static struct cm_move_retire move_opts(const char *cloud, int delete)
{
	/* the record is the scratch directory's: never this machine's */
	return (struct cm_move_retire){ .root = cm_test_tmpdir(), .cloud = cloud,
					 .in_cloud = 1, .instance_id = "", .region = "",
					 .delete = delete };
}

TEST(move_retire_never_without_arrival)
{
	struct cm_move_retire o = move_opts("aws", 1);
	char line[CM_RETIRE_LINE_MAX];
	int arrived;

	for (arrived = -5; arrived <= 2; arrived++) {
		if (arrived == 1)
			continue;
		dbl_reset();
		CHECK_INT(cm_move_retire(&dbl_aws, &o, arrived, line, sizeof(line)),
			  CM_MOVE_END_BOOT);
		CHECK_STR(dbl.calls, "");
		CHECK(strstr(line, "nothing retired"));
		CHECK(strstr(line, "the source boots as itself"));
	}
}

TEST(move_retire_after_arrival)
{
	struct cm_move_retire o = move_opts("aws", 0);
	char line[CM_RETIRE_LINE_MAX];

	dbl_reset();
	CHECK_INT(cm_move_retire(&dbl_aws, &o, 1, line, sizeof(line)), CM_MOVE_END_RETIRED);
	CHECK_STR(dbl.calls, "login stop ");
	CHECK(strstr(line, "stopped through the aws API"));
	dbl_reset();
	o.delete = 1;
	CHECK_INT(cm_move_retire(&dbl_aws, &o, 1, line, sizeof(line)), CM_MOVE_END_RETIRED);
	CHECK_STR(dbl.calls, "login delete ");
}

/* Refused or no API: the machine powers off as before, and the line says
 * what that leaves billed and how to finish. */
TEST(move_retire_refused_powers_off)
{
	struct cm_move_retire o = move_opts("aws", 0);
	char line[CM_RETIRE_LINE_MAX];

	dbl_reset();
	dbl.retire_r = -EACCES;
	CHECK_INT(cm_move_retire(&dbl_aws, &o, 1, line, sizeof(line)), CM_MOVE_END_POWEROFF);
	CHECK(strstr(line, "stopped from inside, its EBS volumes are still billed"));
	CHECK(strstr(line, "to finish: aws ec2 stop-instances --region eu-west-1 "
			   "--instance-ids i-0123456789abcdef0"));
	o.cloud = "vultr";
	CHECK_INT(cm_move_retire(NULL, &o, 1, line, sizeof(line)), CM_MOVE_END_POWEROFF);
	CHECK(strstr(line, "retire: vultr: no API we speak; powering off as before"));
	CHECK_INT(cm_move_retire(&stub, &o, 1, line, sizeof(line)), CM_MOVE_END_POWEROFF);
}

TEST(move_retire_needs_a_launch)
{
	char why[256];

	CHECK_INT(cm_move_retire_needs_launch(0, NULL, "a", "b", why, sizeof(why)), 0);
	CHECK_INT(cm_move_retire_needs_launch(1, "/etc/cloudmove/gcp.spec", "a", "b", why,
					      sizeof(why)), 0);
	CHECK_INT(cm_move_retire_needs_launch(1, "", "--after retire", "--launch", why,
					      sizeof(why)), -EINVAL);
	CHECK(strstr(why, "--after retire needs --launch"));
	CHECK_INT(cm_move_retire_needs_launch(1, NULL, "x", "y", why, sizeof(why)), -EINVAL);
}

/* The outcome in the source's hosting record and its events, written
 * after the call (the record says what happened): retired with the mode,
 * or failed at "retire" with the reason and the command to finish.  Not
 * arrived: the record is not touched by this step. */
#define MOVE_ID "0123456789abcdef0123456789abcdef"

static int record_with_move(const char *root, int arrived)
{
	static struct cm_record r;
	struct cm_verdict v = { .cloud = "aws", .is_public = true };

	memset(&r, 0, sizeof(r));
	snprintf(r.machine_id, sizeof(r.machine_id), "m1");
	snprintf(v.instance_id, sizeof(v.instance_id), "i-0src");
	cm_record_note_boot(&r, &v, 1000);
	if (cm_record_save(root, &r) < 0 ||
	    cm_record_note_move_started(root, MOVE_ID, "gcp", "gs://b/disk.tar.gz") < 0 ||
	    cm_record_note_move_launched(root, "img-1", "vm-1", "europe-west1-b") < 0)
		return -1;
	return arrived ? cm_record_note_move_arrived(root) : 0;
}

/* the spooled events' types, in one string */
static void spooled(const char *root, char *out, size_t size)
{
	char dir[512];
	struct dirent *de;
	DIR *d;

	out[0] = '\0';
	snprintf(dir, sizeof(dir), "%s/var/lib/cloudmove/spool", root);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && strlen(out) + strlen(de->d_name) + 2 < size) {
			strcat(out, de->d_name);
			strcat(out, " ");
		}
	closedir(d);
}

TEST(move_retire_outcome_in_the_record)
{
	const char *root = cm_test_tmpdir();
	struct cm_move_retire o = move_opts("aws", 0);
	char line[CM_RETIRE_LINE_MAX], spool[2048];
	struct cm_stay_move m;

	o.root = root;
	CHECK_INT(record_with_move(root, 1), 0);
	dbl_reset();
	CHECK_INT(cm_move_retire(&dbl_aws, &o, 1, line, sizeof(line)), CM_MOVE_END_RETIRED);
	CHECK_INT(cm_record_move_last(root, &m), 1);
	CHECK(m.arrived);
	CHECK_STR(m.retired, "stop");
	CHECK_STR(m.failed_step, "");
	spooled(root, spool, sizeof(spool));
	CHECK(strstr(spool, "retired"));
	CHECK(!strstr(spool, "failed"));
}

TEST(move_retire_refusal_in_the_record)
{
	const char *root = cm_test_tmpdir();
	struct cm_move_retire o = move_opts("aws", 1);
	char line[CM_RETIRE_LINE_MAX], spool[2048];
	struct cm_stay_move m;

	o.root = root;
	CHECK_INT(record_with_move(root, 1), 0);
	dbl_reset();
	dbl.retire_r = -EACCES;
	CHECK_INT(cm_move_retire(&dbl_aws, &o, 1, line, sizeof(line)), CM_MOVE_END_POWEROFF);
	CHECK_INT(cm_record_move_last(root, &m), 1);
	CHECK_STR(m.retired, "");
	CHECK_STR(m.failed_step, "retire");
	CHECK(strstr(m.failed_reason, "delete: the cloud refused"));
	CHECK(strstr(m.failed_reason, "to finish: aws ec2 terminate-instances --region eu-west-1 "
				      "--instance-ids i-0123456789abcdef0"));
	spooled(root, spool, sizeof(spool));
	CHECK(strstr(spool, "failed"));
	CHECK(!strstr(spool, "retired"));
}

TEST(move_retire_not_arrived_leaves_the_record)
{
	const char *root = cm_test_tmpdir();
	struct cm_move_retire o = move_opts("aws", 0);
	char line[CM_RETIRE_LINE_MAX], spool[2048];
	struct cm_stay_move m;

	o.root = root;
	CHECK_INT(record_with_move(root, 0), 0);
	dbl_reset();
	CHECK_INT(cm_move_retire(&dbl_aws, &o, 0, line, sizeof(line)), CM_MOVE_END_BOOT);
	CHECK_STR(dbl.calls, "");
	CHECK_INT(cm_record_move_last(root, &m), 1);
	CHECK(!m.arrived);
	CHECK_STR(m.retired, "");
	CHECK_STR(m.failed_step, "");
	spooled(root, spool, sizeof(spool));
	CHECK(!strstr(spool, "retired"));
	CHECK(!strstr(spool, "failed"));
}

/* Who the source is, from detection: gcp's API names the zone, the others
 * the region; a hypervisor is no cloud to ask. */
TEST(move_retire_from_verdict)
{
	struct cm_verdict v;
	struct cm_move_retire o;

	memset(&v, 0, sizeof(v));
	v.cloud = "gcp";
	v.desc = cm_cloud_by_name("gcp");
	snprintf(v.region, sizeof(v.region), "us-central1");
	snprintf(v.zone, sizeof(v.zone), "us-central1-a");
	snprintf(v.instance_id, sizeof(v.instance_id), "8736259342352342879");
	memset(&o, 0, sizeof(o));
	cm_move_retire_from_verdict(&o, &v);
	CHECK_STR(o.cloud, "gcp");
	CHECK_INT(o.in_cloud, 1);
	CHECK_STR(o.region, "us-central1-a");
	CHECK_STR(o.instance_id, "8736259342352342879");
	CHECK_STR(o.md_host, "169.254.169.254");
	v.cloud = "aws";
	v.desc = cm_cloud_by_name("aws");
	cm_move_retire_from_verdict(&o, &v);
	CHECK_STR(o.region, "us-central1");
	v.cloud = "kvm";
	v.desc = cm_cloud_by_name("kvm");
	cm_move_retire_from_verdict(&o, &v);
	CHECK_INT(o.in_cloud, 0);
	v.cloud = "unknown";
	v.desc = NULL;
	cm_move_retire_from_verdict(&o, &v);
	CHECK_INT(o.in_cloud, 0);
	CHECK(o.md_host == NULL);
}
