#include <errno.h>
#include <string.h>

#include "agents.h"

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static size_t trim(const char **p, size_t n)
{
	while (n && blank(**p)) {
		(*p)++;
		n--;
	}
	while (n && blank((*p)[n - 1]))
		n--;
	return n;
}

/* A unit name we can turn into a path: no '/' and nothing odd. */
static int unit_name_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || n >= CM_UNIT_NAME_MAX || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr(":-_.@\\", c)))
			return 0;
	}
	return 1;
}

static int add_words(const char *v, size_t n, char kind,
		     char out[][CM_UNIT_NAME_MAX], char *kinds, size_t max,
		     size_t *count)
{
	size_t i = 0;

	while (i < n) {
		size_t s;

		while (i < n && blank(v[i]))
			i++;
		s = i;
		while (i < n && !blank(v[i]))
			i++;
		if (i == s)
			break;
		if (!unit_name_ok(v + s, i - s))
			return -EBADMSG;
		if (*count == max)
			return -EMSGSIZE;
		memcpy(out[*count], v + s, i - s);
		out[*count][i - s] = '\0';
		kinds[(*count)++] = kind;
	}
	return 0;
}

static void reset_kind(char out[][CM_UNIT_NAME_MAX], char *kinds, size_t *count,
		       char kind)
{
	size_t i, k = 0;

	for (i = 0; i < *count; i++)
		if (kinds[i] != kind) {
			if (k != i)
				memcpy(out[k], out[i], CM_UNIT_NAME_MAX);
			kinds[k++] = kinds[i];
		}
	*count = k;
}

int cm_unit_install_targets(const char *buf, size_t len,
			    char out[][CM_UNIT_NAME_MAX], char *kind, size_t max)
{
	const char *p = buf, *end = buf + len;
	size_t count = 0;
	int install = 0, r;

	if (len > CM_UNIT_MAX)
		return -EMSGSIZE;
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *line = p, *eq;
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);

		p += n + (eol ? 1 : 0);
		n = trim(&line, n);
		if (!n || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[') {
			install = n == 9 && !memcmp(line, "[Install]", 9);
			continue;
		}
		if (!install || !(eq = memchr(line, '=', n)))
			continue;
		{
			const char *key = line, *val = eq + 1;
			size_t kl = trim(&key, (size_t)(eq - line));
			size_t vl = trim(&val, n - (size_t)(val - line));
			char k = kl == 8 && !memcmp(key, "WantedBy", 8) ? 'w' :
				 kl == 10 && !memcmp(key, "RequiredBy", 10) ? 'r' : 0;

			if (!k)
				continue;
			if (!vl) {
				reset_kind(out, kind, &count, k);
				continue;
			}
			r = add_words(val, vl, k, out, kind, max, &count);
			if (r < 0)
				return r;
		}
	}
	return (int)count;
}
