#include <errno.h>
#include "detect/cpuinfo.h"
#include "detect/facts.h"
#include "test.h"

static struct cm_facts facts;

static int set(const char *raw, size_t len)
{
	memset(&facts, 0, sizeof(facts));
	return cm_facts_set(&facts, CM_DMI_SYS_VENDOR, raw, len, CM_SRC_SYSFS);
}

TEST(facts_trim_blanks_and_newline)
{
	CHECK_INT(set("  Google \n", 10), 1);
	CHECK_STR(cm_facts_get(&facts, CM_DMI_SYS_VENDOR), "Google");
	CHECK_INT(set("PowerEdge\tR630  \r\n", 18), 1);
	CHECK_STR(cm_facts_get(&facts, CM_DMI_SYS_VENDOR), "PowerEdge R630");
}

TEST(facts_empty_is_absent)
{
	CHECK_INT(set("", 0), 0);
	CHECK(cm_facts_get(&facts, CM_DMI_SYS_VENDOR) == NULL);
	CHECK_INT(set(" \n", 2), 0);
	CHECK(cm_facts_get(&facts, CM_DMI_SYS_VENDOR) == NULL);
	CHECK_INT(set("\0\0\0", 3), 0);
}

TEST(facts_junk_is_absent)
{
	CHECK_INT(set("Goo\x01gle", 7), 0);
	CHECK(cm_facts_get(&facts, CM_DMI_SYS_VENDOR) == NULL);
	CHECK_INT(set("Goo\0gle\n", 8), 0);
	CHECK_INT(set("\xff\xfe\x80", 3), 0);
	CHECK_INT(set("Caf\xc3", 4), 0);		/* cut sequence */
	CHECK_INT(set("\xc0\xaf", 2), 0);		/* overlong */
	CHECK_INT(set("\xed\xa0\x80", 3), 0);	/* surrogate */
	CHECK_INT(set("x\x7fy", 3), 0);
}

TEST(facts_utf8_kept)
{
	CHECK_INT(set("Caf\xc3\xa9 GmbH", 10), 1);
	CHECK_STR(cm_facts_get(&facts, CM_DMI_SYS_VENDOR), "Caf\xc3\xa9 GmbH");
}

TEST(facts_long_value_cut_on_char_boundary)
{
	char raw[400];
	const char *v;
	size_t i;

	for (i = 0; i + 2 <= sizeof(raw); i += 2) {
		raw[i] = '\xc3';
		raw[i + 1] = '\xa9';
	}
	CHECK_INT(set(raw, sizeof(raw)), 1);
	v = cm_facts_get(&facts, CM_DMI_SYS_VENDOR);
	CHECK(strlen(v) < CM_DMI_VALUE_MAX);
	CHECK_INT(strlen(v) % 2, 0);
}

TEST(facts_fill_keeps_first)
{
	memset(&facts, 0, sizeof(facts));
	cm_facts_set(&facts, CM_DMI_PRODUCT_NAME, "A", 1, CM_SRC_SYSFS);
	CHECK_INT(cm_facts_fill(&facts, CM_DMI_PRODUCT_NAME, "B", 1, CM_SRC_SMBIOS), 0);
	CHECK_STR(cm_facts_get(&facts, CM_DMI_PRODUCT_NAME), "A");
	CHECK_INT(facts.v[CM_DMI_PRODUCT_NAME].source, CM_SRC_SYSFS);
	CHECK(!cm_facts_have_dmi(&(struct cm_facts){ 0 }));
	CHECK(cm_facts_have_dmi(&facts));
}

TEST(facts_names)
{
	CHECK_STR(cm_fact_name(CM_DMI_CHASSIS_ASSET_TAG), "chassis_asset_tag");
	CHECK_STR(cm_fact_name(CM_FACT__MAX), "?");
	CHECK_STR(cm_fact_source_name(CM_SRC_SMBIOS), "smbios");
}

#define CPUINFO(s) cm_cpuinfo_hypervisor(s, strlen(s))

TEST(cpuinfo_hypervisor_flag)
{
	CHECK_INT(CPUINFO("processor\t: 0\nflags\t\t: fpu vme hypervisor lahf_lm\n"), 1);
	CHECK_INT(CPUINFO("flags\t\t: fpu vme lahf_lm\nflags : sse hypervisor"), 1);
	CHECK_INT(CPUINFO("flags\t\t: fpu vme lahf_lm\n"), 0);
	CHECK_INT(CPUINFO("flags : hypervisorx xhypervisor\n"), 0);
	CHECK_INT(CPUINFO("processor : 0\nmodel name : x\n"), -ENODATA);
	CHECK_INT(CPUINFO(""), -ENODATA);
	CHECK_INT(CPUINFO("flags"), -ENODATA);	/* no colon */
	CHECK_INT(CPUINFO("features\t: esan3 zarch hypervisor\n"), 1);
}
