/* Credentials files (see creds.h). */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "../log.h"
#include "../util/buf.h"
#include "../util/file.h"
#include "creds.h"

#define CREDS_FILE_MAX	(64 * 1024)

static const struct {
	const char *name;
	size_t off, size;
} fields[] = {
#define F(n) { #n, offsetof(struct cm_creds, n), sizeof(((struct cm_creds *)0)->n) }
	F(aws_access_key_id), F(aws_secret_access_key), F(aws_session_token),
	F(azure_account_name), F(azure_account_key), F(gcp_access_token),
	F(http_authorization), F(gcp_service_account), F(azure_tenant_id),
	F(azure_client_id), F(azure_client_secret),
#undef F
};

static const char *trim(char *s, char **end)
{
	while (*s == ' ' || *s == '\t')
		s++;
	while (*end > s && isspace((unsigned char)(*end)[-1]))
		(*end)--;
	**end = '\0';
	return s;
}

/* name = value: 0 set or ignored, -EINVAL bad. */
static int set_field(struct cm_creds *c, char *line, char *end)
{
	char *eq = strchr(line, '='), *name_end;
	const char *name, *value;
	size_t i, n;

	if (!eq)
		return -EINVAL;
	name_end = eq;
	name = trim(line, &name_end);
	value = trim(eq + 1, &end);
	n = strlen(value);
	if (!*name)
		return -EINVAL;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strcasecmp(name, fields[i].name) != 0)
			continue;
		if (n >= fields[i].size)
			return -EINVAL;
		memcpy((char *)c + fields[i].off, value, n + 1);
	}
	return 0;
}

static int parse_line(struct cm_creds *c, char *line, char *end)
{
	const char *s = trim(line, &end);

	if (!*s || *s == '#' || *s == ';')
		return 0;
	if (*s == '[')
		return end[-1] == ']' ? 0 : -EINVAL;
	return set_field(c, (char *)s, end);
}

int cm_creds_parse(const char *buf, size_t len, struct cm_creds *c, unsigned *line)
{
	char tmp[CM_CREDS_VALUE_MAX + 256];
	const char *p = buf, *end = buf + len;

	memset(c, 0, sizeof(*c));
	*line = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);

		++*line;
		if (n >= sizeof(tmp) || memchr(p, '\0', n))
			goto bad;
		memcpy(tmp, p, n);
		tmp[n] = '\0';
		if (parse_line(c, tmp, tmp + n) < 0)
			goto bad;
		p = nl ? nl + 1 : end;
	}
	explicit_bzero(tmp, sizeof(tmp));
	return 0;
bad:
	explicit_bzero(tmp, sizeof(tmp));
	cm_creds_wipe(c);
	return -EINVAL;
}

static int creds_load(const char *path, struct cm_creds *c, int say)
{
	struct cm_buf b;
	struct stat st;
	unsigned line;
	int r;

	if (say && stat(path, &st) == 0 && (st.st_mode & 077))
		cm_warn("creds %s: readable by other users (chmod 600 it)", path);
	cm_buf_init(&b, CREDS_FILE_MAX);
	r = cm_file_read(path, &b);
	if (r < 0) {
		cm_buf_free(&b);
		return say ? cm_err(r, "creds %s", path) : r;
	}
	r = cm_creds_parse(b.data, b.len, c, &line);
	explicit_bzero(b.data, b.len);
	cm_buf_free(&b);
	if (r < 0)
		return say ? cm_err(r, "creds %s: line %u is not 'name = value'",
				    path, line) : r;
	return 0;
}

int cm_creds_load(const char *path, struct cm_creds *c)
{
	return creds_load(path, c, 1);
}

int cm_creds_peek(const char *path, struct cm_creds *c)
{
	return creds_load(path, c, 0);
}

void cm_creds_wipe(struct cm_creds *c)
{
	explicit_bzero(c, sizeof(*c));
}
