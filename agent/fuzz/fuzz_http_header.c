/* libFuzzer: finding a header in an HTTP response's raw header lines
 * (util/http_header.c), as the sinks do for ETag, Location, Range and
 * x-ms-* headers.  Any bytes: no crash, no read past the input; a found
 * value fits its buffer and has no line break or edge blanks. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const char *s, size_t size, const char *name)
{
	char v[64];
	size_t n;
	int r = cm_http_header(s, size, name, v, sizeof(v));

	if (r != 0 && r != -ENOENT && r != -EMSGSIZE)
		abort();
	if (r != 0)
		return;
	n = strlen(v);
	if (n >= sizeof(v) || strchr(v, '\n') ||
	    (n && (v[0] == ' ' || v[n - 1] == ' ' || v[n - 1] == '\r')))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	check(s, size, "ETag");
	check(s, size, "Range");
	check(s, size, "x-ms-request-id");
	free(s);
	return 0;
}
