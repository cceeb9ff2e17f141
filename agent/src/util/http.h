/* One HTTP client for every network sink (S3, GCS, Azure, plain PUT): a
 * kept-alive libcurl handle, a request from a memory body, the status, the
 * response headers and a bounded response body.  TLS is always verified
 * (util/tls.c); no redirects are followed (a storage API that redirects an
 * upload is not one we trust with the disk).
 *
 * Transport errors and the statuses a server uses for passing trouble (408,
 * 429, 5xx) are retried with backoff by cm_http_do_retry; everything else
 * is the caller's to judge.  Nothing here logs the request's headers: they
 * carry credentials. */
#ifndef CM_UTIL_HTTP_H
#define CM_UTIL_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CM_HTTP_HEADERS_MAX	(32 * 1024)	/* response headers kept */
#define CM_HTTP_BODY_MAX	(256 * 1024)	/* response body kept */
#define CM_HTTP_TIMEOUT_MS	(120 * 1000)	/* one request, 4 MiB upload incl. */
#define CM_HTTP_CONNECT_MS	(15 * 1000)
#define CM_HTTP_ATTEMPTS	6		/* first try + 5 retries */
#define CM_HTTP_STALL_S		120		/* a streamed body's idle limit */
#define CM_HTTP_UPLOAD_BUF	(512 * 1024)	/* curl's send buffer, streamed */

struct cm_http {
	void *curl;		/* CURL *, kept alive between requests */
	char why[256];		/* the last transport error, for messages */
	uint64_t sent;		/* body bytes read() gave the last request */
	int refused;		/* the last transport error will not pass by
				 * (a certificate refused, read() gave up):
				 * no retry */
};

/* A streamed request body (one PUT of a whole image): fills dst with up to
 * max bytes and returns how many, 0 at the end of the body, or
 * CM_HTTP_READ_ABORT to give the request up.  Called from inside
 * cm_http_do, as curl sends. */
#define CM_HTTP_READ_ABORT	((size_t)-1)
#define CM_HTTP_LEN_UNKNOWN	UINT64_MAX	/* chunked transfer-encoding */
typedef size_t (*cm_http_read_fn)(void *arg, char *dst, size_t max);

struct cm_http_req {
	const char *method;		/* GET PUT POST DELETE HEAD */
	const char *url;
	const char *const *headers;	/* "Name: value", NULL-terminated; may be NULL */
	const void *body;		/* NULL: no body (Content-Length: 0 on PUT/POST) */
	size_t body_len;
	long timeout_ms;		/* 0: CM_HTTP_TIMEOUT_MS */
	/* Instead of body: a streamed one of read_len bytes (or
	 * CM_HTTP_LEN_UNKNOWN), sent with "Expect: 100-continue" so that a
	 * server refusing the request says so before a byte is read.  No
	 * overall timeout (an image takes what it takes); a transfer that
	 * moves nothing for CM_HTTP_STALL_S seconds fails.  Once read() gave
	 * a byte the request is not retried: the body cannot be read again. */
	cm_http_read_fn read;
	void *read_arg;
	uint64_t read_len;
};

struct cm_http_resp {
	long status;			/* 0 when no response came */
	struct cm_buf headers;		/* raw header lines of the final response */
	struct cm_buf body;
};

/* 0 or -ENOMEM (logged with what). */
int cm_http_init(struct cm_http *h, const char *what);
void cm_http_cleanup(struct cm_http *h);

void cm_http_resp_init(struct cm_http_resp *r);
void cm_http_resp_free(struct cm_http_resp *r);

/* One request: 0 a response came (r->status says which), -EIO a transport
 * error (h->why), -EMSGSIZE the response was over its bounds.  Not logged. */
int cm_http_do(struct cm_http *h, const struct cm_http_req *q, struct cm_http_resp *r);

/* cm_http_do, again after 0.25 s, 0.5 s, ... (capped at 8 s) while the
 * transport fails or the status is 408, 429 or 5xx, CM_HTTP_ATTEMPTS times
 * at most.  Same returns; a final 5xx is returned as 0 with that status.
 * Not retried: a certificate refused (it will not be better in 8 s), a
 * streamed body that was started (h->sent > 0) or given up. */
int cm_http_do_retry(struct cm_http *h, const struct cm_http_req *q,
		     struct cm_http_resp *r);

/* The wait before retry number attempt + 1: 0.25 s, 0.5 s, ... 8 s at
 * most (for sinks that retry on their own, after a status query). */
void cm_http_backoff(int attempt);

/* Is status worth a retry (408, 429, 5xx)? */
int cm_http_status_retryable(long status);

/* The value of header name (case-insensitive) in raw response header
 * lines (the last one wins when repeated), leading and trailing blanks
 * trimmed, copied to out (NUL-terminated).  0, -ENOENT, or -EMSGSIZE when
 * it does not fit.  Pure: headers need not be NUL-terminated; fuzzed. */
int cm_http_header(const char *headers, size_t len, const char *name,
		   char *out, size_t out_size);

#endif
