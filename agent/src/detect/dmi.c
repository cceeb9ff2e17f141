#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../log.h"
#include "../util/file.h"
#include "cpuinfo.h"
#include "dmi.h"
#include "smbios.h"

#define DMI_ID_DIR	"/sys/class/dmi/id/"
#define DMI_TABLES_DIR	"/sys/firmware/dmi/tables/"

static void read_fact_file(const char *root, const char *rel,
			   enum cm_fact fact, enum cm_fact_source source,
			   struct cm_facts *facts)
{
	char path[CM_PATH_MAX], value[CM_DMI_FILE_MAX];
	size_t len;
	int r;

	r = cm_path_join(path, sizeof(path), root, rel);
	if (r >= 0)
		r = cm_file_read_small(path, value, sizeof(value), &len);
	if (r < 0) {
		if (r != -ENOENT)
			cm_debug("%s: %s (ignored)", rel, cm_strerror(-r));
		return;
	}
	cm_facts_set(facts, fact, value, len, source);
}

static void read_sysfs_dmi(const char *root, struct cm_facts *facts)
{
	char rel[128];
	int f;

	for (f = CM_DMI_SYS_VENDOR; f <= CM_DMI__LAST; f++) {
		snprintf(rel, sizeof(rel), DMI_ID_DIR "%s", cm_fact_name(f));
		read_fact_file(root, rel, f, CM_SRC_SYSFS, facts);
	}
}

static int read_capped(const char *root, const char *rel, struct cm_buf *b)
{
	char path[CM_PATH_MAX];
	int r;

	r = cm_path_join(path, sizeof(path), root, rel);
	if (r >= 0)
		r = cm_file_read(path, b);
	if (r < 0 && r != -ENOENT)
		cm_debug("%s: %s (ignored)", rel, cm_strerror(-r));
	return r;
}

static void read_smbios_tables(const char *root, struct cm_facts *facts)
{
	struct cm_buf ep, table;
	int r;

	cm_buf_init(&ep, CM_SMBIOS_ENTRY_MAX);
	cm_buf_init(&table, CM_SMBIOS_TABLE_MAX);
	if (read_capped(root, DMI_TABLES_DIR "DMI", &table) < 0)
		goto out;
	if (read_capped(root, DMI_TABLES_DIR "smbios_entry_point", &ep) < 0)
		cm_debug("no SMBIOS entry point, assuming SMBIOS 3.0");
	r = cm_smbios_parse((const uint8_t *)ep.data, ep.len,
			    (const uint8_t *)table.data, table.len, facts);
	if (r < 0)
		cm_debug("SMBIOS table: %s (ignored)", cm_strerror(-r));
out:
	cm_buf_free(&ep);
	cm_buf_free(&table);
}

static void read_cpuinfo(const char *root, struct cm_facts *facts)
{
	struct cm_buf b;
	int r;

	cm_buf_init(&b, CM_CPUINFO_MAX);
	if (read_capped(root, "/proc/cpuinfo", &b) < 0)
		goto out;
	r = cm_cpuinfo_hypervisor(b.data, b.len);
	if (r >= 0)
		cm_facts_set(facts, CM_CPU_HYPERVISOR, r ? "yes" : "no",
			     r ? 3 : 2, CM_SRC_CPUINFO);
out:
	cm_buf_free(&b);
}

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/* The hypervisor's own name from CPUID leaf 0x40000000 (KVMKVMKVM,
 * Microsoft Hv, VMwareVMware, XenVMMXenVMM, ...).  Only meaningful for
 * the machine we run on, never for a --root. */
static void read_cpuid(struct cm_facts *facts)
{
	unsigned a, b, c, d;
	char vendor[13];

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 31)))
		return;
	__cpuid(0x40000000, a, b, c, d);
	memcpy(vendor + 0, &b, 4);
	memcpy(vendor + 4, &c, 4);
	memcpy(vendor + 8, &d, 4);
	vendor[12] = '\0';
	cm_facts_set(facts, CM_CPUID_VENDOR, vendor, strnlen(vendor, 12),
		     CM_SRC_CPUID);
}
#else
static void read_cpuid(struct cm_facts *facts)
{
	(void)facts;
}
#endif

int cm_facts_collect(const char *root, struct cm_facts *facts)
{
	memset(facts, 0, sizeof(*facts));
	read_sysfs_dmi(root, facts);
	read_smbios_tables(root, facts);
	read_fact_file(root, "/sys/hypervisor/type", CM_HV_TYPE,
		       CM_SRC_HYPERVISOR, facts);
	read_fact_file(root, "/sys/hypervisor/uuid", CM_HV_UUID,
		       CM_SRC_HYPERVISOR, facts);
	read_cpuinfo(root, facts);
	if (!root || !*root)
		read_cpuid(facts);
	return 0;
}
