/* gs://BUCKET/OBJECT[?endpoint=http(s)://HOST[:PORT]] — the image as a
 * Cloud Storage object, by the JSON API's resumable upload, with an OAuth2
 * bearer token from --creds (gcp_access_token).
 *
 * The exchange ("Perform resumable uploads",
 * https://cloud.google.com/storage/docs/performing-resumable-uploads):
 *   POST {endpoint}/upload/storage/v1/b/BUCKET/o?uploadType=resumable&name=OBJECT
 *        X-Upload-Content-Type, X-Upload-Content-Length when the size is
 *        known -> 200, Location: the session URI
 *   PUT  {session} Content-Range: bytes A-B/<star>   a chunk, a multiple of
 *        256 KiB ("all chunks must be a multiple of 256 KiB ... except the
 *        last") -> 308 Resume Incomplete, Range: bytes=0-N (N may be below
 *        B: "resume by sending the remaining data ... starting with byte
 *        N+1"); no Range header = nothing persisted
 *   PUT  {session} Content-Range: bytes A-B/TOTAL  the last chunk (the gce
 *        format learns TOTAL only here) -> 200/201 and the object resource
 *        (size, md5Hash, crc32c)
 *   PUT  {session} Content-Range: bytes <star>/TOTAL (or <star>/<star>),
 *        no body: the status
 *        query after a cut or a 5xx ("check the status of the upload" before
 *        resuming) -> 308 + Range, or 200/201 when complete, 404/410 when the
 *        session is gone (sessions live a week)
 *   DELETE {session} -> 499: cancels the upload (abort).
 * (<star> is the asterisk, which cannot follow a slash in a C comment.)
 *
 * Memory: one chunk (GCS_CHUNK) is kept until the server says it holds it:
 * what a 308 leaves out is sent again from it.  Zero ranges (skip) are
 * sent as bytes: an object has no holes.
 *
 * Integrity: the CRC-32C of what the server acknowledged is computed on the
 * way and compared with the object's crc32c at the end (and the size); a
 * mismatch deletes the object.  Across a resume the CRC comes from the
 * state file: resume_from is set to where it was taken (at or below what
 * the server holds), and the bytes between that and the server's end are
 * hashed again but not sent.
 *
 * Resume: a checkpoint after every acknowledged chunk keeps the session
 * URI (relative to the endpoint) in the state file.  The session URI is a
 * capability (anyone holding it can upload to the session, no token
 * needed), which is why the state file is 0600 on a root-owned path; gsutil
 * keeps the same URI in its tracker files.  The bearer token never goes
 * there, nor in any message. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../json.h"
#include "../../log.h"
#include "../../util/crc32c.h"
#include "../../util/http.h"
#include "../creds.h"
#include "../stream.h"
#include "gcs_proto.h"
#include "sink.h"

#define GCS_QUANTUM	(256 * 1024)		/* chunks are multiples of it */
#define GCS_CHUNK	(32 * GCS_QUANTUM)	/* 8 MiB in memory, per request */
#define GCS_AUTH_MAX	(CM_CREDS_VALUE_MAX + 32)
#define GCS_ZEROS	(64 * 1024)

/* Never written. Not const: a const array of zeros lands in .rodata, 64 KiB
 * of the binary's file; in .bss it costs nothing until it is read. */
static unsigned char zeros[GCS_ZEROS];

struct gcs {
	struct cm_http http;
	struct cm_http_resp resp;
	char auth[GCS_AUTH_MAX];		/* "Authorization: Bearer ..." */
	char endpoint[CM_URL_MAX];
	char session[CM_STATE_SESSION_MAX];	/* path?query on the endpoint */
	char url[2 * CM_URL_MAX];		/* endpoint + session */
	unsigned char *buf;			/* GCS_CHUNK: not yet acknowledged */
	size_t buf_len;
	uint64_t buf_off;			/* image offset of buf[0]: what the
						 * server holds */
	uint64_t next;				/* the next offset expected */
	uint32_t crc;				/* CRC-32C of [0, crc_end) */
	uint64_t crc_end;
	int crc_known;
	int complete;				/* resume found the object done */
	uint64_t saved;				/* buf_off in the state file */
	struct timespec saved_at;
};

/* ---- requests ----------------------------------------------------------- */

/* The server's error message (JSON API: {"error": {"message": ...}}),
 * printable and short, or "" */
static const char *server_says(struct gcs *g, char *out, size_t size)
{
	struct json_object *root;
	size_t i;

	out[0] = '\0';
	if (!g->resp.body.len ||
	    cm_json_parse(g->resp.body.data, g->resp.body.len, CM_HTTP_BODY_MAX, &root) < 0)
		return out;
	if (cm_json_get_text(root, "error.message", out + 2, size - 2) == 0) {
		out[0] = ':';
		out[1] = ' ';
		for (i = 2; out[i]; i++)
			if ((unsigned char)out[i] < ' ' || (unsigned char)out[i] >= 0x7f)
				out[i] = '?';
	} else {
		out[0] = '\0';
	}
	json_object_put(root);
	return out;
}

/* A status no retry mends: one line, the errno for it. */
static int refused(struct cm_sink *s, const char *what)
{
	struct gcs *g = s->priv;
	long st = g->resp.status;
	char msg[160];
	int r = st == 401 || st == 403 ? -EACCES : st == 404 ? -ENOENT : -EPROTO;

	server_says(g, msg, sizeof(msg));
	if (st == 401 || st == 403)
		return cm_err(r, "dest %s: %s: access denied (HTTP %ld%s); check "
			      "gcp_access_token in --creds", s->dest, what, st, msg);
	if (st == 404)
		return cm_err(r, "dest %s: %s: no such bucket or upload session (HTTP 404%s)",
			      s->dest, what, msg);
	return cm_err(r, "dest %s: %s: HTTP %ld%s", s->dest, what, st, msg);
}

/* PUT to the session: body as bytes first..first+len-1 of total, or (len
 * 0) the status query with no body; total NULL means the asterisk.
 * Without the bearer token: "the session URI acts as an authentication
 * token" (performing-resumable-uploads), so a token that expires during a
 * long upload (they last an hour) does not stop it, and the token crosses
 * the wire once. */
static int session_put(struct gcs *g, uint64_t first, const void *body, size_t len,
		       const char *total)
{
	char range[96];
	const char *hdrs[] = { range, NULL };
	struct cm_http_req q = { .method = "PUT", .url = g->url, .headers = hdrs,
				 .body = body, .body_len = len };

	if (len)
		snprintf(range, sizeof(range), "Content-Range: bytes %llu-%llu/%s",
			 (unsigned long long)first, (unsigned long long)(first + len - 1),
			 total ? total : "*");
	else
		snprintf(range, sizeof(range), "Content-Range: bytes */%s", total ? total : "*");
	return cm_http_do(&g->http, &q, &g->resp);
}

/* After a 308: how many bytes the server holds (no Range: none). */
static int held_bytes(struct cm_sink *s, uint64_t *held)
{
	struct gcs *g = s->priv;
	char v[64];
	int r = cm_http_header(g->resp.headers.data, g->resp.headers.len, "Range", v,
			       sizeof(v));

	*held = 0;
	if (r == -ENOENT)
		return 0;
	if (r < 0 || cm_gcs_range_parse(v, strlen(v), held) < 0)
		return cm_err(-EPROTO, "dest %s: 308 with a Range header that is not "
			      "bytes=0-N", s->dest);
	return 0;
}

/* ---- the chunk buffer --------------------------------------------------- */

static void hash(struct gcs *g, const void *p, size_t len)
{
	if (g->crc_known && len) {
		g->crc = cm_crc32c(g->crc, p, len);
		g->crc_end += len;
	}
}

static int checkpoint(struct cm_sink *s)
{
	struct gcs *g = s->priv;
	char line[CM_STATE_SESSION_MAX];
	int r;

	if (g->saved == g->buf_off)
		return 0;
	if (cm_gcs_session_format(line, sizeof(line), g->crc_known, g->crc, g->crc_end,
				  g->session) < 0)
		return cm_err(-EMSGSIZE, "dest %s: upload session too long to keep", s->dest);
	r = cm_sink_checkpoint(s, g->buf_off, line);
	if (r == 0) {
		g->saved = g->buf_off;
		clock_gettime(CLOCK_MONOTONIC, &g->saved_at);
	}
	return r;
}

/* The state is saved (an fsync'ed rename) at the first acknowledgment and
 * then at most once a second: one that lags costs a resume only some
 * hashing (the bytes from the saved CRC to what the server holds are
 * encoded again, never sent again).  A failure saves it before it
 * returns. */
static int checkpoint_due(struct cm_sink *s)
{
	struct gcs *g = s->priv;
	struct timespec now;
	int64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ns = (int64_t)(now.tv_sec - g->saved_at.tv_sec) * 1000000000 +
	     (now.tv_nsec - g->saved_at.tv_nsec);
	if (g->saved && ns < 1000000000)
		return 0;
	return checkpoint(s);
}

/* The server holds [0, held): drop that from the buffer (hashing it), keep
 * the rest for the next request, save the resume state. */
static int advance(struct cm_sink *s, uint64_t held)
{
	struct gcs *g = s->priv;
	size_t drop;

	if (held < g->buf_off || held > g->buf_off + g->buf_len)
		return cm_err(-EPROTO, "dest %s: the server says it holds %llu bytes, "
			      "after %llu acknowledged and %zu sent", s->dest,
			      (unsigned long long)held, (unsigned long long)g->buf_off,
			      g->buf_len);
	if (held == g->buf_off)
		return 0;
	drop = (size_t)(held - g->buf_off);
	hash(g, g->buf, drop);
	memmove(g->buf, g->buf + drop, g->buf_len - drop);
	g->buf_len -= drop;
	g->buf_off = held;
	return checkpoint_due(s);
}

/* The final answer: the object resource; its size and crc32c must be what
 * was sent. */
static int verify_object(struct cm_sink *s, uint64_t total)
{
	struct gcs *g = s->priv;
	char theirs[64], ours[CM_GCS_CRC_B64_MAX];
	uint64_t size;

	if (cm_gcs_object_parse(g->resp.body.data, g->resp.body.len, &size, theirs,
				sizeof(theirs)) < 0)
		return cm_err(-EPROTO, "dest %s: the finished upload's object resource "
			      "is not JSON with a size", s->dest);
	if (size != total)
		return cm_err(-EPROTO, "dest %s: the stored object has %llu bytes, %llu "
			      "were sent", s->dest, (unsigned long long)size,
			      (unsigned long long)total);
	if (!g->crc_known || g->crc_end != total || !theirs[0]) {
		cm_debug("gcs: %s: crc32c not compared (%s)", s->dest,
			 theirs[0] ? "not known across the resume" : "none returned");
		return 0;
	}
	cm_gcs_crc32c_b64(g->crc, ours);
	if (strcmp(ours, theirs))
		return cm_err(-EPROTO, "dest %s: the stored object's crc32c is %s, what "
			      "was sent has %s", s->dest, theirs, ours);
	cm_debug("gcs: %s: %llu bytes, crc32c %s verified", s->dest,
		 (unsigned long long)total, ours);
	return 0;
}

/* A finished object that is not what was sent must not stay, claiming to
 * be the image: DELETE it (JSON API objects.delete), once. */
static void delete_object(struct cm_sink *s)
{
	struct gcs *g = s->priv;
	char name[3 * CM_URL_MAX], *url;
	const char *hdrs[] = { g->auth, NULL };
	struct cm_http_req q = { .method = "DELETE", .headers = hdrs, .timeout_ms = 10000 };

	if (cm_gcs_name_encode(s->url->path, name, sizeof(name)) < 0 ||
	    asprintf(&url, "%s/storage/v1/b/%s/o/%s", g->endpoint, s->url->host, name) < 0)
		return;
	q.url = url;
	if (cm_http_do(&g->http, &q, &g->resp) < 0 ||
	    (g->resp.status != 204 && g->resp.status != 200))
		cm_warn("dest %s: could not delete the bad object (HTTP %ld)", s->dest,
			g->resp.status);
	free(url);
}

/* The object the upload made must be the one --dest names: a session
 * from a resume state is trusted only so far (the server goes by its
 * upload_id).  Another object is left alone (not ours to delete), and
 * the session is forgotten (not ours to cancel).  0 or -EPERM (logged). */
static int object_is_dest(struct cm_sink *s)
{
	struct gcs *g = s->priv;
	char bucket[CM_URL_HOST_MAX], name[CM_URL_MAX];

	if (cm_gcs_object_id(g->resp.body.data, g->resp.body.len, bucket, sizeof(bucket),
			     name, sizeof(name)) < 0) {
		g->session[0] = '\0';
		return cm_err(-EPROTO, "dest %s: the finished upload's object resource names "
			      "no bucket and object", s->dest);
	}
	if (strcmp(bucket, s->url->host) || strcmp(name, s->url->path)) {
		g->session[0] = '\0';
		cm_log(CM_LOG_ERR, "dest %s: the upload made gs://%s/%s, not this object",
		       s->dest, bucket, name);
		return -EPERM;
	}
	return 0;
}

static int check_object(struct cm_sink *s, uint64_t total)
{
	int r = object_is_dest(s);

	if (r < 0)
		return r;
	r = verify_object(s, total);

	if (r < 0)
		delete_object(s);
	return r;
}

/* What a PUT to the session (a chunk, or the status query) came back
 * with: 0 the buffer moved on as far as the server says it holds, 1 the
 * object exists (resp holds it), -EAGAIN worth another try (transport, 408,
 * 429, 5xx: *why says what), or the refusal (logged). */
static int answer(struct cm_sink *s, int r, int final, char *why, size_t why_size)
{
	struct gcs *g = s->priv;
	uint64_t held;

	if (r < 0 || cm_http_status_retryable(g->resp.status)) {
		if (r < 0)
			snprintf(why, why_size, "%s", g->http.why);
		else
			snprintf(why, why_size, "HTTP %ld", g->resp.status);
		return -EAGAIN;
	}
	if (g->resp.status == 308) {
		r = held_bytes(s, &held);
		return r < 0 ? r : advance(s, held);
	}
	if (g->resp.status != 200 && g->resp.status != 201)
		return refused(s, "upload");
	if (!final)
		return cm_err(-EPROTO, "dest %s: the server finished the upload before its "
			      "end", s->dest);
	hash(g, g->buf, g->buf_len);
	g->buf_off += g->buf_len;
	g->buf_len = 0;
	return 1;
}

/* Sends the buffer: a full chunk (final 0) until the server holds it or
 * only part of a chunk is left, or (final 1) everything, the total with
 * it, until the object exists.  After a transport error or a 5xx: back
 * off, ask the server where it stands (the docs' "check the status"
 * step: a cut body may be partly held), and send from there; never blind
 * again.  CM_HTTP_ATTEMPTS failures in a row without progress: -EIO (the
 * state allows --resume). */
static int flush(struct cm_sink *s, int final)
{
	struct gcs *g = s->priv;
	char total[24], why[256] = "";
	const char *t = final ? total : NULL;
	int fails = 0, asking = 0, r;

	snprintf(total, sizeof(total), "%llu", (unsigned long long)g->next);
	while (final || g->buf_len == GCS_CHUNK) {
		uint64_t before = g->buf_off;

		if (asking) {
			cm_http_backoff(fails - 1);
			r = session_put(g, 0, NULL, 0, t);
		} else {
			r = session_put(g, g->buf_off, g->buf_len ? g->buf : NULL, g->buf_len, t);
		}
		r = answer(s, r, final, why, sizeof(why));
		if (r == 1)
			return check_object(s, g->next);
		if (r == -EAGAIN) {
			if (++fails >= CM_HTTP_ATTEMPTS) {
				checkpoint(s);
				return cm_err(-EIO, "dest %s: %s (%d attempts)", s->dest, why,
					      fails);
			}
			cm_debug("gcs: %s at %llu: %s; asking where the upload stands",
				 s->dest, (unsigned long long)g->buf_off, why);
			asking = 1;
			continue;
		}
		if (r < 0)
			return r;
		if (g->buf_off != before)
			fails = 0;
		else if (!asking && ++fails >= CM_HTTP_ATTEMPTS) {
			checkpoint(s);
			return cm_err(-EIO, "dest %s: the server keeps taking nothing at %llu",
				      s->dest, (unsigned long long)g->buf_off);
		}
		asking = 0;
	}
	return 0;
}

/* Bytes at g->next (p NULL: zeros): below what the server holds (a
 * resume) they are only hashed; the rest goes into the buffer, sent each
 * time it is full. */
static int take(struct cm_sink *s, const unsigned char *p, uint64_t len)
{
	struct gcs *g = s->priv;
	size_t n;
	int r;

	while (len) {
		if (g->next < g->buf_off) {
			n = g->buf_off - g->next < len ? (size_t)(g->buf_off - g->next) : (size_t)len;
			if (!p && n > GCS_ZEROS)
				n = GCS_ZEROS;
			hash(g, p ? p : zeros, n);
		} else {
			n = GCS_CHUNK - g->buf_len < len ? GCS_CHUNK - g->buf_len : (size_t)len;
			if (p)
				memcpy(g->buf + g->buf_len, p, n);
			else
				memset(g->buf + g->buf_len, 0, n);
			g->buf_len += n;
		}
		g->next += n;
		if (p)
			p += n;
		len -= n;
		if (g->buf_len == GCS_CHUNK) {
			r = flush(s, 0);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int gcs_write(struct cm_sink *s, uint64_t off, const void *buf, size_t len)
{
	struct gcs *g = s->priv;
	int r;

	if (off < g->next)
		return cm_err(-EINVAL, "dest %s: write at %llu, below %llu already taken "
			      "(an object is written in order)", s->dest,
			      (unsigned long long)off, (unsigned long long)g->next);
	if (off > g->next) {
		r = take(s, NULL, off - g->next);
		if (r < 0)
			return r;
	}
	return take(s, buf, len);
}

static int gcs_skip(struct cm_sink *s, uint64_t off, uint64_t len)
{
	struct gcs *g = s->priv;

	if (off < g->next)
		return cm_err(-EINVAL, "dest %s: skip at %llu, below %llu already taken",
			      s->dest, (unsigned long long)off, (unsigned long long)g->next);
	return take(s, NULL, off + len - g->next);
}

/* ---- open, finish, abort ------------------------------------------------ */

static int load_token(struct cm_sink *s, struct gcs *g)
{
	struct cm_creds *c;
	int n, r;

	if (!s->creds)
		return cm_err(-EACCES, "dest %s: gs:// needs --creds FILE with "
			      "gcp_access_token", s->dest);
	c = calloc(1, sizeof(*c));
	if (!c)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	r = cm_creds_load(s->creds, c);
	if (r == 0 && !c->gcp_access_token[0])
		r = cm_err(-EACCES, "dest %s: no gcp_access_token in %s", s->dest, s->creds);
	else if (r == 0 && strpbrk(c->gcp_access_token, "\r\n"))
		r = cm_err(-EINVAL, "dest %s: gcp_access_token in %s is not one line",
			   s->dest, s->creds);
	if (r == 0) {
		n = snprintf(g->auth, sizeof(g->auth), "Authorization: Bearer %s",
			     c->gcp_access_token);
		if (n < 0 || (size_t)n >= sizeof(g->auth))
			r = cm_err(-EMSGSIZE, "dest %s: gcp_access_token too long", s->dest);
	}
	cm_creds_wipe(c);
	free(c);
	return r;
}

static int set_session(struct cm_sink *s, const char *path)
{
	struct gcs *g = s->priv;
	int n;

	snprintf(g->session, sizeof(g->session), "%s", path);
	n = snprintf(g->url, sizeof(g->url), "%s%s", g->endpoint, path);
	if (n < 0 || (size_t)n >= sizeof(g->url))
		return cm_err(-EMSGSIZE, "dest %s: upload session URL too long", s->dest);
	return 0;
}

/* POST ...?uploadType=resumable: the session URI. */
static int initiate(struct cm_sink *s)
{
	struct gcs *g = s->priv;
	char name[3 * CM_URL_MAX], len_hdr[64], loc[CM_URL_MAX], path[CM_STATE_SESSION_MAX];
	const char *hdrs[] = { g->auth, "X-Upload-Content-Type: application/octet-stream",
			       s->size != CM_SIZE_UNKNOWN ? len_hdr : NULL, NULL };
	char *url;
	struct cm_http_req q = { .method = "POST" };
	int r;

	if (cm_gcs_name_encode(s->url->path, name, sizeof(name)) < 0)
		return cm_err(-ENAMETOOLONG, "dest %s: object name too long", s->dest);
	snprintf(len_hdr, sizeof(len_hdr), "X-Upload-Content-Length: %llu",
		 (unsigned long long)s->size);
	if (asprintf(&url, "%s/upload/storage/v1/b/%s/o?uploadType=resumable&name=%s",
		     g->endpoint, s->url->host, name) < 0)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	q.url = url;
	q.headers = hdrs;
	r = cm_http_do_retry(&g->http, &q, &g->resp);
	free(url);
	if (r < 0)
		return cm_err(-EIO, "dest %s: starting the upload: %s", s->dest,
			      r == -EIO ? g->http.why : "response too large");
	if (g->resp.status != 200 && g->resp.status != 201)
		return refused(s, "starting the upload");
	if (cm_http_header(g->resp.headers.data, g->resp.headers.len, "Location", loc,
			   sizeof(loc)) < 0)
		return cm_err(-EPROTO, "dest %s: no session URI (Location) in the answer",
			      s->dest);
	/* the disk goes only where the endpoint (of the dest URL) is */
	if (cm_gcs_location_path(loc, g->endpoint, path, sizeof(path)) < 0)
		return cm_err(-EPROTO, "dest %s: the upload session is not on %s", s->dest,
			      g->endpoint);
	return set_session(s, path);
}

/* The status query of --resume, with the usual retries: 0 and *held, 1
 * complete, -ENOENT the session is gone, or the error (logged). */
static int resume_query(struct cm_sink *s, uint64_t *held)
{
	struct gcs *g = s->priv;
	char total[24];
	int attempt, r = -EIO;

	snprintf(total, sizeof(total), "%llu", (unsigned long long)s->size);
	for (attempt = 0; attempt < CM_HTTP_ATTEMPTS; attempt++) {
		if (attempt)
			cm_http_backoff(attempt - 1);
		r = session_put(g, 0, NULL, 0, s->size != CM_SIZE_UNKNOWN ? total : NULL);
		if (r == 0 && !cm_http_status_retryable(g->resp.status))
			break;
	}
	if (r < 0 || cm_http_status_retryable(g->resp.status))
		return cm_err(-EIO, "dest %s: --resume: asking where the upload stands: %s",
			      s->dest, r < 0 ? g->http.why : "server busy");
	if (g->resp.status == 308)
		return held_bytes(s, held);
	if (g->resp.status == 200 || g->resp.status == 201)
		return 1;
	if (g->resp.status == 404 || g->resp.status == 410)
		return -ENOENT;
	return refused(s, "--resume: upload status");
}

/* --resume: the session from the state, where the server stands. */
static int reopen(struct cm_sink *s, const struct cm_stream_state *st)
{
	struct gcs *g = s->priv;
	char path[CM_STATE_SESSION_MAX];
	uint64_t held = 0, crc_end = 0;
	uint32_t crc = 0;
	int known = 0, r;

	if (cm_gcs_session_parse(st->session, strlen(st->session), &known, &crc, &crc_end,
				 path, sizeof(path)) < 0)
		return cm_err(-EINVAL, "dest %s: --resume: the state's session is not "
			      "one of a gs:// upload", s->dest);
	/* not sent to, nor cancelled: not an upload of this object */
	if (!cm_gcs_session_is_for(path, s->url->host, s->url->path)) {
		cm_log(CM_LOG_ERR, "dest %s: --resume: the state's upload session is not "
		       "one of this object; run again without --resume", s->dest);
		return -EPERM;
	}
	r = set_session(s, path);
	if (r == 0)
		r = resume_query(s, &held);
	if (r == -ENOENT) {
		/* sessions expire a week after they start */
		fprintf(stderr, "cloudmove: dest %s: the interrupted upload session is gone "
			"(HTTP %ld); starting over\n", s->dest, g->resp.status);
		g->session[0] = '\0';
		return initiate(s);
	}
	if (r < 0)
		return r;
	if (r == 1) {
		/* it was finished before the kill let the state say so: nothing
		 * to send, the rest hashed to compare with the object's crc32c */
		char theirs[64];

		if (cm_gcs_object_parse(g->resp.body.data, g->resp.body.len, &held, theirs,
					sizeof(theirs)) < 0)
			return cm_err(-EPROTO, "dest %s: --resume: the finished upload's "
				      "object resource is not JSON with a size", s->dest);
		r = object_is_dest(s);
		if (r < 0)
			return r;
		g->complete = 1;
	}
	/* hash again from where the saved CRC stops, send from what the
	 * server holds */
	g->crc_known = known && crc_end <= held;
	g->crc = g->crc_known ? crc : 0;
	g->crc_end = g->crc_known ? crc_end : held;
	g->buf_off = held;
	g->next = g->crc_end;
	s->resume_from = g->next;
	cm_debug("gcs: %s: the server holds %llu bytes%s; resuming from %llu", s->dest,
		 (unsigned long long)held, g->complete ? " (complete)" : "",
		 (unsigned long long)g->next);
	return 0;
}

static int gcs_open(struct cm_sink *s, const struct cm_stream_state *resume)
{
	struct gcs *g = calloc(1, sizeof(*g));
	const char *why = "";
	int r;

	if (!g)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	s->priv = g;
	cm_http_resp_init(&g->resp);
	g->crc_known = 1;
	r = cm_gcs_endpoint(s->url->query, g->endpoint, sizeof(g->endpoint), &why);
	if (r < 0)
		return cm_err(r, "dest %s: %s", s->dest, r == -EMSGSIZE ? "endpoint too long" : why);
	r = load_token(s, g);
	if (r < 0)
		return r;
	g->buf = malloc(GCS_CHUNK);
	if (!g->buf)
		return cm_err(-ENOMEM, "dest %s: %d bytes for a chunk", s->dest, GCS_CHUNK);
	r = cm_http_init(&g->http, s->dest);
	if (r < 0)
		return r;
	return resume ? reopen(s, resume) : initiate(s);
}

static void gcs_free(struct cm_sink *s)
{
	struct gcs *g = s->priv;

	if (!g)
		return;
	cm_http_cleanup(&g->http);
	cm_http_resp_free(&g->resp);
	free(g->buf);
	explicit_bzero(g->auth, sizeof(g->auth));
	free(g);
	s->priv = NULL;
}

static int gcs_finish(struct cm_sink *s)
{
	struct gcs *g = s->priv;
	int r;

	if (g->complete) {
		/* resumed after the end: the object exists; the bytes since the
		 * saved CRC were hashed on the way here */
		if (g->next != g->buf_off || (s->size != CM_SIZE_UNKNOWN && s->size != g->next))
			r = cm_err(-EPROTO, "dest %s: the upload finished by the interrupted "
				   "run has %llu bytes, the image %llu", s->dest,
				   (unsigned long long)g->buf_off, (unsigned long long)g->next);
		else
			r = check_object(s, g->next);
	} else {
		r = flush(s, 1);
	}
	if (r == 0)
		gcs_free(s);
	return r;
}

/* Cancel the session (DELETE -> 499 per the docs), once, whatever comes
 * back: an abandoned session expires by itself within a week. */
static void gcs_abort(struct cm_sink *s)
{
	struct gcs *g = s->priv;
	struct cm_http_req q = { .method = "DELETE", .timeout_ms = 10000 };

	if (!g)
		return;
	if (g->session[0] && g->http.curl) {
		q.url = g->url;
		cm_http_do(&g->http, &q, &g->resp);
	}
	gcs_free(s);
}

const struct cm_sink_ops cm_sink_gcs = {
	.scheme  = "gs",
	.caps    = CM_SINK_RESUME,
	.open    = gcs_open,
	.write   = gcs_write,
	.skip    = gcs_skip,
	.finish  = gcs_finish,
	.abort   = gcs_abort,
	.release = gcs_free,
};
