/* hetzner: Hetzner Cloud
 *
 * Signatures: ds-identify dscheck_Hetzner.  Hetzner dedicated servers are ordinary
 * hardware and end up baremetal.
 */
#include "clouds.h"

static const struct cm_signature hetzner_signatures[] = {
	{ .name = "Hetzner system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Hetzner" } } },
	{ 0 }
};

const struct cm_cloud hetzner_cloud = {
	.name       = "hetzner",
	.title      = "Hetzner Cloud",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = hetzner_signatures,
};
