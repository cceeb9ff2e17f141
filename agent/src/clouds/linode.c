/* linode: Akamai Cloud (Linode)
 *
 * Signatures: ds-identify dscheck_Akamai; cloud-init helpers/akamai.  The vendor string
 * changed from "Linode" to "Akamai" with the rebrand: both count.
 */
#include "clouds.h"

static const struct cm_signature linode_signatures[] = {
	{ .name = "Linode system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Linode" } } },
	{ .name = "Akamai system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Akamai" } } },
	{ 0 }
};

const struct cm_cloud linode_cloud = {
	.name       = "linode",
	.title      = "Akamai Cloud (Linode)",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = linode_signatures,
};
