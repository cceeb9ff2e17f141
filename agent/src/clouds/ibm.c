/* ibm: IBM Cloud
 *
 * Signatures: IBM Cloud VPC: chassis vendor "IBM:Cloud Compute Server 1.0:<profile>" and
 * asset tag "ibmcloud" (saptune isIBMVPC).  Classic virtual servers carry no
 * IBM string in DMI (ds-identify is_ibm_cloud looks at config drives): from
 * DMI alone they are xen.
 */
#include "clouds.h"

static const struct cm_signature ibm_signatures[] = {
	{ .name = "IBM Cloud VPC chassis vendor",
	  .all = { { CM_DMI_CHASSIS_VENDOR, CM_MATCH_PREFIX, "IBM:Cloud Compute Server" } } },
	{ .name = "IBM Cloud VPC asset tag",
	  .all = { { CM_DMI_CHASSIS_ASSET_TAG, CM_MATCH_EQ, "ibmcloud" } } },
	{ 0 }
};

/* cloud.ibm.com/docs/vpc?topic=vpc-imd-get-metadata: a JSON token by PUT
 * with Metadata-Flavor: ibm, then Bearer. */
static const struct cm_md_token ibm_token = {
	.method = "PUT",
	.path = "/instance_identity/v1/token?version=2022-03-01",
	.headers = { "Metadata-Flavor: ibm", "Content-Type: application/json" },
	.body = "{\"expires_in\": 300}",
	.json_path = "access_token",
	.send_header = "Authorization",
	.send_prefix = "Bearer ",
};

static const struct cm_md_value ibm_doc[] = {
	{ CM_MD_INSTANCE_ID, "id", CM_XF_NONE },
	{ CM_MD_ZONE, "zone.name", CM_XF_NONE },
	{ CM_MD_REGION, "zone.name", CM_XF_ZONE_REGION },
	{ CM_MD_INSTANCE_TYPE, "profile.name", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata ibm_md = {
	.host = "169.254.169.254",
	.token = &ibm_token,
	.doc_path = "/metadata/v1/instance?version=2022-03-01",
	.doc_values = ibm_doc,
	.blind_ok = true,
};

const struct cm_cloud ibm_cloud = {
	.name       = "ibm",
	.title      = "IBM Cloud",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = ibm_signatures,
	.md         = &ibm_md,
};
