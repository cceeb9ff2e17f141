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

const struct cm_cloud gcp_cloud = {
	.name       = "gcp",
	.title      = "Google Cloud (Compute Engine)",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = gcp_signatures,
};
