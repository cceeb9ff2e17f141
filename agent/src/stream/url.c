/* Destination URL parser: RFC 3986's generic syntax, cut down to the
 * schemes stream knows; percent-decoding where the part names a path or a
 * key (file path, S3 key, GCS object), never a NUL, never a ".." that
 * could make a file path mean another one. */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "../util/hex.h"
#include "url.h"

static const struct {
	const char *name;
	enum cm_url_scheme scheme;
} schemes[] = {
	{ "file", CM_URL_FILE }, { "s3", CM_URL_S3 }, { "gs", CM_URL_GS },
	{ "http", CM_URL_HTTP }, { "https", CM_URL_HTTPS }, { "ebs", CM_URL_EBS },
};

static int fail(struct cm_url *u, const char *why)
{
	u->why = why;
	return -EINVAL;
}

int cm_url_decode(const char *s, size_t len, char *out, size_t size, const char **why)
{
	size_t i, n = 0;
	const char *dummy;

	why = why ? why : &dummy;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi, lo;

			if (len - i < 3) {
				*why = "truncated %-escape";
				return -EINVAL;
			}
			hi = cm_hexval((unsigned char)s[i + 1]);
			lo = cm_hexval((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0) {
				*why = "bad %-escape";
				return -EINVAL;
			}
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (c == '\0') {
			*why = "NUL byte";
			return -EINVAL;
		}
		if (n + 1 >= size)
			return -EMSGSIZE;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

int cm_url_query_param(const char *query, const char *name, char *out, size_t size)
{
	size_t k = strlen(name);
	const char *p = query;

	while (*p) {
		size_t n = strcspn(p, "&");

		if (n > k && p[k] == '=' && !strncmp(p, name, k)) {
			int r = cm_url_decode(p + k + 1, n - k - 1, out, size, NULL);

			return r < 0 ? r : 1;
		}
		p += n;
		if (*p == '&')
			p++;
	}
	return 0;
}

/* Percent-decodes s[0..len) into out (cap bytes with the NUL). */
static int decode(const char *s, size_t len, char *out, size_t cap, struct cm_url *u)
{
	const char *why = NULL;
	int r = cm_url_decode(s, len, out, cap, &why);

	return r == -EINVAL ? fail(u, why) : r;
}

static int copy(const char *s, size_t len, char *out, size_t cap)
{
	if (len >= cap)
		return -EMSGSIZE;
	memcpy(out, s, len);
	out[len] = '\0';
	return 0;
}

static int scheme_of(const char *s, size_t len, struct cm_url *u, size_t *rest)
{
	size_t i, n;

	for (n = 0; n < len && s[n] != ':'; n++)
		if (s[n] == '/' || s[n] == '?' || s[n] == '#')
			break;
	if (n == len || s[n] != ':' || n == 0)
		return fail(u, "no scheme (want file:///PATH, s3://, gs://, http(s)://, ebs://)");
	if (len - n < 3 || s[n + 1] != '/' || s[n + 2] != '/')
		return fail(u, "no '//' after the scheme");
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strlen(schemes[i].name) == n && !strncasecmp(s, schemes[i].name, n)) {
			u->scheme = schemes[i].scheme;
			u->scheme_name = schemes[i].name;
			*rest = n + 3;
			return 0;
		}
	u->why = "unknown scheme";
	return -EPROTONOSUPPORT;
}

/* Does the decoded absolute path hold a "." or ".." component, or "//"? */
static int odd_path(const char *p)
{
	const char *c = p;

	while (*c == '/') {
		const char *e = c + 1;
		size_t n;

		while (*e && *e != '/')
			e++;
		n = (size_t)(e - c - 1);
		if (n == 0 || (n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.'))
			return 1;
		c = e;
	}
	return 0;
}

static int parse_file(const char *auth, size_t alen, const char *path, size_t plen,
		      struct cm_url *u)
{
	int r;

	if (alen && !(alen == 9 && !strncasecmp(auth, "localhost", 9)))
		return fail(u, "file:// URL with a host (want file:///PATH)");
	if (!plen)
		return fail(u, "file:// URL without a path");
	r = decode(path, plen, u->path, sizeof(u->path), u);
	if (r < 0)
		return r;
	if (u->query[0])
		return fail(u, "file:// URL with a query");
	if (!strcmp(u->path, "/") || u->path[strlen(u->path) - 1] == '/')
		return fail(u, "file:// URL names a directory");
	if (odd_path(u->path))
		return fail(u, "file:// path with an empty, '.' or '..' component");
	return 0;
}

/* S3 and GCS bucket names: 3-63 of [a-z0-9._-], starting and ending with
 * a letter or digit (both services' naming rules, the common part). */
static int bucket_ok(const char *b, size_t n)
{
	size_t i;

	if (n < 3 || n > 63)
		return 0;
	for (i = 0; i < n; i++) {
		char c = b[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
		      c == '-' || c == '_'))
			return 0;
	}
	return b[0] != '.' && b[0] != '-' && b[n - 1] != '.' && b[n - 1] != '-';
}

static int parse_bucket(const char *auth, size_t alen, const char *path, size_t plen,
			struct cm_url *u)
{
	int r;

	if (!bucket_ok(auth, alen))
		return fail(u, "bad bucket name");
	r = copy(auth, alen, u->host, sizeof(u->host));
	if (r < 0)
		return r;
	if (plen < 2)
		return fail(u, "no object key after the bucket");
	r = decode(path + 1, plen - 1, u->path, sizeof(u->path), u);
	if (r < 0)
		return r;
	return 0;
}

static int parse_http(const char *auth, size_t alen, const char *path, size_t plen,
		      struct cm_url *u)
{
	size_t i;
	int r;

	if (!alen)
		return fail(u, "no host");
	for (i = 0; i < alen; i++)
		if ((unsigned char)auth[i] <= ' ' || auth[i] == '@' || auth[i] == '\\')
			return fail(u, "bad character in the host (user:password@ is not taken)");
	r = copy(auth, alen, u->host, sizeof(u->host));
	if (r < 0)
		return r;
	if (!plen)
		return copy("/", 1, u->path, sizeof(u->path));
	return copy(path, plen, u->path, sizeof(u->path));
}

/* [a-z0-9-]{1,63}, as AWS spells regions (us-east-1, eu-west-3) and
 * snapshot ids after "snap-" */
static int aws_name_ok(const char *p, size_t n)
{
	size_t i;

	if (n < 1 || n > 63)
		return 0;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9') || p[i] == '-'))
			return 0;
	return 1;
}

/* ebs://REGION[/snap-ID][?query] */
static int parse_ebs(const char *auth, size_t alen, const char *path, size_t plen,
		     struct cm_url *u)
{
	int r;

	if (!aws_name_ok(auth, alen))
		return fail(u, "bad region (want ebs://REGION, e.g. ebs://eu-west-1)");
	r = copy(auth, alen, u->host, sizeof(u->host));
	if (r < 0 || plen <= 1)
		return r;
	if (plen < 7 || strncmp(path, "/snap-", 6) || !aws_name_ok(path + 6, plen - 6))
		return fail(u, "ebs:// path is not a snapshot id (/snap-...)");
	return copy(path + 1, plen - 1, u->path, sizeof(u->path));
}

int cm_url_parse(const char *s, size_t len, struct cm_url *u)
{
	const char *auth, *path, *q;
	size_t i, rest = 0, alen, plen, end;
	int r;

	memset(u, 0, sizeof(*u));
	if (len > CM_URL_MAX)
		return -EMSGSIZE;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return fail(u, "space or control character");
	r = scheme_of(s, len, u, &rest);
	if (r < 0)
		return r;
	for (end = rest; end < len && s[end] != '#'; end++)
		;
	if (end != len)
		return fail(u, "URL with a #fragment");
	auth = s + rest;
	for (alen = 0; rest + alen < end && auth[alen] != '/' && auth[alen] != '?'; alen++)
		;
	path = auth + alen;
	q = memchr(path, '?', end - rest - alen);
	plen = q ? (size_t)(q - path) : end - rest - alen;
	if (q) {
		r = copy(q + 1, (size_t)(s + end - q - 1), u->query, sizeof(u->query));
		if (r < 0)
			return r;
	}
	switch (u->scheme) {
	case CM_URL_FILE:
		return parse_file(auth, alen, path, plen, u);
	case CM_URL_S3:
	case CM_URL_GS:
		return parse_bucket(auth, alen, path, plen, u);
	case CM_URL_HTTP:
	case CM_URL_HTTPS:
		return parse_http(auth, alen, path, plen, u);
	case CM_URL_EBS:
		return parse_ebs(auth, alen, path, plen, u);
	}
	return fail(u, "unknown scheme");
}

/* An http(s) path, percent-decoded when it decodes, for comparing. */
static const char *http_path(const char *path, char *out, size_t size)
{
	return cm_url_decode(path, strlen(path), out, size, NULL) == 0 ? out : path;
}

int cm_url_same_object(const struct cm_url *a, const struct cm_url *b)
{
	char pa[CM_URL_MAX], pb[CM_URL_MAX];

	if (a->scheme != b->scheme)
		return 0;
	if (a->scheme != CM_URL_HTTP && a->scheme != CM_URL_HTTPS)
		return !strcmp(a->host, b->host) && !strcmp(a->path, b->path);
	return !strcasecmp(a->host, b->host) &&
	       !strcmp(http_path(a->path, pa, sizeof(pa)), http_path(b->path, pb, sizeof(pb)));
}
