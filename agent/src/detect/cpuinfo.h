/* /proc/cpuinfo: only the one bit detection needs. */
#ifndef CM_CPUINFO_H
#define CM_CPUINFO_H

#include <stddef.h>

/* Pure: 1 when the cpuinfo text has a "flags" line holding the word
 * "hypervisor", 0 when flags lines exist without it, -ENODATA when the
 * text has no flags line at all. */
int cm_cpuinfo_hypervisor(const char *buf, size_t len);

#endif
