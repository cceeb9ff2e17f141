/* libFuzzer: the arrival line in a serial console's output
 * (control/launch.c cm_arrival_find), read from whatever the target's
 * console API returns.  Any bytes: no crash, no read past the input; a
 * found arrival names the target asked for, a cloud id of [a-z0-9] and a
 * 32-hex move id; asking for that move id finds it again. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/launch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cm_arrival a, b;
	char *s = malloc(size ? size : 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	if (cm_arrival_find(s, size, "aws", NULL, &a)) {
		if (strcmp(a.target, "aws") || !a.from[0] ||
		    strspn(a.from, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(a.from) ||
		    !cm_move_id_valid(a.move_id))
			abort();
		if (!cm_arrival_find(s, size, "aws", a.move_id, &b) ||
		    strcmp(b.move_id, a.move_id))
			abort();
	}
	free(s);
	return 0;
}
