/* "key value" lines (see kvlines.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvlines.h"

int cm_kvlines(const char *buf, size_t len,
	       int (*fn)(const char *key, const char *value, void *ctx), void *ctx)
{
	const char *p = buf, *end = buf + len;
	char *line = malloc(CM_KVLINE_MAX);
	int r = 0;

	if (!line)
		return -ENOMEM;
	while (p < end && r == 0) {
		const char *start = p, *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - start);
		char *sp;

		p = nl ? nl + 1 : end;
		if (!n)
			continue;
		if (n >= CM_KVLINE_MAX || memchr(start, '\0', n)) {
			r = -EINVAL;
			break;
		}
		memcpy(line, start, n);
		line[n] = '\0';
		sp = strchr(line, ' ');
		if (sp)
			*sp++ = '\0';
		r = fn(line, sp ? sp : "", ctx);
	}
	free(line);
	return r;
}
