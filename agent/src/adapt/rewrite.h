/* What every rewriter (adapt/<concern>.c) shares: reading a file of the
 * root, adding a change to the plan only when the content differs, the
 * profile's lists as plain arrays, and notes on what was left alone. */
#ifndef CM_ADAPT_REWRITE_H
#define CM_ADAPT_REWRITE_H

#include <stddef.h>
#include <sys/types.h>

#include "../profiles/profile.h"
#include "../util/buf.h"
#include "adapt.h"
#include "plan.h"

/* Room for two runtime lists joined. */
#define CM_REWRITE_LIST_MAX (2 * CM_PROFILE_LIST_MAX)

/* A rewriter: adds what the root needs for profile p to plan; notes go
 * to rep.  0, or -errno after one error line (the adaptation stops). */
typedef int (*cm_rewriter_fn)(const char *sysroot,
			      const struct cm_profile_rt *p,
			      struct cm_plan *plan,
			      struct cm_adapt_report *rep);

void cm_adapt_note(struct cm_adapt_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The items of a and b (b may be NULL) as one array of strings; the
 * count (at most CM_REWRITE_LIST_MAX). */
size_t cm_rewrite_items(const struct cm_plist *a, const struct cm_plist *b,
			const char **out);

/* Reads path of the root into b: 1 read, 0 absent, -errno after an
 * error line. */
int cm_rewrite_read(const char *sysroot, const char *path, struct cm_buf *b);

/* The mode of the regular file path in the root, dflt when there is none. */
mode_t cm_rewrite_mode(const char *sysroot, const char *path, mode_t dflt);

/* Adds "write new to path" unless the file existed with that content. */
int cm_rewrite_if_changed(struct cm_plan *plan, const char *sysroot,
			  const char *rewriter, const char *path,
			  const struct cm_buf *old, int existed,
			  const struct cm_buf *new, const char *why);

#endif
