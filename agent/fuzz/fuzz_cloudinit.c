/* libFuzzer: cloud-init datasource_list reading, and the persistent-net
 * rule and .link shapes netrules looks for.  A pin written from what a
 * file lists must read back as the same list. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/cloudinit.h"
#include "adapt/netrules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char list[CM_CLOUDINIT_LIST_MAX], back[CM_CLOUDINIT_LIST_MAX];
	const char *names[8];
	struct cm_buf pin;
	size_t n = 0;
	char *w, *save = NULL;
	int r;

	(void)cm_netrules_mac_only((const char *)data, size);
	(void)cm_netrules_link_pins_mac((const char *)data, size);
	r = cm_cloudinit_find_list((const char *)data, size, list, sizeof(list));
	if (r <= 0)
		return 0;
	if (strlen(list) >= sizeof(list))
		abort();
	for (w = strtok_r(list, ", ", &save); w && n < 8; w = strtok_r(NULL, ", ", &save))
		names[n++] = w;
	cm_buf_init(&pin, 64 * 1024);
	/* Read back, unless the names with ", None" no longer fit. */
	if (cm_cloudinit_pin("x", names, n, &pin) == 0) {
		r = cm_cloudinit_find_list(pin.data, pin.len, back, sizeof(back));
		if (r != 1 && r != -EMSGSIZE)
			abort();
	}
	cm_buf_free(&pin);
	return 0;
}
