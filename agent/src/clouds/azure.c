/* azure: Microsoft Azure
 *
 * Signatures: The chassis asset tag is the decimal ASCII of "MSFT AZURE VM" (ds-identify
 * is_azure_chassis, LP #1693939).  "Microsoft Corporation" / "Virtual Machine"
 * is every Hyper-V guest, so it is not a signature of Azure.
 */
#include "clouds.h"

static const struct cm_signature azure_signatures[] = {
	{ .name = "Azure chassis asset tag",
	  .all = { { CM_DMI_CHASSIS_ASSET_TAG, CM_MATCH_EQ, "7783-7084-3265-9085-8269-3286-77" } } },
	{ 0 }
};

const struct cm_cloud azure_cloud = {
	.name       = "azure",
	.title      = "Microsoft Azure",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = azure_signatures,
};
