#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../clouds/clouds.h"
#include "detect.h"

void cm_verdict_add_evidence(struct cm_verdict *v, const struct cm_facts *facts,
			     enum cm_fact fact)
{
	const char *value = cm_facts_get(facts, fact);
	struct cm_evidence *e;
	size_t i;

	if (!value || v->n_evidence >= CM_EVIDENCE_MAX)
		return;
	for (i = 0; i < v->n_evidence; i++)
		if (v->evidence[i].fact == fact)
			return;
	e = &v->evidence[v->n_evidence++];
	e->fact = fact;
	e->source = facts->v[fact].source;
	snprintf(e->value, sizeof(e->value), "%s", value);
}

void cm_verdict_add_note(struct cm_verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->n_notes >= CM_NOTES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(v->notes[v->n_notes++], CM_NOTE_MAX, fmt, ap);
	va_end(ap);
}

static void verdict_init(struct cm_verdict *v, const char *cloud,
			 const char *confidence, const char *reason)
{
	memset(v, 0, sizeof(*v));
	v->cloud = cloud;
	v->confidence = confidence;
	v->reason = reason;
}

/* The passes of the registry walk; see cm_clouds_all(). */
enum pass { PASS_STRONG_CLOUD, PASS_WEAK_CLOUD, PASS_HYPERVISOR, PASS__MAX };

static int in_pass(const struct cm_cloud *c, const struct cm_signature *sig,
		   enum pass pass)
{
	switch (pass) {
	case PASS_STRONG_CLOUD:
		return c->kind == CM_KIND_CLOUD && !sig->weak;
	case PASS_WEAK_CLOUD:
		return c->kind == CM_KIND_CLOUD && sig->weak;
	default:
		return c->kind != CM_KIND_CLOUD;
	}
}

static int match_pass(const struct cm_facts *facts, enum pass pass,
		      struct cm_verdict *v)
{
	const struct cm_cloud *const *all;
	size_t n, i;

	all = cm_clouds_all(&n);
	for (i = 0; i < n; i++) {
		const struct cm_signature *sig;

		for (sig = all[i]->signatures; sig && sig->name; sig++) {
			int k;

			if (!in_pass(all[i], sig, pass) ||
			    !cm_signature_match(sig, facts))
				continue;
			verdict_init(v, all[i]->name,
				     all[i]->kind == CM_KIND_OTHER_VM ? "none" : "dmi",
				     sig->name);
			v->desc = all[i];
			v->is_public = all[i]->is_public;
			for (k = 0; k < CM_RULES_MAX && sig->all[k].fact; k++)
				cm_verdict_add_evidence(v, facts, sig->all[k].fact);
			if (all[i]->dmi_enrich)
				all[i]->dmi_enrich(facts, v);
			return 1;
		}
	}
	return 0;
}

/* The hardware maker DMI names, or NULL when it names none we know. */
static const struct cm_signature *hardware_vendor(const struct cm_facts *facts)
{
	const struct cm_signature *sig;

	for (sig = cm_hardware_vendors; sig->name; sig++)
		if (cm_signature_match(sig, facts))
			return sig;
	return NULL;
}

/* No signature matched: physical or an unnamed virtual machine?  The CPU
 * flag is decisive where we have it.  A --root without cpuinfo has no CPU
 * evidence, and an absent file is no evidence of bare metal: only DMI
 * naming a known maker of physical machines says so (any other vendor
 * string may be a hypervisor we do not know). */
static void decide_unmatched(const struct cm_facts *facts, struct cm_verdict *v)
{
	const char *hv = cm_facts_get(facts, CM_CPU_HYPERVISOR);
	const struct cm_signature *hw = hardware_vendor(facts);
	int dmi = cm_facts_have_dmi(facts);

	if (hv && !strcmp(hv, "yes")) {
		verdict_init(v, "unknown", "none",
			     "virtual machine (CPU hypervisor flag), no known signature");
		cm_verdict_add_evidence(v, facts, CM_CPU_HYPERVISOR);
		cm_verdict_add_evidence(v, facts, CM_CPUID_VENDOR);
	} else if (dmi && hv) {
		verdict_init(v, "baremetal", "dmi",
			     "DMI present, no hypervisor flag on the CPU");
		cm_verdict_add_evidence(v, facts, CM_CPU_HYPERVISOR);
	} else if (hw) {
		verdict_init(v, "baremetal", "dmi", hw->name);
	} else {
		verdict_init(v, "unknown", "none",
			     !dmi ? "no DMI data" :
			     "no known signature, no CPU evidence, no known hardware vendor");
		if (!dmi)
			return;
	}
	cm_verdict_add_evidence(v, facts, CM_DMI_SYS_VENDOR);
	cm_verdict_add_evidence(v, facts, CM_DMI_PRODUCT_NAME);
	cm_verdict_add_evidence(v, facts, CM_DMI_CHASSIS_TYPE);
}

void cm_detect_from_facts(const struct cm_facts *facts, struct cm_verdict *v)
{
	int pass;

	for (pass = 0; pass < PASS__MAX; pass++)
		if (match_pass(facts, pass, v))
			return;
	decide_unmatched(facts, v);
}
