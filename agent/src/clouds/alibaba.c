/* alibaba: Alibaba Cloud (ECS)
 *
 * Signatures: ds-identify dscheck_AliYun; ohai has_ali_dmi?; ECS bare metal (ebm)
 * keeps the vendor.
 */
#include "clouds.h"

static const struct cm_signature alibaba_signatures[] = {
	{ .name = "Alibaba Cloud ECS product",
	  .all = { { CM_DMI_PRODUCT_NAME, CM_MATCH_EQ, "Alibaba Cloud ECS" } } },
	{ .name = "Alibaba Cloud system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Alibaba Cloud" } } },
	{ 0 }
};

/* alibabacloud.com/help/ecs/user-guide/view-instance-metadata:
 * hardened mode wants a token, like IMDSv2; 100.100.100.200. */
static const struct cm_md_token alibaba_token = {
	.method = "PUT",
	.path = "/latest/api/token",
	.headers = { "X-aliyun-ecs-metadata-token-ttl-seconds: 60" },
	.send_header = "X-aliyun-ecs-metadata-token",
	.fallback_without = true,
};

static const struct cm_md_value alibaba_doc[] = {
	{ CM_MD_INSTANCE_ID, "instance-id", CM_XF_NONE },
	{ CM_MD_REGION, "region-id", CM_XF_NONE },
	{ CM_MD_ZONE, "zone-id", CM_XF_NONE },
	{ CM_MD_INSTANCE_TYPE, "instance-type", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata alibaba_md = {
	.host = "100.100.100.200",
	.token = &alibaba_token,
	.doc_path = "/latest/dynamic/instance-identity/document",
	.doc_values = alibaba_doc,
	.blind_ok = true,
};

const struct cm_cloud alibaba_cloud = {
	.name       = "alibaba",
	.title      = "Alibaba Cloud (ECS)",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = alibaba_signatures,
	.md         = &alibaba_md,
};
