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

const struct cm_cloud kvm_cloud = {
	.name       = "kvm",
	.title      = "KVM/QEMU",
	.kind       = CM_KIND_HYPERVISOR,
	.is_public  = false,
	.signatures = kvm_signatures,
};
