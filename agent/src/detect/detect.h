/* Combines the evidence into one verdict: which cloud (or hypervisor,
 * baremetal, unknown), how sure, and which facts decided. */
#ifndef CM_DETECT_H
#define CM_DETECT_H

#include <stdbool.h>
#include <stddef.h>

#include "../limits.h"
#include "facts.h"

struct cm_cloud;

struct cm_evidence {
	enum cm_fact fact;
	enum cm_fact_source source;
	char value[CM_DMI_VALUE_MAX];
};

#define CM_NOTES_MAX 24
#define CM_NOTE_MAX 192

struct cm_verdict {
	const char *cloud;		/* id from DESIGN.md's vocabulary */
	const struct cm_cloud *desc;	/* NULL for baremetal/unknown */
	const char *confidence;		/* dmi, metadata, dmi+metadata, none */
	const char *reason;		/* the signature or rule that decided */
	bool is_public;
	char instance_id[128];
	char region[128];
	char zone[128];
	char instance_type[128];
	int instance_from_metadata;	/* the four fields above came from it */
	struct cm_evidence evidence[CM_EVIDENCE_MAX];
	size_t n_evidence;
	char notes[CM_NOTES_MAX][CM_NOTE_MAX];	/* how metadata and public/
						   private were decided */
	size_t n_notes;
};

/* Pure: decides from facts alone. */
void cm_detect_from_facts(const struct cm_facts *facts, struct cm_verdict *v);

/* Adds one fact to the evidence list (ignored when absent or full). */
void cm_verdict_add_evidence(struct cm_verdict *v, const struct cm_facts *facts,
			     enum cm_fact fact);

void cm_verdict_add_note(struct cm_verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
