/* The adaptation planner: runs every rewriter against an installed root
 * for a target profile and collects what would change, with reasons.
 * Writes nothing: txn.c applies the plan, `plan` prints it. */
#ifndef CM_ADAPT_H
#define CM_ADAPT_H

#include "plan.h"

struct cm_profile_rt;

#define CM_ADAPT_NOTES_MAX 16

struct cm_devmap;

/* What the rewriters share while one plan is made: the notes they leave,
 * and what is learnt once from the root for all of them. */
struct cm_adapt_report {
	char notes[CM_ADAPT_NOTES_MAX][256];	/* what was left alone, and why */
	size_t n_notes;
	const struct cm_devmap *devmap;	/* stable device names (devmap.h):
					   read once, for fstab and boot */
};

/* 0 (the plan may be empty: nothing to change), or -errno when a file
 * the root must have cannot be read or is not what it should be. */
int cm_adapt_plan(const char *sysroot, const struct cm_profile_rt *p,
		  struct cm_plan *plan, struct cm_adapt_report *rep);

#endif
