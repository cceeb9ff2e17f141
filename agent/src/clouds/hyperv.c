/* hyperv: Microsoft Hyper-V
 *
 * Signatures: Every Hyper-V guest, Azure included; azure is matched first by its asset
 * tag.  Surface laptops also say "Microsoft Corporation": the product name
 * must be "Virtual Machine".
 */
#include "clouds.h"

static const struct cm_signature hyperv_signatures[] = {
	{ .name = "Hyper-V virtual machine",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Microsoft Corporation" },
	    { CM_DMI_PRODUCT_NAME, CM_MATCH_EQ, "Virtual Machine" } } },
	{ .name = "Hyper-V UEFI firmware",
	  .all = { { CM_DMI_PRODUCT_VERSION, CM_MATCH_PREFIX, "Hyper-V" } } },
	{ .name = "Hyper-V CPUID",
	  .all = { { CM_CPUID_VENDOR, CM_MATCH_EQ, "Microsoft Hv" } } },
	{ 0 }
};

const struct cm_cloud hyperv_cloud = {
	.name       = "hyperv",
	.title      = "Microsoft Hyper-V",
	.kind       = CM_KIND_HYPERVISOR,
	.is_public  = false,
	.signatures = hyperv_signatures,
};
