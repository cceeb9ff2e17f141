#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../detect/detect.h"
#include "../json.h"
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
	return 0;
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
	struct cm_stay *last = r->n ? &r->stays[r->n - 1] : NULL;
	unsigned long seq = last ? last->seq + 1 : 1;

	if (last && !strcmp(last->cloud, v->cloud) &&
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
