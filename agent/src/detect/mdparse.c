#include <errno.h>
#include <stdio.h>
#include <json-c/json.h>
#include <string.h>

#include "../json.h"
#include "mdspec.h"

#define MD_JSON_MAX (1024 * 1024)

const char *cm_md_field_name(enum cm_md_field f)
{
	static const char *const names[CM_MD__MAX] = {
		[CM_MD_INSTANCE_ID] = "instance_id",
		[CM_MD_REGION] = "region",
		[CM_MD_ZONE] = "zone",
		[CM_MD_INSTANCE_TYPE] = "instance_type",
	};

	return f > CM_MD_NONE && f < CM_MD__MAX ? names[f] : "?";
}

/* Metadata values end up on the console and in JSON: one printable ASCII
 * line, no quotes or backslashes to escape wrongly anywhere. */
static int clean_value(const char *s, size_t len, char *out, size_t size)
{
	size_t i;

	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' ||
		       s[len - 1] == ' '))
		len--;
	while (len && *s == ' ') {
		s++;
		len--;
	}
	if (!len)
		return -ENODATA;
	if (len >= size)
		return -EMSGSIZE;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			return -EBADMSG;
		out[i] = (char)c;
	}
	out[len] = '\0';
	return 0;
}

static void xform(enum cm_md_xform x, char *v)
{
	char *p;

	if (x == CM_XF_LAST_SEGMENT || x == CM_XF_ZONE_REGION) {
		p = strrchr(v, '/');
		if (p)
			memmove(v, p + 1, strlen(p + 1) + 1);
	}
	if (x == CM_XF_ZONE_REGION) {
		p = strrchr(v, '-');
		if (p && p != v)
			*p = '\0';
	}
	if (x == CM_XF_ZONE_LETTER) {
		size_t n = strlen(v);

		if (n > 1 && v[n - 1] >= 'a' && v[n - 1] <= 'z' &&
		    v[n - 2] >= '0' && v[n - 2] <= '9')
			v[n - 1] = '\0';
	}
}

static int store(const struct cm_md_value *val, const char *s, size_t len,
		 struct cm_instance *out)
{
	char tmp[sizeof(out->v[0])];
	int r;

	if (val->field <= CM_MD_NONE || val->field >= CM_MD__MAX)
		return -EINVAL;
	r = clean_value(s, len, tmp, sizeof(tmp));
	if (r < 0)
		return r;
	xform(val->xform, tmp);
	if (!tmp[0])
		return -ENODATA;
	memcpy(out->v[val->field], tmp, sizeof(tmp));
	return 0;
}

int cm_md_parse_doc(const struct cm_metadata *md, const char *buf, size_t len,
		    struct cm_instance *out)
{
	struct json_object *root;
	const struct cm_md_value *val;
	char text[256];
	int r;

	memset(out, 0, sizeof(*out));
	r = cm_json_parse(buf, len, md->max ? md->max : MD_JSON_MAX, &root);
	if (r < 0)
		return r;
	if (!json_object_is_type(root, json_type_object)) {
		r = -EBADMSG;
		goto out;
	}
	if (md->confirm_path &&
	    (cm_json_get_text(root, md->confirm_path, text, sizeof(text)) < 0 ||
	     strcmp(text, md->confirm_value))) {
		r = -ENODATA;
		goto out;
	}
	for (val = md->doc_values; val && val->field; val++) {
		if (out->v[val->field][0])
			continue;	/* the first path that has it wins */
		if (cm_json_get_text(root, val->where, text, sizeof(text)) < 0)
			continue;
		store(val, text, strlen(text), out);
	}
	r = out->v[CM_MD_INSTANCE_ID][0] ? 0 : -ENODATA;
out:
	json_object_put(root);
	return r;
}

int cm_md_parse_key(const struct cm_md_value *key, const char *buf, size_t len,
		    struct cm_instance *out)
{
	if (memchr(buf, '\n', len) && memchr(buf, '\n', len) != buf + len - 1)
		return -EBADMSG;	/* a listing or a page, not a value */
	return store(key, buf, len, out);
}

/* The bytes clean_value would refuse in a plain token answer. */
static const char *bad_bytes(const char *s, size_t len)
{
	size_t i;
	int ctl = 0, crlf = 0;

	while (len && (s[len - 1] == '\n' || s[len - 1] == '\r' ||
		       s[len - 1] == ' '))
		len--;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		crlf |= c == '\r' || c == '\n';
		ctl |= c < 0x20 || c == 0x7f;
	}
	if (crlf)
		return "holds control bytes (CR/LF inside)";
	if (ctl)
		return "holds control bytes";
	return "holds bytes a header cannot carry (quotes, backslashes or "
	       "non-ASCII)";
}

void cm_md_token_problem(const struct cm_md_token *tok, const char *buf,
			 size_t len, int r, char *out, size_t size)
{
	const char *what = tok->json_path ? "token answer's JSON" : "token answer";

	if (r == -ENODATA && tok->json_path)
		snprintf(out, size, "HTTP 200, but the %s has no %s", what,
			 tok->json_path);
	else if (r == -ENODATA)
		snprintf(out, size, "HTTP 200, but the token answer is empty");
	else if (r == -EMSGSIZE)
		snprintf(out, size, "HTTP 200, but the %s is too long", what);
	else if (r == -EBADMSG && !tok->json_path)
		snprintf(out, size, "HTTP 200, but the token answer %s",
			 bad_bytes(buf, len));
	else if (r == -EBADMSG)
		snprintf(out, size, "HTTP 200, but the token answer is not JSON "
			 "with a clean %s", tok->json_path);
	else
		snprintf(out, size, "HTTP 200, but the %s is unusable (%s)", what,
			 strerror(-r));
}

int cm_md_parse_token(const struct cm_md_token *tok, const char *buf,
		      size_t len, char *out, size_t size)
{
	struct json_object *root;
	char text[1024];
	int r;

	if (!tok->json_path)
		return clean_value(buf, len, out, size);
	r = cm_json_parse(buf, len, 64 * 1024, &root);
	if (r < 0)
		return r;
	r = cm_json_get_text(root, tok->json_path, text, sizeof(text));
	json_object_put(root);
	if (r < 0)
		return r;
	return clean_value(text, strlen(text), out, size);
}
