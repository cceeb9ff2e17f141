/* "key value" lines, the format of cloudmove's small state files (the
 * stream resume state, the move marker): one pair a line, split at the
 * first space, empty lines skipped.  Pure, bounded by len. */
#ifndef CM_UTIL_KVLINES_H
#define CM_UTIL_KVLINES_H

#include <stddef.h>

#define CM_KVLINE_MAX	8192	/* a longer line is an error */

/* Calls fn(key, value, ctx) for each line (value "" when the line has no
 * space); stops at the first non-zero return and returns it.  -EINVAL for
 * a line over CM_KVLINE_MAX or holding a NUL. */
int cm_kvlines(const char *buf, size_t len,
	       int (*fn)(const char *key, const char *value, void *ctx), void *ctx);

#endif
