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

/* docs.digitalocean.com/reference/api/metadata-api/ */
static const struct cm_md_value digitalocean_doc[] = {
	{ CM_MD_INSTANCE_ID, "droplet_id", CM_XF_NONE },
	{ CM_MD_REGION, "region", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata digitalocean_md = {
	.host = "169.254.169.254",
	.doc_path = "/metadata/v1.json",
	.doc_values = digitalocean_doc,
	.blind_ok = true,
};

const struct cm_cloud digitalocean_cloud = {
	.name       = "digitalocean",
	.title      = "DigitalOcean",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = digitalocean_signatures,
	.md         = &digitalocean_md,
};
