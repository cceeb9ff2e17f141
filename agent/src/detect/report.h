/* How a verdict is shown: one line for people and the console, or one
 * JSON object (DESIGN.md's `detect --json` contract). */
#ifndef CM_REPORT_H
#define CM_REPORT_H

#include <stdio.h>

#include "detect.h"

/* `gcp (dmi): sys_vendor="Google" product_name="Google Compute Engine"` */
int cm_report_line(FILE *out, const struct cm_verdict *v);

/* Pretty-printed JSON object and a newline.  0 or -ENOMEM. */
int cm_report_json(FILE *out, const struct cm_verdict *v);

#endif
