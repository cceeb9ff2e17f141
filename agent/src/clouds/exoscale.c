/* exoscale: Exoscale
 *
 * Signatures: ds-identify dscheck_Exoscale; DataSourceExoscale EXOSCALE_DMI_NAME.
 */
#include "clouds.h"

static const struct cm_signature exoscale_signatures[] = {
	{ .name = "Exoscale product",
	  .all = { { CM_DMI_PRODUCT_NAME, CM_MATCH_PREFIX, "Exoscale" } } },
	{ .name = "Exoscale system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Exoscale" } } },
	{ 0 }
};

const struct cm_cloud exoscale_cloud = {
	.name       = "exoscale",
	.title      = "Exoscale",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = exoscale_signatures,
};
