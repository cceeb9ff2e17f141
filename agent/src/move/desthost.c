/* The host a move's destination is reached at (see net.h).  Pure, fuzzed
 * with the URL parser (agent/fuzz/fuzz_url.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../stream/url.h"
#include "net.h"

/* %XX-decoded copy of [s, s+n) */
static void decode(const char *s, size_t n, char *out, size_t size)
{
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i < n && o + 1 < size; i++) {
		if (s[i] == '%' && i + 2 < n && sscanf(s + i + 1, "%2x", &v) == 1) {
			out[o++] = (char)v;
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
}

/* host of "scheme://host[:port]/..." into out */
static int authority_host(const char *u, char *out, size_t size)
{
	const char *p = strstr(u, "://"), *end;
	size_t n;

	if (!p)
		return -EINVAL;
	p += 3;
	end = p + strcspn(p, "/?#");
	if (*p == '[')
		return -EINVAL;		/* IPv6 literals: not for the initramfs */
	n = (size_t)(end - p);
	if (memchr(p, ':', n))
		n = (size_t)((const char *)memchr(p, ':', n) - p);
	if (!n || n >= size)
		return -EINVAL;
	memcpy(out, p, n);
	out[n] = '\0';
	return 1;
}

static const char *param(const char *query, const char *name, size_t *len)
{
	size_t k = strlen(name);
	const char *p = query;

	while (p && *p) {
		if (!strncmp(p, name, k) && p[k] == '=') {
			*len = strcspn(p + k + 1, "&");
			return p + k + 1;
		}
		p = strchr(p, '&');
		p = p ? p + 1 : NULL;
	}
	return NULL;
}

int cm_move_dest_host(const char *dest, char *out, size_t size)
{
	struct cm_url u;
	char endpoint[CM_URL_HOST_MAX + 64];
	const char *e;
	size_t n;

	if (cm_url_parse(dest, strlen(dest), &u) < 0)
		return -EINVAL;
	if (u.scheme == CM_URL_FILE)
		return 0;
	e = param(u.query, "endpoint", &n);
	if (e) {
		decode(e, n, endpoint, sizeof(endpoint));
		return authority_host(endpoint, out, size);
	}
	if (u.scheme == CM_URL_HTTP || u.scheme == CM_URL_HTTPS)
		return authority_host(dest, out, size);
	n = (size_t)snprintf(out, size, u.scheme == CM_URL_GS ? "storage.googleapis.com" :
			     "%s.s3.amazonaws.com", u.host);
	return n < size ? 1 : -EINVAL;
}
