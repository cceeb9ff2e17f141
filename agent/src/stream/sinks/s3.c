/* s3://BUCKET/KEY[?endpoint=http(s)://HOST[:PORT]&region=REGION] — the image
 * as one S3 object, sent by multipart upload (AWS S3 API reference:
 * CreateMultipartUpload, UploadPart, ListParts, CompleteMultipartUpload,
 * AbortMultipartUpload; PutObject for an image smaller than one part).
 *
 * Addressing: with an endpoint, path style (ENDPOINT/BUCKET/KEY), what
 * S3-compatible stores expect; without one, virtual-host style
 * (https://BUCKET.s3.REGION.amazonaws.com/KEY), or path style on
 * s3.REGION.amazonaws.com for a bucket with dots (they break the TLS
 * wildcard).  Region: us-east-1 unless given.  Every request is signed with
 * SigV4 (s3_sigv4.c) over its real payload hash (x-amz-content-sha256)
 * and carries Content-MD5, so S3 checks each part it stores.
 *
 * Parts: S3 allows 10,000 parts; all but the last must be >= 5 MiB.  A part
 * is buffered whole (its hashes go in the headers before its bytes), so the
 * part size is the memory cost.  Known image size: max(8 MiB, size/10,000
 * rounded up to a MiB) — 8 MiB up to 78 GiB, 16 MiB up to 156 GiB, and so
 * on.  Unknown size (gce: the tar.gz's size is learnt at the end): 8 MiB
 * parts, doubled every 2,000 parts (8, 16, 32, 64, 128 MiB), which reaches
 * 484 GiB of compressed image in 10,000 parts while a stream under 15 GiB
 * never holds parts over 8 MiB.  Two parts are in flight (one thread and
 * connection each) while the next fills: 3 buffers of 8 MiB = 24 MiB;
 * with larger parts, 2 buffers (one in flight): 32 MiB up to 156 GiB,
 * growing past that (the price of 10,000 parts; streaming a part with
 * aws-chunked signing would lift it).  Zero ranges (skip) are sent as zeros
 * (S3 has no sparse objects) from a memset, never read from the source.
 *
 * Resume: after each part's ETag comes back the state file gets
 * "s3 part=SIZE grow=0|1 id=UPLOADID" and the bytes stored.  --resume asks
 * ListParts what S3 really holds and continues after the contiguous run of
 * parts 1..k of the expected sizes (resume_from = their end); their ETags
 * come from that listing, so parts stored are never sent again.  A fatal
 * error aborts the upload (nothing is left that claims to be the image). */
#include <errno.h>
#include <mbedtls/base64.h>
#include <mbedtls/md5.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../../log.h"
#include "../../util/http.h"
#include "../creds.h"
#include "s3_xml.h"
#include "s3_sigv4.h"
#include "../stream.h"
#include "sink.h"

#define S3_MiB			(1024ULL * 1024)
#define S3_PART_MIN		(8 * S3_MiB)
#define S3_PART_MAX		(5120 * S3_MiB)		/* S3's limit */
#define S3_PARTS_MAX		10000
#define S3_GROW_EVERY		2000			/* unknown size: parts per doubling */
#define S3_UPLOAD_ID_MAX	1024
#define S3_LIST_PAGE		200			/* parts per ListParts page: < 256 KiB */
#define S3_HOST_MAX		(CM_URL_HOST_MAX + 128)
#define S3_SLOTS		3			/* part buffers: 2 in flight */

/* A part buffer and the thread that sends it: the main thread fills one
 * slot while the others upload, each on its own kept-alive connection. */
enum { SLOT_FREE, SLOT_FILLING, SLOT_BUSY, SLOT_DONE };
struct s3_slot {
	struct cm_sink *s;
	struct cm_http http;
	pthread_t thread;
	int started;
	int state;			/* SLOT_*, under the sink's lock */
	int result;			/* SLOT_DONE: 0 or -errno (logged) */
	unsigned part_no;
	uint64_t start;
	unsigned char *buf;
	size_t fill, cap;
	char etag[CM_S3_ETAG_MAX];
};

struct s3_sink {
	struct cm_http http;
	struct cm_creds *creds;
	char region[64];
	char base[S3_HOST_MAX + 16];		/* scheme://host[:port] */
	char host[S3_HOST_MAX];			/* the Host header */
	struct cm_buf uri;			/* /[BUCKET/]KEY, URI-encoded */
	char upload_id[S3_UPLOAD_ID_MAX];	/* "" for a single PutObject */
	uint64_t part_size;			/* part 1's */
	int grow;				/* doubling part sizes (unknown size) */
	int single;				/* one PutObject at finish */
	int completed;				/* --resume found the object done */
	unsigned part_no;			/* the part being filled, 1-based */
	uint64_t part_start;			/* its offset in the image */
	struct s3_slot *cur;			/* its slot, or NULL */
	struct s3_slot slots[S3_SLOTS];
	int nslots;
	pthread_mutex_t lock;
	pthread_cond_t cond;			/* a slot changed state */
	int quit;				/* the threads leave */
	int error;				/* the first part that failed */
	char (*etags)[CM_S3_ETAG_MAX];		/* [n - 1]: part n's, "" until stored */
	uint64_t *ends;				/* [n - 1]: part n's end */
	unsigned prefix;			/* parts 1..prefix are stored */
};

/* --- requests ------------------------------------------------------------- */

static uint64_t part_size_of(const struct s3_sink *f, unsigned n)
{
	unsigned shift = f->grow ? (n - 1) / S3_GROW_EVERY : 0;
	uint64_t size = f->part_size << shift;

	return size > S3_PART_MAX ? S3_PART_MAX : size;
}

static void md5_base64(const void *p, size_t len, char *out, size_t out_size)
{
	unsigned char sum[16];
	size_t n = 0;

	mbedtls_md5_ret(p, len, sum);
	if (mbedtls_base64_encode((unsigned char *)out, out_size, &n, sum, sizeof(sum)))
		out[0] = '\0';
}

struct s3_call {
	const char *what;		/* the API's name, for messages */
	const char *method;
	const char *query;		/* canonical (sorted, encoded) or "" */
	const void *body;
	size_t len;
};

/* The signed headers of one request, "Name: value" lines for curl. */
struct s3_headers {
	char host[S3_HOST_MAX + 8];
	char date[48], sha[96], md5[64], auth[CM_SIGV4_AUTH_MAX + 16];
	char token[CM_CREDS_VALUE_MAX + 32];
	const char *list[8];
};

static int sign_call(struct s3_sink *f, const struct s3_call *c, struct s3_headers *h)
{
	char amz_date[CM_AMZ_DATE], sum[CM_SHA256_HEX], md5[32];
	struct cm_sigv4_hdr sh[5];
	const struct cm_sigv4_key key = { f->creds->aws_access_key_id,
					  f->creds->aws_secret_access_key, f->region, "s3" };
	struct cm_sigv4_req q = { c->method, f->uri.data, c->query, sh, 0, sum, amz_date };
	size_t n = 0;
	int r;

	cm_amz_date((long long)time(NULL), amz_date);
	cm_sha256_hex(c->body ? c->body : "", c->body ? c->len : 0, sum);
	sh[q.n_hdrs++] = (struct cm_sigv4_hdr){ "host", f->host };
	sh[q.n_hdrs++] = (struct cm_sigv4_hdr){ "x-amz-date", amz_date };
	sh[q.n_hdrs++] = (struct cm_sigv4_hdr){ "x-amz-content-sha256", sum };
	snprintf(h->host, sizeof(h->host), "Host: %s", f->host);
	snprintf(h->date, sizeof(h->date), "x-amz-date: %s", amz_date);
	snprintf(h->sha, sizeof(h->sha), "x-amz-content-sha256: %s", sum);
	h->list[n++] = h->host;
	h->list[n++] = h->date;
	h->list[n++] = h->sha;
	if (c->body) {
		md5_base64(c->body, c->len, md5, sizeof(md5));
		sh[q.n_hdrs++] = (struct cm_sigv4_hdr){ "content-md5", md5 };
		snprintf(h->md5, sizeof(h->md5), "Content-MD5: %s", md5);
		h->list[n++] = h->md5;
	}
	if (cm_sigv4_token(&q, sh, f->creds->aws_session_token, h->token, sizeof(h->token)))
		h->list[n++] = h->token;
	r = cm_sigv4_auth_line(&key, &q, h->auth, sizeof(h->auth));
	h->list[n++] = h->auth;
	h->list[n] = NULL;
	return r;
}

/* One signed request, retried on transport errors and 5xx by http.c.
 * 0: a response came (r->status), else -errno (logged). */
static int s3_call(struct cm_sink *s, struct cm_http *http, const struct s3_call *c,
		   struct cm_http_resp *resp)
{
	struct s3_sink *f = s->priv;
	struct s3_headers *h = calloc(1, sizeof(*h));
	struct cm_buf url;
	struct cm_http_req q = { 0 };
	int r;

	if (!h)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	cm_buf_init(&url, CM_URL_MAX * 2);
	r = sign_call(f, c, h);
	if (r < 0) {
		free(h);
		return cm_err(r, "dest %s: %s: signing", s->dest, c->what);
	}
	if (cm_buf_printf(&url, "%s%s%s%s", f->base, f->uri.data, c->query[0] ? "?" : "",
			  c->query) < 0) {
		free(h);
		return cm_err(-EMSGSIZE, "dest %s: %s: URL", s->dest, c->what);
	}
	q.method = c->method;
	q.url = url.data;
	q.headers = h->list;
	q.body = c->body;
	q.body_len = c->len;
	/* a minute, plus time for the body at 128 KiB/s */
	q.timeout_ms = 60 * 1000 + (long)(c->len / 128);
	r = cm_http_do_retry(http, &q, resp);
	explicit_bzero(h, sizeof(*h));
	free(h);
	cm_buf_free(&url);
	if (r == -EMSGSIZE)
		return cm_err(-EPROTO, "dest %s: %s: response too large", s->dest, c->what);
	if (r < 0)
		return cm_err(-EIO, "dest %s: %s: %s", s->dest, c->what, http->why);
	return 0;
}

/* --- responses: S3's small XML documents -------------------------------- */

static const char *body_end(const struct cm_http_resp *r)
{
	return r->body.data ? r->body.data + r->body.len : NULL;
}

/* A response that is not a success: logged ("dest URL: What: 404
 * NoSuchBucket: The specified bucket does not exist") and mapped to -EIO
 * (passing trouble: resumable), -EACCES, -ENOENT or -EPROTO. */
static int s3_error(struct cm_sink *s, const char *what, const struct cm_http_resp *r)
{
	char code[64] = "", msg[256] = "";
	int e = r->status >= 500 ? -EIO : r->status == 403 ? -EACCES :
		r->status == 404 ? -ENOENT : -EPROTO;

	if (r->body.data) {
		cm_s3xml_text(r->body.data, body_end(r), "Code", code, sizeof(code));
		cm_s3xml_text(r->body.data, body_end(r), "Message", msg, sizeof(msg));
	}
	if (!strcmp(code, "InternalError") || !strcmp(code, "SlowDown"))
		e = -EIO;
	/* the server's words say it all: no strerror after them */
	cm_log(CM_LOG_ERR, "dest %s: %s: HTTP %ld%s%s%s%s", s->dest, what, r->status,
	       code[0] ? " " : "", code, msg[0] ? ": " : "", msg);
	return e;
}

static int s3_ok(const struct cm_http_resp *r)
{
	/* CompleteMultipartUpload can say 200 and then fail in the body */
	return r->status / 100 == 2 &&
	       !(r->body.data && memmem(r->body.data, r->body.len, "<Error>", 7));
}

/* --- opening: URL, credentials ------------------------------------------- */

/* endpoint=...&region=... */
static int parse_query(struct cm_sink *s, char *endpoint, size_t esize, char *region,
		       size_t rsize)
{
	const char *p = s->url->query;

	while (*p) {
		size_t n = strcspn(p, "&"), k = strcspn(p, "=");
		int r = -EINVAL;

		if (k < n && k == 8 && !memcmp(p, "endpoint", 8))
			r = cm_url_decode(p + 9, n - 9, endpoint, esize, NULL);
		else if (k < n && k == 6 && !memcmp(p, "region", 6))
			r = cm_url_decode(p + 7, n - 7, region, rsize, NULL);
		if (r < 0)
			return cm_err(-EINVAL, "dest %s: bad parameter '%.*s' (endpoint=, region=)",
				      s->dest, (int)(k < n ? k : n), p);
		p += n;
		if (*p == '&')
			p++;
	}
	return 0;
}

/* http(s)://HOST[:PORT][/]: base URL and Host header (the default port
 * left out, as curl leaves it out). */
static int set_endpoint(struct cm_sink *s, struct s3_sink *f, const char *ep)
{
	int https = !strncmp(ep, "https://", 8);
	const char *hp = ep + (https ? 8 : 7);
	size_t n = strcspn(hp, "/?#");
	const char *dflt = https ? ":443" : ":80";

	if ((!https && strncmp(ep, "http://", 7)) || n == 0 || n >= S3_HOST_MAX ||
	    (hp[n] && strcmp(hp + n, "/")))
		return cm_err(-EINVAL, "dest %s: endpoint must be http(s)://HOST[:PORT]", s->dest);
	snprintf(f->base, sizeof(f->base), "%s://%.*s", https ? "https" : "http", (int)n, hp);
	if (n > strlen(dflt) && !strncmp(hp + n - strlen(dflt), dflt, strlen(dflt)))
		n -= strlen(dflt);
	snprintf(f->host, sizeof(f->host), "%.*s", (int)n, hp);
	return 0;
}

static int set_address(struct cm_sink *s, struct s3_sink *f)
{
	char endpoint[CM_URL_MAX] = "", region[64] = "us-east-1";
	const char *bucket = s->url->host;
	int path_style, r = parse_query(s, endpoint, sizeof(endpoint), region, sizeof(region));

	if (r < 0)
		return r;
	snprintf(f->region, sizeof(f->region), "%s", region);
	path_style = endpoint[0] || strchr(bucket, '.');
	if (endpoint[0])
		r = set_endpoint(s, f, endpoint);
	else if (path_style)
		snprintf(f->host, sizeof(f->host), "s3.%s.amazonaws.com", region);
	else
		snprintf(f->host, sizeof(f->host), "%s.s3.%s.amazonaws.com", bucket, region);
	if (r < 0)
		return r;
	if (!endpoint[0])
		snprintf(f->base, sizeof(f->base), "https://%s", f->host);
	if (path_style)
		r = cm_buf_printf(&f->uri, "/%s", bucket);
	if (r == 0)
		r = cm_buf_addstr(&f->uri, "/");
	if (r == 0)
		r = cm_sigv4_uri_encode(&f->uri, s->url->path[0] == '/' ? s->url->path + 1 :
					s->url->path, 1);
	return r < 0 ? cm_err(-ENAMETOOLONG, "dest %s: key", s->dest) : 0;
}

static int load_creds(struct cm_sink *s, struct s3_sink *f)
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

/* max(8 MiB, size / 10,000 in whole MiB): see the top of the file */
static uint64_t choose_part_size(uint64_t size)
{
	uint64_t per = (size + S3_PARTS_MAX - 1) / S3_PARTS_MAX;

	per = (per + S3_MiB - 1) / S3_MiB * S3_MiB;
	return per > S3_PART_MIN ? per : S3_PART_MIN;
}

/* room in a slot for the part it is given */
static int slot_buffer(struct cm_sink *s, struct s3_sink *f, struct s3_slot *sl)
{
	uint64_t want = f->single ? s->size : part_size_of(f, sl->part_no);
	unsigned char *p;

	if (sl->cap >= want && sl->buf)
		return 0;
	p = realloc(sl->buf, want ? (size_t)want : 1);
	if (!p)
		return cm_err(-ENOMEM, "dest %s: a part of %llu bytes", s->dest,
			      (unsigned long long)want);
	sl->buf = p;
	sl->cap = (size_t)want;
	return 0;
}

static int create_upload(struct cm_sink *s, struct s3_sink *f)
{
	const struct s3_call c = { "CreateMultipartUpload", "POST", "uploads=", NULL, 0 };
	struct cm_http_resp resp;
	int r;

	cm_http_resp_init(&resp);
	r = s3_call(s, &f->http, &c, &resp);
	if (r == 0 && !s3_ok(&resp))
		r = s3_error(s, c.what, &resp);
	if (r == 0 && cm_s3xml_text(resp.body.data ? resp.body.data : "", body_end(&resp) ?
			       body_end(&resp) : "", "UploadId", f->upload_id,
			       sizeof(f->upload_id)) < 0)
		r = cm_err(-EPROTO, "dest %s: %s: no UploadId in the answer", s->dest, c.what);
	cm_http_resp_free(&resp);
	return r;
}

static int upload_query(struct s3_sink *f, struct cm_buf *q, const char *before)
{
	int r = cm_buf_addstr(q, before);

	if (r == 0)
		r = cm_buf_addstr(q, "uploadId=");
	if (r == 0)
		r = cm_sigv4_uri_encode(q, f->upload_id, 0);
	return r;
}

/* --- resume --------------------------------------------------------------- */

static int parse_session(struct cm_sink *s, struct s3_sink *f, const char *session)
{
	unsigned long long part;
	int grow;

	if (sscanf(session, "s3 part=%llu grow=%d id=%1023s", &part, &grow, f->upload_id) != 3 ||
	    part < 5 * S3_MiB || part > S3_PART_MAX || (grow != 0 && grow != 1))
		return cm_err(-EINVAL, "dest %s: --resume: not an S3 upload session", s->dest);
	f->part_size = part;
	f->grow = grow;
	return 0;
}

/* The expected size of stored part n: a full part, or the image's last. */
static int part_fits(struct cm_sink *s, struct s3_sink *f, unsigned n, uint64_t start,
		     uint64_t size)
{
	uint64_t full = part_size_of(f, n);

	if (size == full)
		return 1;
	return s->size != CM_SIZE_UNKNOWN && start + size == s->size && size < full;
}

/* One <Part> of ListParts: the run of parts 1..k grows while they come in
 * order with the sizes this stream would give them. */
static void take_part(struct cm_sink *s, struct s3_sink *f, const struct cm_s3xml_part *p,
		      int *run)
{
	if (!*run)
		return;
	if (p->number != f->part_no || p->number > S3_PARTS_MAX ||
	    !part_fits(s, f, f->part_no, f->part_start, p->size)) {
		*run = 0;
		return;
	}
	memcpy(f->etags[p->number - 1], p->etag, CM_S3_ETAG_MAX);
	f->part_start += p->size;
	f->ends[p->number - 1] = f->part_start;
	f->prefix = (unsigned)p->number;
	f->part_no++;
}

/* An answer naming the upload's object (ListParts, CompleteMultipartUpload:
 * <Bucket> and <Key>) must name the --dest one: an upload id from a resume
 * state is another object's otherwise (S3 itself answers NoSuchUpload
 * then; a store that goes by the id alone would not).  The upload is
 * forgotten: not ours to abort.  0 or -EPERM (logged). */
static int names_dest(struct cm_sink *s, struct s3_sink *f, const struct cm_http_resp *resp,
		      const char *what, const char *hint)
{
	char bucket[CM_URL_HOST_MAX] = "", key[CM_URL_MAX] = "";
	const char *end = body_end(resp);

	if (resp->body.data &&
	    cm_s3xml_text(resp->body.data, end, "Bucket", bucket, sizeof(bucket)) == 0 &&
	    cm_s3xml_text(resp->body.data, end, "Key", key, sizeof(key)) == 0 &&
	    !strcmp(bucket, s->url->host) && !strcmp(key, s->url->path))
		return 0;
	f->upload_id[0] = '\0';
	if (!bucket[0] || !key[0])
		cm_log(CM_LOG_ERR, "dest %s: %s: the answer names no bucket and key", s->dest,
		       what);
	else
		cm_log(CM_LOG_ERR, "dest %s: %s: the upload is one of s3://%s/%s, not of this "
		       "object%s", s->dest, what, bucket, key, hint);
	return -EPERM;
}

/* One page of ListParts from marker; *next: the next marker, 0 at the end. */
static int list_page(struct cm_sink *s, struct s3_sink *f, unsigned marker, unsigned *next,
		     int *run)
{
	struct s3_call c = { "ListParts", "GET", NULL, NULL, 0 };
	struct cm_http_resp resp;
	struct cm_buf q;
	char more[32] = "", nm[16] = "";
	struct cm_s3xml_part part;
	const char *p, *end;
	int r;

	cm_buf_init(&q, 4096);
	r = cm_buf_printf(&q, "max-parts=%d&part-number-marker=%u&", S3_LIST_PAGE, marker);
	if (r == 0)
		r = upload_query(f, &q, "");
	if (r < 0)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	c.query = q.data;
	cm_http_resp_init(&resp);
	r = s3_call(s, &f->http, &c, &resp);
	*next = 0;
	if (r == 0 && resp.status == 404 && marker == 0 && resp.body.data &&
	    !cm_s3xml_text(resp.body.data, body_end(&resp), "Code", more, sizeof(more)) &&
	    !strcmp(more, "NoSuchUpload"))
		r = -ESRCH;	/* completed or aborted: see upload_gone() */
	if (r == 0 && !s3_ok(&resp))
		r = s3_error(s, c.what, &resp);
	if (r == 0)
		r = names_dest(s, f, &resp, "--resume: ListParts",	/* each page */
			       "; run again without --resume");
	if (r == 0 && resp.body.data) {
		end = body_end(&resp);
		for (p = resp.body.data; cm_s3xml_next_part(&p, end, &part); )
			take_part(s, f, &part, run);
		cm_s3xml_text(resp.body.data, end, "IsTruncated", more, sizeof(more));
		cm_s3xml_text(resp.body.data, end, "NextPartNumberMarker", nm, sizeof(nm));
		if (!strcmp(more, "true"))
			*next = (unsigned)strtoul(nm, NULL, 10);
	}
	cm_http_resp_free(&resp);
	cm_buf_free(&q);
	return r;
}

/* An HTTP date (RFC 7231 IMF-fixdate) as a time_t, or -1. */
static long long http_date(const char *v)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	return end && !*end ? (long long)timegm(&tm) : -1;
}

/* ListParts says NoSuchUpload: the interrupted run was killed after
 * CompleteMultipartUpload and before it removed its state (or the upload
 * was aborted).  Completed: the object is there, of the image's size (or
 * at least what was stored, size unknown), written after the state file's
 * last checkpoint, so not an older object at the same key.  0 (then there
 * is nothing left to send) or -ENOENT, logged. */
static int upload_gone(struct cm_sink *s, struct s3_sink *f, const struct cm_stream_state *st)
{
	const struct s3_call c = { "HeadObject", "HEAD", "", NULL, 0 };
	struct cm_http_resp resp;
	char len[24] = "", date[64] = "";
	struct stat sb;
	unsigned long long n = 0;
	int done = 0;

	cm_http_resp_init(&resp);
	if (s->state_path && stat(s->state_path, &sb) == 0 &&
	    s3_call(s, &f->http, &c, &resp) == 0 && resp.status == 200 && resp.headers.data &&
	    !cm_http_header(resp.headers.data, resp.headers.len, "Content-Length", len, sizeof(len)) &&
	    !cm_http_header(resp.headers.data, resp.headers.len, "Last-Modified", date, sizeof(date))) {
		n = strtoull(len, NULL, 10);
		done = http_date(date) >= (long long)sb.st_mtime &&
		       (s->size != CM_SIZE_UNKNOWN ? n == s->size : n >= st->committed);
	}
	cm_http_resp_free(&resp);
	if (!done)
		return cm_err(-ENOENT, "dest %s: --resume: the interrupted upload is gone "
			      "(NoSuchUpload); run again without --resume", s->dest);
	f->completed = 1;
	s->resume_from = s->size != CM_SIZE_UNKNOWN ? s->size : UINT64_MAX;
	cm_info("dest %s: the interrupted upload was completed (%llu bytes); nothing to send",
		s->dest, n);
	return 0;
}

static int resume_upload(struct cm_sink *s, struct s3_sink *f, const struct cm_stream_state *st)
{
	unsigned marker = 0, next = 0;
	int run = 1, r;

	r = parse_session(s, f, st->session);
	if (r < 0)
		return r;
	do {
		r = list_page(s, f, marker, &next, &run);
		if (next && next <= marker)
			return cm_err(-EPROTO, "dest %s: ListParts: marker went back", s->dest);
		marker = next;
	} while (r == 0 && next);
	if (r == -ESRCH)
		return upload_gone(s, f, st);
	if (r < 0)
		return r;
	s->resume_from = f->part_start;
	cm_debug("s3: resuming upload at part %u, byte %llu", f->part_no,
		 (unsigned long long)f->part_start);
	return 0;
}

/* --- parts: filled here, sent by the slot threads --------------------------- */

static int session_of(struct s3_sink *f, char *out, size_t size)
{
	int n = snprintf(out, size, "s3 part=%llu grow=%d id=%s",
			 (unsigned long long)f->part_size, f->grow, f->upload_id);

	return n < 0 || (size_t)n >= size ? -EMSGSIZE : 0;
}

/* UploadPart of a slot's bytes: 0 with its ETag, or -errno (logged). */
static int upload_part(struct cm_sink *s, struct s3_sink *f, struct s3_slot *sl)
{
	struct s3_call c = { "UploadPart", "PUT", NULL, sl->buf, sl->fill };
	struct cm_http_resp resp;
	struct cm_buf q;
	int r;

	cm_buf_init(&q, 4096);
	r = cm_buf_printf(&q, "partNumber=%u&", sl->part_no);
	if (r == 0)
		r = upload_query(f, &q, "");
	if (r < 0)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	c.query = q.data;
	cm_http_resp_init(&resp);
	r = s3_call(s, &sl->http, &c, &resp);
	if (r == 0 && !s3_ok(&resp))
		r = s3_error(s, "UploadPart", &resp);
	if (r == 0 && (cm_http_header(resp.headers.data ? resp.headers.data : "",
				     resp.headers.len, "ETag", sl->etag, sizeof(sl->etag)) < 0 ||
		       !sl->etag[0]))
		r = cm_err(-EPROTO, "dest %s: UploadPart %u: no ETag", s->dest, sl->part_no);
	cm_http_resp_free(&resp);
	cm_buf_free(&q);
	return r;
}

static void *slot_thread(void *arg)
{
	struct s3_slot *sl = arg;
	struct s3_sink *f = sl->s->priv;
	int r;

	pthread_mutex_lock(&f->lock);
	while (!(f->quit && sl->state != SLOT_BUSY)) {
		if (sl->state != SLOT_BUSY) {
			pthread_cond_wait(&f->cond, &f->lock);
			continue;
		}
		pthread_mutex_unlock(&f->lock);
		r = upload_part(sl->s, f, sl);
		pthread_mutex_lock(&f->lock);
		sl->result = r;
		sl->state = SLOT_DONE;
		pthread_cond_broadcast(&f->cond);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/* Takes the answers of the finished slots (under the lock): ETags kept,
 * slots freed; the first failure is kept in f->error. */
static void reap(struct s3_sink *f)
{
	int i;

	for (i = 0; i < f->nslots; i++) {
		struct s3_slot *sl = &f->slots[i];

		if (sl->state != SLOT_DONE)
			continue;
		if (sl->result < 0 && !f->error)
			f->error = sl->result;
		if (sl->result == 0) {
			memcpy(f->etags[sl->part_no - 1], sl->etag, CM_S3_ETAG_MAX);
			f->ends[sl->part_no - 1] = sl->start + sl->fill;
		}
		sl->state = SLOT_FREE;
	}
}

/* After reaping: saves the resume state when the run of stored parts grew. */
static int checkpoint(struct cm_sink *s, struct s3_sink *f)
{
	char session[CM_STATE_SESSION_MAX];
	unsigned before = f->prefix;
	int r;

	while (f->prefix < S3_PARTS_MAX && f->etags[f->prefix][0])
		f->prefix++;
	if (f->prefix == before)
		return 0;
	r = session_of(f, session, sizeof(session));
	return r < 0 ? r : cm_sink_checkpoint(s, f->ends[f->prefix - 1], session);
}

/* Waits for a free slot (all_idle: for every slot to be idle), reaping
 * the finished ones; their buffers go back when parts grow past 8 MiB. */
static int wait_slots(struct cm_sink *s, struct s3_sink *f, int all_idle, struct s3_slot **out)
{
	/* parts over 8 MiB: one in flight, to bound the memory */
	int usable = part_size_of(f, f->part_no) > S3_PART_MIN ? 2 : S3_SLOTS;
	int i, r, c;

	pthread_mutex_lock(&f->lock);
	for (;;) {
		int busy = 0;

		reap(f);
		*out = NULL;
		for (i = 0; i < f->nslots; i++) {
			if (f->slots[i].state == SLOT_BUSY)
				busy++;
			else if (f->slots[i].state == SLOT_FREE && !*out && i < usable)
				*out = &f->slots[i];
		}
		if (f->error ? !busy : all_idle ? !busy : *out != NULL)
			break;
		pthread_cond_wait(&f->cond, &f->lock);
	}
	for (i = usable; i < f->nslots; i++)
		if (f->slots[i].state == SLOT_FREE && f->slots[i].buf) {
			free(f->slots[i].buf);
			f->slots[i].buf = NULL;
			f->slots[i].cap = 0;
		}
	r = f->error;
	pthread_mutex_unlock(&f->lock);
	/* after a failure too: the parts that did land are kept for --resume */
	c = checkpoint(s, f);
	return r < 0 ? r : c;
}

/* A free slot for part f->part_no, as f->cur. */
static int take_slot(struct cm_sink *s, struct s3_sink *f)
{
	struct s3_slot *sl;
	int r = wait_slots(s, f, 0, &sl);

	if (r < 0)
		return r;
	sl->part_no = f->part_no;
	sl->start = f->part_start;
	sl->fill = 0;
	sl->state = SLOT_FILLING;
	f->cur = sl;
	return slot_buffer(s, f, sl);
}

/* The filled slot goes to its thread; the next part starts after it. */
static int send_slot(struct cm_sink *s, struct s3_sink *f)
{
	struct s3_slot *sl = f->cur;

	if (sl->part_no > S3_PARTS_MAX)
		return cm_err(-EFBIG, "dest %s: over %d parts", s->dest, S3_PARTS_MAX);
	pthread_mutex_lock(&f->lock);
	sl->state = SLOT_BUSY;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	f->part_start += sl->fill;
	f->part_no++;
	f->cur = NULL;
	return 0;
}

/* len bytes at off into the parts: from src, or zeros when src is NULL */
static int put_bytes(struct cm_sink *s, uint64_t off, const unsigned char *src, uint64_t len)
{
	struct s3_sink *f = s->priv;
	uint64_t pos = f->part_start + (f->cur ? f->cur->fill : 0);
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
		struct s3_slot *sl = f->cur;
		uint64_t room;
		size_t n;

		if (!sl) {
			r = take_slot(s, f);
			if (r < 0)
				return r;
			continue;
		}
		room = (f->single ? sl->cap : part_size_of(f, sl->part_no)) - sl->fill;
		if (room == 0) {
			if (f->single)
				return cm_err(-EFBIG, "dest %s: more than the %llu bytes announced",
					      s->dest, (unsigned long long)s->size);
			r = send_slot(s, f);
			if (r < 0)
				return r;
			continue;
		}
		n = (size_t)(len < room ? len : room);
		if (src) {
			memcpy(sl->buf + sl->fill, src, n);
			src += n;
		} else {
			memset(sl->buf + sl->fill, 0, n);
		}
		sl->fill += n;
		len -= n;
	}
	return 0;
}

/* --- the sink --------------------------------------------------------------- */

static int start_slots(struct cm_sink *s, struct s3_sink *f)
{
	int i, r;

	f->nslots = f->single ? 1 : S3_SLOTS;
	for (i = 0; i < f->nslots; i++) {
		struct s3_slot *sl = &f->slots[i];

		sl->s = s;
		if (f->single)
			continue;
		r = cm_http_init(&sl->http, s->dest);
		if (r < 0)
			return r;
		if (pthread_create(&sl->thread, NULL, slot_thread, sl))
			return cm_err(-EAGAIN, "dest %s: thread", s->dest);
		sl->started = 1;
	}
	return 0;
}

/* The threads finish what they send and leave. */
static void stop_slots(struct s3_sink *f)
{
	int i;

	pthread_mutex_lock(&f->lock);
	f->quit = 1;
	pthread_cond_broadcast(&f->cond);
	pthread_mutex_unlock(&f->lock);
	for (i = 0; i < S3_SLOTS; i++) {
		struct s3_slot *sl = &f->slots[i];

		if (sl->started)
			pthread_join(sl->thread, NULL);
		sl->started = 0;
		cm_http_cleanup(&sl->http);
		free(sl->buf);
		sl->buf = NULL;
	}
}

static void s3_free(struct cm_sink *s)
{
	struct s3_sink *f = s->priv;

	if (!f)
		return;
	stop_slots(f);
	pthread_mutex_destroy(&f->lock);
	pthread_cond_destroy(&f->cond);
	cm_http_cleanup(&f->http);
	if (f->creds) {
		cm_creds_wipe(f->creds);
		free(f->creds);
	}
	cm_buf_free(&f->uri);
	free(f->etags);
	free(f->ends);
	free(f);
	s->priv = NULL;
}

static int s3_open(struct cm_sink *s, const struct cm_stream_state *resume)
{
	struct s3_sink *f = calloc(1, sizeof(*f));
	int r;

	if (!f)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	s->priv = f;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->cond, NULL);
	cm_buf_init(&f->uri, CM_URL_MAX * 3);
	f->part_no = 1;
	r = set_address(s, f);
	if (r == 0)
		r = load_creds(s, f);
	if (r == 0)
		r = cm_http_init(&f->http, s->dest);
	if (r < 0)
		return r;
	f->etags = calloc(S3_PARTS_MAX, sizeof(*f->etags));
	f->ends = calloc(S3_PARTS_MAX + 1, sizeof(*f->ends));
	if (!f->etags || !f->ends)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	f->grow = s->size == CM_SIZE_UNKNOWN;
	f->part_size = f->grow ? S3_PART_MIN : choose_part_size(s->size);
	if (resume && resume->session[0])
		r = resume_upload(s, f, resume);
	else if (!f->grow && s->size <= f->part_size)
		f->single = 1;
	else
		r = create_upload(s, f);
	return r < 0 ? r : start_slots(s, f);
}

static int s3_write(struct cm_sink *s, uint64_t off, const void *buf, size_t len)
{
	return put_bytes(s, off, buf, len);
}

static int s3_skip(struct cm_sink *s, uint64_t off, uint64_t len)
{
	return put_bytes(s, off, NULL, len);
}

static int put_object(struct cm_sink *s, struct s3_sink *f)
{
	struct s3_slot *sl = f->cur;
	struct s3_call c = { "PutObject", "PUT", "", "", 0 };
	struct cm_http_resp resp;
	int r;

	if (sl) {
		c.body = sl->buf;
		c.len = sl->fill;
	}
	cm_http_resp_init(&resp);
	r = s3_call(s, &f->http, &c, &resp);
	if (r == 0 && !s3_ok(&resp))
		r = s3_error(s, c.what, &resp);
	cm_http_resp_free(&resp);
	return r;
}

static int complete_upload(struct cm_sink *s, struct s3_sink *f)
{
	struct s3_call c = { "CompleteMultipartUpload", "POST", NULL, NULL, 0 };
	struct cm_http_resp resp;
	struct cm_buf q, body;
	unsigned n;
	int r;

	cm_buf_init(&q, 4096);
	cm_buf_init(&body, (size_t)S3_PARTS_MAX * (CM_S3_ETAG_MAX + 64) + 128);
	r = upload_query(f, &q, "");
	if (r == 0)
		r = cm_buf_addstr(&body, "<CompleteMultipartUpload>");
	for (n = 1; r == 0 && n < f->part_no; n++)
		r = cm_buf_printf(&body, "<Part><PartNumber>%u</PartNumber><ETag>%s</ETag></Part>",
				  n, f->etags[n - 1]);
	if (r == 0)
		r = cm_buf_addstr(&body, "</CompleteMultipartUpload>");
	if (r < 0) {
		cm_buf_free(&q);
		return cm_err(-ENOMEM, "dest %s", s->dest);
	}
	c.query = q.data;
	c.body = body.data;
	c.len = body.len;
	cm_http_resp_init(&resp);
	r = s3_call(s, &f->http, &c, &resp);
	if (r == 0 && !s3_ok(&resp))
		r = s3_error(s, c.what, &resp);
	if (r == 0)
		r = names_dest(s, f, &resp, c.what, "");
	cm_http_resp_free(&resp);
	cm_buf_free(&q);
	cm_buf_free(&body);
	return r;
}

/* The last part (or an empty first one: S3 wants one), then every part
 * stored, then CompleteMultipartUpload. */
static int finish_upload(struct cm_sink *s, struct s3_sink *f)
{
	struct s3_slot *idle;
	int r = 0;

	if (!f->cur && f->part_no == 1)
		r = take_slot(s, f);
	if (r == 0 && f->cur && f->cur->fill == 0 && f->part_no > 1) {
		f->cur->state = SLOT_FREE;	/* nothing after the last full part */
		f->cur = NULL;
	}
	if (r == 0 && f->cur)
		r = send_slot(s, f);
	if (r == 0)
		r = wait_slots(s, f, 1, &idle);
	if (r == 0 && f->prefix != f->part_no - 1)
		r = cm_err(-EPROTO, "dest %s: %u parts sent, %u stored", s->dest,
			   f->part_no - 1, f->prefix);
	return r < 0 ? r : complete_upload(s, f);
}

static int s3_finish(struct cm_sink *s)
{
	struct s3_sink *f = s->priv;
	uint64_t end = f->part_start + (f->cur ? f->cur->fill : 0);
	int r;

	if (f->completed) {
		s3_free(s);
		return 0;
	}
	if (s->size != CM_SIZE_UNKNOWN && end < s->size) {	/* trailing zeros */
		r = put_bytes(s, end, NULL, s->size - end);
		if (r < 0)
			return r;
	}
	r = f->single ? put_object(s, f) : finish_upload(s, f);
	if (r == 0) {
		f->upload_id[0] = '\0';
		s3_free(s);
	}
	return r;
}

static void s3_abort(struct cm_sink *s)
{
	struct s3_sink *f = s->priv;
	struct s3_call c = { "AbortMultipartUpload", "DELETE", NULL, NULL, 0 };
	struct cm_http_resp resp;
	struct cm_buf q;

	if (!f)
		return;
	stop_slots(f);		/* no part lands after the abort */
	if (f->upload_id[0] && f->creds && f->http.curl) {
		cm_buf_init(&q, 4096);
		cm_http_resp_init(&resp);
		if (upload_query(f, &q, "") == 0) {
			c.query = q.data;
			if (s3_call(s, &f->http, &c, &resp) == 0 && resp.status != 204 &&
			    !s3_ok(&resp) && resp.status != 404)
				s3_error(s, c.what, &resp);
		}
		cm_http_resp_free(&resp);
		cm_buf_free(&q);
	}
	s3_free(s);
}

const struct cm_sink_ops cm_sink_s3 = {
	.scheme  = "s3",
	.caps    = CM_SINK_RESUME,
	.open    = s3_open,
	.write   = s3_write,
	.skip    = s3_skip,
	.finish  = s3_finish,
	.abort   = s3_abort,
	.release = s3_free,
};
