/* aws: Amazon Web Services (EC2)
 *
 * Signatures: AWS docs, "Identify EC2 Linux instances"; cloud-init ds-identify
 * ec2_identify_platform and DataSourceEc2.identify_aws; ohai; systemd virt.c.
 */
#include <stdio.h>
#include <string.h>

#include "clouds.h"
#include "../detect/detect.h"

static const struct cm_signature aws_signatures[] = {
	{ .name = "Nitro or metal instance: Amazon EC2 system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Amazon EC2" } } },
	{ .name = "Nitro or metal instance: Amazon EC2 BIOS vendor",
	  .all = { { CM_DMI_BIOS_VENDOR, CM_MATCH_EQ, "Amazon EC2" } } },
	{ .name = "Nitro instance: instance id as board asset tag",
	  .all = { { CM_DMI_BOARD_ASSET_TAG, CM_MATCH_GLOB,
		     "i-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]" } } },
	{ .name = "Nitro instance: instance id as board asset tag",
	  .all = { { CM_DMI_BOARD_ASSET_TAG, CM_MATCH_GLOB,
		     "i-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]"
		     "[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]" } } },
	{ .name = "Xen instance: Amazon BIOS build",
	  .all = { { CM_DMI_BIOS_VENDOR, CM_MATCH_EQ, "Xen" },
	    { CM_DMI_BIOS_VERSION, CM_MATCH_CONTAINS, ".amazon" } } },
	{ .name = "Xen instance: ec2 hypervisor UUID", .weak = true,
	  .all = { { CM_HV_UUID, CM_MATCH_PREFIX, "ec2" } } },
	{ .name = "Xen instance: ec2 product UUID and serial", .weak = true,
	  .all = { { CM_DMI_PRODUCT_UUID, CM_MATCH_UUID_PREFIX, "ec2" },
	    { CM_DMI_PRODUCT_SERIAL, CM_MATCH_UUID_PREFIX, "ec2" } } },
	{ .name = "Xen instance: ec2 product UUID on Xen", .weak = true,
	  .all = { { CM_DMI_PRODUCT_UUID, CM_MATCH_UUID_PREFIX, "ec2" },
	    { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Xen" } } },
	/* A UUID alone: nothing else to contradict it (AWS documents the
	 * check on the UUID only); a named vendor would. */
	{ .name = "Xen instance: ec2 product UUID, no vendor", .weak = true,
	  .all = { { CM_DMI_PRODUCT_UUID, CM_MATCH_UUID_PREFIX, "ec2" },
	    { CM_DMI_SYS_VENDOR, CM_MATCH_ABSENT, NULL } } },
	{ 0 }
};

/* Nitro puts the instance type in product_name ("m5.large"); a Xen
 * instance says "HVM domU" there, which is no type. */
static void aws_dmi_enrich(const struct cm_facts *facts, struct cm_verdict *v)
{
	const char *vendor = cm_facts_get(facts, CM_DMI_SYS_VENDOR);
	const char *product = cm_facts_get(facts, CM_DMI_PRODUCT_NAME);
	const char *asset = cm_facts_get(facts, CM_DMI_BOARD_ASSET_TAG);

	if (!vendor || strcmp(vendor, "Amazon EC2"))
		return;
	if (product && strchr(product, '.') && !strchr(product, ' '))
		snprintf(v->instance_type, sizeof(v->instance_type), "%s", product);
	/* Nitro also gives the instance id as the board asset tag. */
	if (asset && !strncmp(asset, "i-", 2))
		snprintf(v->instance_id, sizeof(v->instance_id), "%s", asset);
}

/* IMDSv2: a session token first (PUT, TTL header), then GETs carrying
 * it; IMDSv1 (no token) only when the token request is refused.
 * docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-instance-metadata-service.html
 * and instance-identity-documents.html. */
static const struct cm_md_token aws_token = {
	.method = "PUT",
	.path = "/latest/api/token",
	.headers = { "X-aws-ec2-metadata-token-ttl-seconds: 60" },
	.send_header = "X-aws-ec2-metadata-token",
	.fallback_without = true,
};

static const struct cm_md_value aws_doc[] = {
	{ CM_MD_INSTANCE_ID, "instanceId", CM_XF_NONE },
	{ CM_MD_REGION, "region", CM_XF_NONE },
	{ CM_MD_ZONE, "availabilityZone", CM_XF_NONE },
	{ CM_MD_INSTANCE_TYPE, "instanceType", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata aws_md = {
	.host = "169.254.169.254",
	.token = &aws_token,
	.doc_path = "/latest/dynamic/instance-identity/document",
	.doc_values = aws_doc,
	.blind_ok = true,
};

/* Target profile.  Sources (docs.aws.amazon.com):
 *  [import]  VM Import/Export User Guide, "Requirements for resources you
 *            import": DHCP on the network interface, no firewall in the way.
 *  [nvme]    EBS User Guide, "Amazon EBS volumes and NVMe": on Nitro, EBS
 *            volumes are NVMe devices (/dev/nvme0n1), the NVMe driver is
 *            required; "NVMe I/O operation timeout": set
 *            nvme_core.io_timeout to the maximum, 4294967295.
 *  [ena]     EC2 User Guide, "Enhanced networking on Linux": ENA (ena) on
 *            Nitro, Intel 82599 VF (ixgbevf) on older types; Xen PV
 *            front ends on Xen instances.
 *  [serial]  EC2 User Guide, "EC2 Serial Console", configure GRUB:
 *            console=ttyS0,115200n8.
 *  [time]    EC2 User Guide, "Set the time for your EC2 instance": the
 *            Amazon Time Sync Service at 169.254.169.123 (link-local).
 *  [ssm]     Systems Manager User Guide: amazon-ssm-agent (systemd unit).
 *  [ebs]     EBS User Guide, "Make a volume available for use": fstab by
 *            UUID with nofail.
 *  [mtu]     EC2 User Guide, "Network MTU": 9001 in a VPC, from DHCP.
 *  [ci]      cloud-init datasources/ec2.rst: dsname Ec2.
 */
static const struct cm_profile aws_profile = {
	.storage_drivers = { "nvme", "xen-blkfront" },		/* [nvme] */
	.net_drivers     = { "ena", "ixgbevf", "xen-netfront" },	/* [ena] */
	.disk            = CM_DISK_NVME,			/* [nvme] */
	.kargs_add       = { "nvme_core.io_timeout=4294967295",	/* [nvme] */
			     "console=ttyS0,115200n8" },	/* [serial] */
	/* Other clouds' serial consoles and Azure's boot delay. */
	.kargs_remove    = { "console=ttyS*", "earlyprintk", "rootdelay" },
	.time            = CM_TIME_NTP,
	.time_servers    = { "169.254.169.123" },		/* [time] */
	/* [time]: "prefer iburst minpoll 4 maxpoll 4" in chrony.conf; the
	 * IPv6 endpoint (Nitro) is the same local service, not to be used
	 * together with it. */
	.time_options    = "prefer iburst minpoll 4 maxpoll 4",
	.time_aliases    = { "fd00:ec2::123" },
	.time_doc        = "AWS EC2 User Guide, \"Set the time for your Linux instance\"",
	.agents_enable   = { "amazon-ssm-agent|snap.amazon-ssm-agent.amazon-ssm-agent" }, /* [ssm]; Ubuntu: a snap */
	.fstab_by_uuid   = true,				/* [ebs] */
	.fstab_nofail    = true,				/* [ebs] */
	.fstab_device_timeout = 30,	/* cloudmove policy, not an AWS value */
	.mtu             = 0,					/* [mtu] */
	.dhcp4           = true,				/* [import] */
	.dhcp6           = true,
	.ifnames         = CM_IFNAMES_KEEP,
	.cloudinit_datasource = { "Ec2" },	/* [ci] */
};

const struct cm_cloud aws_cloud = {
	.name       = "aws",
	.title      = "Amazon Web Services (EC2)",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = aws_signatures,
	.md         = &aws_md,
	.dmi_enrich = aws_dmi_enrich,
	.profile    = &aws_profile,
};
