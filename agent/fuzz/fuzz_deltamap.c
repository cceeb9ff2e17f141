/* libFuzzer: the delta map header parser (stream/deltamap.c).  Any bytes:
 * no crash, no read past the input; an accepted header has a dest, an id,
 * a power-of-two block and a disk, and formats back to itself. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream/deltamap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cm_deltamap_hdr h, back;
	static char out[CM_DELTAMAP_HDR];
	const char *why = NULL;
	char *s = malloc(size ? size : 1);
	int r;

	if (!s)
		return 0;
	memcpy(s, data, size);
	r = cm_deltamap_parse(s, size, &h, &why);
	if (r != 0 && (r != -EINVAL || !why || !*why))
		abort();
	if (r == 0) {
		if (!h.dest[0] || !h.id[0] || !h.disk || h.block < 4096 ||
		    (h.block & (h.block - 1)))
			abort();
		if (cm_deltamap_format(&h, out) == 0 &&
		    (cm_deltamap_parse(out, sizeof(out), &back, &why) != 0 ||
		     strcmp(back.dest, h.dest) || strcmp(back.id, h.id) ||
		     back.block != h.block || back.disk != h.disk))
			abort();
	}
	free(s);
	return 0;
}
