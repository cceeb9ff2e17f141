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

/* Scaleway's metadata API at 169.254.42.42 (scaleway-ecosystem docs,
 * cloud-init DataSourceScaleway). */
static const struct cm_md_value scaleway_doc[] = {
	{ CM_MD_INSTANCE_ID, "id", CM_XF_NONE },
	{ CM_MD_ZONE, "zone", CM_XF_NONE },		/* "fr-par-1" */
	{ CM_MD_ZONE, "location.zone_id", CM_XF_NONE },	/* legacy "par1" */
	{ CM_MD_REGION, "zone", CM_XF_ZONE_REGION },	/* "fr-par" */
	{ CM_MD_INSTANCE_TYPE, "commercial_type", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata scaleway_md = {
	.host = "169.254.42.42",
	.doc_path = "/conf?format=json",
	.doc_values = scaleway_doc,
	.blind_ok = true,
};

const struct cm_cloud scaleway_cloud = {
	.name       = "scaleway",
	.title      = "Scaleway",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = scaleway_signatures,
	.md         = &scaleway_md,
};
