/* One adaptation of an installed root, as `adapt` and the boot path run
 * it: an interrupted transaction is undone first (the plan must start
 * from the whole old root), the plan is made, and applied as one
 * transaction.  A read-only root (the initramfs' /sysroot) is made
 * writable only when there is something to write (an interrupted
 * transaction to undo, a change), once for all of it, and put back. */
#ifndef CM_ADAPT_APPLY_H
#define CM_ADAPT_APPLY_H

#include <stddef.h>

#include "adapt.h"
#include "plan.h"

struct cm_profile_rt;

struct cm_adapt_outcome {
	int recovered;		/* interrupted transactions undone first */
	char txn[16];		/* the new transaction, "" when nothing changed */
};

/* Fills plan and rep; 0 or -errno (logged). */
int cm_adapt_apply(const char *root, const struct cm_profile_rt *p,
		   const char *label, struct cm_plan *plan,
		   struct cm_adapt_report *rep, struct cm_adapt_outcome *out);

/* Undoes interrupted transactions, making the root writable only when
 * there is one: the number undone, or -errno. */
int cm_adapt_recover(const char *root);

#endif
