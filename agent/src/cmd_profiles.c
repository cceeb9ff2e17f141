/* cloudmove profiles list [--root SYSROOT]
 * cloudmove profiles show CLOUD [--json] [--root SYSROOT]
 * The target profiles: built-in, overridden or extended by the root's
 * /etc/cloudmove/profiles.d/<name>.conf (a bad file is reported, skipped). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "log.h"
#include "profiles/profile.h"
#include "util/buf.h"

#define PROFILES_USAGE \
	"cloudmove profiles list [--root SYSROOT]\n" \
	"       cloudmove profiles show CLOUD [--json] [--root SYSROOT]"

static const struct option profiles_longopts[] = {
	{ "root", required_argument, NULL, 'r' },
	{ "json", no_argument, NULL, 'j' },
	{ 0 }
};

struct profiles_opts {
	const char *root;
	const char *cloud;
	int json;
};

static int parse_profiles_args(int argc, char **argv, const char *sub,
			       struct profiles_opts *o)
{
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	/* "-": options may follow the cloud name. */
	while ((c = getopt_long(argc, argv, "-", profiles_longopts, NULL)) != -1) {
		if (c == 'r') {
			o->root = optarg;
		} else if (c == 'j' && !strcmp(sub, "show")) {
			o->json = 1;
		} else if (c == 1 && !strcmp(sub, "show") && !o->cloud) {
			o->cloud = optarg;
		} else if (c == 1) {
			return cm_usage_error("profiles", PROFILES_USAGE,
					      "unexpected argument '%s'", optarg);
		} else {
			return cm_usage_error("profiles", PROFILES_USAGE,
					      "%s: unknown option or missing value: '%s'",
					      sub, argv[optind - 1]);
		}
	}
	if (!strcmp(sub, "show") && !o->cloud)
		return cm_usage_error("profiles", PROFILES_USAGE,
				      "show: missing CLOUD");
	if (o->root && cm_check_root("profiles", o->root) < 0)
		return CM_EXIT_FAIL;
	return 0;
}

static int profiles_list(struct cm_profiles *set)
{
	size_t i;

	printf("%-14s %-40s %s\n", "CLOUD", "TITLE", "SOURCE");
	for (i = 0; i < set->n; i++)
		printf("%-14s %-40s %s\n", set->v[i].name, set->v[i].title,
		       cm_profile_source_name(set->v[i].source));
	return CM_EXIT_OK;
}

static int profiles_show(const struct profiles_opts *o, struct cm_profiles *set)
{
	struct cm_profile_rt *p = cm_profiles_find(set, o->cloud);
	struct cm_buf b;
	int r;

	if (!p) {
		fprintf(stderr, "cloudmove: profiles: show: no profile for cloud "
			"'%s' (see cloudmove profiles list)\n", o->cloud);
		return CM_EXIT_FAIL;
	}
	cm_buf_init(&b, 64 * 1024);
	r = o->json ? cm_profile_format_json(p, &b) : cm_profile_format_text(p, &b);
	if (!r)
		fputs(b.data, stdout);
	cm_buf_free(&b);
	if (r < 0) {
		cm_err(r, "profiles: show %s", o->cloud);
		return CM_EXIT_FAIL;
	}
	return CM_EXIT_OK;
}

int cm_cmd_profiles(int argc, char **argv)
{
	struct profiles_opts o;
	struct cm_profiles *set;
	const char *sub;
	int rc;

	if (argc < 2)
		return cm_usage_error("profiles", PROFILES_USAGE, "missing subcommand");
	sub = argv[1];
	if (strcmp(sub, "list") && strcmp(sub, "show"))
		return cm_usage_error("profiles", PROFILES_USAGE,
				      "unknown subcommand '%s'", sub);
	rc = parse_profiles_args(argc - 1, argv + 1, sub, &o);
	if (rc)
		return rc;
	set = malloc(sizeof(*set));
	if (!set) {
		cm_err(-ENOMEM, "profiles");
		return CM_EXIT_FAIL;
	}
	rc = cm_profiles_init(set);
	if (rc < 0) {
		cm_err(rc, "profiles: built-in profiles");
		free(set);
		return CM_EXIT_FAIL;
	}
	/* Without --root: this system's own profiles.d. */
	if (cm_profiles_load(o.root, set) < 0) {
		cm_err(-ENOMEM, "profiles: profiles.d");
		free(set);
		return CM_EXIT_FAIL;
	}
	rc = !strcmp(sub, "list") ? profiles_list(set) : profiles_show(&o, set);
	free(set);
	return rc;
}
