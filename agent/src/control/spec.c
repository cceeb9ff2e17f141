/* Launch specs (see spec.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../log.h"
#include "../util/buf.h"
#include "../util/file.h"
#include "spec.h"

#define SPEC_FILE_MAX	(64 * 1024)
#define SPEC_LINE_MAX	(CM_SPEC_VALUE_MAX + 128)

static int listed(const char *const *names, const char *name)
{
	for (; names && *names; names++)
		if (strcasecmp(*names, name) == 0)
			return 1;
	return 0;
}

static char *trim(char *s, char *end)
{
	while (*s == ' ' || *s == '\t')
		s++;
	while (end > s && isspace((unsigned char)end[-1]))
		end--;
	*end = '\0';
	return s;
}

static int find(const struct cm_spec *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcasecmp(s->kv[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* One "name = value" line: 0 taken or blank, -EINVAL (logged). */
static int parse_line(struct cm_spec *s, char *line, const char *what,
		      unsigned no, const char *const *keys)
{
	char *eq, *name, *value;
	size_t i;

	line = trim(line, line + strlen(line));
	if (!*line || *line == '#' || *line == ';')
		return 0;
	eq = strchr(line, '=');
	if (!eq) {
		cm_log(CM_LOG_ERR, "spec %s:%u: not 'name = value'", what, no);
		return -EINVAL;
	}
	name = trim(line, eq);
	value = trim(eq + 1, eq + 1 + strlen(eq + 1));
	if (!listed(keys, name)) {
		cm_log(CM_LOG_ERR, "spec %s:%u: unknown name '%.48s'", what, no, name);
		return -EINVAL;
	}
	if (find(s, name) >= 0) {
		cm_log(CM_LOG_ERR, "spec %s:%u: '%s' given twice", what, no, name);
		return -EINVAL;
	}
	if (strlen(name) >= sizeof(s->kv[0].name) || strlen(value) >= CM_SPEC_VALUE_MAX
	    || s->n == CM_SPEC_KEYS_MAX) {
		cm_log(CM_LOG_ERR, "spec %s:%u: '%s' is too long", what, no, name);
		return -EINVAL;
	}
	i = s->n++;
	snprintf(s->kv[i].name, sizeof(s->kv[i].name), "%s", name);
	snprintf(s->kv[i].value, sizeof(s->kv[i].value), "%s", value);
	return 0;
}

int cm_spec_parse(const char *buf, size_t len, const char *what,
		  const char *const *keys, const char *const *required,
		  struct cm_spec *s)
{
	char line[SPEC_LINE_MAX];
	const char *p = buf, *end = buf + len;
	unsigned no = 0;
	int bad = 0;

	memset(s, 0, sizeof(*s));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		no++;
		if (n >= sizeof(line) || memchr(p, '\0', n)) {
			cm_log(CM_LOG_ERR, "spec %s:%u: line too long or not text", what, no);
			bad = 1;
		} else {
			memcpy(line, p, n);
			line[n] = '\0';
			if (parse_line(s, line, what, no, keys) < 0)
				bad = 1;
		}
		p = nl ? nl + 1 : end;
	}
	for (; required && *required; required++)
		if (!cm_spec_get(s, *required)) {
			cm_log(CM_LOG_ERR, "spec %s: '%s' is missing", what, *required);
			bad = 1;
		}
	return bad ? -EINVAL : 0;
}

int cm_spec_load(const char *path, const char *const *keys,
		 const char *const *required, struct cm_spec *s)
{
	struct cm_buf b;
	int r;

	cm_buf_init(&b, SPEC_FILE_MAX);
	r = cm_file_read(path, &b);
	if (r < 0) {
		cm_buf_free(&b);
		return cm_err(r, "spec %s", path);
	}
	r = cm_spec_parse(b.data, b.len, path, keys, required, s);
	cm_buf_free(&b);
	return r;
}

const char *cm_spec_get(const struct cm_spec *s, const char *name)
{
	int i = find(s, name);

	return i >= 0 && s->kv[i].value[0] ? s->kv[i].value : NULL;
}
