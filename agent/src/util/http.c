/* The sinks' HTTP client over libcurl (see http.h). */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../log.h"
#include "http.h"
#include "tls.h"

int cm_http_init(struct cm_http *h, const char *what)
{
	memset(h, 0, sizeof(*h));
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return cm_err(-ENOMEM, "%s: libcurl", what);
	h->curl = curl_easy_init();
	if (!h->curl)
		return cm_err(-ENOMEM, "%s: libcurl", what);
	return 0;
}

void cm_http_cleanup(struct cm_http *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	h->curl = NULL;
}

void cm_http_resp_init(struct cm_http_resp *r)
{
	r->status = 0;
	cm_buf_init(&r->headers, CM_HTTP_HEADERS_MAX);
	cm_buf_init(&r->body, CM_HTTP_BODY_MAX);
}

void cm_http_resp_free(struct cm_http_resp *r)
{
	cm_buf_free(&r->headers);
	cm_buf_free(&r->body);
}

static size_t on_body(char *p, size_t size, size_t n, void *u)
{
	return cm_buf_add(u, p, size * n) == 0 ? size * n : 0;
}

/* curl hands over the headers of every response (100 Continue, then the
 * final one): a status line starts a response, so only the last is kept. */
static size_t on_header(char *p, size_t size, size_t n, void *u)
{
	struct cm_buf *b = u;

	if (size * n >= 5 && memcmp(p, "HTTP/", 5) == 0)
		cm_buf_reset(b);
	return cm_buf_add(b, p, size * n) == 0 ? size * n : 0;
}

struct upload {
	const char *p;
	size_t left;
	const struct cm_http_req *q;	/* a streamed body: q->read */
	struct cm_http *h;
};

static size_t on_read(char *dst, size_t size, size_t n, void *u)
{
	struct upload *up = u;
	size_t k;

	if (up->q->read) {
		k = up->q->read(up->q->read_arg, dst, size * n);
		if (k == CM_HTTP_READ_ABORT)
			return CURL_READFUNC_ABORT;
		up->h->sent += k;
		return k;
	}
	k = size * n < up->left ? size * n : up->left;
	memcpy(dst, up->p, k);
	up->p += k;
	up->left -= k;
	return k;
}

/* A retried request sends its body again from the start. */
static int on_seek(void *u, curl_off_t off, int origin)
{
	struct upload *up = u;

	(void)up;
	(void)off;
	(void)origin;
	return CURL_SEEKFUNC_CANTSEEK;
}

static struct curl_slist *header_list(const struct cm_http_req *q)
{
	/* a memory body goes at once; a streamed one waits for the server's
	 * 100 Continue (or curl's 1 s), so a refusal comes before the body */
	struct curl_slist *l = curl_slist_append(NULL, q->read ? "Expect: 100-continue" :
						 "Expect:"), *l2;
	size_t i;

	for (i = 0; l && q->headers && q->headers[i]; i++) {
		l2 = curl_slist_append(l, q->headers[i]);
		if (!l2) {
			curl_slist_free_all(l);
			return NULL;
		}
		l = l2;
	}
	return l;
}

static void set_body(CURL *c, const struct cm_http_req *q, struct upload *up)
{
	int has_body = strcmp(q->method, "PUT") == 0 || strcmp(q->method, "POST") == 0;

	if (!has_body)
		return;
	up->p = q->body ? q->body : "";
	up->left = q->body ? q->body_len : 0;
	if (q->read) {
		/* -1: chunked transfer-encoding (HTTP/1.1) */
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, q->read_len == CM_HTTP_LEN_UNKNOWN ?
				 (curl_off_t)-1 : (curl_off_t)q->read_len);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 0L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)CM_HTTP_STALL_S);
		curl_easy_setopt(c, CURLOPT_UPLOAD_BUFFERSIZE, (long)CM_HTTP_UPLOAD_BUF);
	} else {
		curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up->left);
	}
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c, CURLOPT_READDATA, up);
	curl_easy_setopt(c, CURLOPT_SEEKFUNCTION, on_seek);
	curl_easy_setopt(c, CURLOPT_SEEKDATA, up);
}

static void set_common(CURL *c, const struct cm_http_req *q, struct cm_http_resp *r,
		       struct curl_slist *hl)
{
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, q->url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
	if (strcmp(q->method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r->headers);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, q->timeout_ms ? q->timeout_ms : CM_HTTP_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)CM_HTTP_CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cloudmove/" CM_VERSION);
	cm_tls_setup(c);
}

/* What trying again will not get over: the peer's certificate, our CA
 * bundle, a streamed body's read() that gave up. */
static int refused(CURLcode cc)
{
	return cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
	       cc == CURLE_SSL_ISSUER_ERROR || cc == CURLE_ABORTED_BY_CALLBACK;
}

int cm_http_do(struct cm_http *h, const struct cm_http_req *q, struct cm_http_resp *r)
{
	struct curl_slist *hl = header_list(q);
	struct upload up = { .q = q, .h = h };
	char err[CURL_ERROR_SIZE] = "";
	CURLcode cc;

	h->sent = 0;
	h->refused = 0;
	r->status = 0;
	cm_buf_reset(&r->headers);
	cm_buf_reset(&r->body);
	if (!hl) {
		snprintf(h->why, sizeof(h->why), "out of memory");
		return -EIO;
	}
	set_common(h->curl, q, r, hl);
	/* curl's own words say which check failed (expired, another name) */
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, err);
	set_body(h->curl, q, &up);
	cc = curl_easy_perform(h->curl);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &r->status);
	curl_slist_free_all(hl);
	if (cc == CURLE_WRITE_ERROR && r->status)
		return -EMSGSIZE;
	if (cc != CURLE_OK) {
		snprintf(h->why, sizeof(h->why), "%s", err[0] ? err : curl_easy_strerror(cc));
		h->refused = refused(cc);
		return -EIO;
	}
	return 0;
}

int cm_http_status_retryable(long status)
{
	return status == 408 || status == 429 || status >= 500;
}

void cm_http_backoff(int attempt)
{
	long ms = 250L << (attempt < 5 ? attempt : 5);
	struct timespec ts;

	if (ms > 8000)
		ms = 8000;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

int cm_http_do_retry(struct cm_http *h, const struct cm_http_req *q,
		     struct cm_http_resp *r)
{
	int attempt, rc = -EIO;

	for (attempt = 0; attempt < CM_HTTP_ATTEMPTS; attempt++) {
		if (attempt) {
			/* not the URL: a SAS URL carries its signature */
			cm_debug("http: %s: %s, retrying", q->method,
				 rc < 0 ? h->why : "server busy");
			cm_http_backoff(attempt - 1);
		}
		rc = cm_http_do(h, q, r);
		if (rc == -EMSGSIZE || h->refused || (q->read && h->sent))
			return rc;
		if (rc == 0 && !cm_http_status_retryable(r->status))
			return 0;
	}
	return rc;
}
