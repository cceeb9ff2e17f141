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
#include "stream/encoders.h"
#include "stream/progress.h"
#include "stream/run.h"

#define STREAM_USAGE "cloudmove stream --source DEV|FILE --dest URL [--format " \
	CM_FORMATS_USAGE "]\n" \
	"       [--progress=auto|plain|json|none] [--resume] [--creds PATH] [--threads N]\n" \
	"       [--skip-free] [--delta-map PATH]"


static int parse(int argc, char **argv, struct cm_stream_args *o)
{
	static const struct option longopts[] = {
		{ "source", required_argument, NULL, 's' },
		{ "dest", required_argument, NULL, 'D' },
		{ "format", required_argument, NULL, 'f' },
		{ "progress", required_argument, NULL, 'p' },
		{ "resume", no_argument, NULL, 'R' },
		{ "skip-free", no_argument, NULL, 'F' },
		{ "creds", required_argument, NULL, 'c' },
		{ "threads", required_argument, NULL, 'j' },
		{ "delta-map", required_argument, NULL, 'M' },
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
		else if (c == 'F')
			o->skip_free = 1;
		else if (c == 'c')
			o->creds = optarg;
		else if (c == 'M')
			o->delta_map = optarg;
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
	if (o->delta_map && !*o->delta_map)
		return cm_usage_error("stream", STREAM_USAGE, "--delta-map: a path is required");
	if (o->delta_map && o->resume)
		return cm_usage_error("stream", STREAM_USAGE, "--delta-map and --resume: one "
				      "or the other (a delta stream is short: run it again)");
	return 0;
}

int cm_cmd_stream(int argc, char **argv)
{
	struct cm_stream_args o = { .progress = CM_PROGRESS_AUTO };
	int r = parse(argc, argv, &o);

	if (r)
		return r;
	return cm_stream_exec(&o, NULL) < 0 ? CM_EXIT_FAIL : CM_EXIT_OK;
}
