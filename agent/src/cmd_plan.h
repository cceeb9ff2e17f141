/* What plan (cmd_plan.c) and adapt (cmd_adapt.c) share: their options,
 * the target's profile, the plan shown. */
#ifndef CM_CMD_PLAN_H
#define CM_CMD_PLAN_H

#include "adapt/adapt.h"
#include "profiles/profile.h"

struct cm_adapt_args {
	const char *cmd, *usage;
	const char *target;
	const char *root;
	int dry_run;
	int initramfs;		/* -1 never, 0 when drivers changed, 1 always */
	char detected[32];	/* --target auto: the cloud detected */
	struct cm_profiles *set;
	const struct cm_profile_rt *p;	/* the target's profile */
};

/* Parses the options (adapt's own only for adapt), checks the root and
 * finds the target's profile (detecting it for "auto").  1: go on with
 * o->p; 0: stop, the exit status is *rc (a usage error, a failure said,
 * or nothing to adapt).  cm_adapt_end afterwards, either way. */
int cm_adapt_begin(struct cm_adapt_args *o, int argc, char **argv, int *rc);
void cm_adapt_end(struct cm_adapt_args *o);

/* What o->p would change in o->root: a diff per file, and the summary.
 * Writes nothing.  0 or -errno (said). */
int cm_plan_show(const struct cm_adapt_args *o);

void cm_plan_print_summary(const char *cloud, const struct cm_plan *plan,
			   const struct cm_adapt_report *rep);

#endif
