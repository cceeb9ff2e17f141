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

const struct cm_cloud upcloud_cloud = {
	.name       = "upcloud",
	.title      = "UpCloud",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = upcloud_signatures,
};
