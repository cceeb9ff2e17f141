/* Finding a header in a response's raw header lines (RFC 9110 field
 * names are case-insensitive; RFC 9112 allows blanks around the value).
 * Pure, bounded by len, fuzzed (agent/fuzz/fuzz_http_header.c). */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "http.h"

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* The line [p, end) is "name: value"?  Then its value's bounds. */
static int line_value(const char *p, const char *end, const char *name,
		      const char **v, const char **v_end)
{
	size_t n = strlen(name);

	if ((size_t)(end - p) <= n || p[n] != ':' || strncasecmp(p, name, n) != 0)
		return 0;
	p += n + 1;
	while (p < end && is_blank(*p))
		p++;
	while (end > p && (is_blank(end[-1]) || end[-1] == '\r'))
		end--;
	*v = p;
	*v_end = end;
	return 1;
}

int cm_http_header(const char *headers, size_t len, const char *name,
		   char *out, size_t out_size)
{
	const char *p = headers, *end = headers + len;
	const char *v = NULL, *v_end = NULL;

	if (!out_size)
		return -EMSGSIZE;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;

		line_value(p, line_end, name, &v, &v_end);
		p = nl ? nl + 1 : end;
	}
	if (!v)
		return -ENOENT;
	if ((size_t)(v_end - v) >= out_size)
		return -EMSGSIZE;
	memcpy(out, v, (size_t)(v_end - v));
	out[v_end - v] = '\0';
	return 0;
}
