/* cloudmove detect [--root DIR] [--no-metadata] [--timeout MS] [--json]
 *                  [--metadata-endpoint HOST:PORT] */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd.h"
#include "detect/metadata.h"
#include "detect/report.h"
#include "detect/run.h"
#include "log.h"

#define DETECT_USAGE \
	"cloudmove detect [--root DIR] [--no-metadata] [--timeout MS] [--json]\n" \
	"                 [--metadata-endpoint HOST:PORT] [--network auto|never]\n" \
	"                 [--debug]"

int cm_parse_timeout(const char *s, long *out)
{
	char *end;
	long v;

	if (!*s || *s == '-' || *s == '+')
		return -EINVAL;
	v = strtol(s, &end, 10);
	if (*end || v <= 0 || v > CM_DETECT_TIMEOUT_MAX_MS)
		return -EINVAL;
	*out = v;
	return 0;
}

int cm_check_root(const char *cmd, const char *root)
{
	struct stat st;

	if (!root)
		return 0;
	if (stat(root, &st) < 0)
		return cm_err(-errno, "%s: --root %s", cmd, root);
	if (!S_ISDIR(st.st_mode))
		return cm_err(-ENOTDIR, "%s: --root %s", cmd, root);
	return 0;
}

int cm_detect_root_option(const char *cmd, const char *usage, const char *arg,
			  const char **out)
{
	struct stat st;

	if (!*arg || !strcmp(arg, "/")) {
		*out = NULL;	/* the live machine, CPUID included */
		return 0;
	}
	if (stat(arg, &st) < 0 || !S_ISDIR(st.st_mode))
		return cm_usage_error(cmd, usage, "--detect-root: not a directory: '%s'",
				      arg);
	*out = arg;
	return 0;
}

int cm_detect_option(const char *cmd, const char *usage, int c,
		     const char *arg, struct cm_detect_opts *o)
{
	char host[256];
	unsigned port;

	switch (c) {
	case 'r':
		/* "/" is the live system: CPUID is then ours to read. */
		o->root = (!*arg || !strcmp(arg, "/")) ? NULL : arg;
		return 0;
	case 'n':
		o->no_metadata = 1;
		return 0;
	case 't':
		if (cm_parse_timeout(arg, &o->timeout_ms) < 0)
			return cm_usage_error(cmd, usage,
				"--timeout: not a number of milliseconds in 1..%d: '%s'",
				CM_DETECT_TIMEOUT_MAX_MS, arg);
		return 0;
	case 'e':
		if (cm_md_endpoint_parse(arg, host, sizeof(host), &port) < 0)
			return cm_usage_error(cmd, usage,
				"--metadata-endpoint: not HOST:PORT: '%s'", arg);
		o->endpoint = arg;
		return 0;
	case 'd':
		cm_log_set_level(CM_LOG_DEBUG);
		return 0;
	case 'N':
		if (strcmp(arg, "auto") && strcmp(arg, "never"))
			return cm_usage_error(cmd, usage,
				"--network: 'auto' or 'never', not '%s'", arg);
		o->bring_up_network = !strcmp(arg, "auto");
		return 0;
	}
	return 1;	/* not a detection option */
}

int cm_cmd_detect(int argc, char **argv)
{
	static const struct option longopts[] = {
		CM_DETECT_LONGOPTS,
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct cm_detect_opts o;
	struct cm_verdict v;
	int c, r, json = 0;

	cm_detect_opts_init(&o);
	if (o.endpoint && cm_detect_option("detect", DETECT_USAGE, 'e',
					   o.endpoint, &o))
		return CM_EXIT_USAGE;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == 'j') {
			json = 1;
			continue;
		}
		if (c == 'h') {
			printf("usage: %s\n", DETECT_USAGE);
			return CM_EXIT_OK;
		}
		if (c == '?' || c == ':')
			return cm_usage_error("detect", DETECT_USAGE,
					      "unknown option or missing value: '%s'",
					      argv[optind - 1]);
		r = cm_detect_option("detect", DETECT_USAGE, c, optarg, &o);
		if (r)
			return CM_EXIT_USAGE;
	}
	if (optind < argc)
		return cm_usage_error("detect", DETECT_USAGE,
				      "unexpected argument '%s'", argv[optind]);
	if (cm_check_root("detect", o.root) < 0)
		return CM_EXIT_FAIL;
	r = cm_detect_run(&o, &v);
	if (r < 0)
		cm_warn("detect: metadata: %s (verdict from DMI alone)",
			cm_strerror(-r));
	r = json ? cm_report_json(stdout, &v) : cm_report_line(stdout, &v);
	if (r < 0 || fflush(stdout) == EOF) {
		cm_err(r < 0 ? r : -EIO, "detect: write the verdict");
		return CM_EXIT_FAIL;
	}
	return CM_EXIT_OK;
}
