/* The move's identity and metering: the move id, the marker's new lines,
 * the record's move / moved_from / adapted, the move's notes and events,
 * what an adaptation was for (requirements.h). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/control.h"
#include "detect/detect.h"
#include "move/marker.h"
#include "profiles/profile.h"
#include "record/events.h"
#include "record/move.h"
#include "record/record.h"
#include "record/requirements.h"
#include "record/store.h"
#include "util/file.h"
#include "test.h"

#define ID	"0123456789abcdef0123456789abcdef"

TEST(move_id_is_random_hex)
{
	char a[CM_MOVE_ID_LEN + 1], b[CM_MOVE_ID_LEN + 1];

	CHECK_INT(cm_move_id_new(a, sizeof(a)), 0);
	CHECK_INT(cm_move_id_new(b, sizeof(b)), 0);
	CHECK_INT(strlen(a), 32);
	CHECK(cm_move_id_valid(a));
	CHECK(strcmp(a, b) != 0);
	CHECK_INT(cm_move_id_new(a, 32), -ENOBUFS);
	CHECK(!cm_move_id_valid("0123456789ABCDEF0123456789abcdef"));
	CHECK(!cm_move_id_valid("0123456789abcdef"));
	CHECK(!cm_move_id_valid(""));
}

TEST(move_marker_move_id)
{
	static const char with[] = "before 0\ncloud aws\ntarget gcp\nmove_id " ID "\n"
				   "dest gs://b/o.tar.gz\nprofile sha256:00112233aabbccdd\n"
				   "facts type=m5.large arch=x86_64\n";
	static const char old[] = "before 0\ncloud aws\ntarget gcp\n";
	struct cm_move_marker m, back;

	CHECK_INT(cm_move_marker_parse(with, sizeof(with) - 1, &m), 0);
	CHECK_STR(m.move_id, ID);
	CHECK_STR(m.dest, "gs://b/o.tar.gz");
	CHECK_STR(m.profile, "sha256:00112233aabbccdd");
	CHECK_STR(m.facts, "type=m5.large arch=x86_64");
	CHECK_INT(cm_move_marker_parse(old, sizeof(old) - 1, &m), 0);	/* older agent's */
	CHECK_STR(m.move_id, "");
	CHECK_INT(cm_move_marker_parse("before 0\ncloud aws\nmove_id 0123\n", 31, &m), -EBADMSG);
	CHECK_INT(cm_move_marker_parse("before 0\ncloud aws\nmove_id " "0123456789ABCDEF0123456789abcdef\n",
				       60, &m), -EBADMSG);
	/* written and read back whole */
	CHECK_INT(cm_move_marker_parse(with, sizeof(with) - 1, &m), 0);
	CHECK_INT(cm_move_marker_write(cm_test_tmpdir(), &m), 0);
	CHECK_INT(cm_move_marker_load(cm_test_tmpdir(), &back), 1);
	CHECK_STR(back.move_id, ID);
	CHECK_STR(back.facts, m.facts);
}

static struct cm_record *one_stay(void)
{
	static struct cm_record r;
	struct cm_verdict v = { .cloud = "aws", .is_public = true };

	memset(&r, 0, sizeof(r));
	snprintf(r.machine_id, sizeof(r.machine_id), "m1");
	snprintf(v.instance_id, sizeof(v.instance_id), "i-0src");
	cm_record_note_boot(&r, &v, 1000);
	return &r;
}

TEST(record_move_fields_round_trip)
{
	struct cm_record *r = one_stay();
	static struct cm_record back;
	struct cm_stay_move *m = &r->stays[0].move;
	struct cm_buf b;

	snprintf(m->id, sizeof(m->id), ID);
	snprintf(m->target, sizeof(m->target), "gcp");
	snprintf(m->instance_id, sizeof(m->instance_id), "vm-1");
	m->bytes = 1ULL << 33;
	m->started = 1000;
	m->seconds = 42;
	m->arrived = true;
	snprintf(m->retired, sizeof(m->retired), "stop");
	snprintf(m->failed_step, sizeof(m->failed_step), "retire");
	snprintf(m->failed_reason, sizeof(m->failed_reason), "HTTP 403");
	snprintf(r->stays[0].moved_from.id, sizeof(r->stays[0].moved_from.id), ID);
	snprintf(r->stays[0].moved_from.cloud, sizeof(r->stays[0].moved_from.cloud), "azure");
	snprintf(r->stays[0].adapted.profile, sizeof(r->stays[0].adapted.profile), "sha256:x");
	cm_buf_init(&b, CM_RECORD_MAX);
	CHECK_INT(cm_record_format(r, &b), 0);
	CHECK_INT(cm_record_parse(b.data, b.len, &back), 0);
	CHECK(memcmp(&back.stays[0].move, m, sizeof(*m)) == 0);
	CHECK_STR(back.stays[0].moved_from.cloud, "azure");
	CHECK_STR(back.stays[0].adapted.profile, "sha256:x");
	CHECK_INT(back.stays[0].move.bytes, 1ULL << 33);
	cm_buf_free(&b);
}

#define HEAD "{\"format\": \"cloudmove-hosting-record\", \"version\": 1, \"stays\": [" \
	"{\"seq\": 1, \"cloud\": \"aws\", \"public\": true, " \
	"\"first_seen\": \"2026-01-01T00:00:00Z\", \"last_seen\": \"2026-01-01T00:00:00Z\", " \
	"\"boots\": 1"
#define MOVE(x) ", \"move\": {\"id\": \"" ID "\", \"target\": \"gcp\", \"bytes\": 1, " \
	"\"started\": \"2026-01-01T00:00:00Z\", \"seconds\": 1, \"arrived\": false" x "}}]}"

static int parse(const char *s)
{
	static struct cm_record r;

	return cm_record_parse(s, strlen(s), &r);
}

TEST(record_move_fields_optional_and_checked)
{
	CHECK_INT(parse(HEAD "}]}"), 0);			/* an older record */
	CHECK_INT(parse(HEAD ", \"move\": null, \"moved_from\": null}]}"), 0);
	CHECK_INT(parse(HEAD MOVE("")), 0);
	CHECK_INT(parse(HEAD MOVE(", \"retired\": \"stop\", \"failed\": null")), 0);
	CHECK_INT(parse(HEAD MOVE(", \"retired\": \"reboot\"")), -EBADMSG);
	CHECK_INT(parse(HEAD MOVE(", \"failed\": {\"reason\": \"x\"}")), -EBADMSG);
	CHECK_INT(parse(HEAD MOVE(", \"failed\": 3")), -EBADMSG);
	CHECK_INT(parse(HEAD ", \"move\": {\"id\": \"xyz\", \"target\": \"gcp\"}}]}"), -EBADMSG);
	CHECK_INT(parse(HEAD ", \"move\": 7}]}"), -EBADMSG);
	CHECK_INT(parse(HEAD ", \"moved_from\": {\"id\": \"" ID "\"}}]}"), -EBADMSG);
	CHECK_INT(parse(HEAD ", \"moved_from\": {\"id\": \"" ID "\", \"cloud\": \"aws\"}}]}"), 0);
	CHECK_INT(parse(HEAD ", \"adapted\": {\"profile\": 1}}]}"), -EBADMSG);
}

/* the spool's files, concatenated, into out; their number */
static int spool_text(char *out, size_t size)
{
	char dir[512], path[1024];
	struct dirent *de;
	size_t n = 0;
	int files = 0;
	DIR *d;

	out[0] = '\0';
	snprintf(dir, sizeof(dir), "%s/var/lib/cloudmove/spool", cm_test_tmpdir());
	d = opendir(dir);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		char buf[CM_EVENT_MAX];
		size_t len = 0;

		if (de->d_name[0] == '.' || de->d_type == DT_DIR)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (cm_file_read_small(path, buf, sizeof(buf), &len) == 0 && n + len + 2 < size) {
			memcpy(out + n, buf, len);
			n += len;
			out[n++] = '\n';
			out[n] = '\0';
		}
		files++;
	}
	closedir(d);
	return files;
}

TEST(record_move_notes_and_events)
{
	static char text[64 * 1024];
	struct cm_record *r = one_stay();
	struct cm_stay_move m;
	const char *root = cm_test_tmpdir();

	CHECK_INT(cm_record_save(root, r), 0);
	CHECK_INT(cm_record_note_move_launched(root, "ami-1", "i-1", NULL), -ENOENT);
	CHECK_INT(cm_record_move_last(root, &m), 0);
	CHECK_INT(cm_record_note_move_started(root, "nothex", "gcp", "x"), -EINVAL);
	CHECK_INT(cm_record_note_move_started(root, ID, "gcp",
					      "https://a.blob.core.windows.net/c/d.vhd?sig=SECRET1"), 0);
	CHECK_INT(cm_record_note_move_streamed(root, 4096, 2.6), 0);
	CHECK_INT(cm_record_note_move_launched(root, "img-1", "vm-1", "europe-west1-b"), 0);
	CHECK_INT(cm_record_note_move_arrived(root), 0);
	CHECK_INT(cm_record_note_move_arrived(root), 0);	/* noted twice: one event */
	CHECK_INT(cm_record_note_move_retired(root, "reboot"), -EINVAL);
	CHECK_INT(cm_record_note_move_retired(root, "stop"), 0);
	CHECK_INT(cm_record_move_last(root, &m), 1);
	CHECK_STR(m.id, ID);
	CHECK_STR(m.dest, "https://a.blob.core.windows.net/c/d.vhd");
	CHECK_STR(m.image_id, "img-1");
	CHECK_STR(m.instance_id, "vm-1");
	CHECK_STR(m.region, "europe-west1-b");
	CHECK_INT(m.bytes, 4096);
	CHECK(m.arrived);
	CHECK_STR(m.retired, "stop");
	/* started, arrived, retired: one file each, ids from the move id */
	CHECK_INT(spool_text(text, sizeof(text)), 3);
	CHECK(strstr(text, "\"type\":\"io.cloudmove.move.started\""));
	CHECK(strstr(text, "\"id\":\"" ID "-started\""));
	CHECK(strstr(text, "\"type\":\"io.cloudmove.move.arrived\""));
	CHECK(strstr(text, "\"id\":\"" ID "-arrived\""));
	CHECK(strstr(text, "\"instance_id\":\"vm-1\""));
	CHECK(strstr(text, "\"type\":\"io.cloudmove.move.retired\""));
	CHECK(strstr(text, "\"retired\":\"stop\""));
	CHECK(strstr(text, "\"subject\":\"move/" ID "\""));
	CHECK(!strstr(text, "SECRET1"));
	CHECK(!strstr(text, "sig="));
	/* a failure: its step and reason, one line */
	CHECK_INT(cm_record_note_move_failed(root, "", "x"), -EINVAL);
	CHECK_INT(cm_record_note_move_failed(root, "retire", "HTTP 403\nsecond line"), 0);
	CHECK_INT(spool_text(text, sizeof(text)), 4);
	CHECK(strstr(text, "\"type\":\"io.cloudmove.move.failed\""));
	CHECK(strstr(text, "\"id\":\"" ID "-failed-retire\""));
	CHECK(strstr(text, "\"reason\":\"HTTP 403 second line\""));
}

TEST(facts_strings)
{
	struct cm_target_facts f = { .instance_type = "m6g.large", .arch = "arm64",
		.boot_modes = CM_BOOT_UEFI, .nvme = 1, .drivers = "ena nvme" };
	char s[CM_FACTS_MAX], why[128];

	cm_facts_from_target(&f, s, sizeof(s));
	CHECK_STR(s, "type=m6g.large arch=arm64 boot=uefi nvme=1 drivers=ena,nvme");
	CHECK_INT(cm_facts_differ(s, "type=m6g.large arch=arm64", why, sizeof(why)), 0);
	CHECK_INT(cm_facts_differ(s, "type=m7g.large", why, sizeof(why)), 1);
	CHECK_STR(why, "type m6g.large → m7g.large");
	CHECK_INT(cm_facts_differ("", "type=a", why, sizeof(why)), 0);	/* nothing recorded */
	CHECK_INT(cm_facts_differ(s, "", why, sizeof(why)), 0);		/* nothing known */
	cm_facts_merge(s, "type=m7g.large arch=arm64 cpus=2", why, sizeof(why));
	CHECK_STR(why, "type=m7g.large arch=arm64 boot=uefi nvme=1 drivers=ena,nvme cpus=2");
}

TEST(profile_version_follows_the_requirements)
{
	struct cm_profiles *set = malloc(sizeof(*set));
	struct cm_profile_rt *p;
	char a[CM_PROFILE_VERSION_MAX], b[CM_PROFILE_VERSION_MAX];

	CHECK(set != NULL);
	CHECK_INT(cm_profiles_init(set), 0);
	p = cm_profiles_find(set, "gcp");
	CHECK(p != NULL);
	CHECK_INT(cm_profile_version(p, a, sizeof(a)), 0);
	CHECK_INT(strlen(a), 23);
	CHECK(!strncmp(a, "sha256:", 7));
	snprintf(p->last_file, sizeof(p->last_file), "profiles.d/10-x.conf");
	p->source = CM_PROFILE_BUILTIN_USER;		/* where from: not a change */
	CHECK_INT(cm_profile_version(p, b, sizeof(b)), 0);
	CHECK_STR(a, b);
	p->mtu = 1400;					/* a requirement: a change */
	CHECK_INT(cm_profile_version(p, b, sizeof(b)), 0);
	CHECK(strcmp(a, b) != 0);
	free(set);
}

TEST(record_moved_boot_opens_a_stay)
{
	struct cm_record *r = one_stay();
	struct cm_verdict v = { .cloud = "aws", .is_public = true };

	snprintf(v.instance_id, sizeof(v.instance_id), "i-0src");
	CHECK_INT(cm_record_note_boot_as(r, &v, 2000, 0), 0);	/* same machine */
	CHECK_INT(r->n, 1);
	/* a moved image's first boot, same cloud and (unknown, equal) id */
	CHECK_INT(cm_record_note_boot_as(r, &v, 3000, 1), 1);
	CHECK_INT(r->n, 2);
	CHECK_INT(r->stays[1].seq, 2);
	CHECK_INT(r->stays[1].boots, 1);
}
