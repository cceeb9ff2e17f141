/* gcp: Google Cloud (Compute Engine)
 *
 * Signatures: ds-identify dscheck_GCE; DataSourceGCE.platform_reports_gce; GCE docs.
 * The product name is not guaranteed (LP #1674861): the serial also counts.
 */
#include "clouds.h"

static const struct cm_signature gcp_signatures[] = {
	{ .name = "Google Compute Engine product",
	  .all = { { CM_DMI_PRODUCT_NAME, CM_MATCH_EQ, "Google Compute Engine" } } },
	{ .name = "GoogleCloud serial",
	  .all = { { CM_DMI_PRODUCT_SERIAL, CM_MATCH_PREFIX, "GoogleCloud-" } } },
	{ .name = "Google system and BIOS vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Google" },
	    { CM_DMI_BIOS_VENDOR, CM_MATCH_EQ, "Google" } } },
	{ 0 }
};

/* cloud.google.com/compute/docs/metadata/overview: the header is
 * required, answers carry it back; ids are numbers above 2^53. */
static const struct cm_md_value gcp_doc[] = {
	{ CM_MD_INSTANCE_ID, "id", CM_XF_NONE },
	{ CM_MD_ZONE, "zone", CM_XF_LAST_SEGMENT },
	{ CM_MD_REGION, "zone", CM_XF_ZONE_REGION },
	{ CM_MD_INSTANCE_TYPE, "machineType", CM_XF_LAST_SEGMENT },
	{ 0 }
};

static const struct cm_metadata gcp_md = {
	.host = "169.254.169.254",
	.headers = { "Metadata-Flavor: Google" },
	.require_header = "Metadata-Flavor: Google",
	.doc_path = "/computeMetadata/v1/instance/?recursive=true",
	.doc_values = gcp_doc,
	.blind_ok = true,
};

const struct cm_cloud gcp_cloud = {
	.name       = "gcp",
	.title      = "Google Cloud (Compute Engine)",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = gcp_signatures,
	.md         = &gcp_md,
};
