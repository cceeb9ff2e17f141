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

/* community.exoscale.com/documentation/compute/cloud-init/: EC2-style
 * plain keys, which many clouds serve: asked only when DMI says Exoscale. */
static const struct cm_md_value exoscale_keys[] = {
	{ CM_MD_INSTANCE_ID, "/latest/meta-data/instance-id", CM_XF_NONE },
	{ CM_MD_ZONE, "/latest/meta-data/availability-zone", CM_XF_NONE },
	{ CM_MD_REGION, "/latest/meta-data/availability-zone", CM_XF_NONE },
	{ CM_MD_INSTANCE_TYPE, "/latest/meta-data/service-offering", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata exoscale_md = {
	.host = "169.254.169.254",
	.keys = exoscale_keys,
};

const struct cm_cloud exoscale_cloud = {
	.name       = "exoscale",
	.title      = "Exoscale",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = exoscale_signatures,
	.md         = &exoscale_md,
};
