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

const struct cm_cloud alibaba_cloud = {
	.name       = "alibaba",
	.title      = "Alibaba Cloud (ECS)",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = alibaba_signatures,
};
