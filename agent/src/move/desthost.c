/* The host a move's destination is reached at (see net.h).  Pure, fuzzed
 * with the URL parser (agent/fuzz/fuzz_url.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../stream/url.h"
#include "net.h"

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

int cm_move_dest_host(const char *dest, char *out, size_t size)
{
	struct cm_url u;
	char endpoint[CM_URL_HOST_MAX + 64];
	size_t n;
	int r;

	if (cm_url_parse(dest, strlen(dest), &u) < 0)
		return -EINVAL;
	if (u.scheme == CM_URL_FILE)
		return 0;
	r = cm_url_query_param(u.query, "endpoint", endpoint, sizeof(endpoint));
	if (r < 0)
		return -EINVAL;
	if (r > 0)
		return authority_host(endpoint, out, size);
	if (u.scheme == CM_URL_HTTP || u.scheme == CM_URL_HTTPS)
		return authority_host(dest, out, size);
	n = (size_t)snprintf(out, size, u.scheme == CM_URL_GS ? "storage.googleapis.com" :
			     u.scheme == CM_URL_EBS ? "ebs.%s.amazonaws.com" :
			     "%s.s3.amazonaws.com", u.host);
	return n < size ? 1 : -EINVAL;
}
