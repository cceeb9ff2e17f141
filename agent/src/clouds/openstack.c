/* openstack: OpenStack
 *
 * Signatures: ds-identify dscheck_OpenStack and DataSourceOpenStack VALID_DMI_ASSET_TAGS.
 * Distributions rename the product (RDO, Red Hat: "OpenStack Compute") and
 * derivatives mark only the asset tag, on Xen (OTC) or VMware (SAP), so the
 * system vendor is never a signature.
 */
#include "clouds.h"

static const struct cm_signature openstack_signatures[] = {
	{ .name = "OpenStack Nova product",
	  .all = { { CM_DMI_PRODUCT_NAME, CM_MATCH_EQ, "OpenStack Nova" } } },
	{ .name = "OpenStack Compute product",
	  .all = { { CM_DMI_PRODUCT_NAME, CM_MATCH_EQ, "OpenStack Compute" } } },
	{ .name = "OpenStack Nova asset tag",
	  .all = { { CM_DMI_CHASSIS_ASSET_TAG, CM_MATCH_EQ, "OpenStack Nova" } } },
	{ .name = "OpenStack Compute asset tag",
	  .all = { { CM_DMI_CHASSIS_ASSET_TAG, CM_MATCH_EQ, "OpenStack Compute" } } },
	{ .name = "Open Telekom Cloud asset tag",
	  .all = { { CM_DMI_CHASSIS_ASSET_TAG, CM_MATCH_EQ, "OpenTelekomCloud" } } },
	{ .name = "SAP Converged Cloud asset tag",
	  .all = { { CM_DMI_CHASSIS_ASSET_TAG, CM_MATCH_EQ, "SAP CCloud VM" } } },
	{ .name = "Huawei Cloud asset tag",
	  .all = { { CM_DMI_CHASSIS_ASSET_TAG, CM_MATCH_EQ, "HUAWEICLOUD" } } },
	{ .name = "Samsung Cloud Platform asset tag",
	  .all = { { CM_DMI_CHASSIS_ASSET_TAG, CM_MATCH_EQ, "Samsung Cloud Platform" } } },
	{ 0 }
};

/* docs.openstack.org/nova/latest/user/metadata.html */
static const struct cm_md_value openstack_doc[] = {
	{ CM_MD_INSTANCE_ID, "uuid", CM_XF_NONE },
	{ CM_MD_ZONE, "availability_zone", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata openstack_md = {
	.host = "169.254.169.254",
	.doc_path = "/openstack/latest/meta_data.json",
	.doc_values = openstack_doc,
	.blind_ok = true,
};

const struct cm_cloud openstack_cloud = {
	.name       = "openstack",
	.title      = "OpenStack",
	.kind       = CM_KIND_CLOUD,
	.is_public  = false,
	.signatures = openstack_signatures,
	.md         = &openstack_md,
};
