/* digitalocean: DigitalOcean
 *
 * Signatures: ds-identify dscheck_DigitalOcean; ohai has_do_dmi?.
 */
#include "clouds.h"

static const struct cm_signature digitalocean_signatures[] = {
	{ .name = "DigitalOcean system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "DigitalOcean" } } },
	{ .name = "DigitalOcean BIOS vendor",
	  .all = { { CM_DMI_BIOS_VENDOR, CM_MATCH_EQ, "DigitalOcean" } } },
	{ 0 }
};

const struct cm_cloud digitalocean_cloud = {
	.name       = "digitalocean",
	.title      = "DigitalOcean",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = digitalocean_signatures,
};
