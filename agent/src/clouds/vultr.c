/* vultr: Vultr
 *
 * Signatures: ds-identify dscheck_Vultr; cloud-init helpers/vultr.
 */
#include "clouds.h"

static const struct cm_signature vultr_signatures[] = {
	{ .name = "Vultr system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Vultr" } } },
	{ 0 }
};

/* vultr.com/metadata/: /v1.json */
static const struct cm_md_value vultr_doc[] = {
	{ CM_MD_INSTANCE_ID, "instance-v2-id", CM_XF_NONE },
	{ CM_MD_INSTANCE_ID, "instanceid", CM_XF_NONE },
	{ CM_MD_REGION, "region.regioncode", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata vultr_md = {
	.host = "169.254.169.254",
	.doc_path = "/v1.json",
	.doc_values = vultr_doc,
	.blind_ok = true,
};

const struct cm_cloud vultr_cloud = {
	.name       = "vultr",
	.title      = "Vultr",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = vultr_signatures,
	.md         = &vultr_md,
};
