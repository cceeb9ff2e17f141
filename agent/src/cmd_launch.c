/* cloudmove launch --target aws|gcp|azure --image URL --spec PATH
 *                  [--creds PATH] [--api-endpoint URL] [--wait SECONDS]
 *                  [--move-id ID] [--json]
 *
 * Turns an uploaded image into a running instance in the target cloud and
 * watches its serial console for the arrival line
 * "cloudmove: arrived in TARGET from CLOUD (move ID)" (control/launch.h):
 * with --move-id, that move's; without, any arrival in TARGET (the move id
 * of the installed root's last move will be used once the hosting record
 * carries it).  Exit 0 arrived (or launched, with --wait 0), 1 not (what
 * the launch made is named, nothing is deleted), 2 bad usage.  Progress
 * on stderr; --json prints one object on stdout at the end. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cmd.h"
#include "control/control.h"
#include "control/launch.h"
#include "log.h"

#define LAUNCH_USAGE "cloudmove launch --target aws|gcp|azure --image URL --spec PATH\n" \
	"       [--creds PATH] [--api-endpoint URL] [--wait SECONDS] [--move-id ID] [--json]"

#define WAIT_MAX	(7L * 24 * 3600)

struct launch_cli {
	const char *target, *image, *spec, *creds, *endpoint, *move_id;
	long wait;
	int json;
};

static int parse_wait(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end || *out < 0 || *out > WAIT_MAX ? -EINVAL : 0;
}

static int parse_one(int c, struct launch_cli *o)
{
	switch (c) {
	case 't': o->target = optarg; return 0;
	case 'i': o->image = optarg; return 0;
	case 's': o->spec = optarg; return 0;
	case 'c': o->creds = optarg; return 0;
	case 'e': o->endpoint = optarg; return 0;
	case 'm': o->move_id = optarg; return 0;
	case 'j': o->json = 1; return 0;
	case 'd': cm_log_set_level(CM_LOG_DEBUG); return 0;
	case 'w':
		if (parse_wait(optarg, &o->wait) == 0)
			return 0;
		return cm_usage_error("launch", LAUNCH_USAGE,
				      "--wait: '%s' is not 0..%ld seconds", optarg, WAIT_MAX);
	}
	return cm_usage_error("launch", LAUNCH_USAGE, "unknown option or missing value");
}

static int check_args(const struct launch_cli *o)
{
	if (!o->target || !*o->target)
		return cm_usage_error("launch", LAUNCH_USAGE, "--target is required");
	if (!cm_cloud_api_find(o->target))
		return cm_usage_error("launch", LAUNCH_USAGE,
				      "--target: '%s' is not one of %s", o->target,
				      cm_cloud_api_names());
	if (!o->image || !*o->image)
		return cm_usage_error("launch", LAUNCH_USAGE, "--image is required");
	if (!o->spec || !*o->spec)
		return cm_usage_error("launch", LAUNCH_USAGE, "--spec is required");
	if (o->move_id && !cm_move_id_valid(o->move_id))
		return cm_usage_error("launch", LAUNCH_USAGE,
				      "--move-id: '%.64s' is not 32 lowercase hex characters",
				      o->move_id);
	return 0;
}

static int parse(int argc, char **argv, struct launch_cli *o)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "image", required_argument, NULL, 'i' },
		{ "spec", required_argument, NULL, 's' },
		{ "creds", required_argument, NULL, 'c' },
		{ "api-endpoint", required_argument, NULL, 'e' },
		{ "wait", required_argument, NULL, 'w' },
		{ "move-id", required_argument, NULL, 'm' },
		{ "json", no_argument, NULL, 'j' },
		{ "debug", no_argument, NULL, 'd' },
		{ 0 }
	};
	int c, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == '?')
			return cm_usage_error("launch", LAUNCH_USAGE,
					      "unknown option or missing value: '%s'",
					      argv[optind - 1]);
		r = parse_one(c, o);
		if (r)
			return r;
	}
	if (optind < argc)
		return cm_usage_error("launch", LAUNCH_USAGE, "unexpected argument '%s'",
				      argv[optind]);
	return check_args(o);
}

static struct json_object *string_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

/* The one object --json prints: what exists and whether it arrived. */
static int print_json(const struct cm_launch *l, const struct launch_cli *o,
		      const char *failed, int arrived)
{
	struct json_object *j = json_object_new_object();
	const struct cm_launch_result *res = &l->result;
	const char *text;
	int r = 0;

	if (!j)
		return -ENOMEM;
	json_object_object_add(j, "target", json_object_new_string(o->target));
	json_object_object_add(j, "snapshot_id", string_or_null(res->snapshot_id));
	json_object_object_add(j, "image_id", string_or_null(res->image_id));
	json_object_object_add(j, "instance_id", string_or_null(res->instance_id));
	json_object_object_add(j, "region", string_or_null(res->region));
	json_object_object_add(j, "arrived", arrived < 0 ? NULL :
			       json_object_new_boolean(arrived));
	json_object_object_add(j, "from", string_or_null(l->arrival.from));
	json_object_object_add(j, "move_id", string_or_null(arrived > 0 ?
			       l->arrival.move_id : o->move_id));
	json_object_object_add(j, "waited_seconds",
			       json_object_new_int64(l->waited_ms / 1000));
	json_object_object_add(j, "failed", string_or_null(failed));
	text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || printf("%s\n", text) < 0)
		r = -EIO;
	json_object_put(j);
	return r;
}

/* The move id to wait for: --move-id, else none (any arrival in the
 * target).  TODO(h-move): the installed root's hosting record's last move
 * id, once the record carries it. */
static const char *expected_move_id(const struct launch_cli *o)
{
	return o->move_id;
}

/* The steps; *failed names the one that failed.  1 arrived, 0 not (or
 * not waited for: --wait 0), -errno. */
static int run(struct cm_launch *l, const struct launch_cli *o, const char **failed)
{
	struct cm_image_facts img;
	int r;

	memset(&img, 0, sizeof(img));
	*failed = "spec";
	r = cm_launch_load(l, o->spec, o->creds);
	if (r < 0)
		return r;
	*failed = "unsupported";
	r = cm_launch_supported(l);
	if (r < 0)
		return r;
	*failed = "connect";
	r = cm_launch_connect(l, o->endpoint);
	if (r < 0)
		return r;
	*failed = "ask";
	r = cm_launch_ask(l);
	if (r < 0)
		return r;
	*failed = "launch";
	r = cm_launch_start(l, o->image, &img, expected_move_id(o));
	if (r < 0)
		return r;
	*failed = NULL;
	if (o->wait == 0)
		return 0;
	r = cm_launch_wait(l, expected_move_id(o), o->wait);
	if (r <= 0)
		*failed = "arrival";
	return r;
}

int cm_cmd_launch(int argc, char **argv)
{
	struct launch_cli o = { .wait = CM_LAUNCH_WAIT_DEFAULT };
	const char *failed;
	struct cm_launch *l;
	char exists[3 * CM_API_ID_MAX];
	int r = parse(argc, argv, &o), arrived;

	if (r)
		return r;
	l = calloc(1, sizeof(*l));
	if (!l) {
		cm_log(CM_LOG_ERR, "launch: out of memory");
		return CM_EXIT_FAIL;
	}
	cm_launch_init(l, cm_cloud_api_find(o.target));
	r = run(l, &o, &failed);
	arrived = r > 0 || (r == 0 && o.wait == 0);
	cm_launch_exists(l, exists, sizeof(exists));
	if (r == 0 && o.wait > 0)
		cm_launch_say(o.target, "no arrival line on %s's console within %ld s%s%s",
			      l->result.instance_id, o.wait, exists[0] ? "; " : "", exists);
	else if (r < 0 && exists[0])
		cm_launch_say(o.target, "%s", exists);
	if (o.json)
		print_json(l, &o, arrived ? NULL : failed,
			   o.wait == 0 && r == 0 ? -1 : arrived);
	cm_launch_close(l);
	free(l);
	return arrived ? CM_EXIT_OK : CM_EXIT_FAIL;
}
