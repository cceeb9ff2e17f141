/* ebs://REGION[?endpoint=http(s)://HOST[:PORT]] — the disk written straight
 * into a new EBS snapshot through the EBS direct APIs (Amazon EBS API
 * reference, 2019-11-02: StartSnapshot, PutSnapshotBlock,
 * ListSnapshotBlocks, CompleteSnapshot): no S3 bucket, no vmimport role.
 * The result is named "ebs://REGION/snap-ID" (the done event's dest), what
 * `cloudmove launch` registers as an AMI.
 *
 * StartSnapshot asks for the image's size in GiB, rounded up (EBS volumes
 * come in whole GiB), with a random ClientToken (a retried request does not
 * make a second snapshot) and a Timeout of EBS_TIMEOUT_MIN minutes.  The
 * disk goes in 512 KiB blocks (EBS's only block size): each block that
 * holds a non-zero byte is sent with PutSnapshotBlock and its SHA-256
 * (x-amz-Checksum, base64; EBS checks it, the body itself is not in the
 * SigV4 signature: x-amz-content-sha256 is UNSIGNED-PAYLOAD, as the SDKs
 * send it); blocks of zeros are never sent: an unwritten block of a new
 * snapshot reads as zeros, so the sink is sparse.  CompleteSnapshot says
 * how many blocks were written (x-amz-ChangedBlocksCount), which EBS
 * checks.  EBS_WORKERS blocks are in flight at once, each thread on its
 * own kept-alive connection (one PutSnapshotBlock is a round trip: in
 * series the latency, not the link, would set the pace), while the next
 * block fills: 5 buffers of 512 KiB.
 *
 * Resume: the state file keeps "ebs snap=ID" and the offset below which
 * every non-zero block is stored (the lowest block in flight);
 * --resume continues from there, asks ListSnapshotBlocks what the
 * snapshot holds and never sends a block it lists (blocks go in parallel,
 * so some above that offset may be there already), counting the listed
 * blocks for CompleteSnapshot.
 *
 * Abort: EBS direct has no call that deletes a snapshot, and a pending one
 * is not an image: it is never completed, and EBS cancels it (status
 * "error") once the Timeout passes without it being completed — nothing
 * that claims to be the image is left.  The Timeout (24 h) is the window
 * for --resume, too.
 *
 * Delta (--delta-map, a map that matches): the new snapshot is a child of
 * the one the map names (StartSnapshot's ParentSnapshotId): it holds the
 * parent's blocks until overwritten, so only the changed blocks are put,
 * and a block that became zero is put as zeros (left out, the parent's
 * would show through).  CompleteSnapshot counts the blocks put in this
 * snapshot.  The map's identity is the snapshot's id; it matches while
 * ListSnapshotBlocks still answers for it (deleted: a full stream).  The
 * parent is never changed: a delta run that fails leaves the map good. */
#include <errno.h>
#include <json-c/json.h>
#include <mbedtls/base64.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../json.h"
#include "../../log.h"
#include "../../record/move.h"
#include "../../util/http.h"
#include "../../util/sha256.h"
#include "../creds.h"
#include "../stream.h"
#include "s3_sigv4.h"
#include "sink.h"

#define EBS_BLOCK		(512 * 1024)
#define EBS_GiB			(1024ULL * 1024 * 1024)
#define EBS_MAX_GiB		65536			/* EBS's largest snapshot */
#define EBS_TIMEOUT_MIN		1440			/* pending -> cancelled after */
#define EBS_CHECKPOINT_EVERY	256			/* blocks (128 MiB) */
#define EBS_HOST_MAX		(CM_URL_HOST_MAX + 64)
#define EBS_SNAP_MAX		128
#define EBS_WORKERS		4			/* blocks in flight */

struct ebs_sink;

/* A thread that sends one block at a time from its own buffer. */
struct ebs_worker {
	struct cm_sink *s;
	struct cm_http http;
	pthread_t thread;
	int started;
	int busy;			/* a block is given, not yet answered */
	uint64_t index;
	unsigned char *buf;
};

struct ebs_sink {
	struct cm_http http;		/* StartSnapshot, List, Complete */
	struct cm_creds *creds;
	char region[CM_URL_HOST_MAX];
	char base[EBS_HOST_MAX + 16];		/* scheme://host[:port] */
	char host[EBS_HOST_MAX];		/* the Host header */
	char snap[EBS_SNAP_MAX];		/* "" until StartSnapshot */
	unsigned char *block;			/* the block being filled */
	size_t fill;
	int dirty;				/* bytes came from the source */
	int must;				/* delta: sent even if zero */
	int delta;				/* a child of s->prev_id */
	uint64_t block_no;			/* its index */
	uint64_t nblocks;			/* in the volume */
	uint64_t changed;			/* blocks in the snapshot */
	uint64_t since_checkpoint;
	unsigned char *listed;			/* resume: a bit per block stored */
	struct ebs_worker workers[EBS_WORKERS];
	pthread_mutex_t lock;
	pthread_cond_t cond;			/* a worker's state changed */
	int quit;
	int error;				/* the first block that failed */
};

/* --- requests ------------------------------------------------------------- */

struct ebs_call {
	const char *what;		/* the API's name, for messages */
	const char *method;
	const char *uri;		/* canonical (no escapes needed: ids) */
	const char *query;		/* canonical or "" */
	const void *body;
	size_t len;
	int unsigned_body;		/* PutSnapshotBlock */
	const char *extra[4];		/* more "Name: value" headers, unsigned */
};

struct ebs_headers {
	char host[EBS_HOST_MAX + 8];
	char date[48], sha[96], auth[CM_SIGV4_AUTH_MAX + 16];
	char token[CM_CREDS_VALUE_MAX + 32];
	const char *list[12];
};

static int sign_call(struct ebs_sink *f, const struct ebs_call *c, struct ebs_headers *h)
{
	char amz_date[CM_AMZ_DATE], sum[CM_SHA256_HEX];
	struct cm_sigv4_hdr sh[4];
	const struct cm_sigv4_key key = { f->creds->aws_access_key_id,
					  f->creds->aws_secret_access_key, f->region, "ebs" };
	struct cm_sigv4_req q = { c->method, c->uri, c->query, sh, 0, sum, amz_date };
	size_t n = 0, i;
	int r;

	cm_amz_date((long long)time(NULL), amz_date);
	if (c->unsigned_body)
		snprintf(sum, sizeof(sum), "UNSIGNED-PAYLOAD");
	else
		cm_sha256_hex(c->body ? c->body : "", c->body ? c->len : 0, sum);
	sh[q.n_hdrs++] = (struct cm_sigv4_hdr){ "host", f->host };
	sh[q.n_hdrs++] = (struct cm_sigv4_hdr){ "x-amz-content-sha256", sum };
	sh[q.n_hdrs++] = (struct cm_sigv4_hdr){ "x-amz-date", amz_date };
	snprintf(h->host, sizeof(h->host), "Host: %s", f->host);
	snprintf(h->date, sizeof(h->date), "x-amz-date: %s", amz_date);
	snprintf(h->sha, sizeof(h->sha), "x-amz-content-sha256: %s", sum);
	h->list[n++] = h->host;
	h->list[n++] = h->date;
	h->list[n++] = h->sha;
	if (cm_sigv4_token(&q, sh, f->creds->aws_session_token, h->token, sizeof(h->token)))
		h->list[n++] = h->token;
	for (i = 0; i < 4 && c->extra[i]; i++)
		h->list[n++] = c->extra[i];
	r = cm_sigv4_auth_line(&key, &q, h->auth, sizeof(h->auth));
	h->list[n++] = h->auth;
	h->list[n] = NULL;
	return r;
}

/* One signed request, retried on transport errors and 5xx by http.c.
 * 0: a response came (resp->status), else -errno (logged). */
static int ebs_call(struct cm_sink *s, struct cm_http *http, const struct ebs_call *c,
		    struct cm_http_resp *resp)
{
	struct ebs_sink *f = s->priv;
	struct ebs_headers *h = calloc(1, sizeof(*h));
	char url[EBS_HOST_MAX + 512];
	struct cm_http_req q = { 0 };
	int r, n;

	if (!h)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	r = sign_call(f, c, h);
	n = snprintf(url, sizeof(url), "%s%s%s%s", f->base, c->uri, c->query[0] ? "?" : "",
		     c->query);
	if (r < 0 || n < 0 || (size_t)n >= sizeof(url)) {
		free(h);
		return cm_err(-EMSGSIZE, "dest %s: %s: signing", s->dest, c->what);
	}
	q.method = c->method;
	q.url = url;
	q.headers = h->list;
	q.body = c->body;
	q.body_len = c->len;
	q.timeout_ms = 60 * 1000 + (long)(c->len / 128);
	r = cm_http_do_retry(http, &q, resp);
	explicit_bzero(h, sizeof(*h));
	free(h);
	if (r == -EMSGSIZE)
		return cm_err(-EPROTO, "dest %s: %s: response too large", s->dest, c->what);
	if (r < 0)
		return cm_err(-EIO, "dest %s: %s: %s", s->dest, c->what, http->why);
	return 0;
}

/* The answer as JSON (NULL when it is not). */
static struct json_object *answer_json(const struct cm_http_resp *resp)
{
	struct json_object *root = NULL;

	if (!resp->body.data || cm_json_parse(resp->body.data, resp->body.len,
					      CM_HTTP_BODY_MAX, &root) < 0)
		return NULL;
	return root;
}

/* A refusal, logged with the API's own words ("dest URL: PutSnapshotBlock:
 * HTTP 400 ValidationException (INVALID_CHECKSUM): ..."), mapped to -EIO
 * (passing trouble, resumable), -EACCES, -ENOENT, -EDQUOT or -EPROTO. */
static int ebs_error(struct cm_sink *s, const char *what, const struct cm_http_resp *resp)
{
	char type[96] = "", msg[256] = "", reason[64] = "";
	struct json_object *root = answer_json(resp);
	int e = resp->status >= 500 ? -EIO : resp->status == 403 ? -EACCES :
		resp->status == 404 ? -ENOENT : resp->status == 402 ? -EDQUOT : -EPROTO;

	if (resp->headers.data)
		cm_http_header(resp->headers.data, resp->headers.len, "x-amzn-ErrorType",
			       type, sizeof(type));
	type[strcspn(type, ":")] = '\0';
	if (root) {
		if (cm_json_get_text(root, "message", msg, sizeof(msg)) < 0)
			cm_json_get_text(root, "Message", msg, sizeof(msg));
		cm_json_get_text(root, "Reason", reason, sizeof(reason));
		json_object_put(root);
	}
	if (!strcmp(type, "RequestThrottledException"))
		e = -EIO;
	cm_log(CM_LOG_ERR, "dest %s: %s: HTTP %ld%s%s%s%s%s%s%s", s->dest, what, resp->status,
	       type[0] ? " " : "", type, reason[0] ? " (" : "", reason, reason[0] ? ")" : "",
	       msg[0] ? ": " : "", msg);
	return e;
}

/* --- opening ---------------------------------------------------------------- */

/* http(s)://HOST[:PORT][/]: base URL and Host header (the default port
 * left out, as curl leaves it out). */
static int set_endpoint(struct cm_sink *s, struct ebs_sink *f, const char *ep)
{
	int https = !strncmp(ep, "https://", 8);
	const char *hp = ep + (https ? 8 : 7);
	size_t n = strcspn(hp, "/?#");
	const char *dflt = https ? ":443" : ":80";

	if ((!https && strncmp(ep, "http://", 7)) || n == 0 || n >= EBS_HOST_MAX ||
	    (hp[n] && strcmp(hp + n, "/")))
		return cm_err(-EINVAL, "dest %s: endpoint must be http(s)://HOST[:PORT]", s->dest);
	snprintf(f->base, sizeof(f->base), "%s://%.*s", https ? "https" : "http", (int)n, hp);
	if (n > strlen(dflt) && !strncmp(hp + n - strlen(dflt), dflt, strlen(dflt)))
		n -= strlen(dflt);
	snprintf(f->host, sizeof(f->host), "%.*s", (int)n, hp);
	return 0;
}

static int set_address(struct cm_sink *s, struct ebs_sink *f)
{
	char endpoint[CM_URL_MAX] = "";
	const char *q = s->url->query;
	int r;

	if (s->url->path[0])
		return cm_err(-EINVAL, "dest %s: ebs://REGION makes a new snapshot; "
			      "it takes no snapshot id", s->dest);
	r = cm_url_query_param(q, "endpoint", endpoint, sizeof(endpoint));
	if (r < 0 || (q[0] && (r == 0 || strchr(q, '&'))))
		return cm_err(-EINVAL, "dest %s: bad query (only endpoint=URL)", s->dest);
	snprintf(f->region, sizeof(f->region), "%s", s->url->host);
	if (endpoint[0])
		return set_endpoint(s, f, endpoint);
	snprintf(f->host, sizeof(f->host), "ebs.%s.amazonaws.com", f->region);
	snprintf(f->base, sizeof(f->base), "https://%s", f->host);
	return 0;
}

static int load_creds(struct cm_sink *s, struct ebs_sink *f)
{
	int r;

	if (!s->creds)
		return cm_err(-EACCES, "dest %s: no credentials (--creds FILE with "
			      "aws_access_key_id and aws_secret_access_key)", s->dest);
	f->creds = calloc(1, sizeof(*f->creds));
	if (!f->creds)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	r = cm_creds_load(s->creds, f->creds);
	if (r < 0)
		return r;
	if (!f->creds->aws_access_key_id[0] || !f->creds->aws_secret_access_key[0])
		return cm_err(-EACCES, "dest %s: %s has no aws_access_key_id and "
			      "aws_secret_access_key", s->dest, s->creds);
	return 0;
}

static int start_snapshot(struct cm_sink *s, struct ebs_sink *f)
{
	uint64_t gib = (s->size + EBS_GiB - 1) / EBS_GiB;
	char body[512 + EBS_SNAP_MAX], token[33], parent[EBS_SNAP_MAX + 32] = "";
	const char *ctype = "Content-Type: application/json";
	struct ebs_call c = { "StartSnapshot", "POST", "/snapshots", "", body, 0, 0,
			      { ctype, NULL } };
	struct cm_http_resp resp;
	struct json_object *root;
	int n, r;

	if (gib == 0)
		gib = 1;
	if (gib > EBS_MAX_GiB)
		return cm_err(-EFBIG, "dest %s: %llu GiB is over EBS's %d GiB", s->dest,
			      (unsigned long long)gib, EBS_MAX_GiB);
	r = cm_move_id_new(token, sizeof(token));	/* 128 random bits, hex */
	if (r < 0)
		return cm_err(r, "dest %s: StartSnapshot: a client token", s->dest);
	if (f->delta)
		snprintf(parent, sizeof(parent), "\"ParentSnapshotId\":\"%s\",", s->prev_id + 4);
	n = snprintf(body, sizeof(body), "{\"VolumeSize\":%llu,%s\"ClientToken\":\"%s\","
		     "\"Timeout\":%d,\"Description\":\"cloudmove image (not the image until "
		     "completed)\"}", (unsigned long long)gib, parent, token, EBS_TIMEOUT_MIN);
	c.len = (size_t)n;
	cm_http_resp_init(&resp);
	r = ebs_call(s, &f->http, &c, &resp);
	if (r == 0 && resp.status != 201 && resp.status != 200)
		r = ebs_error(s, c.what, &resp);
	if (r == 0) {
		root = answer_json(&resp);
		if (!root || cm_json_get_text(root, "SnapshotId", f->snap, sizeof(f->snap)) < 0 ||
		    strncmp(f->snap, "snap-", 5))
			r = cm_err(-EPROTO, "dest %s: StartSnapshot: no SnapshotId in the answer",
				   s->dest);
		if (root)
			json_object_put(root);
	}
	cm_http_resp_free(&resp);
	if (r == 0)
		cm_debug("ebs: snapshot %s of %llu GiB", f->snap, (unsigned long long)gib);
	return r;
}

/* --- resume --------------------------------------------------------------- */

/* One ListSnapshotBlocks page from token (or the start): the blocks it
 * lists counted, the highest kept in *top (+1), *next the next page's
 * token ("" at the end). */
static int list_page(struct cm_sink *s, struct ebs_sink *f, char *next, size_t nsize,
		     uint64_t *top)
{
	char uri[EBS_SNAP_MAX + 32], key[48], val[32];
	struct cm_buf q;
	struct ebs_call c = { "ListSnapshotBlocks", "GET", uri, NULL, NULL, 0, 0, { NULL } };
	struct cm_http_resp resp;
	struct json_object *root = NULL;
	int r, i;

	snprintf(uri, sizeof(uri), "/snapshots/%s/blocks", f->snap);
	cm_buf_init(&q, 1024);
	r = cm_buf_addstr(&q, "maxResults=10000");
	if (r == 0 && next[0]) {
		r = cm_buf_addstr(&q, "&pageToken=");
		if (r == 0)
			r = cm_sigv4_uri_encode(&q, next, 0);
	}
	if (r < 0) {
		cm_buf_free(&q);
		return cm_err(-ENOMEM, "dest %s", s->dest);
	}
	c.query = q.data;
	cm_http_resp_init(&resp);
	r = ebs_call(s, &f->http, &c, &resp);
	if (r == 0 && resp.status != 200)
		r = ebs_error(s, "--resume: ListSnapshotBlocks", &resp);
	if (r == 0 && !(root = answer_json(&resp)))
		r = cm_err(-EPROTO, "dest %s: ListSnapshotBlocks: not JSON", s->dest);
	for (i = 0; r == 0; i++) {
		uint64_t idx;

		snprintf(key, sizeof(key), "Blocks.%d.BlockIndex", i);
		if (cm_json_get_text(root, key, val, sizeof(val)) < 0)
			break;
		idx = strtoull(val, NULL, 10);
		if (idx >= f->nblocks) {
			r = cm_err(-EPROTO, "dest %s: ListSnapshotBlocks: block %llu is past the "
				   "image", s->dest, (unsigned long long)idx);
			break;
		}
		if (!(f->listed[idx / 8] & (1u << (idx % 8))))
			f->changed++;
		f->listed[idx / 8] |= (unsigned char)(1u << (idx % 8));
		if (idx + 1 > *top)
			*top = idx + 1;
	}
	if (r == 0 && cm_json_get_text(root, "NextToken", next, nsize) < 0)
		next[0] = '\0';
	if (root)
		json_object_put(root);
	cm_http_resp_free(&resp);
	cm_buf_free(&q);
	return r;
}

static int resume_snapshot(struct cm_sink *s, struct ebs_sink *f,
			   const struct cm_stream_state *st)
{
	char next[512] = "";
	uint64_t top = 0;
	int r, pages = 0;

	if (sscanf(st->session, "ebs snap=%127s", f->snap) != 1 || strncmp(f->snap, "snap-", 5))
		return cm_err(-EINVAL, "dest %s: --resume: not an EBS snapshot session", s->dest);
	f->listed = calloc(1, (size_t)(f->nblocks / 8 + 1));
	if (!f->listed)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	do {
		r = list_page(s, f, next, sizeof(next), &top);
	} while (r == 0 && next[0] && ++pages < 100000);
	if (r == -ENOENT)
		cm_log(CM_LOG_ERR, "dest %s: --resume: snapshot %s is gone (cancelled after its "
		       "timeout?); run again without --resume", s->dest, f->snap);
	if (r < 0)
		return r;
	/* below the checkpoint every non-zero block is stored; above it,
	 * the listed ones are skipped one by one */
	f->block_no = st->committed / EBS_BLOCK < top ? st->committed / EBS_BLOCK : top;
	s->resume_from = f->block_no * EBS_BLOCK;
	cm_debug("ebs: resuming %s at block %llu (%llu stored, the highest %llu)", f->snap,
		 (unsigned long long)f->block_no, (unsigned long long)f->changed,
		 (unsigned long long)top);
	return 0;
}

/* --- blocks ------------------------------------------------------------------ */

static int all_zero(const unsigned char *p, size_t n)
{
	const uint64_t *w = (const uint64_t *)p;	/* the block is malloc'ed: aligned */
	size_t i;

	for (i = 0; i < n / 8; i++)
		if (w[i])
			return 0;
	return 1;
}

/* PutSnapshotBlock of w's buffer (a worker thread): 0 or -errno, logged. */
static int put_block(struct cm_sink *s, struct ebs_sink *f, struct ebs_worker *w)
{
	unsigned char sum[32];
	char uri[EBS_SNAP_MAX + 48], b64[64], cks[96];
	size_t n = 0;
	struct ebs_call c = { "PutSnapshotBlock", "PUT", uri, "", w->buf, EBS_BLOCK, 1,
			      { "x-amz-Data-Length: 524288", "x-amz-Checksum-Algorithm: SHA256",
				cks, "Content-Type: application/octet-stream" } };
	struct cm_http_resp resp;
	char what[64];
	int r;

	cm_sha256(w->buf, EBS_BLOCK, sum);
	mbedtls_base64_encode((unsigned char *)b64, sizeof(b64), &n, sum, sizeof(sum));
	b64[n] = '\0';
	snprintf(cks, sizeof(cks), "x-amz-Checksum: %s", b64);
	snprintf(uri, sizeof(uri), "/snapshots/%s/blocks/%llu", f->snap,
		 (unsigned long long)w->index);
	snprintf(what, sizeof(what), "PutSnapshotBlock %llu", (unsigned long long)w->index);
	cm_http_resp_init(&resp);
	r = ebs_call(s, &w->http, &c, &resp);
	if (r == 0 && resp.status != 201 && resp.status != 200)
		r = ebs_error(s, what, &resp);
	cm_http_resp_free(&resp);
	return r;
}

static void *worker_thread(void *arg)
{
	struct ebs_worker *w = arg;
	struct ebs_sink *f = w->s->priv;
	int r;

	pthread_mutex_lock(&f->lock);
	while (!(f->quit && !w->busy)) {
		if (!w->busy) {
			pthread_cond_wait(&f->cond, &f->lock);
			continue;
		}
		pthread_mutex_unlock(&f->lock);
		r = put_block(w->s, f, w);
		pthread_mutex_lock(&f->lock);
		if (r < 0 && !f->error)
			f->error = r;
		if (r == 0) {
			f->changed++;
			w->s->sent += EBS_BLOCK;
		}
		w->busy = 0;
		pthread_cond_broadcast(&f->cond);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

static int start_workers(struct cm_sink *s, struct ebs_sink *f)
{
	int i, r;

	for (i = 0; i < EBS_WORKERS; i++) {
		struct ebs_worker *w = &f->workers[i];

		w->s = s;
		w->buf = malloc(EBS_BLOCK);
		if (!w->buf)
			return cm_err(-ENOMEM, "dest %s", s->dest);
		r = cm_http_init(&w->http, s->dest);
		if (r < 0)
			return r;
		if (pthread_create(&w->thread, NULL, worker_thread, w))
			return cm_err(-EAGAIN, "dest %s: thread", s->dest);
		w->started = 1;
	}
	return 0;
}

/* The workers finish the block they send and leave. */
static void stop_workers(struct ebs_sink *f)
{
	int i;

	pthread_mutex_lock(&f->lock);
	f->quit = 1;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	for (i = 0; i < EBS_WORKERS; i++) {
		struct ebs_worker *w = &f->workers[i];

		if (w->started)
			pthread_join(w->thread, NULL);
		w->started = 0;
		cm_http_cleanup(&w->http);
		free(w->buf);
		w->buf = NULL;
	}
}

/* Under the lock: where every non-zero block below is stored for sure
 * (the lowest block in flight, else the one being filled). */
static uint64_t stored_below(const struct ebs_sink *f)
{
	uint64_t low = f->block_no;
	int i;

	for (i = 0; i < EBS_WORKERS; i++)
		if (f->workers[i].busy && f->workers[i].index < low)
			low = f->workers[i].index;
	return low * EBS_BLOCK;
}

/* Waits for an idle worker (all_idle: for every worker to be idle);
 * the first failure comes back.  *out: the idle worker, or NULL. */
static int wait_workers(struct cm_sink *s, struct ebs_sink *f, int all_idle,
			struct ebs_worker **out)
{
	char session[EBS_SNAP_MAX + 16];
	uint64_t committed;
	int i, r, busy, first;

	pthread_mutex_lock(&f->lock);
	for (;;) {
		*out = NULL;
		for (i = 0, busy = 0; i < EBS_WORKERS; i++) {
			if (f->workers[i].busy)
				busy++;
			else if (!*out)
				*out = &f->workers[i];
		}
		if (f->error ? !busy : all_idle ? !busy : *out != NULL)
			break;
		pthread_cond_wait(&f->cond, &f->lock);
	}
	r = f->error;
	committed = stored_below(f);
	/* the first checkpoint as soon as there is one: a run cut early can
	 * be resumed too */
	first = f->changed && s->state && !s->state->committed;
	pthread_mutex_unlock(&f->lock);
	if (r < 0 || !(f->since_checkpoint >= EBS_CHECKPOINT_EVERY || all_idle || first))
		return r;
	f->since_checkpoint = 0;
	snprintf(session, sizeof(session), "ebs snap=%s", f->snap);
	return committed ? cm_sink_checkpoint(s, committed, session) : 0;
}

/* The filled block goes to an idle worker, which gives its buffer back. */
static int send_block(struct cm_sink *s, struct ebs_sink *f)
{
	struct ebs_worker *w;
	unsigned char *spare;
	int r = wait_workers(s, f, 0, &w);

	if (r < 0)
		return r;
	pthread_mutex_lock(&f->lock);
	spare = w->buf;
	w->buf = f->block;
	f->block = spare;
	w->index = f->block_no;
	w->busy = 1;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	f->since_checkpoint++;
	return 0;
}

/* The block being filled is whole: sent unless it is all zeros or the
 * snapshot holds it already (resume). */
static int end_block(struct cm_sink *s, struct ebs_sink *f)
{
	uint64_t i = f->block_no;
	int r = 0;

	if (i >= f->nblocks)
		return cm_err(-EFBIG, "dest %s: more than the %llu bytes announced", s->dest,
			      (unsigned long long)s->size);
	if (f->must || (f->dirty && !(f->listed && (f->listed[i / 8] & (1u << (i % 8)))) &&
			!all_zero(f->block, EBS_BLOCK)))
		r = send_block(s, f);
	f->block_no++;
	f->fill = 0;
	f->dirty = 0;
	f->must = 0;
	return r;
}

/* len bytes at off into the blocks: from src, or zeros when src is NULL */
static int put_bytes(struct cm_sink *s, uint64_t off, const unsigned char *src, uint64_t len)
{
	struct ebs_sink *f = s->priv;
	uint64_t pos = f->block_no * EBS_BLOCK + f->fill;
	int r;

	if (off < pos)
		return cm_err(-EINVAL, "dest %s: write at %llu, below %llu", s->dest,
			      (unsigned long long)off, (unsigned long long)pos);
	if (off > pos) {	/* a gap the encoder left: zeros */
		r = put_bytes(s, pos, NULL, off - pos);
		if (r < 0)
			return r;
	}
	while (len) {
		size_t n;

		if (!src && f->fill == 0 && !f->dirty && !f->must && len >= EBS_BLOCK) {
			uint64_t whole = len / EBS_BLOCK;	/* zero blocks: nothing to do */

			f->block_no += whole;
			len -= whole * EBS_BLOCK;
			continue;
		}
		n = (size_t)(len < EBS_BLOCK - f->fill ? len : EBS_BLOCK - f->fill);
		if (src) {
			memcpy(f->block + f->fill, src, n);
			src += n;
			f->dirty = 1;
		} else {
			memset(f->block + f->fill, 0, n);
		}
		f->fill += n;
		len -= n;
		if (f->fill == EBS_BLOCK) {
			r = end_block(s, f);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

/* --- the sink --------------------------------------------------------------- */

static void ebs_free(struct cm_sink *s)
{
	struct ebs_sink *f = s->priv;

	if (!f)
		return;
	stop_workers(f);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	cm_http_cleanup(&f->http);
	free(f->listed);
	if (f->creds) {
		cm_creds_wipe(f->creds);
		free(f->creds);
	}
	free(f->block);
	free(f);
	s->priv = NULL;
}

static int ebs_open(struct cm_sink *s, const struct cm_stream_state *resume)
{
	struct ebs_sink *f = calloc(1, sizeof(*f));
	int r;

	if (!f)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	s->priv = f;
	s->sent = 0;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	if (s->size == CM_SIZE_UNKNOWN)
		return cm_err(-EINVAL, "dest %s: an EBS snapshot is a raw disk "
			      "(--format raw)", s->dest);
	f->nblocks = (s->size + EBS_BLOCK - 1) / EBS_BLOCK;
	f->block = malloc(EBS_BLOCK);
	if (!f->block)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	r = set_address(s, f);
	if (r == 0)
		r = load_creds(s, f);
	if (r == 0)
		r = cm_http_init(&f->http, s->dest);
	if (r < 0)
		return r;
	f->delta = s->delta && s->prev_id && !strncmp(s->prev_id, "ebs:snap-", 9);
	if (s->delta && !f->delta)
		return cm_err(-EINVAL, "dest %s: the delta map names no snapshot", s->dest);
	if (resume && resume->session[0])
		r = resume_snapshot(s, f, resume);
	else
		r = start_snapshot(s, f);
	return r < 0 ? r : start_workers(s, f);
}

static int ebs_write(struct cm_sink *s, uint64_t off, const void *buf, size_t len)
{
	return put_bytes(s, off, buf, len);
}

/* Delta: a block that became zero is put as zeros over the parent's. */
static int ebs_skip(struct cm_sink *s, uint64_t off, uint64_t len)
{
	struct ebs_sink *f = s->priv;
	uint64_t end = off + len;
	int r;

	if (!f->delta)
		return put_bytes(s, off, NULL, len);
	while (off < end) {
		uint64_t n = EBS_BLOCK - off % EBS_BLOCK;

		n = n < end - off ? n : end - off;
		f->must = 1;
		r = put_bytes(s, off, NULL, n);
		if (r < 0)
			return r;
		off += n;
	}
	return 0;
}

/* Delta: the parent's block is this one's. */
static int ebs_keep(struct cm_sink *s, uint64_t off, uint64_t len)
{
	struct ebs_sink *f = s->priv;

	if (f->fill || off != f->block_no * EBS_BLOCK)
		return cm_err(-EINVAL, "dest %s: keep at %llu, not a block's start", s->dest,
			      (unsigned long long)off);
	f->block_no += (len + EBS_BLOCK - 1) / EBS_BLOCK;
	return 0;
}

static int complete_snapshot(struct cm_sink *s, struct ebs_sink *f)
{
	char uri[EBS_SNAP_MAX + 32], count[64], status[32] = "";
	struct ebs_call c = { "CompleteSnapshot", "POST", uri, "", NULL, 0, 0, { count, NULL } };
	struct cm_http_resp resp;
	struct json_object *root;
	int r;

	snprintf(uri, sizeof(uri), "/snapshots/completion/%s", f->snap);
	snprintf(count, sizeof(count), "x-amz-ChangedBlocksCount: %llu",
		 (unsigned long long)f->changed);
	cm_http_resp_init(&resp);
	r = ebs_call(s, &f->http, &c, &resp);
	if (r == 0 && resp.status / 100 != 2)
		r = ebs_error(s, c.what, &resp);
	if (r == 0 && (root = answer_json(&resp))) {
		cm_json_get_text(root, "Status", status, sizeof(status));
		json_object_put(root);
	}
	if (r == 0 && !strcmp(status, "error"))
		r = cm_err(-EIO, "dest %s: CompleteSnapshot: EBS says the snapshot failed", s->dest);
	cm_http_resp_free(&resp);
	return r;
}

static int ebs_finish(struct cm_sink *s)
{
	struct ebs_sink *f = s->priv;
	uint64_t end = f->block_no * EBS_BLOCK + f->fill;
	struct ebs_worker *idle;
	int r = 0;

	if (end < f->nblocks * EBS_BLOCK)	/* the last block's tail, zeros */
		r = put_bytes(s, end, NULL, f->nblocks * EBS_BLOCK - end);
	if (r == 0)
		r = wait_workers(s, f, 1, &idle);
	if (r == 0)
		r = complete_snapshot(s, f);
	if (r < 0)
		return r;
	snprintf(s->result, sizeof(s->result), "ebs://%s/%s", f->region, f->snap);
	cm_info("dest %s: snapshot %s completed, %llu blocks of 512 KiB", s->dest, f->snap,
		(unsigned long long)f->changed);
	ebs_free(s);
	return 0;
}

/* Never completed: EBS cancels the pending snapshot after its Timeout
 * (see the top of the file). */
static void ebs_abort(struct cm_sink *s)
{
	struct ebs_sink *f = s->priv;

	if (f && f->snap[0])
		cm_info("dest %s: snapshot %s left pending, never completed: EBS cancels it "
			"after %d minutes", s->dest, f->snap, EBS_TIMEOUT_MIN);
	ebs_free(s);
}

/* The snapshot the map names still there?  ListSnapshotBlocks answers for
 * a completed snapshot only.  0, -ENOENT, -errno. */
static int snapshot_there(struct cm_sink *s, struct ebs_sink *f, const char *snap)
{
	char uri[EBS_SNAP_MAX + 32];
	struct ebs_call c = { "ListSnapshotBlocks", "GET", uri, "maxResults=100", NULL, 0, 0,
			      { NULL } };
	struct cm_http_resp resp;
	int r;

	snprintf(uri, sizeof(uri), "/snapshots/%s/blocks", snap);
	cm_http_resp_init(&resp);
	r = ebs_call(s, &f->http, &c, &resp);
	if (r == 0 && (resp.status == 404 || resp.status == 400))
		r = -ENOENT;
	else if (r == 0 && resp.status != 200)
		r = ebs_error(s, "ListSnapshotBlocks", &resp);
	cm_http_resp_free(&resp);
	return r;
}

/* "ebs:snap-ID": after finish the snapshot made, before open the map's
 * (prev_id) if it is still there. */
static int ebs_identity(const struct cm_sink *cs, char *out, size_t size)
{
	struct cm_sink s = *cs;
	const char *snap = cs->result[0] ? strrchr(cs->result, '/') : NULL;
	struct ebs_sink *f;
	int r, n;

	if (snap) {
		n = snprintf(out, size, "ebs:%s", snap + 1);
		return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
	}
	if (!cs->prev_id || strncmp(cs->prev_id, "ebs:snap-", 9) ||
	    strlen(cs->prev_id) >= EBS_SNAP_MAX)
		return -ENOENT;
	f = calloc(1, sizeof(*f));
	if (!f)
		return cm_err(-ENOMEM, "dest %s", cs->dest);
	s.priv = f;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	r = set_address(&s, f);
	if (r == 0)
		r = load_creds(&s, f);
	if (r == 0)
		r = cm_http_init(&f->http, s.dest);
	if (r == 0)
		r = snapshot_there(&s, f, cs->prev_id + 4);
	if (r == 0 && snprintf(out, size, "%s", cs->prev_id) >= (int)size)
		r = -ENAMETOOLONG;
	ebs_free(&s);
	return r;
}

const struct cm_sink_ops cm_sink_ebs = {
	.scheme  = "ebs",
	.caps    = CM_SINK_SPARSE | CM_SINK_RESUME | CM_SINK_DELTA,
	.open    = ebs_open,
	.write   = ebs_write,
	.skip    = ebs_skip,
	.finish  = ebs_finish,
	.abort   = ebs_abort,
	.release = ebs_free,
	.keep    = ebs_keep,
	.identity = ebs_identity,
};
