/* cloudmove retire [--mode stop|delete] [--metadata-endpoint HOST:PORT]
 *                  [--api-endpoint URL] [--json] [--detect-root DIR]
 *
 * The running machine asks its own cloud to stop (the default: its disks
 * are kept, a way back) or delete it, with the identity the cloud gives
 * it, no credentials file (control/retire.h).  Which cloud is detection's
 * answer (metadata included); --detect-root reads the machine's evidence
 * from a fixture (tests).  Nothing here powers the machine off: a refusal
 * is one line naming what is still provisioned and billed and the command
 * that finishes.  Exit 0 retired, 1 not, 2 bad usage. */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "clouds/clouds.h"
#include "cmd.h"
#include "control/control.h"
#include "control/retire.h"
#include "detect/run.h"
#include "log.h"

#define RETIRE_USAGE \
	"cloudmove retire [--mode stop|delete] [--metadata-endpoint HOST:PORT]\n" \
	"                 [--api-endpoint URL] [--json] [--detect-root DIR]"

struct retire_cli {
	struct cm_detect_opts d;
	const char *api_endpoint;
	const char *detect_root;
	int delete;
	int json;
};

static int parse(int argc, char **argv, struct retire_cli *c)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'm' },
		{ "metadata-endpoint", required_argument, NULL, 'e' },
		{ "timeout", required_argument, NULL, 't' },
		{ "api-endpoint", required_argument, NULL, 'A' },
		{ "detect-root", required_argument, NULL, 'X' },
		{ "json", no_argument, NULL, 'j' },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int o;

	optind = 1;
	opterr = 0;
	while ((o = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (o) {
		case 'm':
			/* delete only by its name: no default, no abbreviation */
			if (cm_retire_mode_parse(optarg, &c->delete) < 0)
				return cm_usage_error("retire", RETIRE_USAGE,
						      "--mode: 'stop' or 'delete', not '%s'", optarg);
			break;
		case 'A':
			if (strncmp(optarg, "http://", 7) && strncmp(optarg, "https://", 8))
				return cm_usage_error("retire", RETIRE_USAGE,
						      "--api-endpoint: not an http(s) URL: '%s'",
						      optarg);
			c->api_endpoint = optarg;
			break;
		case 'X':
			if (cm_detect_root_option("retire", RETIRE_USAGE, optarg,
						  &c->detect_root))
				return CM_EXIT_USAGE;
			break;
		case 'j':
			c->json = 1;
			break;
		case 'h':
			printf("usage: %s\n", RETIRE_USAGE);
			return -1;
		case 'e': case 't': case 'd':
			if (cm_detect_option("retire", RETIRE_USAGE, o, optarg, &c->d))
				return CM_EXIT_USAGE;
			break;
		default:
			return cm_usage_error("retire", RETIRE_USAGE,
					      "unknown option or missing value: '%s'",
					      argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cm_usage_error("retire", RETIRE_USAGE, "unexpected argument '%s'",
				      argv[optind]);
	return 0;
}

static struct json_object *str_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static int print_json(const char *cloud, int delete, const struct cm_retire_result *res)
{
	struct json_object *j = json_object_new_object();
	int r;

	if (!j)
		return -ENOMEM;
	json_object_object_add(j, "cloud", str_or_null(cloud));
	json_object_object_add(j, "mode", json_object_new_string(cm_retire_mode_name(delete)));
	json_object_object_add(j, "retired", json_object_new_boolean(res->retired));
	json_object_object_add(j, "instance", str_or_null(res->instance));
	json_object_object_add(j, "region", str_or_null(res->region));
	json_object_object_add(j, "step", str_or_null(res->step));
	json_object_object_add(j, "reason", str_or_null(res->reason));
	json_object_object_add(j, "billed", str_or_null(res->billed));
	json_object_object_add(j, "finish", str_or_null(res->finish));
	json_object_object_add(j, "line", json_object_new_string(res->line));
	r = puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
						JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(j);
	return r < 0 || fflush(stdout) == EOF ? -EIO : 0;
}

int cm_cmd_retire(int argc, char **argv)
{
	struct retire_cli c = { .delete = 0 };
	struct cm_retire_result res;
	struct cm_retire_opts o;
	struct cm_verdict v;
	int r;

	cm_detect_opts_init(&c.d);
	r = parse(argc, argv, &c);
	if (r)
		return r < 0 ? CM_EXIT_OK : r;
	c.d.root = c.detect_root;
	memset(&v, 0, sizeof(v));
	r = cm_detect_run(&c.d, &v);
	if (r < 0)
		cm_warn("retire: metadata: %s (verdict from DMI alone)", cm_strerror(-r));
	o = (struct cm_retire_opts){
		.cloud = v.cloud ? v.cloud : "unknown", .instance_id = v.instance_id,
		.in_cloud = v.desc && v.desc->kind == CM_KIND_CLOUD,
		.region = v.zone[0] && v.cloud && !strcmp(v.cloud, "gcp") ? v.zone : v.region,
		.api_endpoint = c.api_endpoint, .metadata_endpoint = c.d.endpoint,
		.delete = c.delete,
	};
	r = cm_retire_run(cm_cloud_api_find(o.cloud), &o, &res);
	if (c.json) {
		if (print_json(o.cloud, c.delete, &res) < 0)
			cm_err(-EIO, "retire: write the answer");
	} else if (r == 0) {
		printf("cloudmove: %s\n", res.line);
		fflush(stdout);
	}
	if (r < 0)	/* the one line, --json or not */
		fprintf(stderr, "cloudmove: %s\n", res.line);
	return r == 0 ? CM_EXIT_OK : CM_EXIT_FAIL;
}
