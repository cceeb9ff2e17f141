/* The move in the hosting record (see move.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../log.h"
#include "../util/rootrw.h"
#include "events.h"
#include "move.h"
#include "store.h"

#ifndef GRND_INSECURE
#define GRND_INSECURE	0x0004
#endif

int cm_move_id_new(char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[CM_MOVE_ID_LEN / 2];
	ssize_t n;
	size_t i;

	if (size < CM_MOVE_ID_LEN + 1)
		return -ENOBUFS;
	/* Early in boot the pool may not be ready: an id needs to be unique,
	 * not secret, so the kernel's not-yet-seeded output will do
	 * (GRND_INSECURE, Linux 5.6), else wait for it. */
	n = getrandom(b, sizeof(b), GRND_NONBLOCK);
	if (n < 0 && errno == EAGAIN)
		n = getrandom(b, sizeof(b), GRND_INSECURE);
	if (n < 0 && errno == EINVAL)
		n = getrandom(b, sizeof(b), 0);
	if (n != (ssize_t)sizeof(b))
		return n < 0 ? -errno : -EIO;
	for (i = 0; i < sizeof(b); i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[CM_MOVE_ID_LEN] = '\0';
	return 0;
}

int cm_move_id_valid(const char *s)
{
	size_t i;

	if (!s || strlen(s) != CM_MOVE_ID_LEN)
		return 0;
	for (i = 0; i < CM_MOVE_ID_LEN; i++)
		if (!strchr("0123456789abcdef", s[i]))
			return 0;
	return 1;
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* one line, no control characters: a reason goes to the record and to
 * events as text */
static void copy_line(char *dst, size_t size, const char *src)
{
	char *p;

	copy(dst, size, src);
	for (p = dst; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

struct move_note {
	/* changes the last stay's move; returns the event to spool, or -1
	 * for none, or -errno */
	int (*apply)(struct cm_stay *s, const struct move_note *n);
	const char *a, *b, *c;
	uint64_t bytes;
	double seconds;
};

static unsigned long since(time_t t)
{
	time_t now = time(NULL);

	return now > t ? (unsigned long)(now - t) : 0;
}

static int apply_started(struct cm_stay *s, const struct move_note *n)
{
	struct cm_stay_move *m = &s->move;

	memset(m, 0, sizeof(*m));
	copy(m->id, sizeof(m->id), n->a);
	copy(m->target, sizeof(m->target), n->b);
	/* the dest as logs show it: no query (an Azure SAS is a signature) */
	snprintf(m->dest, sizeof(m->dest), "%.*s", (int)strcspn(n->c ? n->c : "", "?"),
		 n->c ? n->c : "");
	m->started = time(NULL);
	return CM_MOVE_STARTED;
}

static int apply_streamed(struct cm_stay *s, const struct move_note *n)
{
	s->move.bytes = n->bytes;
	s->move.seconds = n->seconds > 0 ? (unsigned long)(n->seconds + 0.5) : 0;
	return -1;
}

static int apply_launched(struct cm_stay *s, const struct move_note *n)
{
	copy(s->move.image_id, sizeof(s->move.image_id), n->a);
	copy(s->move.instance_id, sizeof(s->move.instance_id), n->b);
	if (n->c && *n->c)
		copy(s->move.region, sizeof(s->move.region), n->c);
	return -1;
}

static int apply_arrived(struct cm_stay *s, const struct move_note *n)
{
	(void)n;
	s->move.arrived = true;
	s->move.seconds = since(s->move.started);
	s->move.failed_step[0] = s->move.failed_reason[0] = '\0';
	return CM_MOVE_ARRIVED;
}

static int apply_retired(struct cm_stay *s, const struct move_note *n)
{
	if (!n->a || (strcmp(n->a, "stop") && strcmp(n->a, "delete")))
		return cm_err(-EINVAL, "record: retire mode '%s' is neither stop nor delete",
			      n->a ? n->a : "");
	copy(s->move.retired, sizeof(s->move.retired), n->a);
	return CM_MOVE_RETIRED;
}

static int apply_failed(struct cm_stay *s, const struct move_note *n)
{
	if (!n->a || !*n->a)
		return cm_err(-EINVAL, "record: a failed move names its step");
	copy_line(s->move.failed_step, sizeof(s->move.failed_step), n->a);
	copy_line(s->move.failed_reason, sizeof(s->move.failed_reason), n->b);
	return CM_MOVE_FAILED;
}

static int note_in(const char *root, struct cm_record *r, const struct move_note *n)
{
	struct cm_rootrw rw;
	struct cm_stay *s;
	int kind, rc, e;

	if (cm_record_location_ok(root) < 0)
		return -EXDEV;
	rc = cm_record_load(root, r);
	if (rc < 0)
		return rc;
	if (!r->n)
		return -ENOENT;
	s = &r->stays[r->n - 1];
	if (n->apply != apply_started && !s->move.id[0])
		return -ENOENT;
	kind = n->apply(s, n);
	if (kind < -1)
		return kind;
	rc = cm_rootrw_begin(&rw, root ? root : "/");
	if (rc < 0)
		return cm_err(rc, "record: make the root writable");
	rc = cm_record_save(root, r);
	if (rc == 0 && kind >= 0 && cm_events_spool_move(root, r, s, (enum cm_move_event)kind) < 0)
		cm_warn("record: the move is recorded, its event is not spooled");
	e = cm_rootrw_end(&rw);
	return rc < 0 ? rc : e < 0 ? -EIO : 0;
}

static int note(const char *root, const struct move_note *n)
{
	struct cm_record *r = malloc(sizeof(*r));
	int rc;

	if (!r)
		return cm_err(-ENOMEM, "record");
	rc = note_in(root, r, n);
	free(r);
	return rc;
}

int cm_record_note_move_started(const char *root, const char *id,
				const char *target, const char *dest)
{
	if (!cm_move_id_valid(id) || !target || !*target)
		return cm_err(-EINVAL, "record: a move needs its id and its target");
	return note(root, &(struct move_note){ .apply = apply_started, .a = id,
		    .b = target, .c = dest });
}

int cm_record_note_move_streamed(const char *root, uint64_t bytes, double seconds)
{
	return note(root, &(struct move_note){ .apply = apply_streamed,
		    .bytes = bytes, .seconds = seconds });
}

int cm_record_note_move_launched(const char *root, const char *image_id,
				 const char *instance_id, const char *region)
{
	return note(root, &(struct move_note){ .apply = apply_launched,
		    .a = image_id, .b = instance_id, .c = region });
}

int cm_record_note_move_arrived(const char *root)
{
	return note(root, &(struct move_note){ .apply = apply_arrived });
}

int cm_record_note_move_retired(const char *root, const char *mode)
{
	return note(root, &(struct move_note){ .apply = apply_retired, .a = mode });
}

int cm_record_note_move_failed(const char *root, const char *step, const char *reason)
{
	return note(root, &(struct move_note){ .apply = apply_failed, .a = step,
		    .b = reason });
}

int cm_record_move_last(const char *root, struct cm_stay_move *out)
{
	struct cm_record *r = malloc(sizeof(*r));
	int rc;

	memset(out, 0, sizeof(*out));
	if (!r)
		return cm_err(-ENOMEM, "record");
	rc = cm_record_load(root, r);
	if (rc >= 0) {
		rc = r->n && r->stays[r->n - 1].move.id[0];
		if (rc)
			*out = r->stays[r->n - 1].move;
	}
	free(r);
	return rc;
}
