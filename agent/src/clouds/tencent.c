/* tencent: Tencent Cloud (CVM)
 *
 * Signatures: Tencent CVM dmidecode dumps (sys_vendor "Tencent Cloud", product "CVM").
 */
#include "clouds.h"

static const struct cm_signature tencent_signatures[] = {
	{ .name = "Tencent Cloud system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Tencent Cloud" } } },
	{ 0 }
};

const struct cm_cloud tencent_cloud = {
	.name       = "tencent",
	.title      = "Tencent Cloud (CVM)",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = tencent_signatures,
};
