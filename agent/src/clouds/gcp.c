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

/* cloud.google.com/compute/docs/metadata/overview: the header is
 * required, answers carry it back; ids are numbers above 2^53. */
static const struct cm_md_value gcp_doc[] = {
	{ CM_MD_INSTANCE_ID, "id", CM_XF_NONE },
	{ CM_MD_ZONE, "zone", CM_XF_LAST_SEGMENT },
	{ CM_MD_REGION, "zone", CM_XF_ZONE_REGION },
	{ CM_MD_INSTANCE_TYPE, "machineType", CM_XF_LAST_SEGMENT },
	{ 0 }
};

static const struct cm_metadata gcp_md = {
	.host = "169.254.169.254",
	.headers = { "Metadata-Flavor: Google" },
	.require_header = "Metadata-Flavor: Google",
	.doc_path = "/computeMetadata/v1/instance/?recursive=true",
	.doc_values = gcp_doc,
	.blind_ok = true,
};

/* Target profile.  Sources (cloud.google.com/compute/docs):
 *  [custom]  images/building-custom-os, "Hardware support requirements":
 *            Virtio-SCSI storage, Virtio-Net; gVNIC (gve) required on
 *            third-generation series; NVMe disks on those series.
 *  [import]  import/import-existing-image: kernel command line
 *            console=ttyS0,38400n8 (serial port 1 logging); DHCP.
 *  [adapt]   migrate/virtual-machines/docs/5.0/resources/vm-adaptations:
 *            NIC to DHCP, serial console, virtio in the initrd, fstab by
 *            UUID, VMware tools disabled.
 *  [guest]   images/guest-environment: google-guest-agent,
 *            google-osconfig-agent.
 *  [ntp]     instances/configure-ntp: metadata.google.internal.
 *  [mtu]     vpc/docs/mtu: default VPC network MTU 1460.
 *  [disk]    disks/add-persistent-disk: fstab by UUID with nofail.
 *  [ci]      cloud-init datasources/gce.rst: dsname GCE.
 */
static const struct cm_profile gcp_profile = {
	.storage_drivers = { "virtio_scsi", "sd_mod", "nvme" },	/* [custom] */
	.net_drivers     = { "virtio_net", "gve" },		/* [custom] */
	.disk            = CM_DISK_SD,	/* virtio-scsi; nvme on 3rd gen */
	.kargs_add       = { "console=ttyS0,38400n8" },		/* [import] */
	.kargs_remove    = { "console=ttyS*", "earlyprintk", "rootdelay" },
	.time            = CM_TIME_NTP,
	.time_servers    = { "metadata.google.internal" },	/* [ntp] */
	/* [ntp]: the metadata server, 169.254.169.254 in the /etc/hosts of
	 * Google's images; their builders (GoogleCloudPlatform/
	 * compute-image-tools) write "server metadata.google.internal
	 * iburst". */
	.time_options    = "iburst",
	.time_aliases    = { "169.254.169.254" },
	.time_doc        = "Compute Engine, \"Configure NTP on a VM\"",
	/* the guest agent's manager replaced its old unit in 2025: the
	 * first one installed is enabled, never both */
	.agents_enable   = { "google-guest-agent-manager|google-guest-agent", /* [guest] */
			     "google-osconfig-agent" },
	/* the rest of the guest environment: left alone here, off on
	 * other clouds */
	.agents_own      = { "google-guest-compat-manager",
			     "google-startup-scripts", "google-shutdown-scripts" },
	.fstab_by_uuid   = true,				/* [adapt] */
	.fstab_nofail    = true,				/* [disk] */
	.fstab_device_timeout = 30,	/* cloudmove policy */
	.mtu             = 1460,				/* [mtu] */
	.dhcp4           = true,				/* [import] */
	.dhcp6           = true,	/* dual-stack subnets: DHCPv6 */
	.ifnames         = CM_IFNAMES_KEEP,
	.cloudinit_datasource = { "GCE" },	/* [ci] */
	.image_format    = "gce",	/* disk.raw in a tar.gz (image import) */
};

const struct cm_cloud gcp_cloud = {
	.name       = "gcp",
	.title      = "Google Cloud (Compute Engine)",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = gcp_signatures,
	.md         = &gcp_md,
	.profile    = &gcp_profile,
};
