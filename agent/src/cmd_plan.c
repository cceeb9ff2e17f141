/* cloudmove plan  --target CLOUD [--root SYSROOT]
 *
 * plan prints what adapt (cmd_adapt.c) would change, as a unified diff
 * per file and a summary; it writes nothing.  The options, the target's
 * profile and the plan shown are shared with adapt (cmd_plan.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/sysroot.h"
#include "cmd.h"
#include "cmd_plan.h"
#include "detect/run.h"
#include "log.h"
#include "record/record.h"
#include "record/store.h"
#include "util/diff.h"

#define PLAN_USAGE "cloudmove plan --target CLOUD [--root SYSROOT]"

static int parse(int argc, char **argv, struct cm_adapt_args *o)
{
	static const struct option longopts[] = {
		{ "target", required_argument, NULL, 't' },
		{ "root", required_argument, NULL, 'r' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "no-initramfs", no_argument, NULL, 'I' },
		{ "rebuild-initramfs", no_argument, NULL, 'R' },
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
		else if (c == 'n' && !strcmp(o->cmd, "adapt"))
			o->dry_run = 1;
		else if (c == 'I' && !strcmp(o->cmd, "adapt"))
			o->initramfs = -1;
		else if (c == 'R' && !strcmp(o->cmd, "adapt"))
			o->initramfs = 1;
		else if (c == 'd')
			cm_log_set_level(CM_LOG_DEBUG);
		else
			return cm_usage_error(o->cmd, o->usage,
					      "unknown option or missing value: '%s'",
					      argv[optind - 1]);
	}
	if (optind < argc)
		return cm_usage_error(o->cmd, o->usage, "unexpected argument '%s'",
				      argv[optind]);
	if (!o->target && !strcmp(o->cmd, "plan"))
		return cm_usage_error(o->cmd, o->usage, "--target is required");
	if (!o->target)
		o->target = "auto";
	if (!o->root)
		o->root = cm_installed_root();
	if (cm_check_root(o->cmd, o->root) < 0)
		return CM_EXIT_FAIL;
	return 0;
}

/* "auto": the cloud this machine is in (DMI and metadata), when it
 * differs from the last stay in the hosting record: the root is adapted
 * once per move, and whatever the operator changed by hand afterwards is
 * theirs.  1 when there is nothing to adapt (said why), 0 go on. */
static int resolve_target(struct cm_adapt_args *o)
{
	struct cm_record *rec;
	struct cm_detect_opts d;
	struct cm_verdict v;
	int r = 0;

	if (strcmp(o->target, "auto"))
		return 0;
	cm_detect_opts_init(&d);
	cm_detect_run(&d, &v);
	snprintf(o->detected, sizeof(o->detected), "%s", v.cloud);
	o->target = o->detected;
	printf("detected %s (%s)\n", v.cloud, v.confidence);
	rec = calloc(1, sizeof(*rec));
	if (rec && cm_record_load(o->root, rec) >= 0 && rec->n &&
	    !strcmp(rec->stays[rec->n - 1].cloud, v.cloud)) {
		char since[40];

		cm_time_format(rec->stays[rec->n - 1].first_seen, since, sizeof(since));
		printf("nothing to adapt: the hosting record shows this system on "
		       "%s since %s\n", v.cloud, since);
		r = 1;
	} else if (rec && rec->n) {
		printf("last seen on %s: adapting for %s\n",
		       rec->stays[rec->n - 1].cloud, v.cloud);
	}
	free(rec);
	return r;
}

/* The target's profile, from the root's profiles and the built-in ones:
 * 0 found, 1 nothing to adapt (said why), -errno (said). */
static int find_profile(struct cm_adapt_args *o)
{
	if (resolve_target(o) > 0)
		return 1;
	if (cm_profiles_init(o->set) < 0 || cm_profiles_load(o->root, o->set) < 0)
		return cm_err(-ENOMEM, "%s: profiles", o->cmd);
	o->p = cm_profiles_find(o->set, o->target);
	if (!o->p && o->target == o->detected) {
		printf("nothing to adapt: %s has no profile\n", o->detected);
		return 1;
	}
	if (!o->p) {
		fprintf(stderr, "cloudmove: %s: no profile for '%s' (see cloudmove "
			"profiles list)\n", o->cmd, o->target);
		return -ENOENT;
	}
	return 0;
}

int cm_adapt_main(struct cm_adapt_args *o, int argc, char **argv,
		  int (*act)(const struct cm_adapt_args *o))
{
	int r = parse(argc, argv, o);

	if (r)
		return r;
	o->set = malloc(sizeof(*o->set));
	if (!o->set)
		return cm_err(-ENOMEM, "%s", o->cmd), CM_EXIT_FAIL;
	r = find_profile(o);
	if (r == 0)
		r = act(o);
	free(o->set);
	o->set = NULL;
	return r < 0 ? CM_EXIT_FAIL : CM_EXIT_OK;
}

static int print_diffs(const char *root, const struct cm_plan *plan)
{
	struct cm_buf old, diff;
	char a[CM_PATH_MAX + 4], b[CM_PATH_MAX + 4], link[CM_PATH_MAX];
	size_t i;
	int r = 0;

	cm_buf_init(&old, 4 * 1024 * 1024);
	cm_buf_init(&diff, 16 * 1024 * 1024);
	for (i = 0; r == 0 && i < plan->n; i++) {
		const struct cm_change *c = &plan->v[i];
		int have = cm_sysroot_read(root, c->path, &old) == 0;

		snprintf(a, sizeof(a), "a%s", c->path);
		snprintf(b, sizeof(b), "b%s", c->path);
		cm_buf_reset(&diff);
		if (c->kind == CM_CHANGE_WRITE)
			r = cm_diff_unified(have ? old.data : "", have ? old.len : 0,
					    c->content.data ? c->content.data : "",
					    c->content.len, have ? a : "/dev/null",
					    b, &diff);
		else if (c->kind == CM_CHANGE_DELETE &&
			 cm_sysroot_readlink(root, c->path, link, sizeof(link)) >= 0)
			r = cm_buf_printf(&diff, "remove symlink %s -> %s\n", c->path, link);
		else if (c->kind == CM_CHANGE_DELETE && have)
			r = cm_diff_unified(old.data, old.len, "", 0, a, "/dev/null",
					    &diff);
		else if (c->kind == CM_CHANGE_SYMLINK)
			r = cm_buf_printf(&diff, "symlink %s -> %s\n", c->path, c->target);
		if (r == 0 && diff.data)
			fputs(diff.data, stdout);
	}
	cm_buf_free(&old);
	cm_buf_free(&diff);
	return r;
}

void cm_plan_print_summary(const char *cloud, const struct cm_plan *plan,
			   const struct cm_adapt_report *rep)
{
	size_t i;

	if (!plan->n)
		printf("nothing to change for %s\n", cloud);
	else
		printf("%zu change%s for %s:\n", plan->n, plan->n == 1 ? "" : "s", cloud);
	for (i = 0; i < plan->n; i++)
		printf("  %-8s %s: %s\n", plan->v[i].rewriter, plan->v[i].path,
		       plan->v[i].why);
	for (i = 0; i < rep->n_notes; i++)
		printf("  note: %s\n", rep->notes[i]);
}

int cm_plan_show(const struct cm_adapt_args *o)
{
	struct cm_adapt_report rep;
	struct cm_plan plan;
	int r;

	cm_plan_init(&plan);
	r = cm_adapt_plan(o->root, o->p, &plan, &rep);	/* logged there */
	if (r == 0 && (r = print_diffs(o->root, &plan)) < 0)
		cm_err(r, "%s: diff", o->cmd);
	if (r == 0)
		cm_plan_print_summary(o->target, &plan, &rep);
	cm_plan_free(&plan);
	return r;
}

int cm_cmd_plan(int argc, char **argv)
{
	struct cm_adapt_args o = { .cmd = "plan", .usage = PLAN_USAGE };

	return cm_adapt_main(&o, argc, argv, cm_plan_show);
}
