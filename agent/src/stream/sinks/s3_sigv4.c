/* AWS Signature Version 4 (see s3_sigv4.h). */
#include <errno.h>
#include <mbedtls/md.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../../util/sha256.h"
#include "s3_sigv4.h"

#define SIGV4_HDRS_MAX		16
#define SIGV4_CANON_MAX		(16 * 1024)	/* a session token is < 2 KiB */

void cm_hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

void cm_sha256_hex(const void *p, size_t len, char *out)
{
	unsigned char sum[32];

	cm_sha256(p, len, sum);
	cm_hex(sum, sizeof(sum), out);
}

void cm_amz_date(long long t, char *out)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, CM_AMZ_DATE, "%Y%m%dT%H%M%SZ", &tm);
}

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
}

int cm_sigv4_uri_encode(struct cm_buf *out, const char *s, int keep_slash)
{
	char esc[4];
	int r = 0;

	for (; *s && r == 0; s++) {
		unsigned char c = (unsigned char)*s;

		if (unreserved(c) || (c == '/' && keep_slash)) {
			r = cm_buf_add(out, s, 1);
			continue;
		}
		snprintf(esc, sizeof(esc), "%%%02X", c);
		r = cm_buf_add(out, esc, 3);
	}
	return r;
}

static int hmac(const void *key, size_t key_len, const char *msg, unsigned char out[32])
{
	return mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key, key_len,
			       (const unsigned char *)msg, strlen(msg), out) ? -EINVAL : 0;
}

/* The signing key: four HMACs from "AWS4" + secret down to aws4_request. */
static int signing_key(const struct cm_sigv4_key *k, const char *date, unsigned char key[32])
{
	char first[160];
	int n = snprintf(first, sizeof(first), "AWS4%s", k->secret_key);
	int r;

	if (n < 0 || (size_t)n >= sizeof(first))
		return -EINVAL;
	r = hmac(first, (size_t)n, date, key);
	memset(first, 0, sizeof(first));
	if (r == 0)
		r = hmac(key, 32, k->region, key);
	if (r == 0)
		r = hmac(key, 32, k->service, key);
	if (r == 0)
		r = hmac(key, 32, "aws4_request", key);
	return r;
}

/* value without leading and trailing blanks */
static void trimmed(const char *v, const char **start, size_t *len)
{
	size_t n;

	while (*v == ' ' || *v == '\t')
		v++;
	n = strlen(v);
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	*start = v;
	*len = n;
}

/* headers in name order (insertion sort: a handful of them) */
static int sort_headers(const struct cm_sigv4_req *q, const struct cm_sigv4_hdr **sorted)
{
	size_t i, j;

	if (q->n_hdrs > SIGV4_HDRS_MAX)
		return -EINVAL;
	for (i = 0; i < q->n_hdrs; i++) {
		for (j = i; j > 0 && strcmp(sorted[j - 1]->name, q->hdrs[i].name) > 0; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = &q->hdrs[i];
	}
	return 0;
}

static int signed_names(struct cm_buf *b, const struct cm_sigv4_hdr **h, size_t n)
{
	size_t i;
	int r = 0;

	for (i = 0; i < n && r == 0; i++)
		r = cm_buf_printf(b, "%s%s", i ? ";" : "", h[i]->name);
	return r;
}

static int canonical_request(struct cm_buf *b, const struct cm_sigv4_req *q,
			     const struct cm_sigv4_hdr **h, const char *names)
{
	const char *v;
	size_t i, n;
	int r = cm_buf_printf(b, "%s\n%s\n%s\n", q->method, q->uri, q->query);

	for (i = 0; i < q->n_hdrs && r == 0; i++) {
		trimmed(h[i]->value, &v, &n);
		r = cm_buf_printf(b, "%s:%.*s\n", h[i]->name, (int)n, v);
	}
	if (r == 0)
		r = cm_buf_printf(b, "\n%s\n%s", names, q->payload_sha256);
	return r;
}

static int valid_date(const char *d)
{
	size_t i;

	if (strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
		return 0;
	for (i = 0; i < 15; i++)
		if (i != 8 && (d[i] < '0' || d[i] > '9'))
			return 0;
	return 1;
}

static int sign(const struct cm_sigv4_key *k, const struct cm_sigv4_req *q,
		const char *canon, const char *names, char *out, size_t out_size)
{
	char date[9], canon_hash[CM_SHA256_HEX], sts[256], sig[CM_SHA256_HEX];
	unsigned char key[32], mac[32];
	int n, r;

	memcpy(date, q->amz_date, 8);
	date[8] = '\0';
	cm_sha256_hex(canon, strlen(canon), canon_hash);
	n = snprintf(sts, sizeof(sts), "AWS4-HMAC-SHA256\n%s\n%s/%s/%s/aws4_request\n%s",
		     q->amz_date, date, k->region, k->service, canon_hash);
	if (n < 0 || (size_t)n >= sizeof(sts))
		return -EINVAL;
	r = signing_key(k, date, key);
	if (r == 0)
		r = hmac(key, sizeof(key), sts, mac);
	memset(key, 0, sizeof(key));
	if (r < 0)
		return r;
	cm_hex(mac, sizeof(mac), sig);
	n = snprintf(out, out_size, "AWS4-HMAC-SHA256 Credential=%s/%s/%s/%s/aws4_request, "
		     "SignedHeaders=%s, Signature=%s", k->access_key, date, k->region,
		     k->service, names, sig);
	return n < 0 || (size_t)n >= out_size ? -EMSGSIZE : 0;
}

int cm_sigv4_authorization(const struct cm_sigv4_key *k, const struct cm_sigv4_req *q,
			   char *out, size_t out_size)
{
	const struct cm_sigv4_hdr *sorted[SIGV4_HDRS_MAX];
	struct cm_buf names, canon;
	int r;

	if (!valid_date(q->amz_date))
		return -EINVAL;
	r = sort_headers(q, sorted);
	if (r < 0)
		return r;
	cm_buf_init(&names, 1024);
	cm_buf_init(&canon, SIGV4_CANON_MAX);
	r = signed_names(&names, sorted, q->n_hdrs);
	if (r == 0)
		r = canonical_request(&canon, q, sorted, names.data ? names.data : "");
	if (r == 0)
		r = sign(k, q, canon.data, names.data ? names.data : "", out, out_size);
	cm_buf_free(&names);
	cm_buf_free(&canon);
	return r;
}

const char *cm_sigv4_token(struct cm_sigv4_req *q, struct cm_sigv4_hdr *sh,
			   const char *token, char *line, size_t size)
{
	if (!token || !token[0])
		return NULL;
	sh[q->n_hdrs++] = (struct cm_sigv4_hdr){ "x-amz-security-token", token };
	snprintf(line, size, "x-amz-security-token: %s", token);
	return line;
}

int cm_sigv4_auth_line(const struct cm_sigv4_key *k, const struct cm_sigv4_req *q,
		       char *line, size_t size)
{
	static const char name[] = "Authorization: ";
	const size_t n = sizeof(name) - 1;
	int r;

	if (size <= n)
		return -EMSGSIZE;
	r = cm_sigv4_authorization(k, q, line + n, size - n);
	memcpy(line, name, n);
	return r;
}
