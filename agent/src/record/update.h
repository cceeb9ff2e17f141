/* One boot noted in the hosting record: load, note, write (through a
 * read-only root if need be), spool the events of a new stay. */
#ifndef CM_RECORD_UPDATE_H
#define CM_RECORD_UPDATE_H

#include <stddef.h>

#include "record.h"

struct cm_verdict;

/* The moved image's first boot: what its move marker says (move/marker.h),
 * the source's ids and what the image was adapted to. */
struct cm_record_arrival {
	const char *move_id;
	const char *cloud;		/* the source's */
	const char *instance_id;	/* the source's, "" unknown */
	const char *profile;		/* the target profile's version, "" */
	const char *facts;		/* the target's facts, "" */
};

/* root: NULL for "/".  On success 0 and a one-line summary in line
 * ("aws i-0abc, stay 2 (new, 1 boot)"); -errno (logged) otherwise.
 * prev (may be NULL) gets the cloud of the last stay before this boot,
 * "" when there was none: what the boot path decides a move by, from the
 * one read of the record.  arrival (may be NULL): this boot is a moved
 * image's first; the stay it opens gets moved_from and adapted from it,
 * and the source's stay (the image's copy of it) learns that its move
 * arrived.  adapted (may be NULL) gets what the root was last adapted to
 * for the cloud of the (now) last stay. */
int cm_record_update(const char *root, const struct cm_verdict *v,
		     const struct cm_record_arrival *arrival, char *line, size_t size,
		     char *prev, size_t prev_size, struct cm_stay_adapted *adapted);

/* After an adaptation for the last stay's cloud: the stay records the
 * profile version and the facts it adapted to.  0 or -errno (logged). */
int cm_record_note_adapted(const char *root, const char *profile,
			   const char *facts);

#endif
