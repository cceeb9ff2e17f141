/* The hosting record: which clouds this installation lived in, which
 * instances, from when to when.  A list of stays; a new stay starts when
 * the cloud or the instance changes.  Pure data and (de)serialization
 * here; store.c reads and writes it on the root. */
#ifndef CM_RECORD_H
#define CM_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "../util/buf.h"

#define CM_RECORD_PATH		"/var/lib/cloudmove/record.json"
#define CM_RECORD_FORMAT	"cloudmove-hosting-record"
#define CM_RECORD_VERSION	1
#define CM_STAYS_MAX		256	/* older stays are dropped, oldest first */
#define CM_RECORD_MAX		(1024 * 1024)

struct cm_verdict;

#define CM_MOVE_ID_LEN		32	/* lowercase hex: 128 random bits */

/* The move that ended a stay (record/move.h), on the source's side. */
struct cm_stay_move {
	char id[CM_MOVE_ID_LEN + 1];	/* "" no move */
	char target[32];		/* cloud id */
	char region[128];		/* region / zone / location, "" unknown */
	char dest[512];			/* the stream's destination, no query */
	char image_id[256];		/* "" not launched (yet) */
	char instance_id[256];
	unsigned long long bytes;	/* streamed, 0 not (yet) */
	time_t started;
	unsigned long seconds;		/* the move until now: its stream, then
					   until the arrival */
	bool arrived;			/* the source saw the arrival line */
	char retired[16];		/* "stop", "delete", "" not retired */
	char failed_step[16];		/* "" no failure */
	char failed_reason[256];
};

/* Where a stay's machine came from when a move opened it. */
struct cm_stay_moved_from {
	char id[CM_MOVE_ID_LEN + 1];	/* "" not opened by a move */
	char cloud[32];
	char instance_id[128];
};

/* What the root was adapted to for this stay's cloud: the profile's
 * version (profiles/version.h) and the target facts as one short string
 * (record/requirements.h); "" unknown (an older record, or never
 * adapted here).  A boot that finds either changed adapts again, once. */
struct cm_stay_adapted {
	char profile[80];
	char facts[256];
};

struct cm_stay {
	unsigned long seq;		/* 1, 2, ...: never reused, even when
					   old stays are dropped */
	char cloud[32];
	bool is_public;
	char instance_id[128];
	char region[128];
	char zone[128];
	char instance_type[128];
	time_t first_seen;
	time_t last_seen;
	unsigned long boots;
	struct cm_stay_move move;
	struct cm_stay_moved_from moved_from;
	struct cm_stay_adapted adapted;
};

struct cm_record {
	char machine_id[64];		/* /etc/machine-id when known */
	struct cm_stay stays[CM_STAYS_MAX];
	size_t n;
};

/* Pure: -EBADMSG for anything that is not a record we wrote (wrong
 * format, version, types, bad times), never a crash. */
int cm_record_parse(const char *buf, size_t len, struct cm_record *out);
int cm_record_format(const struct cm_record *r, struct cm_buf *out);

/* One stay as a JSON object (the record's and the events' shape). */
struct json_object;
struct json_object *cm_stay_to_json(const struct cm_stay *s);
struct json_object *cm_stay_move_to_json(const struct cm_stay_move *m);

/* Notes one boot seen as v at now: extends the last stay or starts a new
 * one.  Returns 1 when a new stay started, 0 otherwise. */
int cm_record_note_boot(struct cm_record *r, const struct cm_verdict *v,
			time_t now);
/* The same; moved: this boot is a moved image's first (a move marker not
 * this machine's), which always opens a new stay — a move within one
 * cloud, or to a machine whose instance id is unknown, is another stay
 * too. */
int cm_record_note_boot_as(struct cm_record *r, const struct cm_verdict *v,
			   time_t now, int moved);

/* RFC 3339 UTC, "2026-11-27T01:33:13Z": 0 or -EINVAL. */
int cm_time_format(time_t t, char *out, size_t size);
int cm_time_parse(const char *s, time_t *out);

#endif
