#include <string.h>

#include "facts.h"

static const char *const fact_names[CM_FACT__MAX] = {
	[CM_DMI_SYS_VENDOR]	   = "sys_vendor",
	[CM_DMI_PRODUCT_NAME]	   = "product_name",
	[CM_DMI_PRODUCT_VERSION]   = "product_version",
	[CM_DMI_PRODUCT_SERIAL]	   = "product_serial",
	[CM_DMI_PRODUCT_UUID]	   = "product_uuid",
	[CM_DMI_PRODUCT_FAMILY]	   = "product_family",
	[CM_DMI_PRODUCT_SKU]	   = "product_sku",
	[CM_DMI_BIOS_VENDOR]	   = "bios_vendor",
	[CM_DMI_BIOS_VERSION]	   = "bios_version",
	[CM_DMI_BIOS_DATE]	   = "bios_date",
	[CM_DMI_BOARD_VENDOR]	   = "board_vendor",
	[CM_DMI_BOARD_NAME]	   = "board_name",
	[CM_DMI_BOARD_VERSION]	   = "board_version",
	[CM_DMI_BOARD_SERIAL]	   = "board_serial",
	[CM_DMI_BOARD_ASSET_TAG]   = "board_asset_tag",
	[CM_DMI_CHASSIS_VENDOR]	   = "chassis_vendor",
	[CM_DMI_CHASSIS_TYPE]	   = "chassis_type",
	[CM_DMI_CHASSIS_VERSION]   = "chassis_version",
	[CM_DMI_CHASSIS_SERIAL]	   = "chassis_serial",
	[CM_DMI_CHASSIS_ASSET_TAG] = "chassis_asset_tag",
	[CM_HV_TYPE]		   = "hypervisor_type",
	[CM_HV_UUID]		   = "hypervisor_uuid",
	[CM_CPU_HYPERVISOR]	   = "cpu_hypervisor_flag",
	[CM_CPUID_VENDOR]	   = "cpuid_hypervisor_vendor",
};

static const char *const source_names[] = {
	[CM_SRC_NONE] = "none",
	[CM_SRC_SYSFS] = "sysfs",
	[CM_SRC_SMBIOS] = "smbios",
	[CM_SRC_HYPERVISOR] = "sys_hypervisor",
	[CM_SRC_CPUINFO] = "cpuinfo",
	[CM_SRC_CPUID] = "cpuid",
};

const char *cm_fact_name(enum cm_fact f)
{
	if (f <= CM_FACT_NONE || f >= CM_FACT__MAX)
		return "?";
	return fact_names[f];
}

const char *cm_fact_source_name(enum cm_fact_source s)
{
	if ((size_t)s >= sizeof(source_names) / sizeof(source_names[0]))
		return "?";
	return source_names[s];
}

const char *cm_facts_get(const struct cm_facts *facts, enum cm_fact f)
{
	if (f <= CM_FACT_NONE || f >= CM_FACT__MAX)
		return NULL;
	return facts->v[f].source == CM_SRC_NONE ? NULL : facts->v[f].s;
}

static int is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0';
}

/* Length of the valid UTF-8 sequence at p (1..4), 0 when invalid. */
static size_t utf8_seq(const unsigned char *p, size_t len)
{
	size_t n, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		n = 3;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* overlongs and surrogates */
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	return n;
}

/* Bytes of raw[0..len) that form a clean value: 0 when the text holds a
 * control byte or broken UTF-8 (broken firmware, or not DMI at all: such
 * a value must never match, nor reach the console or the JSON).  Long
 * values are cut at a character boundary below max. */
static size_t clean_length(const unsigned char *raw, size_t len, size_t max)
{
	size_t i = 0, n;

	while (i < len) {
		if (raw[i] < 0x20 && raw[i] != '\t')
			return 0;
		if (raw[i] == 0x7f)
			return 0;
		n = utf8_seq(raw + i, len - i);
		if (!n)
			return 0;
		if (i + n > max)
			break;
		i += n;
	}
	return i;
}

int cm_facts_set(struct cm_facts *facts, enum cm_fact f, const char *raw,
		 size_t len, enum cm_fact_source source)
{
	struct cm_fact_value *v;
	size_t i, n;

	if (f <= CM_FACT_NONE || f >= CM_FACT__MAX)
		return 0;
	v = &facts->v[f];
	while (len && is_blank((unsigned char)raw[0])) {
		raw++;
		len--;
	}
	while (len && is_blank((unsigned char)raw[len - 1]))
		len--;
	n = clean_length((const unsigned char *)raw, len, sizeof(v->s) - 1);
	for (i = 0; i < n; i++)
		v->s[i] = raw[i] == '\t' ? ' ' : raw[i];
	v->s[n] = '\0';
	v->source = n ? source : CM_SRC_NONE;
	return n ? 1 : 0;
}

int cm_facts_fill(struct cm_facts *facts, enum cm_fact f, const char *raw,
		  size_t len, enum cm_fact_source source)
{
	if (cm_facts_get(facts, f))
		return 0;
	return cm_facts_set(facts, f, raw, len, source);
}

int cm_facts_have_dmi(const struct cm_facts *facts)
{
	int f;

	for (f = CM_DMI_SYS_VENDOR; f <= CM_DMI__LAST; f++)
		if (facts->v[f].source != CM_SRC_NONE)
			return 1;
	return 0;
}
