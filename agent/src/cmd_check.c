/* cloudmove check --target CLOUD [--root SYSROOT] [--json]
 *
 * Preflight: could the installed system under SYSROOT boot on CLOUD as it
 * is?  Kernels and the target's drivers, each kernel's initramfs, fstab
 * and the boot loader's root= (see check/check.h).  One line per finding,
 * "ok|warn|MISSING <what>: <detail>", then the verdict; or one JSON
 * object.  Exit 0 bootable, 1 not (one line on stderr says the first
 * reason) or the check could not run, 2 bad usage.  Writes nothing. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "cmd.h"
#include "log.h"
#include "profiles/profile.h"
#include "util/buf.h"

#define CHECK_USAGE "cloudmove check --target CLOUD [--root SYSROOT] [--json]"
#define CHECK_OUT_MAX (1024 * 1024)

struct check_opts {
	const char *target;
	const char *root;
	int json;
};

static int parse(int argc, char **argv, struct check_opts *o)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "root", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
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

static int run(const struct check_opts *o)
{
	struct cm_profiles *set = malloc(sizeof(*set));
	struct cm_check_report *rep = calloc(1, sizeof(*rep));
	const struct cm_check_item *first;
	struct cm_check c = { .root = o->root, .rep = rep };
	int rc = CM_EXIT_FAIL;
	size_t i;

	if (!set || !rep) {
		cm_err(-ENOMEM, "check");
		goto out;
	}
	if (cm_profiles_init(set) < 0 || cm_profiles_load(o->root, set) < 0) {
		cm_err(-ENOMEM, "check: profiles");
		goto out;
	}
	c.p = cm_profiles_find(set, o->target);
	if (!c.p) {
		fprintf(stderr, "cloudmove: check: no profile for '%s' (see cloudmove "
			"profiles list)\n", o->target);
		goto out;
	}
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++)
		if (checks[i](&c) < 0)
			goto out;	/* logged where understood */
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
