#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../limits.h"
#include "../log.h"
#include "../util/tls.h"
#include "../util/atomic.h"
#include "../util/file.h"
#include "events.h"

static const char *const kind_names[] = { "started", "ended" };

static void event_id(const struct cm_record *r, const struct cm_stay *s,
		     enum cm_stay_event kind, char *out, size_t size)
{
	snprintf(out, size, "%s-%lu-%ld-%s",
		 r->machine_id[0] ? r->machine_id : "no-machine-id", s->seq,
		 (long)s->first_seen, kind_names[kind]);
}

/* The stay, plus its length in seconds for receivers that sum. */
static struct json_object *stay_data(const struct cm_stay *s)
{
	struct json_object *d = cm_stay_to_json(s);

	if (d)
		json_object_object_add(d, "seconds", json_object_new_int64(
					       (int64_t)(s->last_seen - s->first_seen)));
	return d;
}

/* The CloudEvents 1.0 envelope every event of ours has (JSON, structured
 * mode), around data (taken), into out. */
static int envelope(const struct cm_record *r, const char *id, const char *type,
		    const char *subject, time_t when, struct json_object *data,
		    struct cm_buf *out)
{
	struct json_object *e = json_object_new_object();
	char source[96], t[32];
	const char *text;
	int rc;

	if (!e) {
		json_object_put(data);
		return -ENOMEM;
	}
	snprintf(source, sizeof(source), "urn:cloudmove:machine:%s",
		 r->machine_id[0] ? r->machine_id : "unknown");
	cm_time_format(when, t, sizeof(t));
	json_object_object_add(e, "specversion", json_object_new_string("1.0"));
	json_object_object_add(e, "id", json_object_new_string(id));
	json_object_object_add(e, "source", json_object_new_string(source));
	json_object_object_add(e, "type", json_object_new_string(type));
	json_object_object_add(e, "subject", json_object_new_string(subject));
	json_object_object_add(e, "time", json_object_new_string(t));
	json_object_object_add(e, "datacontenttype",
			       json_object_new_string("application/json"));
	json_object_object_add(e, "data", data);
	text = json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	cm_buf_reset(out);
	rc = text ? cm_buf_addstr(out, text) : -ENOMEM;
	json_object_put(e);
	return rc;
}

int cm_event_format(const struct cm_record *r, const struct cm_stay *s,
		    enum cm_stay_event kind, struct cm_buf *out)
{
	char id[160], type[64], subject[192];

	event_id(r, s, kind, id, sizeof(id));
	snprintf(type, sizeof(type), "io.cloudmove.stay.%s", kind_names[kind]);
	snprintf(subject, sizeof(subject), "%s%s%s", s->cloud,
		 s->instance_id[0] ? "/" : "", s->instance_id);
	return envelope(r, id, type, subject,
			kind == CM_STAY_STARTED ? s->first_seen : s->last_seen,
			stay_data(s), out);
}

static int spool_one(const char *dir, const struct cm_record *r,
		     const struct cm_stay *s, enum cm_stay_event kind)
{
	char path[CM_PATH_MAX];
	struct cm_buf b;
	int rc;

	/* Names sort in delivery order: by stay, start before end. */
	if (snprintf(path, sizeof(path), "%s/%010lu-%d-%ld.json", dir, s->seq,
		     (int)kind, (long)s->first_seen) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	cm_buf_init(&b, CM_EVENT_MAX);
	rc = cm_event_format(r, s, kind, &b);
	if (rc == 0)
		rc = cm_atomic_write(path, b.data, b.len, 0644);
	cm_buf_free(&b);
	return rc;
}

static void spool_trim(const char *dir);

static const char *const move_kind_names[] = {
	[CM_MOVE_STARTED] = "started", [CM_MOVE_ARRIVED] = "arrived",
	[CM_MOVE_RETIRED] = "retired", [CM_MOVE_FAILED] = "failed",
};

static void move_event_id(const struct cm_stay_move *m, enum cm_move_event kind,
			  char *out, size_t size)
{
	if (kind == CM_MOVE_FAILED)
		snprintf(out, size, "%s-failed-%s", m->id, m->failed_step);
	else
		snprintf(out, size, "%s-%s", m->id, move_kind_names[kind]);
}

/* The move, and the stay it ends (where the machine was). */
static struct json_object *move_data(const struct cm_stay *s)
{
	struct json_object *d = cm_stay_move_to_json(&s->move), *from;

	if (!d)
		return NULL;
	from = json_object_new_object();
	if (from) {
		json_object_object_add(from, "cloud", json_object_new_string(s->cloud));
		json_object_object_add(from, "instance_id", s->instance_id[0] ?
				       json_object_new_string(s->instance_id) : NULL);
		json_object_object_add(from, "region", s->region[0] ?
				       json_object_new_string(s->region) : NULL);
		json_object_object_add(from, "stay", json_object_new_int64((int64_t)s->seq));
	}
	json_object_object_add(d, "from", from);
	return d;
}

int cm_move_event_format(const struct cm_record *r, const struct cm_stay *s,
			 enum cm_move_event kind, time_t when, struct cm_buf *out)
{
	char id[96], type[64], subject[192];

	move_event_id(&s->move, kind, id, sizeof(id));
	snprintf(type, sizeof(type), "io.cloudmove.move.%s", move_kind_names[kind]);
	snprintf(subject, sizeof(subject), "move/%s", s->move.id);
	return envelope(r, id, type, subject, when, move_data(s), out);
}

static int spool_dir(const char *root, char *dir, size_t size)
{
	char probe[CM_PATH_MAX];
	int rc = cm_path_join(dir, size, root, CM_SPOOL_DIR);

	if (rc < 0)
		return cm_err(rc, "record: spool");
	rc = cm_path_cat(probe, sizeof(probe), dir, "x");
	if (rc == 0)
		rc = cm_mkdir_parents(probe);
	return rc < 0 ? cm_err(rc, "record: create %s", dir) : 0;
}

int cm_events_spool_move(const char *root, const struct cm_record *r,
			 const struct cm_stay *s, enum cm_move_event kind)
{
	char dir[CM_PATH_MAX], path[CM_PATH_MAX], id[96];
	struct cm_buf b;
	int rc;

	if (!s || !s->move.id[0])
		return 0;
	rc = spool_dir(root, dir, sizeof(dir));
	if (rc < 0)
		return rc;
	/* After the stay's own start (kind 0), in the move's order; named by
	 * the event id, so the same step noted again replaces its file. */
	move_event_id(&s->move, kind, id, sizeof(id));
	if (snprintf(path, sizeof(path), "%s/%010lu-2-%ld-%d-%s.json", dir, s->seq,
		     (long)s->move.started, (int)kind, id) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	cm_buf_init(&b, CM_EVENT_MAX);
	rc = cm_move_event_format(r, s, kind, kind == CM_MOVE_STARTED ?
				  s->move.started : time(NULL), &b);
	if (rc == 0)
		rc = cm_atomic_write(path, b.data, b.len, 0644);
	cm_buf_free(&b);
	if (rc < 0)
		return cm_err(rc, "record: spool an event in %s", dir);
	spool_trim(dir);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The spool's event files, sorted; caller frees names and the array. */
static int spool_list(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **v = NULL;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **nv;

		if (len < 6 || strcmp(de->d_name + len - 5, ".json") ||
		    de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			nv = realloc(v, cap * sizeof(*v));
			if (!nv)
				break;
			v = nv;
		}
		v[*n] = strdup(de->d_name);
		if (!v[*n])
			break;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), name_cmp);
	*names = v;
	return 0;
}

static void spool_free(char **names, size_t n)
{
	while (n)
		free(names[--n]);
	free(names);
}

/* Keeps the spool bounded when no endpoint ever takes it. */
static void spool_trim(const char *dir)
{
	char **names, path[CM_PATH_MAX];
	size_t n, i;

	if (spool_list(dir, &names, &n) < 0)
		return;
	for (i = 0; n > CM_SPOOL_MAX && i < n - CM_SPOOL_MAX; i++) {
		if (cm_path_cat(path, sizeof(path), dir, names[i]) == 0 &&
		    unlink(path) == 0)
			cm_warn("record: spool full, dropped %s", names[i]);
	}
	spool_free(names, n);
}

int cm_events_spool_new_stay(const char *root, const struct cm_record *r)
{
	char dir[CM_PATH_MAX], probe[CM_PATH_MAX];
	int rc;

	if (!r->n)
		return 0;
	rc = cm_path_join(dir, sizeof(dir), root, CM_SPOOL_DIR);
	if (rc < 0)
		return cm_err(rc, "record: spool");
	rc = cm_path_cat(probe, sizeof(probe), dir, "x");
	if (rc == 0)
		rc = cm_mkdir_parents(probe);
	if (rc < 0)
		return cm_err(rc, "record: create %s", dir);
	if (r->n >= 2) {
		rc = spool_one(dir, r, &r->stays[r->n - 2], CM_STAY_ENDED);
		if (rc < 0)
			return cm_err(rc, "record: spool an event in %s", dir);
	}
	rc = spool_one(dir, r, &r->stays[r->n - 1], CM_STAY_STARTED);
	if (rc < 0)
		return cm_err(rc, "record: spool an event in %s", dir);
	spool_trim(dir);
	return 0;
}

static size_t discard(char *p, size_t size, size_t n, void *u)
{
	(void)p;
	(void)u;
	return size * n;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t0->tv_sec) * 1000 +
	       (now.tv_nsec - t0->tv_nsec) / 1000000;
}

/* One POST: 0 taken (2xx), 1 worth retrying, -EPROTO refused for good. */
static int post_event(CURL *c, const char *url, const struct cm_buf *body,
		      long timeout_ms, char *why, size_t why_size)
{
	struct curl_slist *h = NULL, *h2;
	long status = 0;
	CURLcode cc;

	h = curl_slist_append(NULL, "Content-Type: application/cloudevents+json");
	h2 = h ? curl_slist_append(h, "Expect:") : NULL;
	if (!h2) {
		curl_slist_free_all(h);
		snprintf(why, why_size, "out of memory");
		return 1;
	}
	h = h2;
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body->data);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body->len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "cloudmove");
	cm_tls_setup(c);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	if (cc != CURLE_OK) {
		snprintf(why, why_size, "%s", curl_easy_strerror(cc));
		return 1;
	}
	if (status >= 200 && status < 300)
		return 0;
	snprintf(why, why_size, "HTTP %ld", status);
	/* 408 and 429 and 5xx are the receiver's passing trouble */
	if (status == 408 || status == 429 || status >= 500)
		return 1;
	return -EPROTO;
}

static void reject(const char *dir, const char *name)
{
	char from[CM_PATH_MAX], rejected[CM_PATH_MAX], to[CM_PATH_MAX];

	if (cm_path_cat(from, sizeof(from), dir, name) < 0)
		return;
	if (cm_path_cat(rejected, sizeof(rejected), dir, "rejected") < 0 ||
	    cm_path_cat(to, sizeof(to), rejected, name) < 0 ||
	    cm_mkdir_parents(to) < 0 || rename(from, to) < 0)
		unlink(from);
}

int cm_events_export(const char *root, const char *url, long deadline_ms,
		     int retry, struct cm_export_result *res)
{
	char dir[CM_PATH_MAX], path[CM_PATH_MAX], why[128] = "";
	struct timespec t0;
	struct cm_buf body;
	char **names;
	size_t n, i;
	long backoff = 200;
	CURL *c;
	int rc;

	memset(res, 0, sizeof(*res));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = cm_path_join(dir, sizeof(dir), root, CM_SPOOL_DIR);
	if (rc < 0)
		return cm_err(rc, "record: spool");
	rc = spool_list(dir, &names, &n);
	if (rc < 0)
		return cm_err(rc, "record: read %s", dir);
	if (!n) {
		free(names);
		return 0;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    !(c = curl_easy_init())) {
		spool_free(names, n);
		return cm_err(-ENOMEM, "record: export");
	}
	cm_buf_init(&body, CM_EVENT_MAX);
	for (i = 0; i < n; ) {
		long left = deadline_ms - ms_since(&t0);

		if (left <= 0)
			break;
		rc = cm_path_cat(path, sizeof(path), dir, names[i]);
		if (rc == 0)
			rc = cm_file_read(path, &body);
		if (rc < 0) {	/* gone or broken: nothing to deliver */
			reject(dir, names[i++]);
			res->rejected++;
			continue;
		}
		rc = post_event(c, url, &body, left, why, sizeof(why));
		if (rc == 0) {
			unlink(path);
			res->sent++;
			i++;
			backoff = 200;
			continue;
		}
		if (rc < 0) {
			cm_warn("record: %s refused %s (%s); kept in rejected/",
				url, names[i], why);
			reject(dir, names[i++]);
			res->rejected++;
			continue;
		}
		res->failed++;
		if (!retry)
			break;
		cm_debug("record: %s: %s; retry in %ld ms", url, why, backoff);
		if (backoff >= deadline_ms - ms_since(&t0))
			break;
		usleep((useconds_t)backoff * 1000);
		backoff *= 2;
	}
	res->left = (unsigned)(n - i);
	if (res->left)
		cm_warn("record: %u event(s) left in the spool for later (%s)",
			res->left, why[0] ? why : "time budget spent");
	cm_buf_free(&body);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	spool_free(names, n);
	return 0;
}
