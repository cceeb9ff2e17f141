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

const struct cm_cloud ibm_cloud = {
	.name       = "ibm",
	.title      = "IBM Cloud",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = ibm_signatures,
};
