/* libFuzzer: systemd unit files' [Install] section. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "adapt/agents.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char t[CM_UNIT_TARGETS_MAX][CM_UNIT_NAME_MAX], k[CM_UNIT_TARGETS_MAX];
	int i, n = cm_unit_install_targets((const char *)data, size, t, k,
					   CM_UNIT_TARGETS_MAX);

	for (i = 0; i < n; i++)
		if (strlen(t[i]) >= CM_UNIT_NAME_MAX || strchr(t[i], '/'))
			__builtin_trap();
	return 0;
}
