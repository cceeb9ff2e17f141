#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "../clouds/clouds.h"
#include "../log.h"
#include "../util/buf.h"
#include "metadata.h"

#define MD_ANSWER_MAX_DEFAULT	(256 * 1024)
#define MD_TOKEN_MAX		1024
#define MD_PROBES_MAX		32
#define MD_REQUESTS_MAX		8	/* per probe at a time */
#define MD_GRACE_MS		100	/* others may still confirm first */

enum md_stage { MD_TOKEN, MD_DOC, MD_KEY };

struct md_probe;

struct md_request {
	CURL *easy;
	struct curl_slist *headers;
	struct cm_buf body;
	struct md_probe *probe;
	enum md_stage stage;
	struct curl_slist *connect_to;
	const struct cm_md_value *key;
	int required_header_seen;
	int in_use;
};

struct md_probe {
	const struct cm_cloud *cloud;
	const struct cm_metadata *md;
	char token[MD_TOKEN_MAX];
	int have_token;
	int pending;
	int keys_left;
	int done;		/* settled: confirmed or not */
	int confirmed;
	char note[CM_MD_NOTE_MAX];
	struct cm_instance inst;
	struct md_request req[MD_REQUESTS_MAX];
};

struct md_run {
	CURLM *multi;
	const struct cm_md_opts *opts;
	char ep_host[256];	/* --metadata-endpoint, split */
	unsigned ep_port;
	struct timespec start;
	long deadline_ms;
	struct md_probe probes[MD_PROBES_MAX];
	size_t n_probes;
};

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

int cm_md_endpoint_parse(const char *s, char *host, size_t host_size,
			 unsigned *port)
{
	const char *colon;
	size_t n;
	char *end;
	long p;

	if (!s || !*s)
		return -EINVAL;
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', (size_t)(colon - s)))
			return -EINVAL;
	}
	n = (size_t)(colon - s);
	if (!n || n >= host_size)
		return -EINVAL;
	p = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || p < 1 || p > 65535)
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	if (strspn(host, "0123456789abcdefABCDEF.:[]-_"
		   "ghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ") != n)
		return -EINVAL;
	*port = (unsigned)p;
	return 0;
}

static void probe_settle(struct md_probe *p, int confirmed, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void probe_settle(struct md_probe *p, int confirmed, const char *fmt, ...)
{
	va_list ap;

	if (p->done)
		return;
	p->done = 1;
	p->confirmed = confirmed;
	va_start(ap, fmt);
	vsnprintf(p->note, sizeof(p->note), fmt, ap);
	va_end(ap);
	cm_debug("metadata: %s: %s", p->cloud->name, p->note);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
	struct md_request *rq = userp;

	/* Over the cap: returning short aborts the transfer (WRITE_ERROR). */
	if (cm_buf_add(&rq->body, data, size * nmemb) < 0)
		return 0;
	return size * nmemb;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
	struct md_request *rq = userp;
	const char *want = rq->probe->md->require_header;
	size_t n = size * nmemb, wl;

	if (want) {
		wl = strlen(want);
		if (n >= wl && !strncasecmp(data, want, wl))
			rq->required_header_seen = 1;
	}
	return n;
}

static struct md_request *request_slot(struct md_probe *p)
{
	size_t i;

	for (i = 0; i < MD_REQUESTS_MAX; i++)
		if (!p->req[i].in_use)
			return &p->req[i];
	return NULL;
}

static int add_header(struct curl_slist **list, const char *h)
{
	struct curl_slist *n = curl_slist_append(*list, h);

	if (!n)
		return -ENOMEM;
	*list = n;
	return 0;
}

static int request_headers(struct md_probe *p, enum md_stage stage,
			   struct curl_slist **list)
{
	const struct cm_metadata *md = p->md;
	char line[MD_TOKEN_MAX + 128];
	size_t i;
	int r = 0;

	/* Drop curl's Expect: and Accept: defaults; each cloud says its own. */
	r = add_header(list, "Expect:");
	for (i = 0; r >= 0 && i < 4 && md->headers[i]; i++)
		r = add_header(list, md->headers[i]);
	if (stage == MD_TOKEN) {
		for (i = 0; r >= 0 && i < 3 && md->token->headers[i]; i++)
			r = add_header(list, md->token->headers[i]);
	} else if (p->have_token) {
		snprintf(line, sizeof(line), "%s: %s%s", md->token->send_header,
			 md->token->send_prefix ? md->token->send_prefix : "",
			 p->token);
		r = add_header(list, line);
	}
	return r;
}

static int request_start(struct md_run *run, struct md_probe *p,
			 enum md_stage stage, const char *path,
			 const struct cm_md_value *key)
{
	struct md_request *rq = request_slot(p);
	long remaining = run->deadline_ms - elapsed_ms(&run->start);
	char url[512];
	int r;

	if (!rq)
		return -ENOSPC;
	if (remaining < 1)
		return -ETIMEDOUT;
	memset(rq, 0, sizeof(*rq));
	rq->probe = p;
	rq->stage = stage;
	rq->key = key;
	cm_buf_init(&rq->body, stage == MD_TOKEN ? MD_TOKEN_MAX * 4 :
			       (p->md->max ? p->md->max : MD_ANSWER_MAX_DEFAULT));
	rq->easy = curl_easy_init();
	if (!rq->easy)
		return -ENOMEM;
	rq->in_use = 1;
	r = request_headers(p, stage, &rq->headers);
	if (r < 0)
		return r;
	snprintf(url, sizeof(url), "http://%s%s", p->md->host, path);
	curl_easy_setopt(rq->easy, CURLOPT_URL, url);
	curl_easy_setopt(rq->easy, CURLOPT_HTTPHEADER, rq->headers);
	curl_easy_setopt(rq->easy, CURLOPT_PRIVATE, rq);
	curl_easy_setopt(rq->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(rq->easy, CURLOPT_WRITEDATA, rq);
	curl_easy_setopt(rq->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(rq->easy, CURLOPT_HEADERDATA, rq);
	curl_easy_setopt(rq->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(rq->easy, CURLOPT_TIMEOUT_MS, remaining);
	curl_easy_setopt(rq->easy, CURLOPT_CONNECTTIMEOUT_MS, remaining);
	/* Metadata is link-local and talks plain HTTP: no redirects off it,
	 * no other protocol, no proxy from the environment. */
	curl_easy_setopt(rq->easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(rq->easy, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(rq->easy, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(rq->easy, CURLOPT_USERAGENT, "cloudmove");
	if (stage == MD_TOKEN) {
		const struct cm_md_token *t = p->md->token;

		curl_easy_setopt(rq->easy, CURLOPT_CUSTOMREQUEST, t->method);
		curl_easy_setopt(rq->easy, CURLOPT_POSTFIELDS, t->body ? t->body : "");
	}
	if (run->opts->endpoint) {
		char to[320];

		/* Same URL, Host header and paths; only the connection moves. */
		snprintf(to, sizeof(to), "%s:80:%s:%u", p->md->host,
			 run->ep_host, run->ep_port);
		rq->connect_to = curl_slist_append(NULL, to);
		if (!rq->connect_to)
			return -ENOMEM;
		curl_easy_setopt(rq->easy, CURLOPT_CONNECT_TO, rq->connect_to);
	}
	if (curl_multi_add_handle(run->multi, rq->easy) != CURLM_OK)
		return -ENOMEM;
	p->pending++;
	return 0;
}

static void request_free(struct md_run *run, struct md_request *rq)
{
	if (!rq->in_use)
		return;
	if (rq->easy) {
		curl_multi_remove_handle(run->multi, rq->easy);
		curl_easy_cleanup(rq->easy);
	}
	curl_slist_free_all(rq->headers);
	curl_slist_free_all(rq->connect_to);
	cm_buf_free(&rq->body);
	memset(rq, 0, sizeof(*rq));
}

static int fetch_start(struct md_run *run, struct md_probe *p)
{
	const struct cm_md_value *key;
	int r = 0;

	if (p->md->doc_path)
		return request_start(run, p, MD_DOC, p->md->doc_path, NULL);
	for (key = p->md->keys; r >= 0 && key && key->field; key++) {
		r = request_start(run, p, MD_KEY, key->where, key);
		if (r >= 0)
			p->keys_left++;
	}
	return r;
}

static int probe_start(struct md_run *run, struct md_probe *p)
{
	if (p->md->token)
		return request_start(run, p, MD_TOKEN, p->md->token->path, NULL);
	return fetch_start(run, p);
}

/* Why a transfer gave no usable answer, in a few words. */
static void transfer_problem(CURLcode cc, long status, char *out, size_t size)
{
	if (cc == CURLE_WRITE_ERROR)
		snprintf(out, size, "answer over the size cap");
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		snprintf(out, size, "no answer within the budget");
	else if (cc != CURLE_OK)
		snprintf(out, size, "%s", curl_easy_strerror(cc));
	else if (status >= 300 && status < 400)
		snprintf(out, size, "HTTP %ld redirect (not followed)", status);
	else
		snprintf(out, size, "HTTP %ld", status);
}

static void on_token(struct md_run *run, struct md_probe *p,
		     struct md_request *rq, CURLcode cc, long status)
{
	const char *body = rq->body.data ? rq->body.data : "";
	char why[160];
	int r = -EIO;

	if (cc == CURLE_OK && status == 200)
		r = cm_md_parse_token(p->md->token, body, rq->body.len, p->token,
				      sizeof(p->token));
	if (r == 0) {
		p->have_token = 1;
	} else if (cc == CURLE_OK && status == 200) {
		/* a 200 that is no token: say what is wrong with it */
		memset(p->token, 0, sizeof(p->token));	/* a part of it */
		cm_md_token_problem(p->md->token, body, rq->body.len, r, why,
				    sizeof(why));
		probe_settle(p, 0, "token request: %s", why);
		return;
	} else if (cc == CURLE_OK && p->md->token->fallback_without &&
		   (status == 403 || status == 404 || status == 405)) {
		/* An IMDS that refuses sessions (v1 only, or a hop limit) */
		cm_debug("metadata: %s: token refused (HTTP %ld), going on without",
			 p->cloud->name, status);
	} else {
		transfer_problem(cc, status, why, sizeof(why));
		probe_settle(p, 0, "token request: %s", why);
		return;
	}
	if (fetch_start(run, p) < 0)
		probe_settle(p, 0, "no time left after the token");
}

static void on_doc(struct md_probe *p, struct md_request *rq, CURLcode cc,
		   long status)
{
	char why[96];
	int r;

	if (cc != CURLE_OK || status != 200) {
		transfer_problem(cc, status, why, sizeof(why));
		probe_settle(p, 0, "%s: %s", p->md->doc_path, why);
		return;
	}
	if (p->md->require_header && !rq->required_header_seen) {
		probe_settle(p, 0, "%s: answer lacks '%s'", p->md->doc_path,
			     p->md->require_header);
		return;
	}
	r = cm_md_parse_doc(p->md, rq->body.data ? rq->body.data : "",
			    rq->body.len, &p->inst);
	if (r == -ENODATA)
		probe_settle(p, 0, "%s: not this cloud's answer (no instance id)",
			     p->md->doc_path);
	else if (r < 0)
		probe_settle(p, 0, "%s: malformed answer (%s)", p->md->doc_path,
			     strerror(-r));
	else
		probe_settle(p, 1, "%s%s", p->have_token ? "session token, " : "",
			     p->md->doc_path);
}

static void on_key(struct md_probe *p, struct md_request *rq, CURLcode cc,
		   long status)
{
	char why[96];

	p->keys_left--;
	if (cc == CURLE_OK && status == 200)
		cm_md_parse_key(rq->key, rq->body.data ? rq->body.data : "",
				rq->body.len, &p->inst);
	else if (rq->key->field == CM_MD_INSTANCE_ID) {
		transfer_problem(cc, status, why, sizeof(why));
		probe_settle(p, 0, "%s: %s", rq->key->where, why);
		return;
	}
	if (p->keys_left > 0)
		return;
	if (p->inst.v[CM_MD_INSTANCE_ID][0])
		probe_settle(p, 1, "%s%s", p->have_token ? "session token, " : "",
			     "plain-text keys");
	else
		probe_settle(p, 0, "no instance id among the keys");
}

static void on_done(struct md_run *run, CURL *easy, CURLcode cc)
{
	struct md_request *rq = NULL;
	struct md_probe *p;
	long status = 0;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&rq);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	if (!rq)
		return;
	p = rq->probe;
	p->pending--;
	if (!p->done) {
		switch (rq->stage) {
		case MD_TOKEN:
			on_token(run, p, rq, cc, status);
			break;
		case MD_DOC:
			on_doc(p, rq, cc, status);
			break;
		case MD_KEY:
			on_key(p, rq, cc, status);
			break;
		}
	}
	request_free(run, rq);
}

static int all_settled(const struct md_run *run, long *first_confirmed_ms,
		       long now)
{
	size_t i;
	int all = 1, any = 0;

	for (i = 0; i < run->n_probes; i++) {
		all &= run->probes[i].done;
		any |= run->probes[i].confirmed;
	}
	if (any && *first_confirmed_ms < 0)
		*first_confirmed_ms = now;
	return all || (any && now - *first_confirmed_ms >= MD_GRACE_MS);
}

static void run_loop(struct md_run *run)
{
	long first_confirmed = -1, now;
	int still_running = 1;
	CURLMsg *msg;
	int left;

	for (;;) {
		curl_multi_perform(run->multi, &still_running);
		while ((msg = curl_multi_info_read(run->multi, &left)))
			if (msg->msg == CURLMSG_DONE)
				on_done(run, msg->easy_handle, msg->data.result);
		now = elapsed_ms(&run->start);
		if (all_settled(run, &first_confirmed, now) ||
		    now >= run->deadline_ms)
			break;
		curl_multi_poll(run->multi, NULL, 0,
				(int)(run->deadline_ms - now < 50 ?
				      run->deadline_ms - now : 50), NULL);
	}
}

static void collect(struct md_run *run, struct cm_md_outcome *out)
{
	size_t i, k;

	for (i = 0; i < run->n_probes; i++) {
		struct md_probe *p = &run->probes[i];

		for (k = 0; k < MD_REQUESTS_MAX; k++)
			request_free(run, &p->req[k]);
		if (!p->done)
			probe_settle(p, 0, "no answer within %ld ms",
				     run->opts->timeout_ms);
		if (p->confirmed && !out->cloud) {
			out->cloud = p->cloud;
			out->inst = p->inst;
			snprintf(out->how, sizeof(out->how), "%s", p->note);
		} else if (out->n_notes < CM_MD_NOTES_MAX) {
			snprintf(out->notes[out->n_notes++], CM_MD_NOTE_MAX,
				 "%s: %s", p->cloud->name, p->note);
		}
	}
}

int cm_metadata_probe(const struct cm_md_opts *opts,
		      const struct cm_cloud *const *candidates, size_t n,
		      struct cm_md_outcome *out)
{
	struct md_run *run;
	size_t i;
	int r = 0;

	memset(out, 0, sizeof(*out));
	run = calloc(1, sizeof(*run));
	if (!run)
		return -ENOMEM;
	run->opts = opts;
	if (opts->endpoint &&
	    cm_md_endpoint_parse(opts->endpoint, run->ep_host,
				 sizeof(run->ep_host), &run->ep_port) < 0) {
		r = -EINVAL;
		goto out;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		r = -ENOMEM;
		goto out;
	}
	run->multi = curl_multi_init();
	if (!run->multi) {
		r = -ENOMEM;
		goto out_global;
	}
	clock_gettime(CLOCK_MONOTONIC, &run->start);
	run->deadline_ms = opts->timeout_ms;
	for (i = 0; i < n && run->n_probes < MD_PROBES_MAX; i++) {
		struct md_probe *p = &run->probes[run->n_probes];

		if (!candidates[i]->md)
			continue;
		p->cloud = candidates[i];
		p->md = candidates[i]->md;
		run->n_probes++;
		if (probe_start(run, p) < 0)
			probe_settle(p, 0, "could not start the request");
	}
	run_loop(run);
	collect(run, out);
	out->elapsed_ms = elapsed_ms(&run->start);
	curl_multi_cleanup(run->multi);
out_global:
	curl_global_cleanup();
out:
	free(run);
	return r;
}
