/* libFuzzer: the kernel command line parser. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "boot/cmdline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cm_boot_opts o;
	size_t i;

	cm_cmdline_parse((const char *)data, size, &o);
	for (i = 0; i < o.n_warnings; i++)
		(void)strlen(o.warnings[i]);
	return 0;
}
