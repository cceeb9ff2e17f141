/* openstack: OpenStack
 *
 * Signatures: ds-identify dscheck_OpenStack and DataSourceOpenStack VALID_DMI_ASSET_TAGS.
 * Distributions rename the product (RDO, Red Hat: "OpenStack Compute") and
 * derivatives mark only the asset tag, on Xen (OTC) or VMware (SAP), so a
 * generic system vendor is never a signature.  The exception is a public
 * OpenStack cloud that names itself there: Huawei Cloud ECS says
 * "Manufacturer: Huawei Cloud" (bin456789/reinstall trans.sh,
 * is_dmi_contains(), the dmidecode lines it observed per cloud), with or
 * without the HUAWEICLOUD asset tag cloud-init checks.
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
	{ .name = "Huawei Cloud system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Huawei Cloud" } } },
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

/* Target profile.  Sources (docs.openstack.org/image-guide):
 *  [req]     openstack-images.html, "Image requirements": no hard-coded
 *            MAC address (DHCP), cloud-init, SSH; for "nova console-log"
 *            the kernel arguments console=tty0 console=ttyS0,115200n8.
 *  [virtio]  The libvirt/KVM default: virtio-blk disks (/dev/vda),
 *            virtio-net; virtio-scsi when hw_disk_bus=scsi.
 *  [qga]     Glance image property hw_qemu_guest_agent=yes:
 *            qemu-guest-agent in the guest.
 *  No platform time service: a public pool.  MTU: Neutron advertises it
 *  by DHCP (option 26).
 *  [ci]      cloud-init datasources/openstack.rst and configdrive.rst:
 *            a cloud serves its metadata by HTTP (OpenStack) or a
 *            config drive (ConfigDrive), or both: both are allowed.
 */
static const struct cm_profile openstack_profile = {
	.storage_drivers = { "virtio_pci", "virtio_blk", "virtio_scsi",
			     "sd_mod" },				/* [virtio] */
	.net_drivers     = { "virtio_net" },			/* [virtio] */
	.disk            = CM_DISK_VD,				/* [virtio] */
	.kargs_add       = { "console=tty0", "console=ttyS0,115200n8" },	/* [req] */
	.kargs_remove    = { "console=ttyS*", "earlyprintk", "rootdelay" },
	.time            = CM_TIME_POOL,
	.agents_enable   = { "qemu-guest-agent" },		/* [qga] */
	.fstab_by_uuid   = true,	/* [req]: the disk name may change */
	.fstab_nofail    = true,
	.fstab_device_timeout = 30,	/* cloudmove policy */
	.mtu             = 0,
	.dhcp4           = true,				/* [req] */
	.dhcp6           = true,
	.ifnames         = CM_IFNAMES_KEEP,
	.cloudinit_datasource = { "ConfigDrive", "OpenStack" },	/* [ci] */
};

const struct cm_cloud openstack_cloud = {
	.name       = "openstack",
	.title      = "OpenStack",
	.kind       = CM_KIND_CLOUD,
	.is_public  = false,
	.signatures = openstack_signatures,
	.md         = &openstack_md,
	.profile    = &openstack_profile,
};
