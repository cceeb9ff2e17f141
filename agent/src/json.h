/* JSON in: a thin layer over json-c that enforces our caps and reads
 * values by dotted path ("compute.vmSize").  Numbers come back as their
 * exact decimal text (GCE instance ids exceed 2^53, so no doubles). */
#ifndef CM_JSON_H
#define CM_JSON_H

#include <stddef.h>

struct json_object;

#define CM_JSON_DEPTH_MAX 32

/* Parses exactly buf[0..len) (not NUL-terminated) as one JSON value;
 * trailing non-blank bytes are an error.  0 and *out (caller puts it with
 * json_object_put), -EBADMSG malformed, -EMSGSIZE over max. */
int cm_json_parse(const char *buf, size_t len, size_t max,
		  struct json_object **out);

/* The scalar at a dotted path ("a.b", "list.0.c": numbers index arrays)
 * as text: strings as they are, integers
 * exactly, booleans "true"/"false".  Objects, arrays, null, doubles and
 * values that do not fit are absent: -ENODATA, -ERANGE for integers
 * beyond 64 bits, -EMSGSIZE when the text would not fit in out. */
int cm_json_get_text(struct json_object *root, const char *path, char *out,
		     size_t size);

#endif
