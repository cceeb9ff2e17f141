#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "clouds/clouds.h"
#include "detect/detect.h"
#include "detect/dmi.h"
#include "detect/report.h"
#include "smbios_build.h"
#include "test.h"

static const char *const vocabulary[] = {
	"aws", "gcp", "azure", "oracle", "alibaba", "openstack", "digitalocean",
	"hetzner", "exoscale", "scaleway", "vultr", "upcloud", "linode", "ibm",
	"tencent", "vmware", "kvm", "xen", "hyperv", "baremetal", "unknown",
};

static int in_vocabulary(const char *id)
{
	size_t i;

	for (i = 0; i < sizeof(vocabulary) / sizeof(vocabulary[0]); i++)
		if (!strcmp(id, vocabulary[i]))
			return 1;
	return 0;
}

TEST(registry_is_well_formed)
{
	const struct cm_cloud *const *all;
	size_t n, i, j;

	all = cm_clouds_all(&n);
	CHECK_INT(n, 20);
	for (i = 0; i < n; i++) {
		const struct cm_signature *sig;

		CHECK(in_vocabulary(all[i]->name));
		CHECK(all[i]->signatures && all[i]->signatures->name);
		for (sig = all[i]->signatures; sig->name; sig++)
			CHECK(sig->all[0].fact != CM_FACT_NONE);
		for (j = 0; j < i; j++)
			CHECK(strcmp(all[i]->name, all[j]->name));
		if (all[i]->kind == CM_KIND_OTHER_VM)
			CHECK(cm_cloud_by_name(all[i]->name) == NULL);
		else
			CHECK(cm_cloud_by_name(all[i]->name) == all[i]);
	}
	CHECK(cm_cloud_by_name("nope") == NULL);
}

static struct cm_facts facts;
static struct cm_verdict verdict;

static void fact(enum cm_fact f, const char *v)
{
	cm_facts_set(&facts, f, v, strlen(v), CM_SRC_SYSFS);
}

static const char *decide(void)
{
	cm_detect_from_facts(&facts, &verdict);
	memset(&facts, 0, sizeof(facts));
	return verdict.cloud;
}

TEST(uuid_prefix_both_byte_orders)
{
	/* the two forms AWS documents for the same instance */
	fact(CM_DMI_PRODUCT_UUID, "EC2E1916-9099-7CAF-FD21-012345ABCDEF");
	fact(CM_DMI_SYS_VENDOR, "Xen");
	CHECK_STR(decide(), "aws");
	fact(CM_DMI_PRODUCT_UUID, "45E12AEC-DCD1-B213-94ED-012345ABCDEF");
	fact(CM_DMI_SYS_VENDOR, "Xen");
	CHECK_STR(decide(), "aws");
	fact(CM_DMI_PRODUCT_UUID, "45E12AED-DCD1-B213-94ED-012345ABCDEF");
	fact(CM_DMI_SYS_VENDOR, "Xen");
	CHECK_STR(decide(), "xen");
}

TEST(ec2_uuid_alone_is_not_enough)
{
	/* 1 in 4096 random UUIDs start with ec2: a Dell is still a Dell */
	fact(CM_DMI_PRODUCT_UUID, "ec2a0000-1111-2222-3333-444455556666");
	fact(CM_DMI_SYS_VENDOR, "Dell Inc.");
	fact(CM_DMI_CHASSIS_TYPE, "23");
	CHECK_STR(decide(), "baremetal");
}

TEST(azure_needs_the_asset_tag)
{
	fact(CM_DMI_SYS_VENDOR, "Microsoft Corporation");
	fact(CM_DMI_PRODUCT_NAME, "Virtual Machine");
	fact(CM_DMI_CHASSIS_ASSET_TAG, "7783-7084-3265-9085-8269-3286-77");
	CHECK_STR(decide(), "azure");
	CHECK_STR(verdict.confidence, "dmi");
	CHECK(verdict.is_public);
	CHECK_INT(verdict.n_evidence, 1);
	CHECK_INT(verdict.evidence[0].fact, CM_DMI_CHASSIS_ASSET_TAG);
	fact(CM_DMI_SYS_VENDOR, "Microsoft Corporation");
	fact(CM_DMI_PRODUCT_NAME, "Virtual Machine");
	fact(CM_DMI_CHASSIS_ASSET_TAG, "1234-5678-9012-3456-7890-1234-56");
	CHECK_STR(decide(), "hyperv");
	CHECK(!verdict.is_public);
	fact(CM_DMI_SYS_VENDOR, "Microsoft Corporation");
	fact(CM_DMI_PRODUCT_NAME, "Surface Laptop 4");
	fact(CM_CPU_HYPERVISOR, "no");
	CHECK_STR(decide(), "baremetal");
}

TEST(clouds_beat_their_hypervisor)
{
	fact(CM_DMI_SYS_VENDOR, "QEMU");
	fact(CM_DMI_CHASSIS_ASSET_TAG, "OracleCloud.com");
	CHECK_STR(decide(), "oracle");
	fact(CM_DMI_SYS_VENDOR, "VMware, Inc.");
	fact(CM_DMI_CHASSIS_ASSET_TAG, "SAP CCloud VM");
	CHECK_STR(decide(), "openstack");
	fact(CM_DMI_SYS_VENDOR, "Xen");
	fact(CM_DMI_CHASSIS_ASSET_TAG, "OpenTelekomCloud");
	CHECK_STR(decide(), "openstack");
	fact(CM_DMI_SYS_VENDOR, "QEMU");
	fact(CM_DMI_CHASSIS_VENDOR, "IBM:Cloud Compute Server 1.0:bx2-2x8");
	CHECK_STR(decide(), "ibm");
	fact(CM_DMI_SYS_VENDOR, "QEMU");
	CHECK_STR(decide(), "kvm");
	CHECK_STR(verdict.confidence, "dmi");
}

TEST(xen_hvm_product_and_huawei_vendor)
{
	fact(CM_DMI_PRODUCT_NAME, "HVM domU");
	CHECK_STR(decide(), "xen");
	CHECK_STR(verdict.reason, "Xen HVM product");
	/* AWS Xen carries the same product name: its own signature first */
	fact(CM_DMI_PRODUCT_NAME, "HVM domU");
	fact(CM_DMI_PRODUCT_UUID, "EC2E1916-9099-7CAF-FD21-012345ABCDEF");
	CHECK_STR(decide(), "aws");
	fact(CM_DMI_SYS_VENDOR, "Huawei Cloud");
	CHECK_STR(decide(), "openstack");
	fact(CM_DMI_SYS_VENDOR, "Huawei Cloud");
	fact(CM_CPU_HYPERVISOR, "yes");
	CHECK_STR(decide(), "openstack");
}

TEST(linode_both_vendor_names)
{
	fact(CM_DMI_SYS_VENDOR, "Linode");
	CHECK_STR(decide(), "linode");
	fact(CM_DMI_SYS_VENDOR, "Akamai");
	CHECK_STR(decide(), "linode");
}

TEST(aws_nitro_enrich)
{
	fact(CM_DMI_SYS_VENDOR, "Amazon EC2");
	fact(CM_DMI_PRODUCT_NAME, "m5.large");
	fact(CM_DMI_BOARD_ASSET_TAG, "i-0123456789abcdef0");
	CHECK_STR(decide(), "aws");
	CHECK_STR(verdict.instance_type, "m5.large");
	CHECK_STR(verdict.instance_id, "i-0123456789abcdef0");
}

TEST(unmatched_machines)
{
	fact(CM_CPU_HYPERVISOR, "yes");
	fact(CM_DMI_SYS_VENDOR, "Acme Virtual");
	CHECK_STR(decide(), "unknown");
	CHECK_STR(verdict.confidence, "none");
	fact(CM_CPU_HYPERVISOR, "no");
	fact(CM_DMI_SYS_VENDOR, "To be filled by O.E.M.");
	CHECK_STR(decide(), "baremetal");
	fact(CM_DMI_SYS_VENDOR, "Dell Inc.");
	fact(CM_DMI_CHASSIS_TYPE, "1");
	CHECK_STR(decide(), "baremetal");	/* no cpuinfo: the vendor says */
	fact(CM_DMI_SYS_VENDOR, "Default string");
	CHECK_STR(decide(), "unknown");
	/* no cpuinfo and a vendor that is no known hardware maker: an absent
	 * file is no evidence of bare metal */
	fact(CM_DMI_SYS_VENDOR, "Acme Virtual");
	CHECK_STR(decide(), "unknown");
	fact(CM_DMI_SYS_VENDOR, "Microsoft Corporation");
	fact(CM_DMI_PRODUCT_NAME, "Surface Go 2");
	CHECK_STR(decide(), "unknown");
	CHECK_STR(decide(), "unknown");	/* nothing at all */
	CHECK_STR(verdict.reason, "no DMI data");
	fact(CM_DMI_PRODUCT_NAME, "VirtualBox");
	fact(CM_DMI_SYS_VENDOR, "Oracle Corporation");
	CHECK_STR(decide(), "unknown");
	CHECK_STR(verdict.reason, "VirtualBox product");
}

TEST(collect_from_root)
{
	static const char *const sys[] = { "Google", "Google Compute Engine", NULL };
	struct cm_facts f;
	uint8_t ep[32];
	struct tb t = { .len = 0 };
	char root[512], dir[600];
	size_t n;

	cm_test_write_str("sys/class/dmi/id/sys_vendor", "Google\n");
	cm_test_write_str("sys/class/dmi/id/bios_vendor", "\x01\x02junk\n");
	snprintf(dir, sizeof(dir), "%s/sys/class/dmi/id/product_name",
		 cm_test_tmpdir());
	CHECK_INT(mkdir(dir, 0755), 0);	/* a directory: ignored */
	tb_system(&t, (const uint8_t[16]){ 1 }, sys);
	tb_end(&t);
	n = ep_sm3(ep, 3, 0, (uint32_t)t.len);
	cm_test_write("sys/firmware/dmi/tables/DMI", t.d, t.len);
	cm_test_write("sys/firmware/dmi/tables/smbios_entry_point", ep, n);
	cm_test_write_str("proc/cpuinfo", "processor : 0\nflags : fpu hypervisor\n");
	snprintf(root, sizeof(root), "%s", cm_test_tmpdir());
	CHECK_INT(cm_facts_collect(root, &f), 0);
	CHECK_STR(cm_facts_get(&f, CM_DMI_SYS_VENDOR), "Google");
	CHECK_INT(f.v[CM_DMI_SYS_VENDOR].source, CM_SRC_SYSFS);
	CHECK_STR(cm_facts_get(&f, CM_DMI_PRODUCT_NAME), "Google Compute Engine");
	CHECK_INT(f.v[CM_DMI_PRODUCT_NAME].source, CM_SRC_SMBIOS);
	CHECK(cm_facts_get(&f, CM_DMI_BIOS_VENDOR) == NULL);
	CHECK_STR(cm_facts_get(&f, CM_CPU_HYPERVISOR), "yes");
	CHECK(cm_facts_get(&f, CM_CPUID_VENDOR) == NULL);	/* not for a root */
	cm_detect_from_facts(&f, &verdict);
	CHECK_STR(verdict.cloud, "gcp");
}

TEST(collect_huge_and_truncated)
{
	static char huge[100000];
	struct cm_facts f;
	struct tb t = { .len = 0 };
	static const char *const sys[] = { "Amazon EC2", "m5.large", NULL };

	memset(huge, 'A', sizeof(huge));
	cm_test_write("sys/class/dmi/id/sys_vendor", huge, sizeof(huge));
	tb_system(&t, (const uint8_t[16]){ 1 }, sys);
	tb_end(&t);
	cm_test_write("sys/firmware/dmi/tables/DMI", t.d, t.len - 2);
	CHECK_INT(cm_facts_collect(cm_test_tmpdir(), &f), 0);
	/* sysfs value over the cap is dropped; the table still has it */
	CHECK_STR(cm_facts_get(&f, CM_DMI_SYS_VENDOR), "Amazon EC2");
	cm_detect_from_facts(&f, &verdict);
	CHECK_STR(verdict.cloud, "aws");
}

TEST(collect_empty_root)
{
	struct cm_facts f;

	CHECK_INT(cm_facts_collect(cm_test_tmpdir(), &f), 0);
	CHECK(!cm_facts_have_dmi(&f));
	cm_detect_from_facts(&f, &verdict);
	CHECK_STR(verdict.cloud, "unknown");
}

TEST(raw_tables_from_a_real_qemu_guest)
{
	const char *root = "agent/tests/detect/kvm-qemu-raw-tables/root";
	struct cm_facts f;

	CHECK_INT(cm_facts_collect(root, &f), 0);
	/* what the guest kernel printed in sysfs for the same tables */
	CHECK_STR(cm_facts_get(&f, CM_DMI_SYS_VENDOR), "QEMU");
	CHECK_STR(cm_facts_get(&f, CM_DMI_PRODUCT_NAME), "Standard PC (i440FX + PIIX, 1996)");
	CHECK_STR(cm_facts_get(&f, CM_DMI_PRODUCT_UUID), "ec2e1916-9099-7caf-fd21-012345abcdef");
	CHECK_INT(f.v[CM_DMI_PRODUCT_UUID].source, CM_SRC_SMBIOS);
	cm_detect_from_facts(&f, &verdict);
	CHECK_STR(verdict.cloud, "kvm");
}

/* The text line is read back by hooks and people: a value's quote or
 * backslash must not end or bend it; metadata words stay bare unless
 * they hold a blank or a quote-worthy character. */
TEST(report_line_escapes_values)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f;

	fact(CM_DMI_SYS_VENDOR, "Acme \"Cloud\" C:\\x");
	fact(CM_CPU_HYPERVISOR, "no");
	CHECK_STR(decide(), "baremetal");
	snprintf(verdict.instance_id, sizeof(verdict.instance_id), "i-0abc");
	snprintf(verdict.zone, sizeof(verdict.zone), "us east 1");
	f = open_memstream(&text, &size);
	CHECK(f != NULL);
	CHECK_INT(cm_report_line(f, &verdict), 0);
	fclose(f);
	CHECK_STR(text, "baremetal (dmi): cpu_hypervisor_flag=\"no\" "
		  "sys_vendor=\"Acme \\\"Cloud\\\" C:\\\\x\" "
		  "instance_id=i-0abc zone=\"us east 1\"\n");
	free(text);
}
