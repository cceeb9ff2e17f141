#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../detect/detect.h"
#include "../log.h"
#include "../util/rootrw.h"
#include "events.h"
#include "store.h"
#include "update.h"

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* The stay this boot opened came from a move: it says so, and the
 * source's stay (the copy the image carried) learns that it arrived and
 * where. */
static struct cm_stay *note_arrival(struct cm_record *r, const struct cm_verdict *v,
				    const struct cm_record_arrival *a)
{
	struct cm_stay *s = &r->stays[r->n - 1], *src = r->n > 1 ? s - 1 : NULL;

	copy(s->moved_from.id, sizeof(s->moved_from.id), a->move_id);
	copy(s->moved_from.cloud, sizeof(s->moved_from.cloud), a->cloud);
	copy(s->moved_from.instance_id, sizeof(s->moved_from.instance_id),
	     a->instance_id);
	copy(s->adapted.profile, sizeof(s->adapted.profile), a->profile);
	copy(s->adapted.facts, sizeof(s->adapted.facts), a->facts);
	if (!src || strcmp(src->move.id, a->move_id))
		return NULL;
	src->move.arrived = true;
	if (!src->move.instance_id[0])
		copy(src->move.instance_id, sizeof(src->move.instance_id), v->instance_id);
	if (!src->move.region[0])
		copy(src->move.region, sizeof(src->move.region),
		     v->zone[0] ? v->zone : v->region);
	return src;
}

static int note_and_write(const char *root, const struct cm_verdict *v,
			  const struct cm_record_arrival *arrival,
			  struct cm_record *r, char *line, size_t size,
			  char *prev, size_t prev_size, struct cm_stay_adapted *adapted)
{
	struct cm_stay *arrived = NULL;
	struct cm_rootrw rw;
	const struct cm_stay *s;
	int rc, fresh, moved;

	if (cm_record_location_ok(root) < 0)
		return -EXDEV;
	if (cm_record_load(root, r) < 0)
		return -EIO;
	if (prev && r->n)
		snprintf(prev, prev_size, "%s", r->stays[r->n - 1].cloud);
	if (!r->machine_id[0])
		cm_record_machine_id(root, r->machine_id, sizeof(r->machine_id));
	moved = arrival && arrival->move_id && arrival->move_id[0];
	fresh = cm_record_note_boot_as(r, v, time(NULL), moved);
	if (moved)
		arrived = note_arrival(r, v, arrival);
	if (adapted)
		*adapted = r->stays[r->n - 1].adapted;
	rc = cm_rootrw_begin(&rw, root ? root : "/");
	if (rc < 0)
		return rc;
	rc = cm_record_save(root, r);
	if (rc == 0 && fresh && cm_events_spool_new_stay(root, r) < 0)
		cm_warn("record: the stay is recorded, its events are not spooled");
	if (rc == 0 && arrived && cm_events_spool_move(root, r, arrived, CM_MOVE_ARRIVED) < 0)
		cm_warn("record: the arrival is recorded, its event is not spooled");
	if (cm_rootrw_end(&rw) < 0 && rc == 0)
		rc = -EIO;
	if (rc < 0)
		return rc;
	s = &r->stays[r->n - 1];
	snprintf(line, size, "%s%s%s, stay %lu (%s, %lu boot%s)", v->cloud,
		 v->instance_id[0] ? " " : "", v->instance_id, s->seq,
		 fresh ? "new" : "continued", s->boots, s->boots == 1 ? "" : "s");
	return 0;
}

int cm_record_update(const char *root, const struct cm_verdict *v,
		     const struct cm_record_arrival *arrival, char *line, size_t size,
		     char *prev, size_t prev_size, struct cm_stay_adapted *adapted)
{
	struct cm_record *r = malloc(sizeof(*r));
	int rc;

	if (adapted)
		memset(adapted, 0, sizeof(*adapted));
	if (!r)
		return cm_err(-ENOMEM, "record");
	if (prev && prev_size)
		prev[0] = '\0';
	rc = note_and_write(root, v, arrival, r, line, size, prev, prev_size, adapted);
	free(r);
	return rc;
}

static int adapted_in(const char *root, struct cm_record *r, const char *profile,
		      const char *facts)
{
	struct cm_rootrw rw;
	struct cm_stay *s;
	int rc;

	if (cm_record_location_ok(root) < 0)
		return -EXDEV;
	if (cm_record_load(root, r) < 0)
		return -EIO;
	if (!r->n)
		return -ENOENT;
	s = &r->stays[r->n - 1];
	copy(s->adapted.profile, sizeof(s->adapted.profile), profile);
	copy(s->adapted.facts, sizeof(s->adapted.facts), facts);
	rc = cm_rootrw_begin(&rw, root ? root : "/");
	if (rc < 0)
		return rc;
	rc = cm_record_save(root, r);
	if (cm_rootrw_end(&rw) < 0 && rc == 0)
		rc = -EIO;
	return rc;
}

int cm_record_note_adapted(const char *root, const char *profile, const char *facts)
{
	struct cm_record *r = malloc(sizeof(*r));
	int rc;

	if (!r)
		return cm_err(-ENOMEM, "record");
	rc = adapted_in(root, r, profile, facts);
	free(r);
	return rc;
}
