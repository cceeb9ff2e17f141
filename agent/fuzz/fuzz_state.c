/* libFuzzer: the stream resume state parser (stream/state.c).  Any bytes:
 * no crash, no read past the input; an accepted state has a dest and a
 * format and never claims more stored than the image's size. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cm_stream_state st;
	const char *why = NULL;
	char *s = malloc(size ? size : 1);
	int r;

	if (!s)
		return 0;
	memcpy(s, data, size);
	r = cm_state_parse(s, size, &st, &why);
	if (r != 0 && (r != -EINVAL || !why || !*why))
		abort();
	if (r == 0 && (!st.dest[0] || !st.format[0] || st.committed > st.size))
		abort();
	free(s);
	return 0;
}
