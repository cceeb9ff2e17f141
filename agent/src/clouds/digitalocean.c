/* digitalocean: DigitalOcean
 *
 * Signatures: ds-identify dscheck_DigitalOcean; ohai has_do_dmi?.
 */
#include "clouds.h"

static const struct cm_signature digitalocean_signatures[] = {
	{ .name = "DigitalOcean system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "DigitalOcean" } } },
	{ .name = "DigitalOcean BIOS vendor",
	  .all = { { CM_DMI_BIOS_VENDOR, CM_MATCH_EQ, "DigitalOcean" } } },
	{ 0 }
};

/* docs.digitalocean.com/reference/api/metadata-api/ */
static const struct cm_md_value digitalocean_doc[] = {
	{ CM_MD_INSTANCE_ID, "droplet_id", CM_XF_NONE },
	{ CM_MD_REGION, "region", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata digitalocean_md = {
	.host = "169.254.169.254",
	.doc_path = "/metadata/v1.json",
	.doc_values = digitalocean_doc,
	.blind_ok = true,
};

/* Target profile.  Sources (docs.digitalocean.com/products/custom-images):
 *  [req]     details/features ("Image requirements"): ext3/ext4, cloud-init
 *            (>= 0.7.7, ConfigDrive before NoCloud), sshd on boot.
 *  [limits]  details/limits: Droplets from custom images get their
 *            address by DHCP; no IPv6 for them.
 *  [virtio]  Droplets are KVM with virtio-blk (/dev/vda) and virtio-net;
 *            block storage volumes are virtio-scsi (/dev/sda).
 *  [agent]   products/droplets/how-to/manage-agent: droplet-agent (web
 *            console).
 *  No platform time service: a public pool.  The console is VNC: no
 *  serial console argument needed, other clouds' boot delays go.
 *  [ci]      cloud-init datasources/digitalocean.rst: the DigitalOcean
 *            datasource is deprecated since 23.2 for ConfigDrive; both
 *            listed, ConfigDrive first, for older cloud-init releases.
 */
static const struct cm_profile digitalocean_profile = {
	.storage_drivers = { "virtio_pci", "virtio_blk", "virtio_scsi",
			     "sd_mod" },				/* [virtio] */
	.net_drivers     = { "virtio_net" },			/* [virtio] */
	.disk            = CM_DISK_VD,				/* [virtio] */
	.kargs_remove    = { "earlyprintk", "rootdelay" },
	.time            = CM_TIME_POOL,
	.agents_enable   = { "droplet-agent" },			/* [agent] */
	.agents_keep     = { "qemu-guest-agent" },	/* runs on KVM */
	.fstab_by_uuid   = true,
	.fstab_nofail    = true,
	.fstab_device_timeout = 30,	/* cloudmove policy */
	.mtu             = 0,
	.dhcp4           = true,				/* [limits] */
	.dhcp6           = false,				/* [limits] */
	.ifnames         = CM_IFNAMES_KEEP,
	.cloudinit_datasource = { "ConfigDrive", "DigitalOcean" },	/* [ci] */
};

const struct cm_cloud digitalocean_cloud = {
	.name       = "digitalocean",
	.title      = "DigitalOcean",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = digitalocean_signatures,
	.md         = &digitalocean_md,
	.profile    = &digitalocean_profile,
};
