#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

int cm_json_parse(const char *buf, size_t len, size_t max,
		  struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *obj;
	size_t used;

	*out = NULL;
	if (len > max)
		return -EMSGSIZE;
	if (len > (size_t)0x7fffffff)
		return -EMSGSIZE;
	tok = json_tokener_new_ex(CM_JSON_DEPTH_MAX);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, buf, (int)len);
	used = (size_t)json_tokener_get_parse_end(tok);
	if (!obj && json_tokener_get_error(tok) == json_tokener_continue)
		obj = NULL;	/* truncated */
	json_tokener_free(tok);
	if (!obj)
		return -EBADMSG;
	while (used < len && (buf[used] == ' ' || buf[used] == '\n' ||
			      buf[used] == '\r' || buf[used] == '\t'))
		used++;
	if (used != len) {
		json_object_put(obj);
		return -EBADMSG;
	}
	*out = obj;
	return 0;
}

static struct json_object *lookup(struct json_object *obj, const char *path)
{
	char key[128];

	while (obj && *path) {
		const char *dot = strchr(path, '.');
		size_t n = dot ? (size_t)(dot - path) : strlen(path);

		if (n >= sizeof(key))
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		if (json_object_is_type(obj, json_type_array)) {
			/* "0", "1", ...: an element of an array */
			char *end;
			unsigned long i = strtoul(key, &end, 10);

			if (!n || *end || i >= json_object_array_length(obj))
				return NULL;
			obj = json_object_array_get_idx(obj, i);
		} else if (!json_object_is_type(obj, json_type_object) ||
			   !json_object_object_get_ex(obj, key, &obj)) {
			return NULL;
		}
		path += n + (dot ? 1 : 0);
	}
	return obj;
}

static int copy_text(const char *s, size_t n, char *out, size_t size)
{
	if (n >= size)
		return -EMSGSIZE;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

int cm_json_get_text(struct json_object *root, const char *path, char *out,
		     size_t size)
{
	struct json_object *v = lookup(root, path);
	const char *s;

	if (size)
		out[0] = '\0';
	if (!v)
		return -ENODATA;
	switch (json_object_get_type(v)) {
	case json_type_string:
		return copy_text(json_object_get_string(v),
				 (size_t)json_object_get_string_len(v), out, size);
	case json_type_int:
		/* json-c keeps int64 and uint64 exactly, but clamps what does
		 * not fit to the limits: a clamped value is no id of anything. */
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		if (!strcmp(s, "18446744073709551615") ||
		    !strcmp(s, "9223372036854775807") ||
		    !strcmp(s, "-9223372036854775808"))
			return -ERANGE;
		return copy_text(s, strlen(s), out, size);
	case json_type_boolean:
		s = json_object_get_boolean(v) ? "true" : "false";
		return copy_text(s, strlen(s), out, size);
	default:
		return -ENODATA;
	}
}
