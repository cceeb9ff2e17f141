/* The control-plane registry and what every cloud file shares (see
 * control.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../log.h"
#include "control.h"

extern const struct cm_cloud_api cm_api_aws, cm_api_gcp, cm_api_azure;

static const struct cm_cloud_api *const apis[] = {
	&cm_api_aws, &cm_api_gcp, &cm_api_azure,
};

const struct cm_cloud_api *cm_cloud_api_find(const char *cloud)
{
	size_t i;

	for (i = 0; cloud && i < sizeof(apis) / sizeof(apis[0]); i++)
		if (strcmp(apis[i]->cloud, cloud) == 0)
			return apis[i];
	return NULL;
}

const char *cm_cloud_api_names(void)
{
	return "aws gcp azure";
}

int cm_api_init(struct cm_api *a, const struct cm_cloud_api *ops,
		const char *endpoint)
{
	memset(a, 0, sizeof(*a));
	a->ops = ops;
	a->endpoint = endpoint && *endpoint ? endpoint : NULL;
	return cm_http_init(&a->http, ops->cloud);
}

void cm_api_cleanup(struct cm_api *a)
{
	if (a->ops && a->ops->cleanup)
		a->ops->cleanup(a);
	cm_http_cleanup(&a->http);
	explicit_bzero(a->token, sizeof(a->token));
	cm_creds_wipe(&a->self_creds);
}

/* "https://host[:port]" → its length, the host part's start and length. */
static int split_base(const char *base, const char **host, size_t *host_len)
{
	const char *p = strstr(base, "://"), *end;

	if (!p || (strncmp(base, "https://", 8) && strncmp(base, "http://", 7)))
		return -EINVAL;
	p += 3;
	end = p + strcspn(p, "/?#");
	if (end == p || *end)
		return -EINVAL;
	*host = p;
	*host_len = (size_t)(end - p);
	return 0;
}

int cm_api_url(const struct cm_api *a, const char *base, const char *path,
	       char *out, size_t size, char *host_header, size_t host_size)
{
	const char *host;
	size_t host_len;
	int n;

	if (split_base(base, &host, &host_len) < 0)
		return -EINVAL;
	if (host_size)
		host_header[0] = '\0';
	if (a->endpoint) {
		const char *ep = a->endpoint;
		size_t ep_len = strlen(ep);

		while (ep_len && ep[ep_len - 1] == '/')
			ep_len--;
		n = snprintf(out, size, "%.*s%s", (int)ep_len, ep, path);
		if (n < 0 || (size_t)n >= size)
			return -ENAMETOOLONG;
		n = snprintf(host_header, host_size, "Host: %.*s", (int)host_len, host);
		if (n < 0 || (size_t)n >= host_size)
			return -ENAMETOOLONG;
		return 0;
	}
	n = snprintf(out, size, "%s%s", base, path);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int cm_api_split_url(const char *url, int (*host_ok)(const char *host, size_t len),
		     char *base, size_t base_size, const char **path)
{
	const char *h, *end, *p;
	size_t n;

	if (strncmp(url, "https://", 8))
		return -EINVAL;
	h = url + 8;
	end = h + strcspn(h, "/?#");
	if (*end != '/' || !host_ok(h, (size_t)(end - h)))
		return -EINVAL;
	/* printable ASCII only: nothing that would end the request line or
	 * a header, no fragment */
	for (p = end; *p; p++)
		if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || *p == '#')
			return -EINVAL;
	n = (size_t)(end - url);
	if (n >= base_size)
		return -EINVAL;
	memcpy(base, url, n);
	base[n] = '\0';
	*path = end;
	return 0;
}
