/* cloudmove check --target CLOUD [--root SYSROOT] [--json]
 *                 [--spec PATH [--creds PATH] [--api-endpoint URL]
 *                  [--source DEV|FILE]]
 *
 * Preflight: could the installed system under SYSROOT boot on CLOUD as it
 * is?  Kernels and the target's drivers, each kernel's initramfs, fstab
 * and the boot loader's root= (see check/check.h).  One line per finding,
 * "ok|warn|MISSING <what>: <detail>", then the verdict; or one JSON
 * object.  With --spec (aws, gcp, azure: a launch spec, as for launch),
 * the target is asked too (login, the instance type's needs: nothing is
 * made there) and its needs are folded into the profile (its drivers
 * checked with the others); the findings then name the queried facts,
 * the disk's firmware and the fit (boot mode, architecture, drivers).
 * Exit 0 bootable, 1 not (one line on stderr says the first
 * reason) or the check could not run, 2 bad usage.  Writes nothing. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "cmd.h"
#include "control/fit.h"
#include "control/launch.h"
#include "log.h"
#include "profiles/profile.h"
#include "util/buf.h"

#define CHECK_USAGE "cloudmove check --target CLOUD [--root SYSROOT] [--json]\n" \
	"       [--spec PATH [--creds PATH] [--api-endpoint URL] [--source DEV|FILE]]"
#define CHECK_OUT_MAX (1024 * 1024)

struct check_opts {
	const char *target;
	const char *root;
	int json;
	const char *spec, *creds, *endpoint, *source;	/* --spec: ask the target */
};

static int parse(int argc, char **argv, struct check_opts *o)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "root", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "spec", required_argument, NULL, 's' },
		{ "creds", required_argument, NULL, 'c' },
		{ "api-endpoint", required_argument, NULL, 'e' },
		{ "source", required_argument, NULL, 'S' },
		{ "debug", no_argument, NULL, 'd' },
		{ 0 }
	};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == 't')
			o->target = optarg;
		else if (c == 'r')
			o->root = optarg;
		else if (c == 'j')
			o->json = 1;
		else if (c == 's')
			o->spec = optarg;
		else if (c == 'c')
			o->creds = optarg;
		else if (c == 'e')
			o->endpoint = optarg;
		else if (c == 'S')
			o->source = optarg;
		else if (c == 'd')
			cm_log_set_level(CM_LOG_DEBUG);
		else
			return cm_usage_error("check", CHECK_USAGE,
					      "unknown option or missing value: '%s'",
					      argv[optind - 1]);
	}
	if (optind < argc)
		return cm_usage_error("check", CHECK_USAGE, "unexpected argument '%s'",
				      argv[optind]);
	if (!o->target || !*o->target)
		return cm_usage_error("check", CHECK_USAGE, "--target is required");
	if (o->spec && !cm_cloud_api_find(o->target))
		return cm_usage_error("check", CHECK_USAGE, "--spec: '%s' is not one of %s",
				      o->target, cm_cloud_api_names());
	if (!o->spec && (o->creds || o->endpoint || o->source))
		return cm_usage_error("check", CHECK_USAGE,
				      "--creds, --api-endpoint and --source go with --spec");
	if (!o->root)
		o->root = cm_installed_root();
	if (cm_check_root("check", o->root) < 0)
		return CM_EXIT_FAIL;
	return 0;
}

/* The checks, in the order a boot meets them. */
static int (*const checks[])(struct cm_check *) = {
	cm_check_bootloader, cm_check_kernels, cm_check_initramfs, cm_check_fstab,
};

static int print(const struct check_opts *o, const struct cm_check_report *rep)
{
	struct cm_buf out;
	int r;

	cm_buf_init(&out, CHECK_OUT_MAX);
	r = o->json ? cm_check_format_json(rep, o->target, o->root, &out) :
		      cm_check_format_text(rep, o->target, &out);
	if (r == 0)
		fputs(out.data, stdout);
	else
		cm_err(r, "check: output");
	cm_buf_free(&out);
	return r;
}

static enum cm_check_status fit_status(enum cm_fit_verdict v)
{
	return v == CM_FIT_YES ? CM_CHECK_OK : v == CM_FIT_NO ? CM_CHECK_MISSING
							     : CM_CHECK_WARN;
}

static void disk_finding(const struct cm_launch *l, struct cm_check_report *rep)
{
	cm_check_add(rep, l->image.firmware ? CM_CHECK_OK : CM_CHECK_WARN, "disk firmware",
		     "%s, %s (%s)", l->image.firmware ? cm_boot_modes_name(l->image.firmware)
		     : "not known", l->image.arch[0] ? l->image.arch : "architecture not known",
		     l->image_evidence[0] ? l->image_evidence : "no disk read");
}

/* --spec: the target asked (login, describe_type), its needs folded into
 * p; -1 when it could not be asked (a MISSING line says so; the local
 * checks still run). */
static int ask_target(const struct check_opts *o, struct cm_launch *l,
		      struct cm_profile_rt *p, struct cm_check_report *rep)
{
	const char *cloud = o->target;
	int r;

	/* the disk is read first: the finding comes whatever the target says */
	cm_launch_init(l, cm_cloud_api_find(cloud));
	r = cm_launch_load(l, o->spec, o->creds);
	if (r == 0)
		r = cm_launch_image(l, o->source, o->root);
	if (r == 0)
		r = cm_launch_supported(l);
	if (r == 0)
		r = cm_launch_connect(l, o->endpoint);
	if (r == 0)
		r = cm_launch_ask(l);
	if (l->image_evidence[0])
		disk_finding(l, rep);
	if (r < 0) {
		cm_check_add(rep, CM_CHECK_MISSING, "target API", "%s could not be asked "
			     "(%s, above): nothing known of its instance type", cloud,
			     cm_strerror(-r));
		return -1;
	}
	cm_check_add(rep, CM_CHECK_OK, "target credentials", "%s accepted them", cloud);
	cm_check_add(rep, CM_CHECK_OK, "instance type", "%s: %s, %s%s%s%s (%s)",
		     l->target.instance_type, l->target.arch[0] ? l->target.arch : "?",
		     cm_boot_modes_name(l->target.boot_modes), l->target.nvme ? ", nvme" : "",
		     l->target.drivers[0] ? ", drivers " : "", l->target.drivers,
		     l->target.source[0] ? l->target.source : "its API");
	if (cm_fit_fold(p, &l->target) < 0)
		cm_check_add(rep, CM_CHECK_WARN, "profile", "the type's drivers (%s) do not "
			     "all fit in the profile's lists", l->target.drivers);
	return 0;
}

static void fit_findings(const struct check_opts *o, struct cm_launch *l,
			 struct cm_check_report *rep)
{
	cm_launch_fit(l, o->root);
	cm_check_add(rep, fit_status(l->fit.boot), "fit: boot mode", "%s", l->fit.boot_why);
	cm_check_add(rep, fit_status(l->fit.arch), "fit: architecture", "%s", l->fit.arch_why);
	cm_check_add(rep, fit_status(l->fit.drivers), "fit: drivers", "%s",
		     l->fit.drivers_why);
}

static int run(const struct check_opts *o)
{
	struct cm_profiles *set = malloc(sizeof(*set));
	struct cm_check_report *rep = calloc(1, sizeof(*rep));
	const struct cm_check_item *first;
	struct cm_check c = { .root = o->root, .rep = rep };
	struct cm_launch *l = o->spec ? calloc(1, sizeof(*l)) : NULL;
	struct cm_profile_rt *p;
	int rc = CM_EXIT_FAIL, asked = -1;
	size_t i;

	if (!set || !rep || (o->spec && !l)) {
		cm_err(-ENOMEM, "check");
		goto out;
	}
	if (cm_profiles_init(set) < 0 || cm_profiles_load(o->root, set) < 0) {
		cm_err(-ENOMEM, "check: profiles");
		goto out;
	}
	p = cm_profiles_find(set, o->target);
	c.p = p;
	if (!c.p) {
		fprintf(stderr, "cloudmove: check: no profile for '%s' (see cloudmove "
			"profiles list)\n", o->target);
		goto out;
	}
	if (l)
		asked = ask_target(o, l, p, rep);
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (checks[i](&c) < 0)
			goto out;	/* logged where understood */
	if (l && asked == 0)
		fit_findings(o, l, rep);
	if (print(o, rep) < 0)
		goto out;
	if (cm_check_bootable(rep)) {
		rc = CM_EXIT_OK;
		goto out;
	}
	first = cm_check_first_missing(rep);
	fprintf(stderr, "cloudmove: check: %s would not boot on %s: %s: %s%s\n",
		o->root, o->target, first ? first->what : "?",
		first ? first->detail : "?",
		rep->missing > 1 ? " (and more, above)" : "");
out:
	if (l) {
		cm_launch_close(l);
		free(l);
	}
	free(rep);
	free(set);
	return rc;
}

int cm_cmd_check(int argc, char **argv)
{
	struct check_opts o = { 0 };
	int r = parse(argc, argv, &o);

	return r ? r : run(&o);
}
