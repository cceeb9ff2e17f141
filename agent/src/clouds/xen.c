/* xen: Xen
 *
 * Signatures: systemd virt.c (Xen vendor, /sys/hypervisor/type); Citrix Hypervisor and
 * XCP-ng guests say Xen too.  Xen's HVM firmware (hvmloader) names the
 * product "HVM domU", which identifies a Xen HVM guest on its own where
 * the vendor strings are missing: puppetlabs/facter
 * lib/src/facts/windows/virtualization_resolver.cc maps a product name
 * containing "HVM domU" to xenhvm.  AWS Xen instances carry it too; their
 * own signatures come first.
 */
#include "clouds.h"

static const struct cm_signature xen_signatures[] = {
	{ .name = "Xen system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Xen" } } },
	{ .name = "Xen BIOS vendor",
	  .all = { { CM_DMI_BIOS_VENDOR, CM_MATCH_EQ, "Xen" } } },
	{ .name = "Xen HVM product",
	  .all = { { CM_DMI_PRODUCT_NAME, CM_MATCH_EQ, "HVM domU" } } },
	{ .name = "Xen hypervisor type",
	  .all = { { CM_HV_TYPE, CM_MATCH_EQ, "xen" } } },
	{ .name = "Xen CPUID",
	  .all = { { CM_CPUID_VENDOR, CM_MATCH_EQ, "XenVMMXenVMM" } } },
	{ 0 }
};

const struct cm_cloud xen_cloud = {
	.name       = "xen",
	.title      = "Xen",
	.kind       = CM_KIND_HYPERVISOR,
	.is_public  = false,
	.signatures = xen_signatures,
};
