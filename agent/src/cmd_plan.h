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

/* Parses the options (adapt's own only for adapt), checks the root,
 * finds the target's profile (detecting it for "auto") and, unless there
 * is nothing to adapt, runs act (0 or -errno, said) with o->p.  The exit
 * status. */
int cm_adapt_main(struct cm_adapt_args *o, int argc, char **argv,
		  int (*act)(const struct cm_adapt_args *o));

/* What o->p would change in o->root: a diff per file, and the summary.
 * Writes nothing.  0 or -errno (said). */
int cm_plan_show(const struct cm_adapt_args *o);

void cm_plan_print_summary(const char *cloud, const struct cm_plan *plan,
			   const struct cm_adapt_report *rep);

#endif
