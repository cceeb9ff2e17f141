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

const struct cm_cloud oracle_cloud = {
	.name       = "oracle",
	.title      = "Oracle Cloud Infrastructure",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = oracle_signatures,
};
