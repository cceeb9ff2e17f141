/* azure: Microsoft Azure
 *
 * Signatures: The chassis asset tag is the decimal ASCII of "MSFT AZURE VM" (ds-identify
 * is_azure_chassis, LP #1693939).  "Microsoft Corporation" / "Virtual Machine"
 * is every Hyper-V guest, so it is not a signature of Azure.
 */
#include "clouds.h"

static const struct cm_signature azure_signatures[] = {
	{ .name = "Azure chassis asset tag",
	  .all = { { CM_DMI_CHASSIS_ASSET_TAG, CM_MATCH_EQ, "7783-7084-3265-9085-8269-3286-77" } } },
	{ 0 }
};

/* learn.microsoft.com/azure/virtual-machines/instance-metadata-service */
static const struct cm_md_value azure_doc[] = {
	{ CM_MD_INSTANCE_ID, "compute.vmId", CM_XF_NONE },
	{ CM_MD_REGION, "compute.location", CM_XF_NONE },
	{ CM_MD_ZONE, "compute.zone", CM_XF_NONE },
	{ CM_MD_INSTANCE_TYPE, "compute.vmSize", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata azure_md = {
	.host = "169.254.169.254",
	.headers = { "Metadata: true" },
	.doc_path = "/metadata/instance?api-version=2021-02-01",
	.doc_values = azure_doc,
	.blind_ok = true,
};

/* Target profile.  Sources (learn.microsoft.com/azure/virtual-machines/linux):
 *  [generic] create-upload-generic ("Prepare Linux for imaging in Azure"):
 *            Hyper-V drivers hv_vmbus, hv_netvsc, hv_storvsc in the
 *            initramfs; VFAT and UDF kernel support (provisioning media);
 *            kernel command line rootdelay=300 console=ttyS0
 *            earlyprintk=ttyS0, without rhgb/quiet/crashkernel=auto; no
 *            swap on the OS disk (the agent or cloud-init puts it on the
 *            resource disk); Azure Linux Agent installed.
 *  [debian]  create-upload-generic / Debian VHD: walinuxagent is the
 *            Debian unit; waagent on RHEL-family (create-upload-centos,
 *            which also adds net.ifnames=0).
 *  [accel]   virtual-network/accelerated-networking-overview: Mellanox
 *            ConnectX-3/4/5 VFs (mlx4_en, mlx5_core) and MANA (mana).
 *  [ptp]     time-sync: chrony "refclock PHC /dev/ptp_hyperv poll 3
 *            dpoll -2 offset 0".
 *  [kvp]     hyperv-daemons: hv-kvp-daemon (Debian), hypervkvpd (RHEL).
 *  [data]    attach-disk-portal: fstab by UUID with nofail.
 *  [nvme]    enable-nvme-interface: NVMe disks on newer (v6) sizes.
 *  [ci]      cloud-init datasources/azure.rst: dsname Azure.
 */
static const struct cm_profile azure_profile = {
	.storage_drivers = { "hv_vmbus", "hv_storvsc", "sd_mod",	/* [generic] */
			     "nvme" },				/* [nvme] */
	.net_drivers     = { "hv_netvsc",			/* [generic] */
			     "mlx4_en", "mlx5_core", "mana" },	/* [accel] */
	.other_drivers   = { "udf", "vfat" },			/* [generic] */
	.disk            = CM_DISK_SD,
	.kargs_add       = { "rootdelay=300", "console=ttyS0",	/* [generic] */
			     "earlyprintk=ttyS0" },
	.kargs_remove    = { "console=ttyS*", "earlyprintk", "rootdelay",
			     "rhgb", "quiet", "crashkernel=auto" },	/* [generic] */
	.time            = CM_TIME_PTP,
	.time_servers    = { "/dev/ptp_hyperv" },		/* [ptp] */
	/* [ptp]; ntpd "doesn't support PTP sources" */
	.time_options    = "poll 3 dpoll -2 offset 0 stratum 2",
	.time_doc        = "Azure, \"Time sync for Linux VMs in Azure\"",
	.agents_enable   = { "walinuxagent", "waagent",		/* [debian] */
			     "hv-kvp-daemon", "hypervkvpd",	/* [kvp] */
			     "hv_kvp_daemon" },	/* SUSE's name */
	/* Hyper-V's VSS daemon: Azure runs on Hyper-V */
	.agents_keep     = { "hv-vss-daemon", "hypervvssd", "hv_vss_daemon" },
	.fstab_by_uuid   = true,				/* [data] */
	.fstab_nofail    = true,				/* [data] */
	.fstab_device_timeout = 30,	/* cloudmove policy */
	.no_swap_on_os_disk = true,				/* [generic] */
	.mtu             = 0,		/* 1500, from DHCP */
	.dhcp4           = true,				/* [generic] */
	.dhcp6           = true,
	.ifnames         = CM_IFNAMES_KERNEL,			/* [debian] */
	.cloudinit_datasource = { "Azure" },	/* [ci] */
	.image_format    = "vhd",	/* fixed VHD, 1 MiB aligned (managed disks) */
};

const struct cm_cloud azure_cloud = {
	.name       = "azure",
	.title      = "Microsoft Azure",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = azure_signatures,
	.md         = &azure_md,
	.profile    = &azure_profile,
};
