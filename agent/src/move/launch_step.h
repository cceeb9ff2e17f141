/* The move's launch (migrate --launch PATH, cloudmove.launch=PATH): the
 * target is asked BEFORE the stream (login, the instance type's needs, the
 * fit of this disk: a refusal stops the move before any downtime), and
 * after the stream, still before the pivot, the image is imported, an
 * instance started from it and its console watched for this move's
 * arrival line.  Progress lines on the console all the way; any failure
 * leaves what was made (named) and one line with the exact
 * `cloudmove launch ...` that continues from there.  The record gets the
 * launch (image, instance) and the arrival (record/move.h). */
#ifndef CM_MOVE_LAUNCH_STEP_H
#define CM_MOVE_LAUNCH_STEP_H

#include "../control/launch.h"

struct cm_move_launch {
	struct cm_launch l;
	const char *target;		/* cloud id */
	const char *spec;		/* the spec file (as the agent sees it) */
	const char *spec_shown;		/* as the operator names it (hint), or NULL */
	const char *creds;		/* or NULL (as the agent sees it) */
	const char *creds_shown;	/* as the operator names it (hint), or NULL */
	int creds_on_root;		/* the paths inside creds are the root's
					 * (cloudmove.creds=, read in the initramfs) */
	const char *endpoint;		/* --api-endpoint / rd.cloudmove.api_endpoint */
	const char *root;		/* the installed root */
	const char *source;		/* the disk streamed, NULL: the root's */
	long wait;			/* seconds, 0: do not wait */
	char facts[256];		/* the target's facts, for the record */
};

/* Before the stream: 0 the target can take this disk (m->facts set),
 * -errno (one line says why; nothing was made anywhere). */
int cm_move_launch_ask(struct cm_move_launch *m);

/* After the stream: import image_url, start, wait for move_id's arrival
 * (NULL/"": any).  0 arrived (or started, wait 0); -errno: what exists is
 * named and one line says how to continue. */
int cm_move_launch_finish(struct cm_move_launch *m, const char *image_url,
			  const char *move_id);

/* The `cloudmove launch ...` that continues the move by hand into out. */
void cm_move_launch_hint(const struct cm_move_launch *m, const char *image_url,
			 const char *move_id, char *out, size_t size);

void cm_move_launch_close(struct cm_move_launch *m);

#endif
