/* Azure Blob Storage URLs and Shared Key signatures (see azure_sign.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The glibc test builds put agent/src on the include path, where our
 * limits.h shadows the system's: mbedTLS's config check wants CHAR_BIT. */
#ifndef CHAR_BIT
#define CHAR_BIT __CHAR_BIT__
#endif
#include <mbedtls/base64.h>
#include <mbedtls/md.h>
#include <mbedtls/md5.h>

#include "azure_sign.h"

#define BLOB_SUFFIX	".blob.core.windows.net"
#define X_MS_MAX	16

int cm_azure_host_is_blob(const char *host)
{
	size_t n = strcspn(host, ":"), k = strlen(BLOB_SUFFIX);

	return n > k && strncasecmp(host + n - k, BLOB_SUFFIX, k) == 0;
}

/* Is name= one of query's parameters? */
static int has_param(const char *query, const char *name)
{
	size_t k = strlen(name);
	const char *p = query;

	while (*p) {
		if (strncmp(p, name, k) == 0 && p[k] == '=')
			return 1;
		p += strcspn(p, "&");
		if (*p == '&')
			p++;
	}
	return 0;
}

int cm_azure_query_is_sas(const char *query)
{
	return has_param(query, "sig") && has_param(query, "sv");
}

static int copy_part(const char *s, size_t n, char *out, size_t out_size)
{
	if (n == 0 || n >= out_size)
		return -EINVAL;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

int cm_azure_url_account(const struct cm_url *url, char *out, size_t out_size)
{
	const char *p = url->path + 1, *slash;
	int r;

	if (url->path[0] != '/')
		return -EINVAL;
	if (cm_azure_host_is_blob(url->host)) {
		r = copy_part(url->host, strcspn(url->host, "."), out, out_size);
	} else {
		r = copy_part(p, strcspn(p, "/"), out, out_size);
		p += strcspn(p, "/");
		if (*p == '/')
			p++;
	}
	if (r < 0)
		return r;
	/* then CONTAINER/BLOB, neither empty */
	slash = strchr(p, '/');
	return slash && slash > p && slash[1] ? 0 : -EINVAL;
}

/* "x-ms-name: value" -> lowercase name and the value's start. */
static int split_header(const char *h, size_t *name_len, const char **value)
{
	const char *colon = strchr(h, ':');

	if (!colon || strncasecmp(h, "x-ms-", 5) != 0)
		return -EINVAL;
	*name_len = (size_t)(colon - h);
	*value = colon + 1;
	while (**value == ' ')
		(*value)++;
	return 0;
}

static int header_cmp(const char *a, const char *b)
{
	size_t na = strcspn(a, ":"), nb = strcspn(b, ":");
	int c = strncasecmp(a, b, na < nb ? na : nb);

	return c ? c : (na > nb) - (na < nb);
}

static int add_canonical_headers(const char *const *x_ms, struct cm_buf *out)
{
	const char *sorted[X_MS_MAX], *t, *value;
	size_t n = 0, i, j, name_len;

	for (; x_ms && x_ms[n]; n++)
		if (n == X_MS_MAX)
			return -EINVAL;
	memcpy(sorted, x_ms, n * sizeof(*sorted));
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && header_cmp(sorted[j - 1], sorted[j]) > 0; j--) {
			t = sorted[j];
			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		if (split_header(sorted[i], &name_len, &value) < 0)
			return -EINVAL;
		for (j = 0; j < name_len; j++) {
			char c = (char)tolower((unsigned char)sorted[i][j]);

			if (cm_buf_add(out, &c, 1) < 0)
				return -EMSGSIZE;
		}
		if (cm_buf_printf(out, ":%s\n", value) < 0)
			return -EMSGSIZE;
	}
	return 0;
}

int cm_azure_string_to_sign(const struct cm_azure_req *q, struct cm_buf *out)
{
	char length[24] = "";
	int r;

	cm_buf_reset(out);
	/* since version 2015-02-21 a zero Content-Length is signed as "" */
	if (q->content_length)
		snprintf(length, sizeof(length), "%llu", (unsigned long long)q->content_length);
	/* VERB, Content-Encoding, -Language, -Length, -MD5, -Type, Date,
	 * If-Modified-Since, If-Match, If-None-Match, If-Unmodified-Since, Range */
	if (cm_buf_printf(out, "%s\n\n\n%s\n%s\n\n\n\n\n\n\n\n", q->method, length,
			  q->content_md5 ? q->content_md5 : "") < 0)
		return -EMSGSIZE;
	r = add_canonical_headers(q->x_ms, out);
	if (r < 0)
		return r;
	if (cm_buf_printf(out, "/%s%s", q->account, q->path) < 0)
		return -EMSGSIZE;
	if (q->comp && cm_buf_printf(out, "\ncomp:%s", q->comp) < 0)
		return -EMSGSIZE;
	return 0;
}

int cm_azure_authorization(const struct cm_azure_req *q, const unsigned char *key,
			   size_t key_len, char *out, size_t out_size)
{
	const mbedtls_md_info_t *sha256 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	unsigned char mac[32];
	char sig[CM_AZURE_SIG_MAX];
	struct cm_buf sts;
	size_t n;
	int r;

	cm_buf_init(&sts, 3 * CM_URL_MAX);
	r = cm_azure_string_to_sign(q, &sts);
	if (r == 0 && (!sha256 || mbedtls_md_hmac(sha256, key, key_len,
			(const unsigned char *)sts.data, sts.len, mac) != 0))
		r = -EINVAL;
	cm_buf_free(&sts);
	if (r < 0)
		return r;
	if (mbedtls_base64_encode((unsigned char *)sig, sizeof(sig), &n, mac, sizeof(mac)) != 0)
		return -EMSGSIZE;
	n = (size_t)snprintf(out, out_size, "SharedKey %s:%s", q->account, sig);
	return n < out_size ? 0 : -EMSGSIZE;
}

int cm_azure_key_decode(const char *b64, unsigned char *key, size_t *key_len)
{
	size_t len = strlen(b64);

	if (len == 0 || mbedtls_base64_decode(key, CM_AZURE_KEY_MAX, key_len,
					      (const unsigned char *)b64, len) != 0 ||
	    *key_len == 0)
		return -EINVAL;
	return 0;
}

int cm_azure_date(time_t t, char *out, size_t out_size)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	int n;

	if (!gmtime_r(&t, &tm))
		return -EINVAL;
	n = snprintf(out, out_size, "%s, %02d %s %04d %02d:%02d:%02d GMT",
		     days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12],
		     tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return n > 0 && (size_t)n < out_size ? 0 : -EMSGSIZE;
}

int cm_azure_md5_b64(const void *buf, size_t len, char *out, size_t out_size)
{
	unsigned char md5[16];
	size_t n;

	if (mbedtls_md5_ret(buf, len, md5) != 0 ||
	    mbedtls_base64_encode((unsigned char *)out, out_size, &n, md5, sizeof(md5)) != 0)
		return -EINVAL;
	return 0;
}
