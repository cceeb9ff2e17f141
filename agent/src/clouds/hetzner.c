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

/* docs.hetzner.cloud/#server-metadata: plain-text keys under /hetzner/ */
static const struct cm_md_value hetzner_keys[] = {
	{ CM_MD_INSTANCE_ID, "/hetzner/v1/metadata/instance-id", CM_XF_NONE },
	{ CM_MD_REGION, "/hetzner/v1/metadata/region", CM_XF_NONE },
	{ CM_MD_ZONE, "/hetzner/v1/metadata/availability-zone", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata hetzner_md = {
	.host = "169.254.169.254",
	.keys = hetzner_keys,
	.blind_ok = true,
};

const struct cm_cloud hetzner_cloud = {
	.name       = "hetzner",
	.title      = "Hetzner Cloud",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = hetzner_signatures,
	.md         = &hetzner_md,
};
