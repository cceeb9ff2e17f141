#include <errno.h>
#include <string.h>

#include "cpuinfo.h"

static int word_in(const char *p, const char *end, const char *word)
{
	size_t wl = strlen(word);

	while (p < end) {
		const char *w;

		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		w = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		if ((size_t)(p - w) == wl && !memcmp(w, word, wl))
			return 1;
	}
	return 0;
}

int cm_cpuinfo_hypervisor(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	int seen_flags = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *colon;

		if (!eol)
			eol = end;
		colon = memchr(p, ':', (size_t)(eol - p));
		/* x86 says "flags", s390 "features"; both list the bit. */
		if (colon && (!strncmp(p, "flags", 5) || !strncmp(p, "features", 8))) {
			seen_flags = 1;
			if (word_in(colon + 1, eol, "hypervisor"))
				return 1;
		}
		p = eol + 1;
	}
	return seen_flags ? 0 : -ENODATA;
}
