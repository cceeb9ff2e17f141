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

const struct cm_cloud vultr_cloud = {
	.name       = "vultr",
	.title      = "Vultr",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = vultr_signatures,
};
