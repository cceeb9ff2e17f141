#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../detect/detect.h"
#include "../log.h"
#include "../util/rootrw.h"
#include "events.h"
#include "store.h"
#include "update.h"

static int note_and_write(const char *root, const struct cm_verdict *v,
			  struct cm_record *r, char *line, size_t size,
			  char *prev, size_t prev_size)
{
	struct cm_rootrw rw;
	const struct cm_stay *s;
	int rc, fresh;

	if (cm_record_location_ok(root) < 0)
		return -EXDEV;
	if (cm_record_load(root, r) < 0)
		return -EIO;
	if (prev && r->n)
		snprintf(prev, prev_size, "%s", r->stays[r->n - 1].cloud);
	if (!r->machine_id[0])
		cm_record_machine_id(root, r->machine_id, sizeof(r->machine_id));
	fresh = cm_record_note_boot(r, v, time(NULL));
	rc = cm_rootrw_begin(&rw, root ? root : "/");
	if (rc < 0)
		return rc;
	rc = cm_record_save(root, r);
	if (rc == 0 && fresh && cm_events_spool_new_stay(root, r) < 0)
		cm_warn("record: the stay is recorded, its events are not spooled");
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
		     char *line, size_t size, char *prev, size_t prev_size)
{
	struct cm_record *r = malloc(sizeof(*r));
	int rc;

	if (!r)
		return cm_err(-ENOMEM, "record");
	if (prev && prev_size)
		prev[0] = '\0';
	rc = note_and_write(root, v, r, line, size, prev, prev_size);
	free(r);
	return rc;
}
