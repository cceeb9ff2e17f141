#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "detect/detect.h"
#include "record/events.h"
#include "record/record.h"
#include "record/store.h"
#include "test.h"

static struct cm_record *rec(void)
{
	static struct cm_record r;

	memset(&r, 0, sizeof(r));
	return &r;
}

static struct cm_verdict seen(const char *cloud, const char *id)
{
	struct cm_verdict v = { .cloud = cloud, .is_public = true };

	snprintf(v.instance_id, sizeof(v.instance_id), "%s", id);
	snprintf(v.region, sizeof(v.region), "r-%s", cloud);
	return v;
}

TEST(record_time_round_trip)
{
	char t[32];
	time_t x;

	CHECK_INT(cm_time_parse("2026-11-27T01:33:13Z", &x), 0);
	CHECK_INT(x, 1795743193);
	CHECK_INT(cm_time_format(x, t, sizeof(t)), 0);
	CHECK_STR(t, "2026-11-27T01:33:13Z");
	CHECK_INT(cm_time_parse("2026-11-27 01:33:13Z", &x), -EINVAL);
	CHECK_INT(cm_time_parse("2026-13-27T01:33:13Z", &x), -EINVAL);
	CHECK_INT(cm_time_parse("2026-11-27T01:33:13Z ", &x), -EINVAL);
	CHECK_INT(cm_time_parse("", &x), -EINVAL);
}

TEST(record_stays_follow_cloud_and_instance)
{
	struct cm_record *r = rec();
	struct cm_verdict v;

	v = seen("aws", "i-1");
	CHECK_INT(cm_record_note_boot(r, &v, 1000), 1);
	CHECK_INT(cm_record_note_boot(r, &v, 2000), 0);
	CHECK_INT(r->n, 1);
	CHECK_INT(r->stays[0].boots, 2);
	CHECK_INT(r->stays[0].last_seen, 2000);
	CHECK_INT(cm_record_note_boot(r, &v, 1500), 0);	/* clock went back */
	CHECK_INT(r->stays[0].last_seen, 2000);
	v = seen("aws", "i-2");				/* same cloud, new instance */
	CHECK_INT(cm_record_note_boot(r, &v, 3000), 1);
	v = seen("gcp", "i-2");
	CHECK_INT(cm_record_note_boot(r, &v, 4000), 1);
	CHECK_INT(r->n, 3);
	CHECK_INT(r->stays[2].seq, 3);
	CHECK_STR(r->stays[2].region, "r-gcp");
}

TEST(record_drops_oldest_beyond_cap)
{
	struct cm_record *r = rec();
	struct cm_verdict v;
	char id[16];
	int i;

	for (i = 0; i < CM_STAYS_MAX + 5; i++) {
		snprintf(id, sizeof(id), "i-%d", i);
		v = seen("aws", id);
		cm_record_note_boot(r, &v, 1000 + i);
	}
	CHECK_INT(r->n, CM_STAYS_MAX);
	CHECK_INT(r->stays[0].seq, 6);
	CHECK_INT(r->stays[CM_STAYS_MAX - 1].seq, CM_STAYS_MAX + 5);
}

TEST(record_format_parse_round_trip)
{
	struct cm_record *r = rec(), *back = malloc(sizeof(*back));
	struct cm_verdict v = seen("azure", "02aab8a4");
	struct cm_buf b;

	snprintf(r->machine_id, sizeof(r->machine_id), "0123456789abcdef0123456789abcdef");
	cm_record_note_boot(r, &v, 1795743193);
	v = seen("gcp", "8736259342352342879");
	v.is_public = false;
	cm_record_note_boot(r, &v, 1795743293);
	cm_buf_init(&b, CM_RECORD_MAX);
	CHECK_INT(cm_record_format(r, &b), 0);
	CHECK_INT(cm_record_parse(b.data, b.len, back), 0);
	CHECK_INT(back->n, 2);
	CHECK_STR(back->machine_id, r->machine_id);
	CHECK_STR(back->stays[1].instance_id, "8736259342352342879");
	CHECK(!back->stays[1].is_public);
	CHECK_INT(back->stays[1].first_seen, 1795743293);
	CHECK_STR(back->stays[0].zone, "");
	cm_buf_free(&b);
	free(back);
}

static int parse(const char *text)
{
	return cm_record_parse(text, strlen(text), rec());
}

#define STAY "{\"seq\": 1, \"cloud\": \"aws\", \"public\": true, " \
	"\"first_seen\": \"2026-01-01T00:00:00Z\", \"last_seen\": \"2026-01-02T00:00:00Z\", \"boots\": 1}"
#define HEAD "{\"format\": \"cloudmove-hosting-record\", \"version\": 1, \"stays\": "

TEST(record_rejects_foreign_files)
{
	CHECK_INT(parse(HEAD "[" STAY "]}"), 0);
	CHECK_INT(parse(HEAD "[]}"), 0);
	CHECK_INT(parse(""), -EBADMSG);
	CHECK_INT(parse("garbage"), -EBADMSG);
	CHECK_INT(parse("{\"stays\": []}"), -EBADMSG);
	CHECK_INT(parse("{\"format\": \"other\", \"version\": 1, \"stays\": []}"), -EBADMSG);
	CHECK_INT(parse("{\"format\": \"cloudmove-hosting-record\", \"version\": 2, \"stays\": []}"),
		  -EBADMSG);
	CHECK_INT(parse(HEAD "{}}"), -EBADMSG);
	CHECK_INT(parse(HEAD "[1]}"), -EBADMSG);
	CHECK_INT(parse(HEAD "[" STAY ", " STAY "]}"), -EBADMSG);	/* seq not rising */
	CHECK_INT(parse(HEAD "[{\"seq\": 1, \"cloud\": \"aws\", \"public\": true, "
			"\"first_seen\": \"2026-01-02T00:00:00Z\", "
			"\"last_seen\": \"2026-01-01T00:00:00Z\", \"boots\": 1}]}"), -EBADMSG);
	CHECK_INT(parse(HEAD "[{\"seq\": 1, \"cloud\": 7, \"public\": true, "
			"\"first_seen\": \"2026-01-01T00:00:00Z\", "
			"\"last_seen\": \"2026-01-01T00:00:00Z\", \"boots\": 1}]}"), -EBADMSG);
	CHECK_INT(parse(HEAD "[" STAY "]"), -EBADMSG);	/* truncated */
}

TEST(record_store_keeps_bad_file_aside)
{
	struct cm_record *r = rec();
	struct cm_verdict v = seen("gcp", "1");
	char path[512];
	FILE *f;

	cm_test_write_str("var/lib/cloudmove/record.json", "{ not json");
	CHECK_INT(cm_record_load(cm_test_tmpdir(), r), 1);
	CHECK_INT(r->n, 0);
	snprintf(path, sizeof(path), "%s/var/lib/cloudmove/record.json", cm_test_tmpdir());
	CHECK((f = fopen(path, "r")) == NULL);	/* moved aside */
	cm_record_note_boot(r, &v, 1000);
	CHECK_INT(cm_record_save(cm_test_tmpdir(), r), 0);
	memset(r, 0, sizeof(*r));
	CHECK_INT(cm_record_load(cm_test_tmpdir(), r), 0);
	CHECK_INT(r->n, 1);
	CHECK_STR(r->stays[0].cloud, "gcp");
}

TEST(record_event_ids_are_stable)
{
	struct cm_record *r = rec();
	struct cm_verdict v = seen("aws", "i-9");
	struct cm_buf a, b;

	snprintf(r->machine_id, sizeof(r->machine_id), "m");
	cm_record_note_boot(r, &v, 1000);
	cm_buf_init(&a, CM_EVENT_MAX);
	cm_buf_init(&b, CM_EVENT_MAX);
	CHECK_INT(cm_event_format(r, &r->stays[0], CM_STAY_STARTED, &a), 0);
	cm_record_note_boot(r, &v, 5000);	/* a later boot: same event */
	CHECK_INT(cm_event_format(r, &r->stays[0], CM_STAY_STARTED, &b), 0);
	CHECK(strstr(a.data, "\"id\":\"m-1-1000-started\""));
	CHECK(strstr(b.data, "\"id\":\"m-1-1000-started\""));
	CHECK(strstr(a.data, "\"specversion\":\"1.0\""));
	CHECK(strstr(a.data, "\"subject\":\"aws/i-9\""));
	cm_buf_free(&a);
	cm_buf_free(&b);
}
