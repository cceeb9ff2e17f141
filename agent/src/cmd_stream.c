/* cloudmove stream --source DEV|FILE --dest URL [--format raw|gce|vhd]
 *                  [--progress=auto|plain|json|none] [--resume] [--creds PATH]
 *                  [--threads N]
 *
 * Reads the disk once and sends it to URL in the image format a cloud
 * imports: raw, gce (disk.raw in a tar.gz), vhd (fixed).  Exit 0 the image
 * is whole at URL; 1 it is not (one line on stderr; nothing left that
 * claims to be the image, or an interrupted upload kept for --resume);
 * 2 bad usage.  The source is only read. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "log.h"
#include "stream/gce.h"
#include "stream/progress.h"
#include "stream/sinks/sink.h"
#include "stream/state.h"
#include "stream/stream.h"
#include "stream/url.h"

#define STREAM_USAGE "cloudmove stream --source DEV|FILE --dest URL [--format raw|gce|vhd]\n" \
	"       [--progress=auto|plain|json|none] [--resume] [--creds PATH] [--threads N]"

struct stream_opts {
	const char *source;
	const char *dest;
	const char *format;
	const char *creds;
	enum cm_progress_mode progress;
	int resume;
	int threads;
};

static int parse(int argc, char **argv, struct stream_opts *o)
{
	static const struct option longopts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "dest", required_argument, NULL, 'D' },
		{ "format", required_argument, NULL, 'f' },
		{ "progress", required_argument, NULL, 'p' },
		{ "resume", no_argument, NULL, 'R' },
		{ "creds", required_argument, NULL, 'c' },
		{ "threads", required_argument, NULL, 'j' },
		{ "debug", no_argument, NULL, 'd' },
		{ 0 }
	};
	char *end;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == 's')
			o->source = optarg;
		else if (c == 'D')
			o->dest = optarg;
		else if (c == 'f')
			o->format = optarg;
		else if (c == 'p' && cm_progress_mode_parse(optarg, &o->progress) == 0)
			;
		else if (c == 'p')
			return cm_usage_error("stream", STREAM_USAGE,
					      "--progress: '%s' is not auto, plain, json or none",
					      optarg);
		else if (c == 'R')
			o->resume = 1;
		else if (c == 'c')
			o->creds = optarg;
		else if (c == 'j') {
			errno = 0;
			o->threads = (int)strtol(optarg, &end, 10);
			if (errno || *end || o->threads < 1 || o->threads > 64)
				return cm_usage_error("stream", STREAM_USAGE,
						      "--threads: '%s' is not 1..64", optarg);
		} else if (c == 'd')
			cm_log_set_level(CM_LOG_DEBUG);
		else
			return cm_usage_error("stream", STREAM_USAGE,
					      "unknown option or missing value: '%s'",
					      argv[optind - 1]);
	}
	if (optind < argc)
		return cm_usage_error("stream", STREAM_USAGE, "unexpected argument '%s'",
				      argv[optind]);
	if (!o->source || !*o->source)
		return cm_usage_error("stream", STREAM_USAGE, "--source is required");
	if (!o->dest || !*o->dest)
		return cm_usage_error("stream", STREAM_USAGE, "--dest is required");
	return 0;
}

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

/* What to stream where: URL, format, sink; CM_EXIT_OK or the exit code. */
static int resolve(const struct stream_opts *o, struct cm_url *url,
		   const struct cm_encoder **enc, const struct cm_sink_ops **ops)
{
	int r = cm_url_parse(o->dest, strlen(o->dest), url);

	if (r == -EMSGSIZE || r == -EPROTONOSUPPORT || r == -EINVAL) {
		/* not the query: a SAS URL's is its signature */
		fprintf(stderr, "cloudmove: stream: --dest '%.*s': bad URL: %s\n",
			(int)strcspn(o->dest, "?"), o->dest, r == -EMSGSIZE ? "too long" : url->why);
		return CM_EXIT_FAIL;
	}
	*enc = cm_encoder_find(o->format ? o->format : "raw");
	if (!*enc) {
		fprintf(stderr, "cloudmove: stream: unknown format '%s' (raw, gce, vhd)\n",
			o->format);
		return CM_EXIT_FAIL;
	}
	*ops = cm_sink_find(url, o->creds);
	if (!*ops) {
		fprintf(stderr, "cloudmove: stream: %s:// destinations are not in this "
			"build yet (file:// is)\n", url->scheme_name);
		return CM_EXIT_FAIL;
	}
	if (o->resume && !((*ops)->caps & CM_SINK_RESUME)) {
		fprintf(stderr, "cloudmove: stream: --resume: not for this sink yet (%s://)\n",
			url->scheme_name);
		return CM_EXIT_FAIL;
	}
	if (url->scheme == CM_URL_FILE && same_file(o->source, url->path)) {
		fprintf(stderr, "cloudmove: stream: --dest %s is the source\n", o->dest);
		return CM_EXIT_FAIL;
	}
	return CM_EXIT_OK;
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

/* Fills st for this stream; with --resume, loads the interrupted one's
 * into *loaded (*have = 1).  CM_EXIT_OK or the exit code. */
static int resume_state(const struct stream_opts *o, const char *format, uint64_t size,
			const char *path, struct cm_stream_state *st,
			struct cm_stream_state *loaded, int *have)
{
	int r;

	memset(st, 0, sizeof(*st));
	state_dest(o->dest, st->dest, sizeof(st->dest));
	snprintf(st->format, sizeof(st->format), "%s", format);
	st->size = size;
	st->mtime = cm_gce_archive_time();
	r = cm_state_load(path, loaded);
	if (r == -ENOENT && o->resume)
		fprintf(stderr, "cloudmove: stream: --resume: no interrupted stream of %s "
			"(%s); starting from the beginning\n", o->source, path);
	if (r == -ENOENT)
		return CM_EXIT_OK;
	if (r < 0)
		return CM_EXIT_FAIL;
	if (!o->resume) {
		fprintf(stderr, "cloudmove: stream: an interrupted stream of %s to %s was "
			"left; starting over (--resume continues it)\n", o->source, loaded->dest);
		return CM_EXIT_OK;
	}
	if (strcmp(loaded->dest, st->dest) || strcmp(loaded->format, st->format) ||
	    loaded->size != st->size) {
		fprintf(stderr, "cloudmove: stream: --resume: the interrupted stream (%s) "
			"was to %s as %s, of %llu bytes; not this one\n", path, loaded->dest,
			loaded->format, (unsigned long long)loaded->size);
		return CM_EXIT_FAIL;
	}
	st->mtime = loaded->mtime;
	*have = 1;
	return CM_EXIT_OK;
}

struct stream_run {
	struct cm_url url;
	char state_path[CM_URL_MAX];
	struct cm_stream_state state, loaded;
};

/* Opens the sink, resuming when asked and possible: CM_EXIT_OK or the code. */
static int open_sink(const struct stream_opts *o, const struct cm_encoder *enc,
		     const struct cm_sink_ops *ops, struct stream_run *sr,
		     struct cm_source *src, struct cm_sink *sink)
{
	int have = 0, rc;

	sink->url = &sr->url;
	sink->dest = o->dest;
	sink->size = enc->out_size(src->size);
	sink->creds = o->creds;
	if (ops->caps & CM_SINK_RESUME) {
		if (cm_state_path(o->source, sr->state_path, sizeof(sr->state_path)) < 0) {
			cm_err(-ENAMETOOLONG, "stream: resume state for %s", o->source);
			return CM_EXIT_FAIL;
		}
		rc = resume_state(o, enc->name, src->size, sr->state_path, &sr->state,
				  &sr->loaded, &have);
		if (rc != CM_EXIT_OK)
			return rc;
		sink->state_path = sr->state_path;
		sink->state = &sr->state;
	} else {
		sr->state.mtime = cm_gce_archive_time();
	}
	if (cm_sink_open(sink, ops, have ? &sr->loaded : NULL) < 0) {
		cm_sink_abort(sink);
		return CM_EXIT_FAIL;
	}
	return CM_EXIT_OK;
}

static int run(const struct stream_opts *o)
{
	struct stream_run *sr = calloc(1, sizeof(*sr));
	const struct cm_encoder *enc = NULL;
	const struct cm_sink_ops *ops = NULL;
	struct cm_source src = { .fd = -1 };
	struct cm_sink sink = { 0 };
	struct cm_progress progress;
	struct cm_stream st = { .src = &src, .sink = &sink, .progress = &progress };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int rc, r;

	if (!sr) {
		cm_err(-ENOMEM, "stream");
		return CM_EXIT_FAIL;
	}
	rc = resolve(o, &sr->url, &enc, &ops);
	if (rc != CM_EXIT_OK)
		goto out;
	rc = CM_EXIT_FAIL;
	if (cm_source_open(&src, o->source) < 0)
		goto out;
	rc = open_sink(o, enc, ops, sr, &src, &sink);
	if (rc != CM_EXIT_OK)
		goto out;
	rc = CM_EXIT_FAIL;
	st.threads = o->threads ? o->threads : cpus > 0 ? (int)cpus : 1;
	st.mtime = sr->state.mtime;
	st.out_bytes = 0;
	cm_progress_init(&progress, o->progress, enc->work_size(src.size));
	r = enc->run(&st);
	if (r == 0)
		r = cm_sink_finish(&sink);
	if (r < 0) {
		cm_sink_fail(&sink, r);
		cm_progress_end(&progress, 0, sink.written);
		goto out;
	}
	cm_debug("stream: read %llu bytes, %llu of them zeros; %llu bytes written%s",
		 (unsigned long long)src.read_bytes, (unsigned long long)src.zero_bytes,
		 (unsigned long long)sink.written, sink.resume_from ? " (resumed)" : "");
	cm_progress_end(&progress, 1, sink.written);
	rc = CM_EXIT_OK;
out:
	cm_source_close(&src);
	free(sr);
	return rc;
}

int cm_cmd_stream(int argc, char **argv)
{
	struct stream_opts o = { .progress = CM_PROGRESS_AUTO };
	int r = parse(argc, argv, &o);

	return r ? r : run(&o);
}
