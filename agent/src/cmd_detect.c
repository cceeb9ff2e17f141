/* cloudmove detect [--root DIR] [--no-metadata] [--timeout MS] [--json] */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "ctx.h"
#include "detect/confirm.h"
#include "detect/detect.h"
#include "detect/metadata.h"
#include "detect/dmi.h"
#include "detect/report.h"
#include "log.h"

#define DETECT_USAGE \
	"cloudmove detect [--root DIR] [--no-metadata] [--timeout MS] [--json]\n" \
	"                 [--metadata-endpoint HOST:PORT] [--debug]"
#define DETECT_TIMEOUT_DEFAULT_MS 2000
#define DETECT_TIMEOUT_MAX_MS 600000

struct detect_opts {
	struct cm_ctx ctx;
	int json;
	int no_metadata;
	long timeout_ms;
	const char *endpoint;
};

static int parse_ms(const char *s, long *out)
{
	char *end;
	long v;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v <= 0 || v > DETECT_TIMEOUT_MAX_MS)
		return -1;
	*out = v;
	return 0;
}

static int parse_detect_args(int argc, char **argv, struct detect_opts *o)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "no-metadata", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "metadata-endpoint", required_argument, NULL, 'e' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char host[256];
	unsigned port;
	int c;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = DETECT_TIMEOUT_DEFAULT_MS;
	o->endpoint = getenv("CLOUDMOVE_METADATA_ENDPOINT");
	if (o->endpoint && !*o->endpoint)
		o->endpoint = NULL;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->ctx.root = optarg;
			break;
		case 'n':
			o->no_metadata = 1;
			break;
		case 't':
			if (parse_ms(optarg, &o->timeout_ms) < 0)
				return cm_usage_error("detect", DETECT_USAGE,
					"--timeout: not a number of milliseconds in 1..%d: '%s'",
					DETECT_TIMEOUT_MAX_MS, optarg);
			break;
		case 'j':
			o->json = 1;
			break;
		case 'e':
			o->endpoint = optarg;
			break;
		case 'd':
			cm_log_set_level(CM_LOG_DEBUG);
			break;
		case 'h':
			printf("usage: %s\n", DETECT_USAGE);
			return -1;
		default:
			return cm_usage_error("detect", DETECT_USAGE,
					      "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cm_usage_error("detect", DETECT_USAGE,
				      "unexpected argument '%s'", argv[optind]);
	if (o->endpoint && cm_md_endpoint_parse(o->endpoint, host, sizeof(host),
						&port) < 0)
		return cm_usage_error("detect", DETECT_USAGE,
				      "metadata endpoint: not HOST:PORT: '%s'",
				      o->endpoint);
	/* "/" is the live system: CPUID is then ours to read. */
	if (o->ctx.root && (!*o->ctx.root || !strcmp(o->ctx.root, "/")))
		o->ctx.root = NULL;
	return 0;
}

static int confirm_by_metadata(const struct detect_opts *o, struct cm_verdict *v)
{
	const struct cm_cloud *candidates[32];
	struct cm_md_opts mo = { .timeout_ms = o->timeout_ms,
				 .endpoint = o->endpoint };
	struct cm_md_outcome *out;
	size_t n;
	int r;

	n = cm_confirm_candidates(v, candidates, 32);
	if (!n)
		return 0;
	out = malloc(sizeof(*out));
	if (!out)
		return -ENOMEM;
	r = cm_metadata_probe(&mo, candidates, n, out);
	if (r >= 0)
		cm_confirm_apply(v, out, o->timeout_ms);
	free(out);
	return r;
}

int cm_cmd_detect(int argc, char **argv)
{
	struct detect_opts o;
	struct cm_facts facts;
	struct cm_verdict v;
	int r;

	r = parse_detect_args(argc, argv, &o);
	if (r)
		return r < 0 ? CM_EXIT_OK : r;
	if (o.ctx.root) {
		struct stat st;

		if (stat(o.ctx.root, &st) < 0) {
			cm_err(-errno, "detect: --root %s", o.ctx.root);
			return CM_EXIT_FAIL;
		}
		if (!S_ISDIR(st.st_mode)) {
			cm_err(-ENOTDIR, "detect: --root %s", o.ctx.root);
			return CM_EXIT_FAIL;
		}
	}
	cm_facts_collect(o.ctx.root, &facts);
	cm_detect_from_facts(&facts, &v);
	if (!o.no_metadata) {
		r = confirm_by_metadata(&o, &v);
		if (r < 0) {
			cm_err(r, "detect: metadata");
			return CM_EXIT_FAIL;
		}
	}
	cm_confirm_public(&v);
	r = o.json ? cm_report_json(stdout, &v) : cm_report_line(stdout, &v);
	if (r < 0 || fflush(stdout) == EOF) {
		cm_err(r < 0 ? r : -EIO, "detect: write the verdict");
		return CM_EXIT_FAIL;
	}
	return CM_EXIT_OK;
}
