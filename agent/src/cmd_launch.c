/* cloudmove launch --target aws|gcp|azure --image URL --spec PATH
 *                  [--creds PATH] [--api-endpoint URL] [--wait SECONDS]
 *                  [--move-id ID] [--json]
 *
 * Turns an uploaded image into a running instance in the target cloud and
 * watches its serial console for the arrival line
 * "cloudmove: arrived in TARGET from CLOUD (move ID)" (control/launch.h):
 * with --move-id, that move's; without, that of the installed root's
 * hosting record's last move to TARGET, if any; else any arrival in
 * TARGET.  Exit 0 arrived (or launched, with --wait 0), 1 not (what
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
#include "record/move.h"

#define LAUNCH_USAGE "cloudmove launch --target aws|gcp|azure --image URL --spec PATH\n" \
	"       [--creds PATH] [--api-endpoint URL] [--wait SECONDS] [--move-id ID] [--json]\n" \
	"       [--source DEV|FILE] [--root SYSROOT]"

struct launch_cli {
	const char *target, *image, *spec, *creds, *endpoint, *move_id;
	const char *source, *root;
	long wait;
	int json;
};

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
	case 'S': o->source = optarg; return 0;
	case 'r': o->root = optarg; return 0;
	case 'd': cm_log_set_level(CM_LOG_DEBUG); return 0;
	case 'w':
		if (cm_launch_parse_wait(optarg, &o->wait) == 0)
			return 0;
		return cm_usage_error("launch", LAUNCH_USAGE,
				      "--wait: '%s' is not 0..%d seconds", optarg,
				      CM_LAUNCH_WAIT_MAX);
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
		{ "source", required_argument, NULL, 'S' },
		{ "root", required_argument, NULL, 'r' },
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

static struct json_object *verdict_json(enum cm_fit_verdict v)
{
	return json_object_new_string(v == CM_FIT_YES ? "ok" : v == CM_FIT_NO ? "no" : "unknown");
}

/* The fit, or null when the target was not asked that far. */
static struct json_object *fit_json(const struct cm_launch *l)
{
	struct json_object *o;

	if (!l->fit.boot_why[0])
		return NULL;
	o = json_object_new_object();
	if (!o)
		return NULL;
	json_object_object_add(o, "boot", verdict_json(l->fit.boot));
	json_object_object_add(o, "arch", verdict_json(l->fit.arch));
	json_object_object_add(o, "drivers", verdict_json(l->fit.drivers));
	return o;
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
	json_object_object_add(j, "image_firmware", l->image.firmware ?
			       json_object_new_string(cm_boot_modes_name(l->image.firmware)) : NULL);
	json_object_object_add(j, "image_arch", string_or_null(l->image.arch));
	json_object_object_add(j, "fit", fit_json(l));
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

/* The move id to wait for: --move-id; else the last move in the installed
 * root's hosting record to this target (record/move.h), if it has one;
 * else none: any arrival in the target counts. */
static const char *expected_move_id(const struct launch_cli *o, char *buf, size_t size,
				    int *recorded)
{
	struct cm_stay_move mv;
	int last = cm_record_move_last(o->root, &mv) == 1 && !strcmp(mv.target, o->target) &&
		   cm_move_id_valid(mv.id);

	/* the launch continues the record's move: it notes what it made */
	*recorded = last && (!o->move_id || !strcmp(o->move_id, mv.id));
	if (o->move_id)
		return o->move_id;
	if (last) {
		snprintf(buf, size, "%s", mv.id);
		cm_launch_say(o->target, "waiting for move %s (the hosting record's last)", buf);
		return buf;
	}
	return NULL;
}

/* The record's move learns what this launch made and saw (a note that
 * fails is a warning: the launch's result stands). */
static void note_record(const struct launch_cli *o, const struct cm_launch *l, int r,
			const char *failed)
{
	const struct cm_launch_result *res = &l->result;

	if (res->instance_id[0] &&
	    cm_record_note_move_launched(o->root, res->image_id, res->instance_id,
					 res->region) < 0)
		cm_warn("launch: the record does not name the image and the instance");
	if (r > 0 && cm_record_note_move_arrived(o->root) < 0)
		cm_warn("launch: the record does not say the move arrived");
	if (failed && (!strcmp(failed, "launch") || !strcmp(failed, "arrival")) &&
	    cm_record_note_move_failed(o->root, !strcmp(failed, "arrival") ? "arrival" :
				       res->image_id[0] ? "launch" : "import",
				       r < 0 ? cm_strerror(-r) : "no arrival line in time") < 0)
		cm_warn("launch: the record does not say the move failed at %s", failed);
}

int cm_cmd_launch(int argc, char **argv)
{
	struct launch_cli o = { .wait = CM_LAUNCH_WAIT_DEFAULT };
	const char *failed;
	struct cm_launch *l;
	char exists[3 * CM_API_ID_MAX], move_id[CM_MOVE_ID_LEN + 1];
	int r = parse(argc, argv, &o), arrived, recorded = 0;

	if (r)
		return r;
	if (!o.root)
		o.root = cm_installed_root();
	if (cm_check_root("launch", o.root) < 0)
		return CM_EXIT_FAIL;
	l = calloc(1, sizeof(*l));
	if (!l) {
		cm_log(CM_LOG_ERR, "launch: out of memory");
		return CM_EXIT_FAIL;
	}
	cm_launch_init(l, cm_cloud_api_find(o.target));
	r = cm_launch_run(l, &(struct cm_launch_args){
		.image_url = o.image, .spec = o.spec, .creds = o.creds,
		.endpoint = o.endpoint, .source = o.source, .root = o.root,
		.move_id = expected_move_id(&o, move_id, sizeof(move_id), &recorded),
		.wait = o.wait }, &failed);
	arrived = r > 0 || (r == 0 && o.wait == 0);
	if (recorded)
		note_record(&o, l, r, arrived ? NULL : failed);
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
