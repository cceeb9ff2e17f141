/* oracle: Oracle Cloud Infrastructure
 *
 * Signatures: ds-identify dscheck_Oracle; DataSourceOracle._is_platform_viable.  OCI VMs
 * otherwise look like plain QEMU; bare metal says "Oracle Corporation",
 * which systemd wrongly maps to VirtualBox.
 */
#include "clouds.h"

static const struct cm_signature oracle_signatures[] = {
	{ .name = "OracleCloud.com chassis asset tag",
	  .all = { { CM_DMI_CHASSIS_ASSET_TAG, CM_MATCH_EQ, "OracleCloud.com" } } },
	{ 0 }
};

/* docs.oracle.com/iaas/Content/Compute/Tasks/gettingmetadata.htm (v2) */
static const struct cm_md_value oracle_doc[] = {
	{ CM_MD_INSTANCE_ID, "id", CM_XF_NONE },
	{ CM_MD_REGION, "canonicalRegionName", CM_XF_NONE },
	{ CM_MD_REGION, "region", CM_XF_NONE },
	{ CM_MD_ZONE, "availabilityDomain", CM_XF_NONE },
	{ CM_MD_INSTANCE_TYPE, "shape", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata oracle_md = {
	.host = "169.254.169.254",
	.headers = { "Authorization: Bearer Oracle" },
	.doc_path = "/opc/v2/instance/",
	.doc_values = oracle_doc,
	.blind_ok = true,
};

/* Target profile.  Sources (docs.oracle.com/iaas/Content/Compute):
 *  [byoi]    References/bringyourownimage.htm: imported Linux images run
 *            paravirtualized (virtio block/SCSI and network) or emulated
 *            (SCSI/SATA, e1000); SR-IOV (hardware-assisted) networking
 *            on Mellanox ConnectX (mlx5_core).
 *  [serial]  Tasks/enablingserialconsoleaccess (imported Linux images):
 *            console=tty0 console=ttyS0,9600.  UNVERIFIED in this pass:
 *            some OCI images use 115200; override in profiles.d if so.
 *  [ntp]     Tasks/configuringntpservice.htm: the OCI NTP service at
 *            169.254.169.254.
 *  [agent]   Oracle Cloud Agent: oracle-cloud-agent (systemd unit).
 *  [fstab]   Block/References/fstaboptions.htm: nofail (and _netdev for
 *            iSCSI) on block volumes, by UUID.
 *  [ci]      cloud-init datasources/oracle.rst: dsname Oracle (its own
 *            datasource since the OpenStack one was not quite right).
 */
static const struct cm_profile oracle_profile = {
	.storage_drivers = { "virtio_pci", "virtio_scsi", "virtio_blk",
			     "sd_mod", "ahci" },			/* [byoi] */
	.net_drivers     = { "virtio_net", "mlx5_core", "e1000" },	/* [byoi] */
	.disk            = CM_DISK_SD,
	.kargs_add       = { "console=tty0", "console=ttyS0,9600" },	/* [serial] */
	.kargs_remove    = { "console=ttyS*", "earlyprintk", "rootdelay" },
	.time            = CM_TIME_NTP,
	.time_servers    = { "169.254.169.254" },		/* [ntp] */
	.agents_enable   = { "oracle-cloud-agent" },		/* [agent] */
	.agents_keep     = { "qemu-guest-agent" },	/* runs on KVM */
	.fstab_by_uuid   = true,				/* [fstab] */
	.fstab_nofail    = true,				/* [fstab] */
	.fstab_device_timeout = 30,	/* cloudmove policy */
	.mtu             = 0,		/* VCN MTU 9000, from DHCP */
	.dhcp4           = true,
	.dhcp6           = true,
	.ifnames         = CM_IFNAMES_KEEP,
	.cloudinit_datasource = { "Oracle" },	/* [ci] */
};

const struct cm_cloud oracle_cloud = {
	.name       = "oracle",
	.title      = "Oracle Cloud Infrastructure",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = oracle_signatures,
	.md         = &oracle_md,
	.profile    = &oracle_profile,
};
