/* Clouds and hypervisors, one descriptor each (one file per cloud, like
 * libblkid's superblocks/).  Signatures are data: a descriptor lists
 * alternative signatures, each a set of rules that must all match. */
#ifndef CM_CLOUDS_H
#define CM_CLOUDS_H

#include <stdbool.h>
#include <stddef.h>

#include "../detect/facts.h"
#include "../detect/mdspec.h"
#include "../profiles/profile.h"

enum cm_match {
	CM_MATCH_EQ = 1,	/* whole value, case-insensitive */
	CM_MATCH_PREFIX,	/* value starts with, case-insensitive */
	CM_MATCH_CONTAINS,	/* value contains, case-insensitive */
	CM_MATCH_UUID_PREFIX,	/* UUID starts with, in either byte order */
	CM_MATCH_GLOB,		/* fnmatch(3) pattern, case-insensitive */
	CM_MATCH_ABSENT,	/* the fact is absent (value unused) */
};

struct cm_rule {
	enum cm_fact fact;
	enum cm_match match;
	const char *value;
};

#define CM_RULES_MAX 4

struct cm_signature {
	const char *name;	/* says what it identifies, for the evidence */
	bool weak;		/* tried only after every strong one failed */
	struct cm_rule all[CM_RULES_MAX];	/* fact 0 ends the list */
};

enum cm_kind {
	CM_KIND_CLOUD,
	CM_KIND_HYPERVISOR,
	CM_KIND_OTHER_VM,	/* a VM our vocabulary has no id for */
};

struct cm_verdict;

struct cm_cloud {
	const char *name;	/* the id in DESIGN.md's vocabulary */
	const char *title;	/* for people */
	enum cm_kind kind;
	bool is_public;		/* default before metadata says more */
	const struct cm_signature *signatures;	/* NULL name ends */
	/* Optional: what DMI alone tells beyond the cloud (e.g. EC2 Nitro
	 * puts the instance type in product_name). */
	void (*dmi_enrich)(const struct cm_facts *facts, struct cm_verdict *v);
	/* Its instance metadata service; NULL when it has none we use. */
	const struct cm_metadata *md;
	/* Its target profile (profiles/profile.h); NULL when it has none. */
	const struct cm_profile *profile;
};

/* Detection order is policy: strong cloud signatures first, then weak
 * cloud ones (EC2 UUID prefixes), then hypervisors; within a pass, the
 * registry order.  Clouds thus beat the hypervisors they run on (azure
 * before hyperv, aws before xen and kvm, openstack before kvm). */
const struct cm_cloud *const *cm_clouds_all(size_t *count);
/* Clouds and hypervisors by id; never the "unknown" VM entry. */
const struct cm_cloud *cm_cloud_by_name(const char *name);

/* 1 when every rule of sig matches facts. */
int cm_signature_match(const struct cm_signature *sig,
		       const struct cm_facts *facts);
int cm_rule_match(const struct cm_rule *rule, const struct cm_facts *facts);

/* Makers of physical machines (hardware.c): with no CPU evidence, only
 * these make an unmatched DMI "baremetal". */
extern const struct cm_signature cm_hardware_vendors[];

/* One extern a line of clouds.def. */
#define CM_CLOUD(id) extern const struct cm_cloud id##_cloud;
#include "clouds.def"
#undef CM_CLOUD

#endif
