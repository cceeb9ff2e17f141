/* kvm: KVM/QEMU
 *
 * Signatures: systemd virt.c dmi_vendor_table (KVM, QEMU, Bochs, KubeVirt), ohai and
 * virt-what (oVirt, RHEV); Proxmox ships its own OVMF build.
 */
#include "clouds.h"

static const struct cm_signature kvm_signatures[] = {
	{ .name = "QEMU system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "QEMU" } } },
	{ .name = "KVM product",
	  .all = { { CM_DMI_PRODUCT_NAME, CM_MATCH_EQ, "KVM" } } },
	{ .name = "Red Hat system vendor (RHEL KVM, RHV)",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Red Hat" } } },
	{ .name = "oVirt system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "oVirt" } } },
	{ .name = "RHEV product",
	  .all = { { CM_DMI_PRODUCT_NAME, CM_MATCH_PREFIX, "RHEV Hypervisor" } } },
	{ .name = "Bochs system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Bochs" } } },
	{ .name = "Bochs BIOS vendor",
	  .all = { { CM_DMI_BIOS_VENDOR, CM_MATCH_EQ, "Bochs" } } },
	{ .name = "KubeVirt system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "KubeVirt" } } },
	{ .name = "Nutanix AHV",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Nutanix" },
	    { CM_DMI_PRODUCT_NAME, CM_MATCH_EQ, "AHV" } } },
	{ .name = "Proxmox firmware",
	  .all = { { CM_DMI_BIOS_VENDOR, CM_MATCH_CONTAINS, "Proxmox" } } },
	{ .name = "QEMU chassis vendor",
	  .all = { { CM_DMI_CHASSIS_VENDOR, CM_MATCH_EQ, "QEMU" } } },
	{ .name = "SeaBIOS firmware",
	  .all = { { CM_DMI_BIOS_VENDOR, CM_MATCH_EQ, "SeaBIOS" } } },
	{ .name = "KVM CPUID",
	  .all = { { CM_CPUID_VENDOR, CM_MATCH_EQ, "KVMKVMKVM" } } },
	{ .name = "QEMU TCG CPUID",
	  .all = { { CM_CPUID_VENDOR, CM_MATCH_EQ, "TCGTCGTCGTCG" } } },
	{ 0 }
};

/* Target profile: a plain KVM/QEMU guest (libvirt defaults): virtio-blk
 * (/dev/vda), virtio-scsi, virtio-net, e1000 for older machine types;
 * qemu-guest-agent (libvirt "guest agent" channel); a public time pool;
 * DHCP.  No cloud agents, no cloud boot arguments.  cloud-init: NoCloud
 * (cloud-init datasources/nocloud.rst: configuration from a local seed,
 * e.g. a "cidata" volume as libvirt's virt-install --cloud-init makes),
 * then None: its defaults when there is no seed. */
static const struct cm_profile kvm_profile = {
	.storage_drivers = { "virtio_pci", "virtio_blk", "virtio_scsi",
			     "sd_mod", "ahci" },
	.net_drivers     = { "virtio_net", "e1000", "e1000e" },
	.disk            = CM_DISK_VD,
	.kargs_remove    = { "earlyprintk", "rootdelay" },
	.time            = CM_TIME_POOL,
	.agents_enable   = { "qemu-guest-agent" },
	.fstab_by_uuid   = true,
	.fstab_nofail    = true,
	.fstab_device_timeout = 30,	/* cloudmove policy */
	.mtu             = 0,
	.dhcp4           = true,
	.dhcp6           = true,
	.ifnames         = CM_IFNAMES_KEEP,
	.cloudinit_datasource = { "NoCloud" },
};

const struct cm_cloud kvm_cloud = {
	.name       = "kvm",
	.title      = "KVM/QEMU",
	.kind       = CM_KIND_HYPERVISOR,
	.is_public  = false,
	.signatures = kvm_signatures,
	.profile    = &kvm_profile,
};
