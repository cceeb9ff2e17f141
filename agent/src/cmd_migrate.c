/* cloudmove migrate --target CLOUD --dest URL [--source DEV] [--root SYSROOT]
 *                   [--format raw|gce|vhd] [--creds PATH] [--resume]
 *                   [--progress=auto|plain|json|none]
 *                   [--after continue|reboot|poweroff] [--detect-root DIR]
 *                   [--launch SPEC [--wait SECONDS] [--api-endpoint URL]]
 *                   [--precopy [--max-rate BYTES/s]]
 *
 * The move, from the rescue shell (rd.break=pre-pivot: the root is at
 * /sysroot, read-only): check, adapt for CLOUD in a transaction, stream the
 * disk to URL in CLOUD's image format, undo the adaptation (move/migrate.h).
 * With --launch (a launch spec, move/launch_step.h) the target is asked
 * before anything else (a refusal: not moving), and after the stream the
 * image is imported, started and watched until it arrives (--wait,
 * default 1200 s).
 * Exit 0 moved (and arrived), 1 not (the source as it was either way; a
 * launch that failed after the stream names what exists and how to go
 * on), 2 bad usage. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

#include "clouds/clouds.h"
#include "cmd.h"
#include "control/control.h"
#include "detect/run.h"
#include "log.h"
#include "move/launch_step.h"
#include "move/migrate.h"
#include "move/net.h"
#include "stream/encoders.h"
#include "stream/url.h"

#define MIGRATE_USAGE "cloudmove migrate --target CLOUD --dest URL [--source DEV] " \
	"[--root SYSROOT]\n       [--format " CM_FORMATS_USAGE "] [--creds PATH] [--resume] " \
	"[--progress=auto|plain|json|none]\n       [--after continue|reboot|poweroff] " \
	"[--detect-root DIR]\n       [--launch SPEC [--wait SECONDS] [--api-endpoint URL]]\n" \
	"       [--precopy [--max-rate BYTES/s]]"

struct migrate_cli {
	struct cm_migrate_opts o;
	const char *after;
	const char *launch, *endpoint;	/* --launch SPEC, --api-endpoint */
	long wait;			/* -1: not given */
};

static int parse_one(int c, struct migrate_cli *m)
{
	switch (c) {
	case 't': m->o.target = optarg; return 0;
	case 'D': m->o.dest = optarg; return 0;
	case 's': m->o.source = optarg; return 0;
	case 'r': m->o.root = optarg; return 0;
	case 'f': m->o.format = optarg; return 0;
	case 'c': m->o.creds = optarg; return 0;
	case 'R': m->o.resume = 1; return 0;
	case 'F': m->o.skip_free = 1; return 0;
	case 'a': m->after = optarg; return 0;
	case 'L': m->launch = optarg; return 0;
	case 'P': m->o.precopy = 1; return 0;
	case 'M': {
		char *end;

		errno = 0;
		m->o.max_rate = strtoull(optarg, &end, 10);
		if (!errno && end != optarg && !*end && optarg[0] != '-' && m->o.max_rate)
			return 0;
		return cm_usage_error("migrate", MIGRATE_USAGE, "--max-rate: '%s' is not a "
				      "number of bytes per second", optarg);
	}
	case 'e': m->endpoint = optarg; return 0;
	case 'w': {
		char *end;

		errno = 0;
		m->wait = strtol(optarg, &end, 10);
		if (!errno && end != optarg && !*end && m->wait >= 0 && m->wait <= 7L * 86400)
			return 0;
		return cm_usage_error("migrate", MIGRATE_USAGE, "--wait: '%s' is not "
				      "0..604800 seconds", optarg);
	}
	case 'd': cm_log_set_level(CM_LOG_DEBUG); return 0;
	case 'X':
		return cm_detect_root_option("migrate", MIGRATE_USAGE, optarg,
					     &m->o.detect_root);
	case 'p':
		if (cm_progress_mode_parse(optarg, &m->o.progress) == 0)
			return 0;
		return cm_usage_error("migrate", MIGRATE_USAGE,
				      "--progress: '%s' is not auto, plain, json or none", optarg);
	}
	return cm_usage_error("migrate", MIGRATE_USAGE, "unknown option or missing value: '%s'",
			      optind > 0 ? optarg ? optarg : "?" : "?");
}

static int parse(int argc, char **argv, struct migrate_cli *m)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "dest", required_argument, NULL, 'D' },
		{ "source", required_argument, NULL, 's' },
		{ "root", required_argument, NULL, 'r' },
		{ "format", required_argument, NULL, 'f' },
		{ "creds", required_argument, NULL, 'c' },
		{ "resume", no_argument, NULL, 'R' },
		{ "skip-free", no_argument, NULL, 'F' },
		{ "progress", required_argument, NULL, 'p' },
		{ "after", required_argument, NULL, 'a' },
		{ "debug", no_argument, NULL, 'd' },
		{ "detect-root", required_argument, NULL, 'X' },
		{ "launch", required_argument, NULL, 'L' },
		{ "wait", required_argument, NULL, 'w' },
		{ "api-endpoint", required_argument, NULL, 'e' },
		{ "precopy", no_argument, NULL, 'P' },
		{ "max-rate", required_argument, NULL, 'M' },
		{ 0 }
	};
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == '?')
			return cm_usage_error("migrate", MIGRATE_USAGE,
					      "unknown option or missing value: '%s'",
					      argv[optind - 1]);
		r = parse_one(c, m);
		if (r)
			return r;
	}
	if (optind < argc)
		return cm_usage_error("migrate", MIGRATE_USAGE, "unexpected argument '%s'",
				      argv[optind]);
	if (!m->o.target || !m->o.dest || !*m->o.target || !*m->o.dest)
		return cm_usage_error("migrate", MIGRATE_USAGE, "--target and --dest are required");
	if (!cm_cloud_by_name(m->o.target))
		return cm_usage_error("migrate", MIGRATE_USAGE, "--target: unknown cloud '%s'",
				      m->o.target);
	if (m->o.format && !cm_encoder_find(m->o.format)) {
		char names[32];

		return cm_usage_error("migrate", MIGRATE_USAGE, "--format: '%s' is not %s",
				      m->o.format, cm_encoder_names(names, sizeof(names), ", ", " or "));
	}
	if (!m->launch && (m->wait >= 0 || m->endpoint))
		return cm_usage_error("migrate", MIGRATE_USAGE, "--wait and --api-endpoint go "
				      "with --launch");
	if (m->launch && !cm_cloud_api_find(m->o.target))
		return cm_usage_error("migrate", MIGRATE_USAGE, "--launch: '%s' is not one of %s",
				      m->o.target, cm_cloud_api_names());
	if (m->o.max_rate && !m->o.precopy)
		return cm_usage_error("migrate", MIGRATE_USAGE, "--max-rate goes with --precopy");
	if (m->o.precopy && (m->launch || m->o.resume || m->after))
		return cm_usage_error("migrate", MIGRATE_USAGE, "--precopy: not with --launch, "
				      "--resume or --after (it is not the move: the move follows)");
	if (m->after && strcmp(m->after, "continue") && strcmp(m->after, "reboot") &&
	    strcmp(m->after, "poweroff"))
		return cm_usage_error("migrate", MIGRATE_USAGE, "--after: '%s' is not continue, "
				      "reboot or poweroff", m->after);
	return 0;
}

/* The root is read-only and synced: the machine can stop at once. */
void cm_migrate_after(const char *after)
{
	if (!after || !strcmp(after, "continue"))
		return;
	printf("cloudmove: migrate: %s now (cloudmove.after=%s)\n", after, after);
	fflush(stdout);
	sync();
	reboot(!strcmp(after, "poweroff") ? RB_POWER_OFF : RB_AUTOBOOT);
}

/* --launch: ask before (nothing streamed on a refusal), then the move,
 * then the launch.  0 or -errno (said). */
static int move_and_launch(struct migrate_cli *m)
{
	struct cm_move_launch *ml;
	char move_id[CM_MOVE_ID_LEN + 1] = "", made[CM_URL_MAX] = "";
	struct cm_netup api_net;
	int r, api_up = 0;

	if (!m->launch)
		return cm_migrate(&m->o);
	ml = calloc(1, sizeof(*ml));
	if (!ml)
		return cm_err(-ENOMEM, "migrate");
	*ml = (struct cm_move_launch){
		.target = m->o.target, .spec = m->launch, .creds = m->o.creds,
		.endpoint = m->endpoint, .root = m->o.root, .source = m->o.source,
		.wait = m->wait >= 0 ? m->wait : CM_LAUNCH_WAIT_DEFAULT,
	};
	/* the target's API, when given by address, gets a route as the
	 * destination does (nothing is done where one exists) */
	r = m->endpoint ? cm_move_net_up(m->endpoint, &api_net, 30000) : 0;
	api_up = m->endpoint && r == 0;
	if (r == 0)
		r = cm_move_launch_ask(ml);
	if (r < 0) {
		fprintf(stderr, "cloudmove: migrate: not moving (the target was asked "
			"first); the source is as it was\n");
		goto out;
	}
	m->o.target_facts = ml->facts[0] ? ml->facts : NULL;
	m->o.move_id = move_id;
	m->o.made = made;
	r = cm_migrate(&m->o);
	if (r == 0)	/* what the stream made: an ebs:// dest names no snapshot */
		r = cm_move_launch_finish(ml, made[0] ? made : m->o.dest, move_id);
out:
	if (api_up)
		cm_netup_undo(&api_net);
	cm_move_launch_close(ml);
	free(ml);
	return r;
}

int cm_cmd_migrate(int argc, char **argv)
{
	struct migrate_cli m = { .o = { .progress = CM_PROGRESS_AUTO }, .wait = -1 };
	struct cm_detect_opts d;
	struct cm_verdict v;
	struct cm_netup net;
	int r = parse(argc, argv, &m);

	if (r)
		return r;
	if (!m.o.root)
		m.o.root = cm_installed_root();
	if (cm_check_root("migrate", m.o.root) < 0)
		return CM_EXIT_FAIL;
	if (m.o.precopy)	/* the running system: its network is up */
		return cm_precopy(&m.o) < 0 ? CM_EXIT_FAIL : CM_EXIT_OK;
	/* who we are, for the move marker: DMI only, no network */
	cm_detect_opts_init(&d);
	d.no_metadata = 1;
	d.root = m.o.detect_root;
	memset(&v, 0, sizeof(v));
	cm_detect_run(&d, &v);
	m.o.cloud = v.cloud ? v.cloud : "";
	m.o.instance_id = v.instance_id;
	/* the rescue shell after a failed move has no network: a destination
	 * given by address gets one for the stream (nothing is done where a
	 * route exists), as on the kernel command line */
	if (cm_move_net_up(m.o.dest, &net, 30000) < 0)
		return CM_EXIT_FAIL;
	r = move_and_launch(&m);
	cm_netup_undo(&net);
	if (r < 0)
		return CM_EXIT_FAIL;
	cm_migrate_after(m.after);
	return CM_EXIT_OK;
}
