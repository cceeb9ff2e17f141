/* cloudmove migrate --target CLOUD --dest URL [--source DEV] [--root SYSROOT]
 *                   [--format raw|gce|vhd] [--creds PATH] [--resume]
 *                   [--progress=auto|plain|json|none]
 *                   [--after continue|reboot|poweroff|retire]
 *                   [--retire-mode stop|delete] [--detect-root DIR]
 *                   [--launch SPEC [--wait SECONDS] [--api-endpoint URL]]
 *                   [--metadata-endpoint HOST:PORT] [--retire-api-endpoint URL]
 *                   [--precopy [--max-rate BYTES/s]]
 *
 * The move, from the rescue shell (rd.break=pre-pivot: the root is at
 * /sysroot, read-only): check, adapt for CLOUD in a transaction, stream the
 * disk to URL in CLOUD's image format, undo the adaptation (move/migrate.h).
 * With --launch (a launch spec, move/launch_step.h) the target is asked
 * before anything else (a refusal: not moving), and after the stream the
 * image is imported, started and watched until it arrives (--wait,
 * default 1200 s).  With --after retire (which needs --launch) the source
 * then asks its own cloud to stop or delete it, only once the target
 * arrived (move/retire.h).
 * Exit 0 moved (and arrived; and retired with --after retire), 1 not (the
 * source as it was either way; a launch that failed after the stream
 * names what exists and how to go on), 2 bad usage. */
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
#include "detect/metadata.h"
#include "detect/run.h"
#include "log.h"
#include "move/launch_step.h"
#include "move/migrate.h"
#include "move/net.h"
#include "move/retire.h"
#include "stream/encoders.h"
#include "stream/url.h"

#define MIGRATE_USAGE "cloudmove migrate --target CLOUD --dest URL [--source DEV] " \
	"[--root SYSROOT]\n       [--format " CM_FORMATS_USAGE "] [--creds PATH] [--resume] " \
	"[--progress=auto|plain|json|none]\n       [--after continue|reboot|poweroff|retire] " \
	"[--retire-mode stop|delete] [--detect-root DIR]\n" \
	"       [--launch SPEC [--wait SECONDS] [--api-endpoint URL]]\n" \
	"       [--metadata-endpoint HOST:PORT] [--retire-api-endpoint URL]\n" \
	"       [--precopy [--max-rate BYTES/s]]"

struct migrate_cli {
	struct cm_migrate_opts o;
	const char *after;
	const char *launch, *endpoint;	/* --launch SPEC, --api-endpoint */
	long wait;			/* -1: not given */
	int retire_delete;		/* --retire-mode delete, asked by name */
	int retire_mode_given;
	const char *md_endpoint;	/* the source's metadata (retire), tests */
	const char *retire_api;		/* the source cloud's API (retire), tests */
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
	case 'M':
		m->retire_mode_given = 1;
		if (cm_retire_mode_parse(optarg, &m->retire_delete) == 0)
			return 0;
		return cm_usage_error("migrate", MIGRATE_USAGE,
				      "--retire-mode: 'stop' or 'delete', not '%s'", optarg);
	case 'E': {
		char host[256];
		unsigned port;

		if (cm_md_endpoint_parse(optarg, host, sizeof(host), &port) == 0) {
			m->md_endpoint = optarg;
			return 0;
		}
		return cm_usage_error("migrate", MIGRATE_USAGE,
				      "--metadata-endpoint: not HOST:PORT: '%s'", optarg);
	}
	case 'A':
		if (!strncmp(optarg, "http://", 7) || !strncmp(optarg, "https://", 8)) {
			m->retire_api = optarg;
			return 0;
		}
		return cm_usage_error("migrate", MIGRATE_USAGE,
				      "--retire-api-endpoint: not an http(s) URL: '%s'", optarg);
	case 'L': m->launch = optarg; return 0;
	case 'P': m->o.precopy = 1; return 0;
	case 'Q': {
		char *end;

		errno = 0;
		m->o.max_rate = strtoull(optarg, &end, 10);
		if (!errno && end != optarg && !*end && optarg[0] != '-' && m->o.max_rate)
			return 0;
		return cm_usage_error("migrate", MIGRATE_USAGE, "--max-rate: '%s' is not a "
				      "number of bytes per second", optarg);
	}
	case 'e': m->endpoint = optarg; return 0;
	case 'w':
		if (cm_launch_parse_wait(optarg, &m->wait) == 0)
			return 0;
		return cm_usage_error("migrate", MIGRATE_USAGE, "--wait: '%s' is not "
				      "0..%d seconds", optarg, CM_LAUNCH_WAIT_MAX);
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

static int after_retire(const struct migrate_cli *m)
{
	return m->after && !strcmp(m->after, "retire");
}

/* --after retire needs a launch (nothing else can have arrived); the
 * retire options mean nothing without it. */
static int retire_usage(const struct migrate_cli *m)
{
	char why[256];

	/* a launch not awaited (--wait 0) sees no arrival */
	if (cm_move_retire_needs_launch(after_retire(m), m->wait != 0 ? m->launch : NULL,
					"--after retire", "--launch (and a --wait above 0)",
					why, sizeof(why)) < 0)
		return cm_usage_error("migrate", MIGRATE_USAGE, "%s", why);
	if (!after_retire(m) && (m->retire_mode_given || m->retire_api))
		return cm_usage_error("migrate", MIGRATE_USAGE,
				      "--retire-mode and --retire-api-endpoint go with --after retire");
	return 0;
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
		{ "retire-mode", required_argument, NULL, 'M' },
		{ "metadata-endpoint", required_argument, NULL, 'E' },
		{ "retire-api-endpoint", required_argument, NULL, 'A' },
		{ "debug", no_argument, NULL, 'd' },
		{ "detect-root", required_argument, NULL, 'X' },
		{ "launch", required_argument, NULL, 'L' },
		{ "wait", required_argument, NULL, 'w' },
		{ "api-endpoint", required_argument, NULL, 'e' },
		{ "precopy", no_argument, NULL, 'P' },
		{ "max-rate", required_argument, NULL, 'Q' },
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
	    strcmp(m->after, "poweroff") && strcmp(m->after, "retire"))
		return cm_usage_error("migrate", MIGRATE_USAGE, "--after: '%s' is not continue, "
				      "reboot, poweroff or retire", m->after);
	return retire_usage(m);
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

/* --after retire, once the launch step answered (arrived: 1 the target's
 * arrival was seen): only then the source asks its own cloud to stop or
 * delete it; retired or refused, it powers off (as --after poweroff).
 * Exit 0 retired, 1 not. */
static int retire_after_move(const struct migrate_cli *m, const struct cm_verdict *v,
			     int arrived)
{
	struct cm_move_retire mr = {
		.root = m->o.root, .api_endpoint = m->retire_api,
		.metadata_endpoint = m->md_endpoint, .bring_up_network = 1,
		.delete = m->retire_delete,
	};
	char line[CM_RETIRE_LINE_MAX];
	enum cm_move_end end;

	cm_move_retire_from_verdict(&mr, v);
	end = cm_move_retire(cm_cloud_api_find(v->cloud), &mr, arrived, line, sizeof(line));
	printf("cloudmove: migrate: %s\n", line);
	fflush(stdout);
	if (end == CM_MOVE_END_BOOT)
		return CM_EXIT_FAIL;
	cm_migrate_after("poweroff");
	return end == CM_MOVE_END_RETIRED ? CM_EXIT_OK : CM_EXIT_FAIL;
}

/* --launch: ask before (nothing streamed on a refusal), then the move,
 * then the launch.  0 or -errno (said).  *streamed: the image is whole at
 * the destination; *arrived: the launch saw this move's arrival line. */
static int move_and_launch(struct migrate_cli *m, int *streamed, int *arrived)
{
	struct cm_move_launch *ml;
	char move_id[CM_MOVE_ID_LEN + 1] = "", made[CM_URL_MAX] = "";
	struct cm_netup api_net;
	int r, api_up = 0;

	*streamed = *arrived = 0;
	if (!m->launch) {
		r = cm_migrate(&m->o);
		*streamed = r == 0;
		return r;
	}
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
	*streamed = r == 0;
	if (r == 0)	/* what the stream made: an ebs:// dest names no snapshot */
		r = cm_move_launch_finish(ml, made[0] ? made : m->o.dest, move_id);
	/* arrived: its line seen, not just started (--wait 0) */
	*arrived = r == 0 && ml->l.arrival.target[0];
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
	int streamed, arrived, r = parse(argc, argv, &m);

	if (r)
		return r;
	if (!m.o.root)
		m.o.root = cm_installed_root();
	if (cm_check_root("migrate", m.o.root) < 0)
		return CM_EXIT_FAIL;
	if (m.o.precopy)	/* the running system: its network is up */
		return cm_precopy(&m.o) < 0 ? CM_EXIT_FAIL : CM_EXIT_OK;
	/* who we are, for the move marker: DMI only, no network; with
	 * retire to come, the metadata too (the instance the line names) */
	cm_detect_opts_init(&d);
	d.no_metadata = !after_retire(&m);
	if (m.md_endpoint)
		d.endpoint = m.md_endpoint;
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
	r = move_and_launch(&m, &streamed, &arrived);
	cm_netup_undo(&net);
	/* retire only once the target arrived: the step says so either way */
	if (streamed && after_retire(&m))
		return retire_after_move(&m, &v, r == 0 && arrived);
	if (r < 0)
		return CM_EXIT_FAIL;
	cm_migrate_after(m.after);
	return CM_EXIT_OK;
}
