/* Physical hardware vendors: what lets DMI alone say "baremetal".
 *
 * Without CPU evidence (a --root whose proc/cpuinfo is absent) a vendor
 * string is only evidence of real hardware when it names a maker of real
 * hardware: any other string may be a hypervisor we do not know, so the
 * verdict is then "unknown".  Signatures are data; every entry cites the
 * public source its exact string was taken from.
 *
 * Sources:
 *  [netbox]  Solvik/netbox-agent netbox_agent/cli.py MANUFACTURERS
 *            (the chassis manufacturers it drives as servers):
 *            "Dell Inc.", "HP", "HPE", "Supermicro",
 *            "Quanta Cloud Technology Inc.".
 *  [glpi]    glpi-project/glpi-agent resources/generic/dmidecode/
 *            lenovo-thinkpad ("LENOVO"), oracle-server-x5-2 ("Oracle
 *            Corporation"), hp-dl360-gen8 ("HP"), dell-r640 ("Dell Inc.");
 *            fixtures baremetal-* reproduce them.
 * Not here on purpose: "Microsoft Corporation" (every Hyper-V guest),
 * "Apple Inc." (Apple Virtualization guests), "Intel Corporation" (the
 * board of VMware guests) -- each is a hypervisor's string too.
 */
#include "clouds.h"

#define VENDOR(s) { .name = s " hardware vendor", \
		    .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, s } } }

const struct cm_signature cm_hardware_vendors[] = {
	VENDOR("Dell Inc."),				/* [netbox] [glpi] */
	VENDOR("HP"),					/* [netbox] [glpi] */
	VENDOR("HPE"),					/* [netbox] */
	VENDOR("Supermicro"),				/* [netbox] */
	VENDOR("Quanta Cloud Technology Inc."),		/* [netbox] */
	VENDOR("LENOVO"),				/* [glpi] */
	VENDOR("Oracle Corporation"),			/* [glpi] */
	{ 0 }
};
