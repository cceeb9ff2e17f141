/* libFuzzer: the stream destination URL parser (stream/url.c).  Any bytes:
 * no crash, no read past the input; what it accepts is well-formed: a
 * file:// path is absolute with no "."/".." component and no NUL, a bucket
 * has no '/', and parsing the same bytes twice gives the same result. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "move/net.h"
#include "stream/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cm_url a, b;
	/* an exact-size copy: ASan catches any read past the end */
	char *s = malloc(size ? size : 1);
	int r;

	if (!s)
		return 0;
	memcpy(s, data, size);
	r = cm_url_parse(s, size, &a);
	if (r != 0 && r != -EINVAL && r != -EPROTONOSUPPORT && r != -EMSGSIZE)
		abort();
	if (r == -EINVAL && (!a.why || !*a.why))
		abort();
	if (r == 0) {
		if (a.scheme == CM_URL_FILE &&
		    (a.path[0] != '/' || strstr(a.path, "/../") || strstr(a.path, "//") ||
		     strstr(a.path, "/./")))
			abort();
		if ((a.scheme == CM_URL_S3 || a.scheme == CM_URL_GS) &&
		    (strchr(a.host, '/') || !a.path[0]))
			abort();
		if (cm_url_parse(s, size, &b) != 0 || strcmp(a.path, b.path) ||
		    strcmp(a.host, b.host) || a.scheme != b.scheme)
			abort();
	}
	{
		/* the move's destination host, from the same bytes as a C string */
		char *z = malloc(size + 1), host[CM_URL_HOST_MAX];

		if (z) {
			memcpy(z, data, size);
			z[size] = '\0';
			r = cm_move_dest_host(z, host, sizeof(host));
			if (r == 1 && (!host[0] || strchr(host, '/') || strlen(host) >= sizeof(host)))
				abort();
			free(z);
		}
	}
	free(s);
	return 0;
}
