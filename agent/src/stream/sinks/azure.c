/* Azure page blobs: https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB?SAS
 * or, path-style (the emulator, azurite), http://HOST:PORT/ACCOUNT/CONTAINER/
 * BLOB, authorized by the URL's SAS or by Shared Key (azure_account_key in
 * --creds; see azure_sign.h).
 *
 * Put Blob creates an empty page blob of the image's size, which reads as
 * zeros; Put Page then writes only the ranges that hold data, up to 4 MiB
 * each, 512-byte aligned, each with its Content-MD5 (the service checks
 * it); zero ranges are never sent.  Sources:
 *   https://learn.microsoft.com/rest/api/storageservices/put-blob
 *     (x-ms-blob-type: PageBlob, x-ms-blob-content-length "aligned to a
 *     512-byte boundary", at most 8 TiB)
 *   https://learn.microsoft.com/rest/api/storageservices/put-page
 *     (x-ms-page-write: update, x-ms-range bytes=S-E with S a multiple of
 *     512 and E+1 too, at most 4 MiB per update)
 * A fixed VHD's size is a MiB multiple plus its 512-byte footer; a raw
 * image's is rounded up to 512 here (the tail reads as zeros).
 *
 * Resume: the blob itself is the session.  After each Put Page the state
 * file records the offset below which everything is stored; --resume
 * checks the blob is still a page blob of the right size (Get Blob
 * Properties) holding the last page stored (Get Page Ranges) and
 * continues from that offset, else starts over.  abort() deletes the blob.
 * A SAS needs r (resume), c and w (write), d (abort) permissions.
 *
 * Delta (--delta-map, a map that matches): the blob is updated in place.
 * Its identity is its ETag (Get Blob Properties), which every write
 * changes: a blob replaced or written by another since the map was made
 * does not match.  A blob of another size is resized (Set Blob
 * Properties, x-ms-blob-content-length); changed blocks are Put Page'd,
 * their all-zero parts and the blocks that became zero are cleared
 * (x-ms-page-write: clear, adjacent ranges in one request); unchanged
 * blocks are not touched.
 *   https://learn.microsoft.com/rest/api/storageservices/set-blob-properties
 *
 * Secrets: the SAS query is the signature; it lives only in the request
 * URL and is wiped with the sink.  Messages show the URL without its
 * query; the state file keeps it without its query too (cmd_stream.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../log.h"
#include "../../util/http.h"
#include "../creds.h"
#include "../stream.h"
#include "azure_sign.h"
#include "sink.h"

#define AZ_PAGE		512u
#define AZ_PUT_MAX	(4u * 1024 * 1024)	/* Put Page: at most 4 MiB */
#define AZ_ZERO_BLOCK	(64u * 1024)		/* all-zero blocks left out */
#define AZ_BLOB_MAX	(8ull << 40)		/* a page blob: at most 8 TiB */
#define AZ_VERSION	"2021-08-06"		/* azurite 3.37 accepts it */
#define AZ_URL_MAX	(2 * CM_URL_MAX + 64)

struct az {
	struct cm_http http;
	struct cm_http_resp resp;
	unsigned char key[CM_AZURE_KEY_MAX];
	size_t key_len;			/* 0: the URL's SAS authorizes */
	char account[CM_AZURE_ACCOUNT_MAX];
	uint64_t blob_size;
	int created;			/* a blob of ours is there */
	unsigned char *buf;		/* AZ_PUT_MAX: [base, base + fill) */
	uint64_t base;			/* a multiple of AZ_PAGE */
	size_t fill;
	char session[64];
	int delta;			/* the blob updated in place */
	uint64_t clear_off, clear_len;	/* delta: pages to clear, pending */
	char url[AZ_URL_MAX];		/* the request's; holds the SAS */
};

/* The dest as messages show it, without the query (a SAS signature);
 * static because cm_sink_fail prints it after release() freed priv. */
static char shown_dest[CM_URL_MAX];

static uint64_t page_up(uint64_t n)
{
	return (n + AZ_PAGE - 1) / AZ_PAGE * AZ_PAGE;
}

/* The request URL: the blob's, then the SAS (when it authorizes) and
 * comp=.  0 or -ENAMETOOLONG (logged). */
static int build_url(struct cm_sink *s, const char *comp, const char *what)
{
	struct az *a = s->priv;
	const struct cm_url *u = s->url;
	const char *sas = a->key_len ? "" : u->query;
	int r = snprintf(a->url, sizeof(a->url), "%s://%s%s%s%s%s%s%s", u->scheme_name,
			 u->host, u->path, *sas || comp ? "?" : "", sas,
			 *sas && comp ? "&" : "", comp ? "comp=" : "", comp ? comp : "");

	if (r < 0 || (size_t)r >= sizeof(a->url))
		return cm_err(-ENAMETOOLONG, "dest %s: %s", s->dest, what);
	return 0;
}

/* Appends "Authorization: SharedKey ..." for a request with the headers
 * hdrs[0..*n) (the x-ms- ones) to hdrs.  0 or -errno (logged). */
static int add_authorization(struct cm_sink *s, const char *method, const char *comp,
			     size_t len, const char *md5, const char **hdrs, size_t *n,
			     char *auth, size_t auth_size, const char *what)
{
	struct az *a = s->priv;
	struct cm_azure_req q = {
		.method = method, .content_length = len, .content_md5 = md5,
		.x_ms = hdrs, .account = a->account, .path = s->url->path, .comp = comp,
	};
	int k = snprintf(auth, auth_size, "Authorization: ");
	int r = cm_azure_authorization(&q, a->key, a->key_len, auth + k, auth_size - k);

	if (r < 0)
		return cm_err(r, "dest %s: %s: signing", s->dest, what);
	hdrs[(*n)++] = auth;
	return 0;
}

/* One request: method on the blob, with ?comp= when comp is set, the
 * x-ms- headers x_ms (at most 8) and body.  0 and the status in
 * a->resp.status, or -errno (logged; -EIO: the transport failed). */
static int az_do(struct cm_sink *s, const char *method, const char *comp,
		 const char *const *x_ms, const void *body, size_t len, const char *md5,
		 const char *what)
{
	struct az *a = s->priv;
	char date[40], hdr_date[64], hdr_md5[64], auth[160] = "";
	const char *hdrs[16];
	size_t n = 0, i;
	int r = build_url(s, comp, what);

	if (r == 0 && cm_azure_date(time(NULL), date, sizeof(date)) < 0)
		r = cm_err(-EINVAL, "dest %s: %s: clock", s->dest, what);
	if (r < 0)
		return r;
	snprintf(hdr_date, sizeof(hdr_date), "x-ms-date: %s", date);
	hdrs[n++] = hdr_date;
	hdrs[n++] = "x-ms-version: " AZ_VERSION;
	for (i = 0; x_ms && x_ms[i] && i < 8; i++)
		hdrs[n++] = x_ms[i];
	hdrs[n] = NULL;
	if (a->key_len) {
		r = add_authorization(s, method, comp, len, md5, hdrs, &n, auth,
				      sizeof(auth), what);
		if (r < 0)
			return r;
	}
	if (md5) {
		snprintf(hdr_md5, sizeof(hdr_md5), "Content-MD5: %s", md5);
		hdrs[n++] = hdr_md5;
	}
	hdrs[n] = NULL;
	{
		struct cm_http_req q = { .method = method, .url = a->url, .headers = hdrs,
					 .body = body, .body_len = len };

		r = cm_http_do_retry(&a->http, &q, &a->resp);
	}
	explicit_bzero(auth, sizeof(auth));
	if (r == -EMSGSIZE)
		return cm_err(-EPROTO, "dest %s: %s: response too large", s->dest, what);
	if (r < 0)
		return cm_err(-EIO, "dest %s: %s: %s", s->dest, what, a->http.why);
	return 0;
}

/* The status was not the expected one: log it with the service's error
 * code and say whether it is worth a resume (-EIO) or fatal. */
static int az_status(struct cm_sink *s, const char *what)
{
	struct az *a = s->priv;
	long st = a->resp.status;
	char code[128] = "";

	cm_http_header(a->resp.headers.data, a->resp.headers.len, "x-ms-error-code",
		       code, sizeof(code));
	cm_log(CM_LOG_ERR, "dest %s: %s: HTTP %ld%s%s", s->dest, what, st,
	       code[0] ? " " : "", code);
	if (cm_http_status_retryable(st))
		return -EIO;
	if (st == 401 || st == 403)
		return -EACCES;
	return st == 404 ? -ENOENT : -EPROTO;
}

/* Put Page of [off, off + len) from p. */
static int put_page(struct cm_sink *s, uint64_t off, const unsigned char *p, size_t len)
{
	struct az *a = s->priv;
	char range[80], md5[32], what[64];
	const char *x_ms[] = { range, "x-ms-page-write: update", NULL };
	int r;

	snprintf(range, sizeof(range), "x-ms-range: bytes=%llu-%llu",
		 (unsigned long long)off, (unsigned long long)(off + len - 1));
	snprintf(what, sizeof(what), "Put Page at %llu", (unsigned long long)off);
	if (cm_azure_md5_b64(p, len, md5, sizeof(md5)) < 0)
		return cm_err(-EINVAL, "dest %s: %s: MD5", s->dest, what);
	r = az_do(s, "PUT", "page", x_ms, p, len, md5, what);
	if (r < 0)
		return r;
	if (a->resp.status != 201)
		return az_status(s, what);
	return cm_sink_checkpoint(s, off + len, a->session);
}

/* Clear Pages of the pending range (delta). */
static int clear_pending(struct cm_sink *s)
{
	struct az *a = s->priv;
	char range[80], what[64];
	const char *x_ms[] = { range, "x-ms-page-write: clear", NULL };
	int r;

	if (!a->clear_len)
		return 0;
	snprintf(range, sizeof(range), "x-ms-range: bytes=%llu-%llu",
		 (unsigned long long)a->clear_off,
		 (unsigned long long)(a->clear_off + a->clear_len - 1));
	snprintf(what, sizeof(what), "Clear Pages at %llu", (unsigned long long)a->clear_off);
	r = az_do(s, "PUT", "page", x_ms, NULL, 0, NULL, what);
	if (r < 0)
		return r;
	if (a->resp.status != 201)
		return az_status(s, what);
	a->clear_len = 0;
	return 0;
}

/* Delta: [off, off + len) (whole pages) must read as zeros: joined to the
 * pending range when adjacent, else that one is cleared first. */
static int clear(struct cm_sink *s, uint64_t off, uint64_t len)
{
	struct az *a = s->priv;
	int r;

	if (a->clear_len && a->clear_off + a->clear_len == off) {
		a->clear_len += len;
		return 0;
	}
	r = clear_pending(s);
	a->clear_off = off;
	a->clear_len = len;
	return r;
}

/* Sends the buffer (padded with zeros to a page), its all-zero blocks
 * left out (delta: cleared), one Put Page per run of blocks that hold
 * data. */
static int flush(struct cm_sink *s)
{
	struct az *a = s->priv;
	size_t len = (size_t)page_up(a->fill), pos = 0, start, end;
	int r;

	memset(a->buf + a->fill, 0, len - a->fill);
	while (pos < len) {
		/* blocks at absolute AZ_ZERO_BLOCK boundaries */
		start = pos;
		while (start < len) {
			end = (size_t)((a->base + start) / AZ_ZERO_BLOCK + 1) * AZ_ZERO_BLOCK -
			      (size_t)a->base;
			end = end < len ? end : len;
			if (!cm_is_zero(a->buf + start, end - start))
				break;
			start = end;
		}
		if (a->delta && start > pos && (r = clear(s, a->base + pos, start - pos)) < 0)
			return r;
		pos = start;
		while (pos < len) {
			end = (size_t)((a->base + pos) / AZ_ZERO_BLOCK + 1) * AZ_ZERO_BLOCK -
			      (size_t)a->base;
			end = end < len ? end : len;
			if (cm_is_zero(a->buf + pos, end - pos))
				break;
			pos = end;
		}
		if (pos > start) {
			if (a->delta && (r = clear_pending(s)) < 0)
				return r;
			r = put_page(s, a->base + start, a->buf + start, pos - start);
			if (r < 0)
				return r;
		}
	}
	a->base += len;
	a->fill = 0;
	return 0;
}

/* Appends len bytes of p (zeros when p is NULL) at the buffer's end,
 * sending it each time it is full. */
static int append(struct cm_sink *s, const unsigned char *p, uint64_t len)
{
	struct az *a = s->priv;
	int r;

	while (len) {
		size_t n = AZ_PUT_MAX - a->fill;

		n = len < n ? (size_t)len : n;
		if (p)
			memcpy(a->buf + a->fill, p, n);
		else
			memset(a->buf + a->fill, 0, n);
		a->fill += n;
		len -= n;
		if (p)
			p += n;
		if (a->fill == AZ_PUT_MAX) {
			r = flush(s);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int az_write(struct cm_sink *s, uint64_t off, const void *buf, size_t len)
{
	struct az *a = s->priv;
	uint64_t end = a->base + a->fill;
	int r;

	if (off + len > a->blob_size || off < end)
		return cm_err(-EINVAL, "dest %s: write at %llu out of order", s->dest,
			      (unsigned long long)off);
	if (off > end && off / AZ_PAGE * AZ_PAGE >= page_up(end)) {
		/* a zero range ended a page ago or more: send what is held
		 * (its last page padded with what are zeros in the image) and
		 * start again at the page off is in */
		if (a->fill) {
			r = flush(s);
			if (r < 0)
				return r;
		}
		a->base = off / AZ_PAGE * AZ_PAGE;
		end = a->base;
	}
	/* a zero range inside the page being filled: its zeros go with it */
	r = append(s, NULL, off - end);
	return r < 0 ? r : append(s, buf, len);
}

/* Zero ranges are left out: a new page blob reads as zeros.  (write()
 * sees the gap they leave.)  Delta: a block that became zero is cleared
 * (blocks are page-aligned; the disk's last one ends where the blob
 * does, rounded up to a page), and so is a vhd's padding. */
static int az_skip(struct cm_sink *s, uint64_t off, uint64_t len)
{
	struct az *a = s->priv;
	int r;

	uint64_t start = page_up(off), end = page_up(off + len);

	if (!a->delta)
		return 0;
	if (a->fill && (r = flush(s)) < 0)
		return r;
	/* a page that began before off is in what write() sent, padded */
	return start < end ? clear(s, start, end - start) : 0;
}

static void az_free(struct cm_sink *s)
{
	struct az *a = s->priv;

	if (!a)
		return;
	cm_http_cleanup(&a->http);
	cm_http_resp_free(&a->resp);
	free(a->buf);
	explicit_bzero(a, sizeof(*a));
	free(a);
	s->priv = NULL;
}

/* Shared Key from --creds, unless the URL carries a SAS. */
static int load_key(struct cm_sink *s, struct az *a)
{
	struct cm_creds *c;
	int r;

	if (cm_azure_query_is_sas(s->url->query))
		return 0;
	if (s->url->query[0])
		return cm_err(-EINVAL, "dest %s: a query that is not a SAS (no sv and sig parameters)", s->dest);
	if (!s->creds)
		return cm_err(-EACCES, "dest %s: no credentials: a SAS URL, or "
			      "azure_account_key in --creds", s->dest);
	c = calloc(1, sizeof(*c));
	if (!c)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	r = cm_creds_load(s->creds, c);
	if (r == 0 && !c->azure_account_key[0])
		r = cm_err(-EACCES, "dest %s: no azure_account_key in %s", s->dest, s->creds);
	else if (r == 0 && cm_azure_key_decode(c->azure_account_key, a->key, &a->key_len) < 0)
		r = cm_err(-EINVAL, "dest %s: azure_account_key in %s is not Base64",
			   s->dest, s->creds);
	if (r == 0 && c->azure_account_name[0])
		snprintf(a->account, sizeof(a->account), "%s", c->azure_account_name);
	cm_creds_wipe(c);
	free(c);
	return r;
}

/* Get Blob Properties: is the blob of an interrupted stream still there,
 * a page blob of our size?  1 yes, 0 it is gone, -errno. */
static int blob_is_ours(struct cm_sink *s)
{
	struct az *a = s->priv;
	char type[32] = "", length[32] = "";
	int r = az_do(s, "HEAD", NULL, NULL, NULL, 0, NULL, "Get Blob Properties");

	if (r < 0)
		return r;
	if (a->resp.status == 404)
		return 0;
	if (a->resp.status != 200)
		return az_status(s, "Get Blob Properties");
	cm_http_header(a->resp.headers.data, a->resp.headers.len, "x-ms-blob-type",
		       type, sizeof(type));
	cm_http_header(a->resp.headers.data, a->resp.headers.len, "Content-Length",
		       length, sizeof(length));
	if (strcmp(type, "PageBlob") || strtoull(length, NULL, 10) != a->blob_size)
		return cm_err(-EEXIST, "dest %s: --resume: the blob there is a %s of %s bytes, "
			      "not the page blob of %llu bytes this stream was writing",
			      s->dest, type[0] ? type : "blob", length[0] ? length : "?",
			      (unsigned long long)a->blob_size);
	return 1;
}

/* Put Blob: a page blob of blob_size bytes, all zeros. */
static int create_blob(struct cm_sink *s)
{
	struct az *a = s->priv;
	char length[64];
	const char *x_ms[] = { "x-ms-blob-type: PageBlob", length, NULL };
	int r;

	snprintf(length, sizeof(length), "x-ms-blob-content-length: %llu",
		 (unsigned long long)a->blob_size);
	r = az_do(s, "PUT", NULL, x_ms, NULL, 0, NULL, "Put Blob");
	if (r < 0)
		return r;
	if (a->resp.status != 201)
		return az_status(s, "Put Blob");
	a->created = 1;
	return cm_sink_checkpoint(s, 0, a->session);
}

/* Get Page Ranges of the page below committed: the last Put Page the
 * state counts ended there, so a blob that holds what the state says has
 * it (a blob made again since, all zeros, does not).  1 yes, 0 no, -errno. */
static int holds_last_page(struct cm_sink *s, uint64_t committed)
{
	struct az *a = s->priv;
	char range[80];
	const char *x_ms[] = { range, NULL };
	int r;

	snprintf(range, sizeof(range), "x-ms-range: bytes=%llu-%llu",
		 (unsigned long long)(committed - AZ_PAGE),
		 (unsigned long long)(committed - 1));
	r = az_do(s, "GET", "pagelist", x_ms, NULL, 0, NULL, "Get Page Ranges");
	if (r < 0)
		return r;
	if (a->resp.status != 200)
		return az_status(s, "Get Page Ranges");
	return a->resp.body.data && strstr(a->resp.body.data, "<PageRange>") != NULL;
}

static int resume_blob(struct cm_sink *s, const struct cm_stream_state *resume)
{
	struct az *a = s->priv;
	uint64_t committed = resume->committed / AZ_PAGE * AZ_PAGE;
	int r;

	if (strcmp(resume->session, a->session) || committed > a->blob_size)
		return cm_err(-EINVAL, "dest %s: --resume: the state is not a page blob "
			      "stream of this size", s->dest);
	r = blob_is_ours(s);
	if (r > 0 && committed)
		r = holds_last_page(s, committed);
	if (r < 0)
		return r;
	if (r == 0) {
		cm_warn("dest %s: --resume: the blob is gone or not the one this stream "
			"was writing; starting from the beginning", s->dest);
		return create_blob(s);
	}
	a->created = 1;
	s->resume_from = committed;
	a->base = s->resume_from;
	return cm_sink_checkpoint(s, s->resume_from, a->session);
}

static void show_dest(struct cm_sink *s)
{
	size_t n = strcspn(s->dest, "?");

	if (n >= sizeof(shown_dest))
		n = sizeof(shown_dest) - 1;
	memcpy(shown_dest, s->dest, n);
	shown_dest[n] = '\0';
	s->dest = shown_dest;
}

/* What identity() and open() share: the account, the key, the HTTP
 * handle.  0 or -errno (logged). */
static int az_setup(struct cm_sink *s, struct az *a)
{
	int r;

	if (cm_azure_url_account(s->url, a->account, sizeof(a->account)) < 0)
		return cm_err(-EINVAL, "dest %s: not an Azure blob URL (https://ACCOUNT.blob."
			      "core.windows.net/CONTAINER/BLOB or http://HOST:PORT/ACCOUNT/"
			      "CONTAINER/BLOB)", s->dest);
	r = load_key(s, a);
	if (r < 0)
		return r;
	cm_http_resp_init(&a->resp);
	return cm_http_init(&a->http, s->dest);
}

/* Get Blob Properties: "azure:etag=ETAG,size=N" of the page blob there,
 * -ENOENT when there is none. */
static int blob_identity(struct cm_sink *s, char *out, size_t size)
{
	struct az *a = s->priv;
	char etag[128] = "", type[32] = "", length[32] = "";
	int r = az_do(s, "HEAD", NULL, NULL, NULL, 0, NULL, "Get Blob Properties");

	if (r < 0)
		return r;
	if (a->resp.status == 404)
		return -ENOENT;
	if (a->resp.status != 200)
		return az_status(s, "Get Blob Properties");
	cm_http_header(a->resp.headers.data, a->resp.headers.len, "ETag", etag, sizeof(etag));
	cm_http_header(a->resp.headers.data, a->resp.headers.len, "x-ms-blob-type",
		       type, sizeof(type));
	cm_http_header(a->resp.headers.data, a->resp.headers.len, "Content-Length",
		       length, sizeof(length));
	if (strcmp(type, "PageBlob") || !etag[0] || strpbrk(etag, " \t"))
		return -ENOENT;
	r = snprintf(out, size, "azure:etag=%s,size=%s", etag, length);
	return r < 0 || (size_t)r >= size ? -ENAMETOOLONG : 0;
}

static int az_identity(const struct cm_sink *cs, char *out, size_t size)
{
	struct cm_sink s = *cs;
	struct az *a = calloc(1, sizeof(*a));
	int r;

	if (!a)
		return cm_err(-ENOMEM, "dest %s", cs->dest);
	s.priv = a;
	r = az_setup(&s, a);
	if (r == 0)
		r = blob_identity(&s, out, size);
	az_free(&s);
	return r;
}

/* Delta: the blob the map describes, of the image's size (resized when
 * the disk grew or shrank). */
static int open_in_place(struct cm_sink *s)
{
	struct az *a = s->priv;
	char id[CM_URL_MAX], length[64];
	const char *x_ms[] = { length, NULL };
	int r = blob_identity(s, id, sizeof(id));

	if (r < 0 || !s->prev_id || strcmp(id, s->prev_id))
		return cm_err(r < 0 && r != -ENOENT ? r : -ESTALE, "dest %s: changed since "
			      "the delta map was made", s->dest);
	a->created = 1;
	a->delta = 1;
	snprintf(length, sizeof(length), "%llu", (unsigned long long)a->blob_size);
	if (!strcmp(strstr(id, ",size=") + 6, length))
		return 0;
	snprintf(length, sizeof(length), "x-ms-blob-content-length: %llu",
		 (unsigned long long)a->blob_size);
	r = az_do(s, "PUT", "properties", x_ms, NULL, 0, NULL, "Set Blob Properties");
	if (r < 0)
		return r;
	return a->resp.status == 200 ? 0 : az_status(s, "Set Blob Properties");
}

static int az_open(struct cm_sink *s, const struct cm_stream_state *resume)
{
	struct az *a;
	int r;

	show_dest(s);
	if (s->size == CM_SIZE_UNKNOWN)
		return cm_err(-EINVAL, "dest %s: a page blob needs the image's size up front "
			      "(--format vhd or raw, not gce)", s->dest);
	if (page_up(s->size) > AZ_BLOB_MAX)
		return cm_err(-EFBIG, "dest %s: an image of %llu bytes; a page blob holds "
			      "8 TiB at most", s->dest, (unsigned long long)s->size);
	a = calloc(1, sizeof(*a));
	if (!a)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	s->priv = a;
	a->blob_size = page_up(s->size);
	snprintf(a->session, sizeof(a->session), "pageblob %llu",
		 (unsigned long long)a->blob_size);
	r = az_setup(s, a);
	if (r < 0)
		return r;
	a->buf = malloc(AZ_PUT_MAX);
	if (!a->buf)
		return cm_err(-ENOMEM, "dest %s", s->dest);
	if (s->delta)
		return open_in_place(s);
	return resume ? resume_blob(s, resume) : create_blob(s);
}

static int az_finish(struct cm_sink *s)
{
	struct az *a = s->priv;
	int r = a->fill ? flush(s) : 0;

	if (r == 0)
		r = clear_pending(s);
	if (r == 0)
		az_free(s);
	return r;
}

/* Delete Blob: nothing is left that claims to be the image. */
static void az_abort(struct cm_sink *s)
{
	struct az *a = s->priv;

	if (a && a->created &&
	    az_do(s, "DELETE", NULL, NULL, NULL, 0, NULL, "Delete Blob") == 0 &&
	    a->resp.status != 202 && a->resp.status != 404)
		az_status(s, "Delete Blob");
	az_free(s);
}

/* cmd_stream.c uses the state file to resume; the blob stays. */
static void az_release(struct cm_sink *s)
{
	az_free(s);
}

/* Is url an Azure page blob destination rather than a plain PUT one? */
int cm_sink_azure_match(const struct cm_url *url, const char *creds)
{
	struct cm_creds *c;
	int yes;

	if (url->scheme != CM_URL_HTTP && url->scheme != CM_URL_HTTPS)
		return 0;
	if (cm_azure_host_is_blob(url->host) || cm_azure_query_is_sas(url->query))
		return 1;
	if (!creds)
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c)
		return 0;
	yes = cm_creds_peek(creds, c) == 0 && c->azure_account_key[0];
	cm_creds_wipe(c);
	free(c);
	return yes;
}

const struct cm_sink_ops cm_sink_azure = {
	.scheme  = "azure",
	.caps    = CM_SINK_SPARSE | CM_SINK_RESUME | CM_SINK_DELTA | CM_SINK_IN_PLACE,
	.open    = az_open,
	.write   = az_write,
	.skip    = az_skip,
	.finish  = az_finish,
	.abort   = az_abort,
	.release = az_release,
	.identity = az_identity,
};
