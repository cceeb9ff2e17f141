/* Hosting-record changes as CloudEvents 1.0 (structured JSON mode), kept
 * in a spool on the root until a metering endpoint has taken them.
 * One event per stay change: io.cloudmove.stay.started when a stay
 * opens, io.cloudmove.stay.ended when the next one closes it.  Ids are
 * stable ("<machine>-<seq>-<first_seen>-<kind>"), so a receiver can drop
 * the duplicates a retry may cause. */
#ifndef CM_EVENTS_H
#define CM_EVENTS_H

#include "record.h"

#define CM_SPOOL_DIR		"/var/lib/cloudmove/spool"
#define CM_SPOOL_MAX		1000	/* files; the oldest go first */
#define CM_EVENT_MAX		(16 * 1024)

enum cm_stay_event { CM_STAY_STARTED, CM_STAY_ENDED };

/* Pure: the event's JSON into out. */
int cm_event_format(const struct cm_record *r, const struct cm_stay *s,
		    enum cm_stay_event kind, struct cm_buf *out);

/* Spools what a boot changed: call after cm_record_note_boot() returned
 * 1 (a new stay): the new stay's start and the previous one's end. */
int cm_events_spool_new_stay(const char *root, const struct cm_record *r);

/* The move's events (record/move.h), from a stay's move: ids
 * "<move id>-<kind>" ("-failed-<step>" for a failure), so noting a step
 * twice or exporting twice makes no second event.  io.cloudmove.move.arrived
 * is spooled on both sides: by the source when it sees the arrival line,
 * and by the image's first boot in the target (whose copy of the source's
 * stay carries the move): the same id, and the same source (the machine
 * id travels with the disk), so a receiver keeps whichever comes first —
 * the source may be retired before it can export. */
enum cm_move_event {
	CM_MOVE_STARTED, CM_MOVE_ARRIVED, CM_MOVE_RETIRED, CM_MOVE_FAILED,
};

int cm_move_event_format(const struct cm_record *r, const struct cm_stay *s,
			 enum cm_move_event kind, time_t when, struct cm_buf *out);
/* The event of the move of stay s (one of r's). */
int cm_events_spool_move(const char *root, const struct cm_record *r,
			 const struct cm_stay *s, enum cm_move_event kind);

struct cm_export_result {
	unsigned sent, failed, left, rejected;
};

/* Delivers the spool to url (POST, one event per request), oldest first;
 * with retry, failures are retried with backoff until deadline_ms,
 * without, the first failure ends the run (the boot path: no network
 * there is the normal case, not a reason to wait).  What is left stays
 * spooled. */
int cm_events_export(const char *root, const char *url, long deadline_ms,
		     int retry, struct cm_export_result *res);

#endif
