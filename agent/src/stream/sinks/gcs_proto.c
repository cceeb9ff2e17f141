/* The gs:// sink's pure parsers and formatters (see gcs_proto.h). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../../json.h"
#include "../url.h"
#include "gcs_proto.h"

#define U63_MAX ((uint64_t)INT64_MAX)

/* A decimal of len digits exactly (no sign, no blank), < 2^63. */
static int parse_u63(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 19)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > U63_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

int cm_gcs_range_parse(const char *v, size_t len, uint64_t *held)
{
	uint64_t last;

	if (len < 9 || strncasecmp(v, "bytes=0-", 8) != 0)
		return -EINVAL;
	if (parse_u63(v + 8, len - 8, &last) < 0 || last == U63_MAX)
		return -EINVAL;
	*held = last + 1;
	return 0;
}

int cm_gcs_object_parse(const char *body, size_t len, uint64_t *size,
			char *crc32c, size_t crc_size)
{
	struct json_object *root;
	char text[32];
	int r;

	if (crc_size)
		crc32c[0] = '\0';
	if (cm_json_parse(body, len, 256 * 1024, &root) < 0)
		return -EBADMSG;
	r = cm_json_get_text(root, "size", text, sizeof(text));
	if (r == 0)
		r = parse_u63(text, strlen(text), size) < 0 ? -EBADMSG : 0;
	else
		r = -EBADMSG;
	if (r == 0 && cm_json_get_text(root, "crc32c", crc32c, crc_size) < 0 && crc_size)
		crc32c[0] = '\0';
	json_object_put(root);
	return r;
}

int cm_gcs_object_id(const char *body, size_t len, char *bucket, size_t bucket_size,
		     char *name, size_t name_size)
{
	struct json_object *root;
	int r;

	if (cm_json_parse(body, len, 256 * 1024, &root) < 0)
		return -EBADMSG;
	r = cm_json_get_text(root, "bucket", bucket, bucket_size);
	if (r == 0)
		r = cm_json_get_text(root, "name", name, name_size);
	json_object_put(root);
	return r < 0 ? -EBADMSG : 0;
}

#define SESSION_PREFIX	"/upload/storage/v1/b/"

/* name= of the query: the same as name, percent-decoded (a '+' taken as
 * a space too, as a form encoder writes it), or absent. */
static int name_param_is(const char *query, const char *name)
{
	char v[CM_URL_MAX];
	size_t i;
	int r = cm_url_query_param(query, "name", v, sizeof(v));

	if (r == 0)
		return 1;
	if (r < 0)
		return 0;
	if (!strcmp(v, name))
		return 1;
	for (i = 0; v[i]; i++)
		if (v[i] == '+')
			v[i] = ' ';
	return !strcmp(v, name);
}

int cm_gcs_session_is_for(const char *path, const char *bucket, const char *name)
{
	size_t n = strlen(SESSION_PREFIX), blen;
	char b[CM_URL_HOST_MAX];
	const char *end;

	if (strncmp(path, SESSION_PREFIX, n) != 0)
		return 0;
	path += n;
	end = strstr(path, "/o?");
	if (!end)
		return 0;
	blen = (size_t)(end - path);
	if (memchr(path, '/', blen) || cm_url_decode(path, blen, b, sizeof(b), NULL) < 0 ||
	    strcmp(b, bucket))
		return 0;
	return name_param_is(end + 3, name);
}

void cm_gcs_crc32c_b64(uint32_t crc, char out[CM_GCS_CRC_B64_MAX])
{
	static const char a[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char b[4] = { crc >> 24, crc >> 16, crc >> 8, crc };

	out[0] = a[b[0] >> 2];
	out[1] = a[(b[0] & 3) << 4 | b[1] >> 4];
	out[2] = a[(b[1] & 15) << 2 | b[2] >> 6];
	out[3] = a[b[2] & 63];
	out[4] = a[b[3] >> 2];
	out[5] = a[(b[3] & 3) << 4];
	out[6] = '=';
	out[7] = '=';
	out[8] = '\0';
}

/* A path and query as a session keeps it: "/..." of printable ASCII with
 * no blank (it goes into a one-line state file and a request line). */
static int path_ok(const char *p, size_t len)
{
	size_t i;

	if (len == 0 || p[0] != '/')
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f)
			return 0;
	return 1;
}

int cm_gcs_session_format(char *out, size_t size, int crc_known, uint32_t crc,
			  uint64_t crc_end, const char *path)
{
	int n;

	if (!path_ok(path, strlen(path)))
		return -EINVAL;
	if (crc_known)
		n = snprintf(out, size, "crc32c=%08x@%llu %s", (unsigned)crc,
			     (unsigned long long)crc_end, path);
	else
		n = snprintf(out, size, "crc32c=- %s", path);
	return n < 0 || (size_t)n >= size ? -EMSGSIZE : 0;
}

static int hex32(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else
			return -EINVAL;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

int cm_gcs_session_parse(const char *s, size_t len, int *crc_known, uint32_t *crc,
			 uint64_t *crc_end, char *path, size_t path_size)
{
	const char *sp = memchr(s, ' ', len);
	size_t head, plen;

	if (!sp || len < 8 || memcmp(s, "crc32c=", 7) != 0)
		return -EINVAL;
	head = (size_t)(sp - s);
	plen = len - head - 1;
	if (!path_ok(sp + 1, plen) || plen >= path_size)
		return -EINVAL;
	if (head == 8 && s[7] == '-') {
		*crc_known = 0;
	} else {
		if (head < 7 + 8 + 2 || s[15] != '@' || hex32(s + 7, crc) < 0 ||
		    parse_u63(s + 16, head - 16, crc_end) < 0)
			return -EINVAL;
		*crc_known = 1;
	}
	memcpy(path, sp + 1, plen);
	path[plen] = '\0';
	return 0;
}

/* "scheme://authority" of url: its length, 0 when it has none. */
static size_t origin_len(const char *url)
{
	const char *p = strstr(url, "://");

	if (!p || p == url)
		return 0;
	p += 3;
	p += strcspn(p, "/?#");
	return (size_t)(p - url);
}

int cm_gcs_location_path(const char *location, const char *endpoint, char *out,
			 size_t size)
{
	size_t n = origin_len(endpoint), len;

	if (n == 0 || origin_len(location) != n || strncasecmp(location, endpoint, n) != 0)
		return -EPROTO;
	len = strlen(location + n);
	if (!path_ok(location + n, len))
		return -EPROTO;
	if (len >= size)
		return -EMSGSIZE;
	memcpy(out, location + n, len + 1);
	return 0;
}

/* Printable ASCII only: an endpoint URL has no blanks or controls. */
static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

int cm_gcs_endpoint(const char *query, char *out, size_t size, const char **why)
{
	size_t n, len = strlen(query);
	int r;

	if (len == 0) {
		n = strlen(CM_GCS_ENDPOINT);
		if (n >= size)
			return -EMSGSIZE;
		memcpy(out, CM_GCS_ENDPOINT, n + 1);
		return 0;
	}
	if (strncmp(query, "endpoint=", 9) != 0 || memchr(query, '&', len)) {
		*why = "the only query parameter of gs:// is endpoint=";
		return -EINVAL;
	}
	r = cm_url_decode(query + 9, len - 9, out, size, NULL);
	if (r == 0 && !printable(out))
		r = -EINVAL;
	if (r < 0) {
		*why = "endpoint= is not a URL";
		return r;
	}
	n = strlen(out);
	if (n && out[n - 1] == '/')
		out[--n] = '\0';
	if ((strncasecmp(out, "http://", 7) && strncasecmp(out, "https://", 8)) ||
	    origin_len(out) != n || out[n - 1] == '/') {
		*why = "endpoint= must be http(s)://HOST[:PORT]";
		return -EINVAL;
	}
	for (n = 0; out[n] != ':'; n++)	/* the scheme in lower case */
		out[n] = (char)(out[n] | 0x20);
	return 0;
}

int cm_gcs_name_encode(const char *name, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *name; name++) {
		unsigned char c = (unsigned char)*name;
		int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
			    c == '~';

		if (o + (plain ? 1 : 3) >= size)
			return -EMSGSIZE;
		if (plain) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return 0;
}
