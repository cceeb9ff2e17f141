/* XML text decoding for S3's and EC2's answers (see xml.h). */
#include <errno.h>
#include <string.h>

#include "xml.h"

static const char *const entities[][2] = {
	{ "&quot;", "\"" }, { "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" },
	{ "&apos;", "'" }, { "&#34;", "\"" },
};

/* one character of text at a (< b): what it stands for, *len its bytes */
static char decode(const char *a, const char *b, size_t *len)
{
	size_t i, n;

	*len = 1;
	if (*a != '&')
		return *a;
	for (i = 0; i < sizeof(entities) / sizeof(entities[0]); i++) {
		n = strlen(entities[i][0]);
		if ((size_t)(b - a) >= n && !memcmp(a, entities[i][0], n)) {
			*len = n;
			return entities[i][1][0];
		}
	}
	return *a;
}

int cm_xml_unescape(const char *a, const char *b, char *out, size_t size)
{
	size_t n = 0, len;

	if (!size)
		return -EMSGSIZE;
	for (; a < b; a += len) {
		char c = decode(a, b, &len);

		if (n + 1 >= size || c == '\0') {
			out[0] = '\0';
			return -EMSGSIZE;
		}
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}
