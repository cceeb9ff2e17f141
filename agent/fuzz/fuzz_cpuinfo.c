/* libFuzzer: /proc/cpuinfo text. */
#include <stddef.h>
#include <stdint.h>

#include "detect/cpuinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cm_cpuinfo_hypervisor((const char *)data, size);
	return 0;
}
