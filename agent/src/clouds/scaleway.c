/* scaleway: Scaleway
 *
 * Signatures: ds-identify dscheck_Scaleway.
 */
#include "clouds.h"

static const struct cm_signature scaleway_signatures[] = {
	{ .name = "Scaleway system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Scaleway" } } },
	{ 0 }
};

const struct cm_cloud scaleway_cloud = {
	.name       = "scaleway",
	.title      = "Scaleway",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = scaleway_signatures,
};
