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

/* cloud.tencent.com/document/product/213/4934: plain keys at
 * metadata.tencentyun.com (169.254.0.23); EC2-like paths, so asked only
 * when DMI says Tencent. */
static const struct cm_md_value tencent_keys[] = {
	{ CM_MD_INSTANCE_ID, "/latest/meta-data/instance-id", CM_XF_NONE },
	{ CM_MD_REGION, "/latest/meta-data/placement/region", CM_XF_NONE },
	{ CM_MD_ZONE, "/latest/meta-data/placement/zone", CM_XF_NONE },
	{ CM_MD_INSTANCE_TYPE, "/latest/meta-data/instance/instance-type", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata tencent_md = {
	.host = "169.254.0.23",
	.keys = tencent_keys,
};

const struct cm_cloud tencent_cloud = {
	.name       = "tencent",
	.title      = "Tencent Cloud (CVM)",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = tencent_signatures,
	.md         = &tencent_md,
};
