/* vmware: VMware
 *
 * Signatures: systemd virt.c dmi_vendor_table (VMware, VMW); product names seen:
 * "VMware Virtual Platform", "VMware7,1", "VMware20,1".
 */
#include "clouds.h"

static const struct cm_signature vmware_signatures[] = {
	{ .name = "VMware system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_PREFIX, "VMware" } } },
	{ .name = "VMware product",
	  .all = { { CM_DMI_PRODUCT_NAME, CM_MATCH_PREFIX, "VMware" } } },
	{ .name = "VMware serial",
	  .all = { { CM_DMI_PRODUCT_SERIAL, CM_MATCH_PREFIX, "VMware-" } } },
	{ .name = "VMware CPUID",
	  .all = { { CM_CPUID_VENDOR, CM_MATCH_EQ, "VMwareVMware" } } },
	{ 0 }
};

const struct cm_cloud vmware_cloud = {
	.name       = "vmware",
	.title      = "VMware",
	.kind       = CM_KIND_HYPERVISOR,
	.is_public  = false,
	.signatures = vmware_signatures,
};
