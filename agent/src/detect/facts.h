/* Facts: the identifying strings of the machine we run on.  Mostly
 * SMBIOS/DMI fields, plus the few non-DMI hints (Xen's /sys/hypervisor,
 * the CPU's hypervisor flag and CPUID vendor) that cloud signatures are
 * matched against with the same rules. */
#ifndef CM_FACTS_H
#define CM_FACTS_H

#include <stddef.h>

#include "../limits.h"

enum cm_fact {
	CM_FACT_NONE = 0,
	CM_DMI_SYS_VENDOR,
	CM_DMI_PRODUCT_NAME,
	CM_DMI_PRODUCT_VERSION,
	CM_DMI_PRODUCT_SERIAL,
	CM_DMI_PRODUCT_UUID,
	CM_DMI_PRODUCT_FAMILY,
	CM_DMI_PRODUCT_SKU,
	CM_DMI_BIOS_VENDOR,
	CM_DMI_BIOS_VERSION,
	CM_DMI_BIOS_DATE,
	CM_DMI_BOARD_VENDOR,
	CM_DMI_BOARD_NAME,
	CM_DMI_BOARD_VERSION,
	CM_DMI_BOARD_SERIAL,
	CM_DMI_BOARD_ASSET_TAG,
	CM_DMI_CHASSIS_VENDOR,
	CM_DMI_CHASSIS_TYPE,
	CM_DMI_CHASSIS_VERSION,
	CM_DMI_CHASSIS_SERIAL,
	CM_DMI_CHASSIS_ASSET_TAG,
	CM_DMI__LAST = CM_DMI_CHASSIS_ASSET_TAG,
	CM_HV_TYPE,		/* /sys/hypervisor/type (Xen) */
	CM_HV_UUID,		/* /sys/hypervisor/uuid (Xen PV, old EC2) */
	CM_CPU_HYPERVISOR,	/* "yes"/"no": the hypervisor CPU flag */
	CM_CPUID_VENDOR,	/* CPUID leaf 0x40000000, live system only */
	CM_FACT__MAX
};

/* Where a fact was read; shown in the evidence. */
enum cm_fact_source {
	CM_SRC_NONE = 0,
	CM_SRC_SYSFS,
	CM_SRC_SMBIOS,
	CM_SRC_HYPERVISOR,
	CM_SRC_CPUINFO,
	CM_SRC_CPUID,
};

struct cm_fact_value {
	char s[CM_DMI_VALUE_MAX];
	enum cm_fact_source source;	/* CM_SRC_NONE: absent */
};

struct cm_facts {
	struct cm_fact_value v[CM_FACT__MAX];
};

const char *cm_fact_name(enum cm_fact f);
const char *cm_fact_source_name(enum cm_fact_source s);

/* NULL when absent. */
const char *cm_facts_get(const struct cm_facts *facts, enum cm_fact f);

/* Stores raw bytes as a clean value: surrounding blanks and NULs trimmed,
 * tabs made spaces, cut at a character boundary below CM_DMI_VALUE_MAX.
 * A value holding control bytes or broken UTF-8 is junk and, like an
 * empty one, stored as absent.  Returns 1 stored, 0 absent. */
int cm_facts_set(struct cm_facts *facts, enum cm_fact f, const char *raw,
		 size_t len, enum cm_fact_source source);

/* Sets only when the fact is still absent (lower-priority source). */
int cm_facts_fill(struct cm_facts *facts, enum cm_fact f, const char *raw,
		  size_t len, enum cm_fact_source source);

/* 1 when any DMI field is present. */
int cm_facts_have_dmi(const struct cm_facts *facts);

#endif
