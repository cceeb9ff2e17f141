/* Collects facts from a (possibly --root relative) system: sysfs dmi/id,
 * raw SMBIOS tables, /sys/hypervisor, /proc/cpuinfo and, on the live
 * system only, CPUID.  Missing or junk sources are not errors: they just
 * add no facts. */
#ifndef CM_DMI_H
#define CM_DMI_H

#include <stddef.h>

#include "facts.h"


/* root: NULL for the live system.  Always succeeds (0); what could not
 * be read is logged at debug level. */
int cm_facts_collect(const char *root, struct cm_facts *facts);

#endif
