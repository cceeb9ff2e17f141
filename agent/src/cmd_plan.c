/* cloudmove plan  --target CLOUD [--root SYSROOT]
 * cloudmove adapt [--target CLOUD|auto] [--root SYSROOT] [--dry-run]
 *
 * plan prints what adapt would change, as a unified diff per file and a
 * summary; it writes nothing.  adapt applies the same plan through the
 * transaction engine (journal, backups, atomic renames; `rollback` undoes
 * it).  A second adapt finds nothing to change. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adapt/adapt.h"
#include "adapt/apply.h"
#include "adapt/initramfs.h"
#include "util/sysroot.h"
#include "adapt/txn.h"
#include "cmd.h"
#include "detect/run.h"
#include "log.h"
#include "profiles/profile.h"
#include "record/record.h"
#include "record/store.h"
#include "util/diff.h"
#include "util/rootrw.h"

#define PLAN_USAGE "cloudmove plan --target CLOUD [--root SYSROOT]"
#define ADAPT_USAGE "cloudmove adapt [--target CLOUD|auto] [--root SYSROOT] [--dry-run] " \
	"[--no-initramfs | --rebuild-initramfs]"

struct adapt_opts {
	const char *cmd, *usage;
	const char *target;
	const char *root;
	int dry_run;
	int initramfs;		/* -1 never, 0 when drivers changed, 1 always */
};

static int parse(int argc, char **argv, struct adapt_opts *o)
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
static int resolve_target(struct adapt_opts *o, char *buf, size_t size)
{
	struct cm_record *rec;
	struct cm_detect_opts d;
	struct cm_verdict v;
	int r = 0;

	if (strcmp(o->target, "auto"))
		return 0;
	cm_detect_opts_init(&d);
	cm_detect_run(&d, &v);
	snprintf(buf, size, "%s", v.cloud);
	o->target = buf;
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

static void print_summary(const char *cloud, const struct cm_plan *plan,
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

static int drivers_changed(const struct cm_plan *plan)
{
	size_t i;

	for (i = 0; i < plan->n; i++)
		if (!strcmp(plan->v[i].rewriter, "drivers"))
			return 1;
	return 0;
}

/* The images carry the drivers: rebuilt when what goes into them changed
 * (or when asked), for every installed kernel, by the root's own tool. */
static int rebuild_initramfs(const struct adapt_opts *o, const char *id)
{
	struct cm_initramfs_report rep;
	int r;

	r = cm_initramfs_regenerate(o->root, id, &rep);
	if (rep.built || rep.failed)
		printf("initramfs: %u image%s rebuilt with %s in %.1f s%s\n",
		       rep.built, rep.built == 1 ? "" : "s", rep.tool, rep.seconds,
		       rep.failed ? ", some failed (the old images stay)" : "");
	else if (r == 0)
		printf("initramfs: no installed kernel; nothing rebuilt\n");
	return r;
}

/* The newest applied transaction: a rebuild asked for with nothing to
 * change is recorded there (so its rollback restores the images too). */
static const char *last_done_id(const char *root, char *id, size_t size)
{
	struct cm_txn_info *v = NULL;
	size_t n = 0;

	id[0] = '\0';
	if (cm_txn_list(root, &v, &n) == 0)
		while (n-- > 0)
			if (v[n].ok && v[n].state == CM_TXN_DONE) {
				snprintf(id, size, "%04u", v[n].id);
				break;
			}
	free(v);
	return id;
}

static int rebuild_if_needed(const struct adapt_opts *o, const struct cm_plan *plan,
			     char *id, size_t id_size)
{
	struct cm_rootrw rw;
	int r, e;

	if (o->initramfs < 0 || (o->initramfs == 0 && !(id[0] && drivers_changed(plan))))
		return 0;
	if (!id[0] && !last_done_id(o->root, id, id_size)[0])
		return cm_err(-ENOENT, "adapt: --rebuild-initramfs: no transaction "
			      "to record it in (adapt the root first)");
	r = cm_rootrw_begin(&rw, o->root);
	if (r < 0)
		return r;
	r = rebuild_initramfs(o, id);
	e = cm_rootrw_end(&rw);
	return r < 0 ? r : e;
}

static int apply(const struct adapt_opts *o, const struct cm_profile_rt *p,
		 struct cm_plan *plan, struct cm_adapt_report *rep)
{
	struct cm_adapt_outcome out;
	char label[96];
	int r;

	snprintf(label, sizeof(label), "adapt for %s", o->target);
	r = cm_adapt_apply(o->root, p, label, plan, rep, &out);
	if (r < 0)
		return r;
	if (out.recovered)
		printf("an interrupted transaction was undone first\n");
	print_summary(o->target, plan, rep);
	if (out.txn[0])
		printf("adapted for %s: %zu change%s, txn %s (undo: cloudmove "
		       "rollback --root %s)\n", o->target, plan->n,
		       plan->n == 1 ? "" : "s", out.txn, o->root);
	else if (plan->n)
		printf("nothing to change for %s (every change was in place)\n",
		       o->target);
	return rebuild_if_needed(o, plan, out.txn, sizeof(out.txn));
}

static int run(struct adapt_opts *o)
{
	struct cm_profiles *set = malloc(sizeof(*set));
	struct cm_adapt_report rep;
	const struct cm_profile_rt *p;
	struct cm_plan plan;
	char detected[32];
	int rc = CM_EXIT_FAIL;

	cm_plan_init(&plan);
	if (!set)
		return cm_err(-ENOMEM, "%s", o->cmd), CM_EXIT_FAIL;
	if (resolve_target(o, detected, sizeof(detected)) > 0) {
		rc = CM_EXIT_OK;
		goto out;
	}
	if (cm_profiles_init(set) < 0 || cm_profiles_load(o->root, set) < 0) {
		cm_err(-ENOMEM, "%s: profiles", o->cmd);
		goto out;
	}
	p = cm_profiles_find(set, o->target);
	if (!p && o->target == detected) {
		printf("nothing to adapt: %s has no profile\n", detected);
		rc = CM_EXIT_OK;
		goto out;
	}
	if (!p) {
		fprintf(stderr, "cloudmove: %s: no profile for '%s' (see cloudmove "
			"profiles list)\n", o->cmd, o->target);
		goto out;
	}
	if (!strcmp(o->cmd, "plan") || o->dry_run) {
		int r;

		if (cm_adapt_plan(o->root, p, &plan, &rep) < 0)
			goto out;	/* logged where understood */
		r = print_diffs(o->root, &plan);
		if (r < 0) {
			cm_err(r, "%s: diff", o->cmd);
			goto out;
		}
		print_summary(o->target, &plan, &rep);
		rc = CM_EXIT_OK;
		goto out;
	}
	/* the journal lives under /var: not under a mount point to come */
	if (cm_record_location_ok(strcmp(o->root, "/") ? o->root : NULL) < 0) {
		fprintf(stderr, "cloudmove: adapt: /var of %s is not mounted yet; "
			"nothing changed\n", o->root);
		goto out;
	}
	if (apply(o, p, &plan, &rep) == 0)
		rc = CM_EXIT_OK;
out:
	cm_plan_free(&plan);
	free(set);
	return rc;
}

int cm_cmd_plan(int argc, char **argv)
{
	struct adapt_opts o = { .cmd = "plan", .usage = PLAN_USAGE };
	int r = parse(argc, argv, &o);

	return r ? r : run(&o);
}

int cm_cmd_adapt(int argc, char **argv)
{
	struct adapt_opts o = { .cmd = "adapt", .usage = ADAPT_USAGE };
	int r = parse(argc, argv, &o);

	return r ? r : run(&o);
}
