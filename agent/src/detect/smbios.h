/* Raw SMBIOS tables, as the kernel exports them in
 * /sys/firmware/dmi/tables/{smbios_entry_point,DMI}.  They hold the same
 * strings as /sys/class/dmi/id but also survive kernels and containers
 * where the dmi/id class is missing or partial. */
#ifndef CM_SMBIOS_H
#define CM_SMBIOS_H

#include <stddef.h>
#include <stdint.h>

#include "facts.h"

/* SMBIOS version as 0xMMmm00, 0 when the entry point is absent or bad. */
int cm_smbios_entry_version(const uint8_t *ep, size_t ep_len);

/* Parses the entry point (may be NULL/0: version unknown, taken as 3.0)
 * and the structure table, and fills facts that are still absent with
 * source CM_SRC_SMBIOS.  Pure: no I/O.  Returns the number of facts
 * filled (>= 0), -EBADMSG when the table is malformed before any type
 * 0..3 structure could be read (what was read stays filled). */
int cm_smbios_parse(const uint8_t *ep, size_t ep_len, const uint8_t *table,
		    size_t table_len, struct cm_facts *facts);

#endif
