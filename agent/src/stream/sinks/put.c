/* http://HOST/PATH, https://... — the image as the body of one PUT, for a
 * plain web server or anything that takes a PUT of a whole object (a
 * presigned URL).  Content-Length is the image's size when it is known
 * (raw, vhd); a gce archive, whose size comes out of the compressor, goes
 * with chunked transfer-encoding.  Optional "Authorization:" from the creds
 * file (http_authorization).
 *
 * The encoder pushes (write/skip) and curl pulls (a read callback), so the
 * request runs on a thread of its own and the two meet at one hand-over:
 * write() offers its buffer and waits until curl has copied all of it.
 * Nothing is buffered here beyond curl's send buffer; a zero range is
 * memset straight into curl's buffer (the source is never read for it).
 *
 * No resume (no CM_SINK_RESUME): a plain PUT stores all or nothing, and a
 * server gives no way to ask what it holds.  A refusal before the body
 * (the request goes with Expect: 100-continue) is retried like any other
 * request; once the body started, a failure ends the stream (exit 1), and
 * what the server kept of a partial upload is its business: no DELETE is
 * sent, the server did not say it stored anything. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../log.h"
#include "../../util/http.h"
#include "../creds.h"
#include "../stream.h"
#include "sink.h"

#define AUTH_MAX	(CM_CREDS_VALUE_MAX + 32)
#define PUT_STACK	(512 * 1024)

struct put_sink {
	struct cm_http http;
	char where[CM_URL_MAX];		/* the URL without its query, for messages */
	char auth[AUTH_MAX];		/* "Authorization: ..." or "" (a secret) */
	const char *headers[2];
	struct cm_http_req req;
	uint64_t pos;			/* the next image offset to send */

	pthread_t thread;
	int started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	/* the hand-over, under lock */
	const char *data;		/* NULL: zeros */
	uint64_t left;			/* bytes offered, not yet taken */
	int eof;			/* the image is all offered */
	int cancel;			/* abort(): give the request up */
	int done;			/* the request ended: rc, status */
	int rc;
	long status;
};

/* --- the curl thread --------------------------------------------------- */

/* curl wants up to max bytes: wait for an offer, take what fits. */
static size_t put_read(void *arg, char *dst, size_t max)
{
	struct put_sink *p = arg;
	size_t k;

	pthread_mutex_lock(&p->lock);
	while (!p->left && !p->eof && !p->cancel)
		pthread_cond_wait(&p->cond, &p->lock);
	if (p->cancel) {
		pthread_mutex_unlock(&p->lock);
		return CM_HTTP_READ_ABORT;
	}
	k = p->left < max ? (size_t)p->left : max;
	if (p->data) {
		memcpy(dst, p->data, k);
		p->data += k;
	} else {
		memset(dst, 0, k);
	}
	p->left -= k;
	if (!p->left)
		pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return k;
}

static void *put_thread(void *arg)
{
	struct put_sink *p = arg;
	struct cm_http_resp resp;
	int rc;

	cm_http_resp_init(&resp);
	rc = cm_http_do_retry(&p->http, &p->req, &resp);
	pthread_mutex_lock(&p->lock);
	p->rc = rc;
	p->status = resp.status;
	p->done = 1;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	cm_http_resp_free(&resp);
	return NULL;
}

/* --- the encoder's side ------------------------------------------------ */

static void put_free(struct cm_sink *s);

/* How the request ended, logged once: 0 (2xx) or -errno. */
static int put_result(struct cm_sink *s)
{
	struct put_sink *p = s->priv;
	unsigned long long sent = (unsigned long long)p->http.sent;

	if (p->rc < 0 && p->http.refused && !p->cancel)
		cm_log(CM_LOG_ERR, "dest %s: TLS: %s", p->where, p->http.why);
	else if (p->rc < 0 && p->http.sent)
		cm_log(CM_LOG_ERR, "dest %s: PUT failed after %llu bytes: %s (a plain PUT "
		       "cannot resume)", p->where, sent, p->http.why);
	else if (p->rc < 0)
		cm_log(CM_LOG_ERR, "dest %s: %s", p->where, p->http.why);
	if (p->rc < 0)
		return -EIO;
	if (p->status >= 200 && p->status < 300)
		return 0;
	cm_log(CM_LOG_ERR, "dest %s: the server answered HTTP %ld%s", p->where, p->status,
	       p->http.sent ? " to the upload" : " before the upload");
	if (p->status == 401 || p->status == 403)
		return -EACCES;
	return cm_http_status_retryable(p->status) ? -EIO : -EPROTO;
}

/* The request ended while the body was still being offered. */
static int put_early(struct cm_sink *s)
{
	struct put_sink *p = s->priv;
	int r = put_result(s);

	if (r < 0)
		return r;
	cm_log(CM_LOG_ERR, "dest %s: the server answered HTTP %ld before the end of "
	       "the image", p->where, p->status);
	return -EPROTO;
}

/* Hands [data, data+len) (NULL: zeros) to the curl thread and waits until
 * it took all of it or the request ended. */
static int offer(struct cm_sink *s, const char *data, uint64_t len)
{
	struct put_sink *p = s->priv;
	int taken;

	pthread_mutex_lock(&p->lock);
	p->data = data;
	p->left = len;
	pthread_cond_broadcast(&p->cond);
	while (p->left && !p->done)
		pthread_cond_wait(&p->cond, &p->lock);
	/* the request may well have ended just after taking the last bytes:
	 * only what was not taken is the server's answer coming early */
	taken = !p->left;
	p->left = 0;
	pthread_mutex_unlock(&p->lock);
	if (!taken)	/* before the end of the body: refused or cut */
		return put_early(s);
	p->pos += len;
	return 0;
}

/* A byte stream has no holes: a gap before off is zeros. */
static int advance_to(struct cm_sink *s, uint64_t off)
{
	struct put_sink *p = s->priv;

	if (off < p->pos)
		return cm_err(-EINVAL, "dest %s: offset %llu after %llu (a PUT only goes "
			      "forward)", p->where, (unsigned long long)off,
			      (unsigned long long)p->pos);
	return off > p->pos ? offer(s, NULL, off - p->pos) : 0;
}

static int put_write(struct cm_sink *s, uint64_t off, const void *buf, size_t len)
{
	int r = advance_to(s, off);

	return r < 0 ? r : offer(s, buf, len);
}

static int put_skip(struct cm_sink *s, uint64_t off, uint64_t len)
{
	int r = advance_to(s, off);

	return r < 0 ? r : offer(s, NULL, len);
}

/* Ends the body (padded with zeros to the announced size) and waits for
 * the server's answer. */
static int put_finish(struct cm_sink *s)
{
	struct put_sink *p = s->priv;
	int r = 0;

	if (s->size != CM_SIZE_UNKNOWN)
		r = advance_to(s, s->size);
	if (r < 0)
		return r;
	pthread_mutex_lock(&p->lock);
	p->eof = 1;
	pthread_cond_broadcast(&p->cond);
	while (!p->done)
		pthread_cond_wait(&p->cond, &p->lock);
	pthread_mutex_unlock(&p->lock);
	r = put_result(s);
	if (r == 0)
		put_free(s);
	return r;
}

/* --- open / close ------------------------------------------------------ */

static void put_free(struct cm_sink *s)
{
	struct put_sink *p = s->priv;

	if (!p)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->lock);
		p->cancel = 1;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->cond);
	cm_http_cleanup(&p->http);
	explicit_bzero(p->auth, sizeof(p->auth));
	free(p);
	s->priv = NULL;
}

/* The upload is the server's business once it failed: nothing to delete
 * that the server said it stored (see the top of the file). */
static void put_abort(struct cm_sink *s)
{
	put_free(s);
}

/* "Authorization: VALUE" from the creds file's http_authorization, if any. */
static int load_auth(struct cm_sink *s, struct put_sink *p)
{
	struct cm_creds *c;
	int r = 0;

	if (!s->creds)
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return cm_err(-ENOMEM, "dest %s", p->where);
	r = cm_creds_load(s->creds, c);
	if (r == 0 && c->http_authorization[0])
		snprintf(p->auth, sizeof(p->auth), "Authorization: %s", c->http_authorization);
	else if (r == 0)	/* one file may serve several clouds */
		cm_debug("dest %s: %s has no http_authorization; sending none", p->where,
			 s->creds);
	cm_creds_wipe(c);
	free(c);
	return r;
}

/* curl (TLS handshake included) on a thread: more stack than musl's
 * default 128 KiB, to be safe. */
static int start_thread(struct put_sink *p)
{
	pthread_attr_t attr;
	int r;

	r = pthread_attr_init(&attr);
	if (r)
		return r;
	r = pthread_attr_setstacksize(&attr, PUT_STACK);
	if (r == 0)
		r = pthread_create(&p->thread, &attr, put_thread, p);
	pthread_attr_destroy(&attr);
	return r;
}

static int put_open(struct cm_sink *s, const struct cm_stream_state *resume)
{
	struct put_sink *p;
	int r;

	if (resume)
		return cm_err(-EOPNOTSUPP, "dest %s: resume", s->dest);
	p = calloc(1, sizeof(*p));
	if (!p)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	s->priv = p;
	/* a presigned URL carries its signature in the query */
	snprintf(p->where, sizeof(p->where), "%.*s", (int)strcspn(s->dest, "?"), s->dest);
	r = load_auth(s, p);
	if (r < 0)
		return r;
	r = cm_http_init(&p->http, p->where);
	if (r < 0)
		return r;
	p->headers[0] = p->auth[0] ? p->auth : NULL;
	p->req = (struct cm_http_req){
		.method = "PUT", .url = s->dest, .headers = p->headers,
		.read = put_read, .read_arg = p,
		.read_len = s->size == CM_SIZE_UNKNOWN ? CM_HTTP_LEN_UNKNOWN : s->size,
	};
	/* the request starts now: a refusal (403, a bad certificate) is seen
	 * before the source is read */
	r = start_thread(p);
	if (r)
		return cm_err(-r, "dest %s: thread", p->where);
	p->started = 1;
	return 0;
}

const struct cm_sink_ops cm_sink_put = {
	.scheme = "http",
	.caps   = 0,
	.open   = put_open,
	.write  = put_write,
	.skip   = put_skip,
	.finish = put_finish,
	.abort  = put_abort,
};
