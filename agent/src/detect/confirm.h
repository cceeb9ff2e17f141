/* Metadata meets DMI: which clouds to ask given the DMI verdict, and what
 * their answer changes in it (cloud, confidence, instance, public). */
#ifndef CM_CONFIRM_H
#define CM_CONFIRM_H

#include <stddef.h>

#include "detect.h"
#include "metadata.h"

/* The cloud DMI named, alone; otherwise every cloud whose metadata may
 * be asked blind.  Returns the count. */
size_t cm_confirm_candidates(const struct cm_verdict *v,
			     const struct cm_cloud **out, size_t max);

void cm_confirm_apply(struct cm_verdict *v, const struct cm_md_outcome *o,
		      long timeout_ms);

/* The public/private decision and its reason, as a note. */
void cm_confirm_public(struct cm_verdict *v);

#endif
