/* The move in the hosting record, both sides of it.
 *
 * The source's record closes its last stay with the move (a "move"
 * object in that stay: where to, which image and instance, bytes, time,
 * arrived, retired); the moved image's first boot opens its next stay
 * with "moved_from" (the source's ids, from the move marker).  Each step
 * that changes the source's move also spools its CloudEvent
 * (io.cloudmove.move.started|arrived|retired|failed, events.h), with an
 * id derived from the move id and the type: a re-export or a step noted
 * twice does not make a second event.
 *
 * Who calls what, in the move's order:
 *   migrate (move/migrate.c)  cm_record_note_move_started, _streamed,
 *                             _failed("adapt"|"stream", ...)
 *   launch                    cm_record_note_move_launched, _arrived,
 *                             _failed("import"|"launch"|"arrival", ...)
 *   retire                    cm_record_note_move_retired,
 *                             _failed("retire", ...)
 *   boot (the target's first) cm_record_update's moved_from (update.h)
 *
 * Every cm_record_note_move_* below: root is the installed system (NULL
 * or "/": the running one); the root is made writable for the write when
 * it is mounted read-only (cm_rootrw, as the boot path does), the record
 * loaded, the last stay's move changed, the record written atomically,
 * the event spooled.  It acts on the move of the record's last stay:
 * -ENOENT (not logged) when there is none, else 0 or -errno (logged, one
 * line).  A note that fails never fails the move: callers print a warning
 * and go on.  No argument may hold a secret: they are written to the
 * record and to events as given (dest is cut at its '?', where a SAS
 * signature or a token would be). */
#ifndef CM_RECORD_MOVE_H
#define CM_RECORD_MOVE_H

#include <stdint.h>

#include "record.h"

/* A fresh move id, CM_MOVE_ID_LEN lowercase hex chars from getrandom(2)
 * (128 bits): out must hold CM_MOVE_ID_LEN + 1.  0 or -errno. */
int cm_move_id_new(char *out, size_t size);
/* 1 when s is a move id (CM_MOVE_ID_LEN lowercase hex chars), else 0. */
int cm_move_id_valid(const char *s);

/* The move starts (migrate, before the root changes, so the image carries
 * it): opens the last stay's move.  target: a cloud id; dest: the stream's
 * destination URL (its query is dropped); id: the move id.  A stay with an
 * earlier move gets the new one (the record keeps the last move of each
 * stay).  Spools io.cloudmove.move.started. */
int cm_record_note_move_started(const char *root, const char *id,
				const char *target, const char *dest);
/* The stream ended whole: bytes written, seconds since the move started
 * (the move's "seconds" until the arrival updates it). */
int cm_record_note_move_streamed(const char *root, uint64_t bytes,
				 double seconds);
/* The target made an image and an instance from it (launch; region: the
 * spec's region/zone/location, NULL or "" unknown). */
int cm_record_note_move_launched(const char *root, const char *image_id,
				 const char *instance_id, const char *region);
/* The source saw the arrival line with this move's id on the target's
 * console: arrived true, seconds = the whole move until now.  Spools
 * io.cloudmove.move.arrived (with the target instance). */
int cm_record_note_move_arrived(const char *root);
/* The source asked its cloud to retire it: mode "stop" or "delete".
 * Spools io.cloudmove.move.retired (with the mode). */
int cm_record_note_move_retired(const char *root, const char *mode);
/* A step failed: step "adapt", "stream", "import", "launch", "arrival",
 * "retire"; reason one line (no secret).  Spools io.cloudmove.move.failed
 * (with the step and the reason); the move stays in the record, not
 * arrived. */
int cm_record_note_move_failed(const char *root, const char *step,
			       const char *reason);

/* The last stay's move into out: 1 there is one, 0 none, -errno.  What
 * `launch` reads to learn the move id of the move that just streamed. */
int cm_record_move_last(const char *root, struct cm_stay_move *out);

#endif
