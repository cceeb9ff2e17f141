/* hetzner: Hetzner Cloud
 *
 * Signatures: ds-identify dscheck_Hetzner.  Hetzner dedicated servers are ordinary
 * hardware and end up baremetal.
 */
#include "clouds.h"

static const struct cm_signature hetzner_signatures[] = {
	{ .name = "Hetzner system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Hetzner" } } },
	{ 0 }
};

/* docs.hetzner.cloud/#server-metadata: plain-text keys under /hetzner/ */
static const struct cm_md_value hetzner_keys[] = {
	{ CM_MD_INSTANCE_ID, "/hetzner/v1/metadata/instance-id", CM_XF_NONE },
	{ CM_MD_REGION, "/hetzner/v1/metadata/region", CM_XF_NONE },
	{ CM_MD_ZONE, "/hetzner/v1/metadata/availability-zone", CM_XF_NONE },
	{ 0 }
};

static const struct cm_metadata hetzner_md = {
	.host = "169.254.169.254",
	.keys = hetzner_keys,
	.blind_ok = true,
};

/* Target profile.  Sources (docs.hetzner.com/cloud, community.hetzner.com):
 *  [ntp]     community tutorial "Install and configure NTP" (was the
 *            Hetzner wiki): ntp1.hetzner.de, ntp2.hetzner.com,
 *            ntp3.hetzner.net.
 *  [net]     cloud/servers/static-configuration: IPv4 by DHCP; IPv6 is
 *            static (the server's /64, ::1), set from metadata by
 *            cloud-init: no DHCPv6.
 *  [virtio]  Cloud servers are KVM: disks and volumes on virtio-scsi
 *            (/dev/sda, /dev/sdb), virtio-net.
 *  [qga]     cloud/servers/faq (root password reset): qemu-guest-agent.
 *  The console is VNC: no serial console argument needed.
 *  [ci]      cloud-init DataSourceHetzner.py: dsname Hetzner.
 */
static const struct cm_profile hetzner_profile = {
	.storage_drivers = { "virtio_pci", "virtio_scsi", "sd_mod" },	/* [virtio] */
	.net_drivers     = { "virtio_net" },			/* [virtio] */
	.disk            = CM_DISK_SD,				/* [virtio] */
	.kargs_remove    = { "earlyprintk", "rootdelay" },
	.time            = CM_TIME_NTP,
	.time_servers    = { "ntp1.hetzner.de", "ntp2.hetzner.com",
			     "ntp3.hetzner.net" },		/* [ntp] */
	.agents_enable   = { "qemu-guest-agent" },		/* [qga] */
	.fstab_by_uuid   = true,
	.fstab_nofail    = true,
	.fstab_device_timeout = 30,	/* cloudmove policy */
	.mtu             = 0,
	.dhcp4           = true,				/* [net] */
	.dhcp6           = false,				/* [net] */
	.ifnames         = CM_IFNAMES_KEEP,
	.cloudinit_datasource = { "Hetzner" },	/* [ci] */
};

const struct cm_cloud hetzner_cloud = {
	.name       = "hetzner",
	.title      = "Hetzner Cloud",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = hetzner_signatures,
	.md         = &hetzner_md,
	.profile    = &hetzner_profile,
};
