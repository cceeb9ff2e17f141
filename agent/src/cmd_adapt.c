/* cloudmove adapt [--target CLOUD|auto] [--root SYSROOT] [--dry-run]
 *
 * adapt applies the plan (cmd_plan.c) through the transaction engine
 * (journal, backups, atomic renames; `rollback` undoes it), then rebuilds
 * the initramfs images when the drivers changed.  --dry-run is plan.  A
 * second adapt finds nothing to change. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/apply.h"
#include "adapt/initramfs.h"
#include "adapt/txn.h"
#include "cmd.h"
#include "cmd_plan.h"
#include "log.h"
#include "record/store.h"
#include "util/rootrw.h"

#define ADAPT_USAGE "cloudmove adapt [--target CLOUD|auto] [--root SYSROOT] [--dry-run] " \
	"[--no-initramfs | --rebuild-initramfs]"

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
static int rebuild_initramfs(const struct cm_adapt_args *o, const char *id)
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

static int rebuild_if_needed(const struct cm_adapt_args *o, const struct cm_plan *plan,
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

static int apply(const struct cm_adapt_args *o, struct cm_plan *plan,
		 struct cm_adapt_report *rep)
{
	struct cm_adapt_outcome out;
	char label[96];
	int r;

	snprintf(label, sizeof(label), "adapt for %s", o->target);
	r = cm_adapt_apply(o->root, o->p, label, plan, rep, &out);
	if (r < 0)
		return r;
	if (out.recovered)
		printf("an interrupted transaction was undone first\n");
	cm_plan_print_summary(o->target, plan, rep);
	if (out.txn[0])
		printf("adapted for %s: %zu change%s, txn %s (undo: cloudmove "
		       "rollback --root %s)\n", o->target, plan->n,
		       plan->n == 1 ? "" : "s", out.txn, o->root);
	else if (plan->n)
		printf("nothing to change for %s (every change was in place)\n",
		       o->target);
	return rebuild_if_needed(o, plan, out.txn, sizeof(out.txn));
}

/* The plan made and applied in one transaction (--dry-run: shown): 0 or
 * -errno (said). */
static int adapt(const struct cm_adapt_args *o)
{
	struct cm_adapt_report rep;
	struct cm_plan plan;
	int r;

	if (o->dry_run)
		return cm_plan_show(o);
	/* the journal lives under /var: not under a mount point to come */
	if (cm_record_location_ok(strcmp(o->root, "/") ? o->root : NULL) < 0) {
		fprintf(stderr, "cloudmove: adapt: /var of %s is not mounted yet; "
			"nothing changed\n", o->root);
		return -ENOENT;
	}
	cm_plan_init(&plan);
	r = apply(o, &plan, &rep);
	cm_plan_free(&plan);
	return r;
}

int cm_cmd_adapt(int argc, char **argv)
{
	struct cm_adapt_args o = { .cmd = "adapt", .usage = ADAPT_USAGE };

	return cm_adapt_main(&o, argc, argv, adapt);
}
