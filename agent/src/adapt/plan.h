/* A plan: the changes adapt would make to files of an installed system,
 * each with the reason.  Rewriters (adapt/<concern>.c) compute it without
 * writing anything; txn.c applies it (journal, backups, atomic renames)
 * and can roll it back; plan prints it as diffs. */
#ifndef CM_PLAN_H
#define CM_PLAN_H

#include <stddef.h>
#include <sys/types.h>

#include "../limits.h"
#include "../util/buf.h"

enum cm_change_kind {
	CM_CHANGE_WRITE = 1,	/* create or replace a regular file */
	CM_CHANGE_DELETE,	/* remove a file or symlink */
	CM_CHANGE_SYMLINK,	/* create or replace a symlink */
};

struct cm_change {
	enum cm_change_kind kind;
	char path[CM_PATH_MAX];	/* absolute, inside the sysroot: "/etc/fstab" */
	struct cm_buf content;	/* CM_CHANGE_WRITE: the whole new content */
	char target[CM_PATH_MAX];	/* CM_CHANGE_SYMLINK */
	mode_t mode;		/* for a file that does not exist yet */
	char rewriter[16];	/* "fstab", "drivers", ... */
	char why[192];		/* one line: which requirement asks for it */
};

struct cm_plan {
	struct cm_change *v;
	size_t n;
	size_t cap;
};

#define CM_PLAN_CHANGES_MAX 256

void cm_plan_init(struct cm_plan *p);
void cm_plan_free(struct cm_plan *p);

/* Adds a change (content copied).  A second change to the same path
 * replaces the first.  0, -ENOMEM, -E2BIG over CM_PLAN_CHANGES_MAX. */
int cm_plan_write(struct cm_plan *p, const char *rewriter, const char *path,
		  const char *content, size_t len, mode_t mode, const char *why);
int cm_plan_delete(struct cm_plan *p, const char *rewriter, const char *path,
		   const char *why);
int cm_plan_symlink(struct cm_plan *p, const char *rewriter, const char *path,
		    const char *target, const char *why);

#endif
