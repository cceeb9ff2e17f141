#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../detect/detect.h"
#include "../json.h"
#include "move.h"
#include "record.h"

int cm_time_format(time_t t, char *out, size_t size)
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return -EINVAL;
	return 0;
}

int cm_time_parse(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	int n = 0;

	if (strlen(s) != 20 ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 20)
		return -EINVAL;
	if (tm.tm_year < 1970 || tm.tm_year > 9999 || tm.tm_mon < 1 ||
	    tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return 0;
}

static int get_text(struct json_object *o, const char *key, char *out,
		    size_t size, int required)
{
	struct json_object *v;
	int r;

	if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null)) {
		out[0] = '\0';
		return required ? -EBADMSG : 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return -EBADMSG;
	r = cm_json_get_text(o, key, out, size);
	return r == -ENODATA ? 0 : (r < 0 ? -EBADMSG : 0);
}

static int get_ulong(struct json_object *o, const char *key, unsigned long *out)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return -EBADMSG;
	n = json_object_get_int64(v);
	if (n < 0)
		return -EBADMSG;
	*out = (unsigned long)n;
	return 0;
}

static int get_time(struct json_object *o, const char *key, time_t *out)
{
	char text[32];

	if (get_text(o, key, text, sizeof(text), 1) < 0)
		return -EBADMSG;
	return cm_time_parse(text, out) < 0 ? -EBADMSG : 0;
}

static int get_bool(struct json_object *o, const char *key, bool *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_boolean))
		return -EBADMSG;
	*out = json_object_get_boolean(v);
	return 0;
}

/* key absent or null: 0 and *out NULL (the field is not there) */
static int get_object(struct json_object *o, const char *key,
		      struct json_object **out)
{
	*out = NULL;
	if (!json_object_object_get_ex(o, key, out) ||
	    json_object_is_type(*out, json_type_null)) {
		*out = NULL;
		return 0;
	}
	return json_object_is_type(*out, json_type_object) ? 0 : -EBADMSG;
}

static int parse_move(struct json_object *o, struct cm_stay_move *m)
{
	unsigned long bytes;

	if (get_text(o, "id", m->id, sizeof(m->id), 1) < 0 || !cm_move_id_valid(m->id) ||
	    get_text(o, "target", m->target, sizeof(m->target), 1) < 0 ||
	    !m->target[0] ||
	    get_text(o, "region", m->region, sizeof(m->region), 0) < 0 ||
	    get_text(o, "dest", m->dest, sizeof(m->dest), 0) < 0 ||
	    get_text(o, "image_id", m->image_id, sizeof(m->image_id), 0) < 0 ||
	    get_text(o, "instance_id", m->instance_id, sizeof(m->instance_id), 0) < 0 ||
	    get_ulong(o, "bytes", &bytes) < 0 ||
	    get_time(o, "started", &m->started) < 0)
		return -EBADMSG;
	m->bytes = bytes;
	if (get_ulong(o, "seconds", &m->seconds) < 0 ||
	    get_bool(o, "arrived", &m->arrived) < 0 ||
	    get_text(o, "retired", m->retired, sizeof(m->retired), 0) < 0 ||
	    (m->retired[0] && strcmp(m->retired, "stop") && strcmp(m->retired, "delete")))
		return -EBADMSG;
	/* "failed": null or {step, reason} */
	if (get_object(o, "failed", &o) < 0)
		return -EBADMSG;
	if (o && (get_text(o, "step", m->failed_step, sizeof(m->failed_step), 1) < 0 ||
		  !m->failed_step[0] ||
		  get_text(o, "reason", m->failed_reason, sizeof(m->failed_reason), 0) < 0))
		return -EBADMSG;
	return 0;
}

static int parse_moved_from(struct json_object *o, struct cm_stay_moved_from *m)
{
	if (get_text(o, "id", m->id, sizeof(m->id), 1) < 0 || !cm_move_id_valid(m->id) ||
	    get_text(o, "cloud", m->cloud, sizeof(m->cloud), 1) < 0 || !m->cloud[0] ||
	    get_text(o, "instance_id", m->instance_id, sizeof(m->instance_id), 0) < 0)
		return -EBADMSG;
	return 0;
}

static int parse_adapted(struct json_object *o, struct cm_stay_adapted *a)
{
	if (get_text(o, "profile", a->profile, sizeof(a->profile), 0) < 0 ||
	    get_text(o, "facts", a->facts, sizeof(a->facts), 0) < 0)
		return -EBADMSG;
	return 0;
}

/* The fields later versions of the agent added to a stay: each optional
 * (an older record has none), each whole when there. */
static int parse_stay_extras(struct json_object *o, struct cm_stay *s)
{
	struct json_object *x;

	if (get_object(o, "move", &x) < 0 || (x && parse_move(x, &s->move) < 0) ||
	    get_object(o, "moved_from", &x) < 0 ||
	    (x && parse_moved_from(x, &s->moved_from) < 0) ||
	    get_object(o, "adapted", &x) < 0 ||
	    (x && parse_adapted(x, &s->adapted) < 0))
		return -EBADMSG;
	return 0;
}

static int parse_stay(struct json_object *o, struct cm_stay *s)
{
	struct json_object *pub;

	memset(s, 0, sizeof(*s));
	if (!json_object_is_type(o, json_type_object))
		return -EBADMSG;
	if (get_ulong(o, "seq", &s->seq) < 0 ||
	    get_text(o, "cloud", s->cloud, sizeof(s->cloud), 1) < 0 ||
	    !s->cloud[0] ||
	    get_text(o, "instance_id", s->instance_id, sizeof(s->instance_id), 0) < 0 ||
	    get_text(o, "region", s->region, sizeof(s->region), 0) < 0 ||
	    get_text(o, "zone", s->zone, sizeof(s->zone), 0) < 0 ||
	    get_text(o, "instance_type", s->instance_type, sizeof(s->instance_type), 0) < 0 ||
	    get_time(o, "first_seen", &s->first_seen) < 0 ||
	    get_time(o, "last_seen", &s->last_seen) < 0 ||
	    get_ulong(o, "boots", &s->boots) < 0)
		return -EBADMSG;
	if (!json_object_object_get_ex(o, "public", &pub) ||
	    !json_object_is_type(pub, json_type_boolean))
		return -EBADMSG;
	s->is_public = json_object_get_boolean(pub);
	if (s->last_seen < s->first_seen)
		return -EBADMSG;
	return parse_stay_extras(o, s);
}

int cm_record_parse(const char *buf, size_t len, struct cm_record *out)
{
	struct json_object *root, *stays;
	char format[64];
	unsigned long version;
	size_t i, n, skip;
	int r;

	memset(out, 0, sizeof(*out));
	r = cm_json_parse(buf, len, CM_RECORD_MAX, &root);
	if (r < 0)
		return r == -EMSGSIZE ? r : -EBADMSG;
	r = -EBADMSG;
	if (!json_object_is_type(root, json_type_object) ||
	    get_text(root, "format", format, sizeof(format), 1) < 0 ||
	    strcmp(format, CM_RECORD_FORMAT) ||
	    get_ulong(root, "version", &version) < 0 ||
	    version != CM_RECORD_VERSION ||
	    get_text(root, "machine_id", out->machine_id,
		     sizeof(out->machine_id), 0) < 0 ||
	    !json_object_object_get_ex(root, "stays", &stays) ||
	    !json_object_is_type(stays, json_type_array))
		goto out;
	n = json_object_array_length(stays);
	skip = n > CM_STAYS_MAX ? n - CM_STAYS_MAX : 0;
	for (i = skip; i < n; i++) {
		if (parse_stay(json_object_array_get_idx(stays, i),
			       &out->stays[out->n]) < 0)
			goto out;
		if (out->n && out->stays[out->n].seq <= out->stays[out->n - 1].seq)
			goto out;
		out->n++;
	}
	r = 0;
out:
	json_object_put(root);
	if (r < 0)
		memset(out, 0, sizeof(*out));
	return r;
}

static struct json_object *text_or_null(const char *s)
{
	return *s ? json_object_new_string(s) : NULL;
}

struct json_object *cm_stay_move_to_json(const struct cm_stay_move *m)
{
	struct json_object *o = json_object_new_object(), *f;
	char t[32];

	if (!o)
		return NULL;
	json_object_object_add(o, "id", json_object_new_string(m->id));
	json_object_object_add(o, "target", json_object_new_string(m->target));
	json_object_object_add(o, "region", text_or_null(m->region));
	json_object_object_add(o, "dest", text_or_null(m->dest));
	json_object_object_add(o, "image_id", text_or_null(m->image_id));
	json_object_object_add(o, "instance_id", text_or_null(m->instance_id));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)m->bytes));
	cm_time_format(m->started, t, sizeof(t));
	json_object_object_add(o, "started", json_object_new_string(t));
	json_object_object_add(o, "seconds", json_object_new_int64((int64_t)m->seconds));
	json_object_object_add(o, "arrived", json_object_new_boolean(m->arrived));
	json_object_object_add(o, "retired", text_or_null(m->retired));
	f = NULL;
	if (m->failed_step[0] && (f = json_object_new_object())) {
		json_object_object_add(f, "step", json_object_new_string(m->failed_step));
		json_object_object_add(f, "reason", json_object_new_string(m->failed_reason));
	}
	json_object_object_add(o, "failed", f);
	return o;
}

static struct json_object *moved_from_to_json(const struct cm_stay_moved_from *m)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "id", json_object_new_string(m->id));
	json_object_object_add(o, "cloud", json_object_new_string(m->cloud));
	json_object_object_add(o, "instance_id", text_or_null(m->instance_id));
	return o;
}

static struct json_object *adapted_to_json(const struct cm_stay_adapted *a)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "profile", text_or_null(a->profile));
	json_object_object_add(o, "facts", text_or_null(a->facts));
	return o;
}

struct json_object *cm_stay_to_json(const struct cm_stay *s)
{
	struct json_object *o = json_object_new_object();
	char t[32];

	if (!o)
		return NULL;
	json_object_object_add(o, "seq", json_object_new_int64((int64_t)s->seq));
	json_object_object_add(o, "cloud", json_object_new_string(s->cloud));
	json_object_object_add(o, "public", json_object_new_boolean(s->is_public));
	json_object_object_add(o, "instance_id", text_or_null(s->instance_id));
	json_object_object_add(o, "region", text_or_null(s->region));
	json_object_object_add(o, "zone", text_or_null(s->zone));
	json_object_object_add(o, "instance_type", text_or_null(s->instance_type));
	cm_time_format(s->first_seen, t, sizeof(t));
	json_object_object_add(o, "first_seen", json_object_new_string(t));
	cm_time_format(s->last_seen, t, sizeof(t));
	json_object_object_add(o, "last_seen", json_object_new_string(t));
	json_object_object_add(o, "boots", json_object_new_int64((int64_t)s->boots));
	/* absent rather than null when unknown: a record without them is
	 * what an older agent wrote and reads */
	if (s->moved_from.id[0])
		json_object_object_add(o, "moved_from", moved_from_to_json(&s->moved_from));
	if (s->adapted.profile[0] || s->adapted.facts[0])
		json_object_object_add(o, "adapted", adapted_to_json(&s->adapted));
	if (s->move.id[0])
		json_object_object_add(o, "move", cm_stay_move_to_json(&s->move));
	return o;
}

int cm_record_format(const struct cm_record *r, struct cm_buf *out)
{
	struct json_object *root = json_object_new_object(), *stays;
	const char *text;
	size_t i;
	int rc;

	stays = json_object_new_array();
	if (!root || !stays) {
		json_object_put(root);
		json_object_put(stays);
		return -ENOMEM;
	}
	json_object_object_add(root, "format", json_object_new_string(CM_RECORD_FORMAT));
	json_object_object_add(root, "version", json_object_new_int(CM_RECORD_VERSION));
	json_object_object_add(root, "machine_id", text_or_null(r->machine_id));
	for (i = 0; i < r->n; i++)
		json_object_array_add(stays, cm_stay_to_json(&r->stays[i]));
	json_object_object_add(root, "stays", stays);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	cm_buf_reset(out);
	rc = text ? cm_buf_addstr(out, text) : -ENOMEM;
	if (rc == 0)
		rc = cm_buf_add(out, "\n", 1);
	json_object_put(root);
	return rc;
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

int cm_record_note_boot(struct cm_record *r, const struct cm_verdict *v,
			time_t now)
{
	return cm_record_note_boot_as(r, v, now, 0);
}

int cm_record_note_boot_as(struct cm_record *r, const struct cm_verdict *v,
			   time_t now, int moved)
{
	struct cm_stay *last = r->n ? &r->stays[r->n - 1] : NULL;
	unsigned long seq = last ? last->seq + 1 : 1;

	if (!moved && last && !strcmp(last->cloud, v->cloud) &&
	    !strcmp(last->instance_id, v->instance_id)) {
		/* A clock that went back must not make the stay negative. */
		if (now > last->last_seen)
			last->last_seen = now;
		last->boots++;
		/* Metadata may know more than the boot that opened the stay. */
		if (v->region[0])
			copy(last->region, sizeof(last->region), v->region);
		if (v->zone[0])
			copy(last->zone, sizeof(last->zone), v->zone);
		if (v->instance_type[0])
			copy(last->instance_type, sizeof(last->instance_type),
			     v->instance_type);
		last->is_public = v->is_public;
		return 0;
	}
	if (r->n == CM_STAYS_MAX) {
		memmove(&r->stays[0], &r->stays[1],
			(CM_STAYS_MAX - 1) * sizeof(r->stays[0]));
		r->n--;
	}
	last = &r->stays[r->n++];
	memset(last, 0, sizeof(*last));
	last->seq = seq;
	copy(last->cloud, sizeof(last->cloud), v->cloud);
	last->is_public = v->is_public;
	copy(last->instance_id, sizeof(last->instance_id), v->instance_id);
	copy(last->region, sizeof(last->region), v->region);
	copy(last->zone, sizeof(last->zone), v->zone);
	copy(last->instance_type, sizeof(last->instance_type), v->instance_type);
	last->first_seen = now;
	last->last_seen = now;
	last->boots = 1;
	return 1;
}
