/* fstab references for check (see fstabref.c), the parser exposed for
 * unit tests and the fuzzer. */
#ifndef CM_CHECK_FSTABREF_H
#define CM_CHECK_FSTABREF_H

#include <stddef.h>

#include "../adapt/fstab.h"
#include "check.h"

struct cm_fstabref_opts {
	enum cm_disk_naming naming;	/* the target's */
	const char *cloud;		/* for the hint */
	/* optional: an unstable name to UUID=/LABEL= on this machine */
	cm_fstab_resolve_fn resolve;
	void *resolve_ctx;
};

/* Adds a line per fstab entry on a block device to rep: buf[0..len) is
 * the fstab's text (not NUL-terminated).  0, or -ENOMEM. */
int cm_fstabref_scan(const char *buf, size_t len, const struct cm_fstabref_opts *o,
		     struct cm_check_report *rep);

#endif
