/* oracle: Oracle Cloud Infrastructure
 *
 * Signatures: ds-identify dscheck_Oracle; DataSourceOracle._is_platform_viable.  OCI VMs
 * otherwise look like plain QEMU; bare metal says "Oracle Corporation",
 * which systemd wrongly maps to VirtualBox.
 */
#include "clouds.h"

static const struct cm_signature oracle_signatures[] = {
	{ .name = "OracleCloud.com chassis asset tag",
	  .all = { { CM_DMI_CHASSIS_ASSET_TAG, CM_MATCH_EQ, "OracleCloud.com" } } },
	{ 0 }
};

/* docs.oracle.com/iaas/Content/Compute/Tasks/gettingmetadata.htm (v2) */
static const struct cm_md_value oracle_doc[] = {
	{ CM_MD_INSTANCE_ID, "id", CM_XF_NONE },
	{ CM_MD_REGION, "canonicalRegionName", CM_XF_NONE },
	{ CM_MD_REGION, "region", CM_XF_NONE },
	{ CM_MD_ZONE, "availabilityDomain", CM_XF_NONE },
	{ CM_MD_INSTANCE_TYPE, "shape", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata oracle_md = {
	.host = "169.254.169.254",
	.headers = { "Authorization: Bearer Oracle" },
	.doc_path = "/opc/v2/instance/",
	.doc_values = oracle_doc,
	.blind_ok = true,
};

const struct cm_cloud oracle_cloud = {
	.name       = "oracle",
	.title      = "Oracle Cloud Infrastructure",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = oracle_signatures,
	.md         = &oracle_md,
};
