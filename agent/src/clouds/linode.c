/* linode: Akamai Cloud (Linode)
 *
 * Signatures: ds-identify dscheck_Akamai; cloud-init helpers/akamai.  The vendor string
 * changed from "Linode" to "Akamai" with the rebrand: both count.
 */
#include "clouds.h"

static const struct cm_signature linode_signatures[] = {
	{ .name = "Linode system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Linode" } } },
	{ .name = "Akamai system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Akamai" } } },
	{ 0 }
};

/* techdocs.akamai.com/cloud-computing/docs/metadata-service-api:
 * token by PUT, then Metadata-Token on every GET.  We ask for JSON, in
 * which the token comes as a one-element array. */
static const struct cm_md_token linode_token = {
	.method = "PUT",
	.path = "/v1/token",
	.headers = { "Metadata-Token-Expiry-Seconds: 60" },
	.json_path = "0",
	.send_header = "Metadata-Token",
};

static const struct cm_md_value linode_doc[] = {
	{ CM_MD_INSTANCE_ID, "id", CM_XF_NONE },
	{ CM_MD_REGION, "region", CM_XF_NONE },
	{ CM_MD_INSTANCE_TYPE, "type", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata linode_md = {
	.host = "169.254.169.254",
	.token = &linode_token,
	.headers = { "Accept: application/json" },
	.doc_path = "/v1/instance",
	.doc_values = linode_doc,
	.blind_ok = true,
};

const struct cm_cloud linode_cloud = {
	.name       = "linode",
	.title      = "Akamai Cloud (Linode)",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = linode_signatures,
	.md         = &linode_md,
};
