/* Virtual machines with no id in our vocabulary (VirtualBox, Parallels,
 * bhyve, ...).  Knowing them keeps them from passing for bare metal when
 * a --root carries no cpuinfo; the verdict is "unknown", with evidence.
 *
 * Signatures: systemd virt.c dmi_vendor_table; virt-what.  Note "Oracle
 * Corporation" alone is OCI bare metal, not VirtualBox (see oracle.c).
 */
#include "clouds.h"

static const struct cm_signature othervm_signatures[] = {
	{ .name = "VirtualBox product",
	  .all = { { CM_DMI_PRODUCT_NAME, CM_MATCH_EQ, "VirtualBox" } } },
	{ .name = "VirtualBox vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "innotek GmbH" } } },
	{ .name = "Parallels vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_PREFIX, "Parallels" } } },
	{ .name = "bhyve vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "BHYVE" } } },
	{ .name = "Apple Virtualization vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Apple Virtualization" } } },
	{ .name = "ACRN vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "ACRN" } } },
	{ .name = "VirtualBox CPUID",
	  .all = { { CM_CPUID_VENDOR, CM_MATCH_EQ, "VBoxVBoxVBox" } } },
	{ .name = "bhyve CPUID",
	  .all = { { CM_CPUID_VENDOR, CM_MATCH_EQ, "bhyve bhyve" } } },
	{ 0 }
};

const struct cm_cloud othervm_cloud = {
	.name       = "unknown",
	.title      = "Other virtual machine",
	.kind       = CM_KIND_OTHER_VM,
	.is_public  = false,
	.signatures = othervm_signatures,
};
