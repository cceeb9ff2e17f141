/* Unified diffs of two texts, for `cloudmove plan` (what adapt would
 * change, file by file). */
#ifndef CM_DIFF_H
#define CM_DIFF_H

#include <stddef.h>

#include "buf.h"

#define CM_DIFF_LINES_MAX 20000	/* per side; beyond: -EMSGSIZE */
#define CM_DIFF_EDITS_MAX 4000	/* Myers' D; beyond it the whole file
				   is shown replaced (still a valid diff) */

/* Appends "--- a\n+++ b\n@@ ... @@" hunks with 3 lines of context to out;
 * nothing when the texts are equal.  Missing final newlines are marked
 * "\ No newline at end of file" as diff(1) does.  0 or -errno. */
int cm_diff_unified(const char *a, size_t a_len, const char *b, size_t b_len,
		    const char *label_a, const char *label_b, struct cm_buf *out);

#endif
