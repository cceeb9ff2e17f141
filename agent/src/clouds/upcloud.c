/* upcloud: UpCloud
 *
 * Signatures: ds-identify dscheck_UpCloud; cloud-init helpers/upcloud.
 */
#include "clouds.h"

static const struct cm_signature upcloud_signatures[] = {
	{ .name = "UpCloud system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "UpCloud" } } },
	{ 0 }
};

/* upcloud.com/docs/products/cloud-servers/features/metadata-service/:
 * the same path as DigitalOcean, so the answer must say upcloud. */
static const struct cm_md_value upcloud_doc[] = {
	{ CM_MD_INSTANCE_ID, "instance_id", CM_XF_NONE },
	{ CM_MD_REGION, "region", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata upcloud_md = {
	.host = "169.254.169.254",
	.doc_path = "/metadata/v1.json",
	.doc_values = upcloud_doc,
	.confirm_path = "cloud_name",
	.confirm_value = "upcloud",
	.blind_ok = true,
};

const struct cm_cloud upcloud_cloud = {
	.name       = "upcloud",
	.title      = "UpCloud",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = upcloud_signatures,
	.md         = &upcloud_md,
};
