/* One stream, as `cloudmove stream` and `cloudmove migrate` run it: the
 * destination URL resolved to a sink, the resume state found or made, the
 * source encoded into the sink, and on a failure the sink aborted or (an
 * interrupted resumable upload) released for --resume. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../log.h"
#include "../util/atomic.h"
#include "delta.h"
#include "deltamap.h"
#include "encoders.h"
#include "freemap.h"
#include "gce.h"
#include "progress.h"
#include "run.h"
#include "sinks/sink.h"
#include "state.h"
#include "stream.h"
#include "url.h"
#include "vhd.h"

/* Streaming a disk onto itself would destroy it. */
static int same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return 0;
	if (S_ISBLK(sa.st_mode) && S_ISBLK(sb.st_mode))
		return sa.st_rdev == sb.st_rdev;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

/* What to stream where: URL, format, sink; 0 or -errno (said). */
static int resolve(const struct cm_stream_args *o, struct cm_url *url,
		   const struct cm_encoder **enc, const struct cm_sink_ops **ops)
{
	int r = cm_url_parse(o->dest, strlen(o->dest), url);

	if (r == -EMSGSIZE || r == -EPROTONOSUPPORT || r == -EINVAL) {
		/* not the query: a SAS URL's is its signature */
		fprintf(stderr, "cloudmove: stream: --dest '%.*s': bad URL: %s\n",
			(int)strcspn(o->dest, "?"), o->dest, r == -EMSGSIZE ? "too long" : url->why);
		return -EINVAL;
	}
	*enc = cm_encoder_find(o->format ? o->format : "raw");
	if (!*enc) {
		char names[32];

		fprintf(stderr, "cloudmove: stream: unknown format '%s' (%s)\n", o->format,
			cm_encoder_names(names, sizeof(names), ", ", ", "));
		return -EINVAL;
	}
	/* an EBS snapshot is a volume's blocks: a raw disk, nothing else */
	if (url->scheme == CM_URL_EBS && strcmp((*enc)->name, "raw")) {
		fprintf(stderr, "cloudmove: stream: --dest ebs:// takes --format raw (an EBS "
			"snapshot is the disk itself), not %s\n", (*enc)->name);
		return -EINVAL;
	}
	/* every scheme the parser accepts has a sink (test_stream_sinks) */
	*ops = cm_sink_find(url, o->creds);
	if (o->resume && !((*ops)->caps & CM_SINK_RESUME)) {
		fprintf(stderr, "cloudmove: stream: --resume: not for this sink yet (%s://)\n",
			url->scheme_name);
		return -EOPNOTSUPP;
	}
	if (url->scheme == CM_URL_FILE && same_file(o->source, url->path)) {
		fprintf(stderr, "cloudmove: stream: --dest %s is the source\n", o->dest);
		return -EINVAL;
	}
	return 0;
}

/* The dest as the state file keeps it: without a query, which for an
 * Azure SAS URL is the signature. */
static void state_dest(const char *dest, char *out, size_t size)
{
	size_t n = strcspn(dest, "?");

	if (n >= size)
		n = size - 1;
	memcpy(out, dest, n);
	out[n] = '\0';
}

/* Is the interrupted stream's dest (as the state keeps it) the object
 * --dest names, compared as url.c reads both (scheme, bucket or host,
 * decoded key or path)? */
static int same_dest(const char *kept, const struct cm_url *dest)
{
	struct cm_url *u = malloc(sizeof(*u));
	int same;

	if (!u)
		return 0;
	same = cm_url_parse(kept, strlen(kept), u) == 0 && cm_url_same_object(u, dest);
	free(u);
	return same;
}

/* A state file this user may not trust: --resume refuses it (-EPERM);
 * without --resume it is not read, and the new stream's state replaces it
 * (a rename: never written through). */
static int distrusted(const struct cm_stream_args *o, const char *path, const char *why)
{
	if (!o->resume) {
		fprintf(stderr, "cloudmove: stream: resume state %s: %s; not read, starting "
			"over\n", path, why);
		return 0;
	}
	fprintf(stderr, "cloudmove: stream: --resume: resume state %s: %s; remove it or run "
		"without --resume to start over\n", path, why);
	return -EPERM;
}

/* Fills st for this stream; with --resume, loads the interrupted one's
 * into *loaded (*have = 1).  0 or -errno (said). */
static int resume_state(const struct cm_stream_args *o, const struct cm_url *url,
			const char *format, uint64_t size, const char *path,
			struct cm_stream_state *st, struct cm_stream_state *loaded, int *have)
{
	char why[128];
	int r;

	memset(st, 0, sizeof(*st));
	state_dest(o->dest, st->dest, sizeof(st->dest));
	snprintf(st->format, sizeof(st->format), "%s", format);
	st->size = size;
	st->mtime = cm_gce_archive_time();
	r = cm_state_load(path, loaded, why, sizeof(why));
	if (r == -ENOENT && o->resume)
		fprintf(stderr, "cloudmove: stream: --resume: no interrupted stream of %s "
			"(%s); starting from the beginning\n", o->source, path);
	if (r == -ENOENT)
		return 0;
	if (r == -EPERM)
		return distrusted(o, path, why);
	if (r < 0)
		return r;
	if (!o->resume) {
		fprintf(stderr, "cloudmove: stream: an interrupted stream of %s to %s was "
			"left; starting over (--resume continues it)\n", o->source, loaded->dest);
		return 0;
	}
	if (!same_dest(loaded->dest, url) || strcmp(loaded->format, st->format) ||
	    loaded->size != st->size) {
		fprintf(stderr, "cloudmove: stream: --resume: the interrupted stream (%s) "
			"was to %s as %s, of %llu bytes; not this one\n", path, loaded->dest,
			loaded->format, (unsigned long long)loaded->size);
		return -ESTALE;
	}
	st->mtime = loaded->mtime;
	*have = 1;
	return 0;
}

struct stream_run {
	struct cm_freemap freemap;
	struct cm_url url;
	char state_path[CM_URL_MAX];
	struct cm_stream_state state, loaded;
	/* --delta-map */
	int delta;			/* the block loop, a map written */
	int have_old;			/* a map that matches the destination */
	struct cm_deltamap_reader old;
	struct cm_deltamap_writer map;
	struct cm_delta_stats stats;
	char id[CM_DELTAMAP_ID_MAX];
};

/* --skip-free: the file systems' free space is not read (zeros in the
 * image).  The same map on a resume: free space is what it was when the
 * stream began only if the disk is still (it is: the root is read-only). */
static int skip_free(const struct cm_stream_args *o, struct cm_freemap *m,
		     struct cm_source *src)
{
	char b[32];

	if (cm_freemap_build(m, o->source, src->size) < 0)
		return -EIO;
	src->free = m;
	fprintf(stderr, "cloudmove: stream: --skip-free: %s of free space in %u file "
		"system%s will not be read\n", cm_progress_bytes(m->free_bytes, b, sizeof(b)),
		m->filesystems, m->filesystems == 1 ? "" : "s");
	return 0;
}

/* Opens the sink, resuming when asked and possible: 0 or -errno (said). */
static int open_sink(const struct cm_stream_args *o, const struct cm_encoder *enc,
		     const struct cm_sink_ops *ops, struct stream_run *sr,
		     struct cm_source *src, struct cm_sink *sink)
{
	int have = 0, r;

	sink->url = &sr->url;
	sink->dest = o->dest;
	sink->size = enc->out_size(src->size);
	sink->creds = o->creds;
	if (ops->caps & CM_SINK_RESUME) {
		if (cm_state_path(o->source, sr->state_path, sizeof(sr->state_path)) < 0)
			return cm_err(-ENAMETOOLONG, "stream: resume state for %s", o->source);
		r = resume_state(o, &sr->url, enc->name, src->size, sr->state_path,
				 &sr->state, &sr->loaded, &have);
		if (r < 0)
			return r;
		sink->state_path = sr->state_path;
		sink->state = &sr->state;
	} else {
		sr->state.mtime = cm_gce_archive_time();
	}
	r = cm_sink_open(sink, ops, have ? &sr->loaded : NULL);
	if (r < 0)
		cm_sink_abort(sink);
	return r;
}

static const char *map_out(const struct cm_stream_args *o)
{
	return o->delta_map_out ? o->delta_map_out : o->delta_map;
}

/* Does the old map describe what the destination holds?  1 yes, 0 no (one
 * line says why: a full stream follows), -errno. */
static int map_matches(const struct cm_stream_args *o, struct stream_run *sr,
		       struct cm_sink *sink)
{
	const char *why = NULL, *path = o->delta_map;
	int r = cm_deltamap_open(&sr->old, path, &why);

	if (r == -ENOENT) {
		fprintf(stderr, "cloudmove: stream: --delta-map %s: no map yet; a full stream, "
			"the map written\n", path);
		return 0;
	}
	if (r == -EINVAL) {
		fprintf(stderr, "cloudmove: stream: --delta-map %s: %s; a full stream, a new "
			"map written\n", path, why);
		return 0;
	}
	if (r < 0)
		return cm_err(r, "stream: --delta-map %s", path);
	/* what the map names (ebs: the snapshot), for identity() to look at */
	sink->prev_id = sr->old.hdr.id;
	if (!same_dest(sr->old.hdr.dest, &sr->url))
		why = "made for another destination";
	else if (sr->old.hdr.block != CM_DELTAMAP_BLOCK)
		why = "of another block size";
	else if ((r = sink->ops->identity(sink, sr->id, sizeof(sr->id))) == -ENOENT)
		why = "the destination is not there any more";
	else if (r < 0)
		why = "the destination could not be looked at";
	else if (strcmp(sr->id, sr->old.hdr.id))
		why = "the destination was replaced or changed since";
	if (why) {
		fprintf(stderr, "cloudmove: stream: --delta-map %s: %s; a full stream\n", path,
			why);
		sink->prev_id = NULL;
		cm_deltamap_close(&sr->old);
		return 0;
	}
	return 1;
}

/* --delta-map: the old map looked at, the new one begun, the sink told
 * what it updates.  0 or -errno (said). */
static int delta_begin(const struct cm_stream_args *o, const struct cm_encoder *enc,
		       const struct cm_sink_ops *ops, struct stream_run *sr,
		       struct cm_sink *sink)
{
	/* a vhd is the raw disk and a footer: its blocks are the disk's */
	int blocks = !strcmp(enc->name, "raw") || !strcmp(enc->name, "vhd"), r;

	if (!blocks || !(ops->caps & CM_SINK_DELTA)) {
		fprintf(stderr, "cloudmove: stream: --delta-map: %s%s is rewritten whole; a "
			"full stream, no map kept\n", !blocks ? "--format " :
			sr->url.scheme_name, !blocks ? enc->name : "://");
		return 0;
	}
	sink->url = &sr->url;
	sink->dest = o->dest;
	sink->creds = o->creds;
	sink->ops = ops;
	r = map_matches(o, sr, sink);
	if (r < 0)
		return r;
	sr->delta = 1;
	sr->have_old = r;
	if (r) {
		sink->delta = 1;
		snprintf(sr->id, sizeof(sr->id), "%s", sr->old.hdr.id);
		sink->prev_id = sr->id;
		/* changed in place from here on: a run killed midway must not
		 * leave a map that claims what the destination no longer holds
		 * (the open reader keeps the old entries).  A map read from
		 * elsewhere (a read-only root) stays: the destination's
		 * identity changes as it is written, so it no longer matches */
		if ((ops->caps & CM_SINK_IN_PLACE) && !o->delta_map_out &&
		    unlink(o->delta_map) < 0)
			return cm_err(-errno, "stream: --delta-map %s: remove", o->delta_map);
	}
	r = cm_mkdir_parents(map_out(o));
	if (r == 0)
		r = cm_deltamap_begin(&sr->map, map_out(o));
	return r < 0 ? cm_err(r, "stream: --delta-map %s: create", map_out(o)) : 0;
}

/* The finished destination's identity and the blocks' entries: the new
 * map, renamed into place.  A map that cannot be kept is said (the image
 * is whole all the same: the next run is a full one). */
static void delta_commit(const struct cm_stream_args *o, struct stream_run *sr,
			 struct cm_sink *sink, uint64_t size)
{
	struct cm_deltamap_hdr *h = calloc(1, sizeof(*h));
	int r = h ? 0 : -ENOMEM;

	if (r == 0) {
		state_dest(o->dest, h->dest, sizeof(h->dest));
		h->block = CM_DELTAMAP_BLOCK;
		h->disk = size;
		r = sink->ops->identity(sink, h->id, sizeof(h->id));
	}
	if (r == 0)
		r = cm_deltamap_commit(&sr->map, h);
	if (r < 0) {
		cm_deltamap_discard(&sr->map);
		fprintf(stderr, "cloudmove: stream: --delta-map %s: not kept (%s); the next "
			"stream will be a full one\n", map_out(o), strerror(-r));
	}
	free(h);
}

static void delta_end(struct stream_run *sr)
{
	cm_deltamap_close(&sr->old);
	cm_deltamap_discard(&sr->map);
}

/* What went out: the sink's count when it keeps one, else what was
 * written, plus the zeros a sink that is not sparse writes out too. */
static uint64_t sent_of(const struct cm_sink *s)
{
	if (s->sent >= 0)
		return (uint64_t)s->sent;
	return s->written + (s->ops->caps & CM_SINK_SPARSE ? 0 : s->skipped);
}

int cm_stream_exec(const struct cm_stream_args *o, struct cm_stream_result *res)
{
	struct stream_run *sr = calloc(1, sizeof(*sr));
	const struct cm_encoder *enc = NULL;
	const struct cm_sink_ops *ops = NULL;
	struct cm_source src = { .fd = -1 };
	struct cm_sink sink = { 0 };
	struct cm_progress progress;
	struct cm_stream st = { .src = &src, .sink = &sink, .progress = &progress };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int r;

	if (!sr)
		return cm_err(-ENOMEM, "stream");
	r = resolve(o, &sr->url, &enc, &ops);
	if (r == 0)
		r = cm_source_open(&src, o->source);
	if (r == 0 && o->skip_free)
		r = skip_free(o, &sr->freemap, &src);
	if (r == 0 && o->delta_map)
		r = delta_begin(o, enc, ops, sr, &sink);
	if (r == 0)
		r = open_sink(o, enc, ops, sr, &src, &sink);
	if (r < 0)
		goto out;
	st.threads = o->threads ? o->threads : cpus > 0 ? (int)cpus : 1;
	st.mtime = sr->state.mtime;
	st.out_bytes = 0;
	cm_progress_init(&progress, o->progress, enc->work_size(src.size));
	r = sr->delta ? cm_delta_copy(&st, sr->have_old ? &sr->old : NULL, &sr->map,
				      o->max_rate, &sr->stats) : enc->run(&st);
	if (r == 0 && sr->delta && enc == &cm_encoder_vhd)
		r = cm_vhd_trailer(&st);
	if (r == 0)
		r = cm_sink_finish(&sink);
	if (r == 0 && sr->delta) {
		delta_commit(o, sr, &sink, src.size);
		fprintf(stderr, "cloudmove: stream: --delta-map: %llu of %llu blocks sent, "
			"%llu cleared, %llu unchanged%s\n",
			(unsigned long long)sr->stats.changed, (unsigned long long)sr->stats.blocks,
			(unsigned long long)sr->stats.zeroed, (unsigned long long)sr->stats.kept,
			sr->have_old ? "" : " (a full stream)");
	}
	if (r < 0) {
		/* a delta stream is not resumed (--resume is refused with it):
		 * given up on, the next run starts from the map, or whole */
		if (sr->delta)
			cm_sink_abort(&sink);
		else
			cm_sink_fail(&sink, r);
		cm_progress_end(&progress, 0, sink.written, sent_of(&sink), NULL);
		goto out;
	}
	cm_debug("stream: read %llu bytes, %llu of them zeros; %llu bytes written%s",
		 (unsigned long long)src.read_bytes, (unsigned long long)src.zero_bytes,
		 (unsigned long long)sink.written, sink.resume_from ? " (resumed)" : "");
	if (!sink.result[0])
		state_dest(o->dest, sink.result, sizeof(sink.result));
	cm_progress_end(&progress, 1, sink.written, sent_of(&sink), sink.result);
	if (res) {
		snprintf(res->dest, sizeof(res->dest), "%s", sink.result);
		res->read_bytes = src.read_bytes;
		res->zero_bytes = src.zero_bytes;
		res->free_bytes = src.free_bytes;
		res->written = sink.written;
		res->image_size = sink.size;
		res->resumed = sink.resume_from != 0;
		res->delta = sr->have_old;
		res->sent = sent_of(&sink);
	}
out:
	cm_source_close(&src);
	cm_freemap_free(&sr->freemap);
	delta_end(sr);
	free(sr);
	return r;
}

