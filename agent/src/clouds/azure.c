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

/* learn.microsoft.com/azure/virtual-machines/instance-metadata-service */
static const struct cm_md_value azure_doc[] = {
	{ CM_MD_INSTANCE_ID, "compute.vmId", CM_XF_NONE },
	{ CM_MD_REGION, "compute.location", CM_XF_NONE },
	{ CM_MD_ZONE, "compute.zone", CM_XF_NONE },
	{ CM_MD_INSTANCE_TYPE, "compute.vmSize", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata azure_md = {
	.host = "169.254.169.254",
	.headers = { "Metadata: true" },
	.doc_path = "/metadata/instance?api-version=2021-02-01",
	.doc_values = azure_doc,
	.blind_ok = true,
};

const struct cm_cloud azure_cloud = {
	.name       = "azure",
	.title      = "Microsoft Azure",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = azure_signatures,
	.md         = &azure_md,
};
