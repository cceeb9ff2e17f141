#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_ini.h"

#define EDITS_MAX (1024 * 1024)

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static void trim(const char *buf, size_t *off, size_t *len)
{
	while (*len && blank(buf[*off])) {
		(*off)++;
		(*len)--;
	}
	while (*len && blank(buf[*off + *len - 1]))
		(*len)--;
}

static int add_section(struct cm_ini *ini, size_t line, size_t off, size_t len)
{
	struct cm_ini_section *s;

	if (ini->n_sections == CM_INI_SECTIONS_MAX)
		return -EMSGSIZE;
	s = &ini->sections[ini->n_sections];
	s->name_off = off;
	s->name_len = len;
	s->header = line;
	s->end = line + 1;
	s->deleted = false;
	return (int)ini->n_sections++;
}

/* One line: its type and spans.  -EBADMSG when it is nothing we know. */
static int classify(struct cm_ini *ini, struct cm_ini_line *l, int *section,
		    bool *cont)
{
	const char *b = ini->buf;
	size_t off = l->off, len = l->len;
	const char *eq;
	int r;

	trim(b, &off, &len);
	l->section = *section;
	l->repl = -1;
	if (*cont) {
		l->type = CM_INI_CONT;
		*cont = ini->systemd && len && b[off + len - 1] == '\\';
		return 0;
	}
	if (!len || b[off] == '#' || (ini->systemd && b[off] == ';')) {
		l->type = CM_INI_BLANK;
		return 0;
	}
	if (b[off] == '[' && !ini->shell) {
		if (b[off + len - 1] != ']' || len < 3)
			return -EBADMSG;
		r = add_section(ini, (size_t)(l - ini->lines), off + 1, len - 2);
		if (r < 0)
			return r;
		*section = r;
		l->section = r;
		l->type = CM_INI_SECTION;
		return 0;
	}
	eq = memchr(b + off, '=', len);
	if (!eq || *section < 0 || eq == b + off)
		return -EBADMSG;
	l->type = CM_INI_KEY;
	l->key_off = off;
	l->key_len = (size_t)(eq - (b + off));
	trim(b, &l->key_off, &l->key_len);
	l->val_off = (size_t)(eq - b) + 1;
	l->val_len = off + len - l->val_off;
	trim(b, &l->val_off, &l->val_len);
	*cont = ini->systemd && len && b[off + len - 1] == '\\';
	return 0;
}

static void ini_zero(struct cm_ini *ini)
{
	size_t i;

	memset(ini, 0, sizeof(*ini));
	cm_buf_init(&ini->edits, EDITS_MAX);
	for (i = 0; i < CM_INI_NEW_MAX; i++)
		cm_buf_init(&ini->new_text[i], EDITS_MAX);
}

int cm_ini_parse(const char *buf, size_t len, int flags, struct cm_ini *ini,
		 size_t *err_line)
{
	size_t n = 0, i, pos = 0;
	int section = -1, r = 0;
	bool cont = false;

	ini_zero(ini);
	ini->buf = buf;
	ini->len = len;
	ini->systemd = flags & CM_INI_SYSTEMD;
	ini->shell = flags & CM_INI_SHELL;
	ini->final_nl = !len || buf[len - 1] == '\n';
	if (err_line)
		*err_line = 0;
	if (len > CM_NET_FILE_MAX)
		return -EMSGSIZE;
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	for (i = 0; i < len; i++)
		n += buf[i] == '\n';
	n += !ini->final_nl;
	if (n > CM_INI_LINES_MAX)
		return -EMSGSIZE;
	ini->lines = calloc(n ? n : 1, sizeof(*ini->lines));
	ini->sections = calloc(CM_INI_SECTIONS_MAX, sizeof(*ini->sections));
	ini->ins = calloc(CM_INI_LINES_MAX, sizeof(*ini->ins));
	if (!ini->lines || !ini->sections || !ini->ins) {
		cm_ini_free(ini);
		return -ENOMEM;
	}
	if (flags & CM_INI_SHELL) {
		section = add_section(ini, 0, 0, 0);
		ini->sections[0].header = (size_t)-1;	/* before line 0 */
		ini->sections[0].end = 0;
	}
	for (i = 0; i < n && r == 0; i++) {
		const char *eol = memchr(buf + pos, '\n', len - pos);
		struct cm_ini_line *l = &ini->lines[i];

		l->off = pos;
		l->len = eol ? (size_t)(eol - (buf + pos)) : len - pos;
		pos += l->len + 1;
		ini->n = i + 1;
		r = classify(ini, l, &section, &cont);
		if (r == 0 && section >= 0)
			ini->sections[section].end = i + 1;
		if (r == -EBADMSG && err_line)
			*err_line = i + 1;
	}
	if (r < 0)
		cm_ini_free(ini);
	return r;
}

void cm_ini_free(struct cm_ini *ini)
{
	size_t i;

	free(ini->lines);
	free(ini->sections);
	free(ini->ins);
	ini->lines = NULL;
	ini->sections = NULL;
	ini->ins = NULL;
	ini->n = ini->n_sections = ini->n_ins = 0;
	cm_buf_free(&ini->edits);
	for (i = 0; i < CM_INI_NEW_MAX; i++)
		cm_buf_free(&ini->new_text[i]);
}

static bool span_is(const char *buf, size_t off, size_t len, const char *s)
{
	return strlen(s) == len && !memcmp(buf + off, s, len);
}

bool cm_ini_section_is(const struct cm_ini *ini, int i, const char *name)
{
	const struct cm_ini_section *s;

	if (i < 0 || (size_t)i >= ini->n_sections)
		return false;
	s = &ini->sections[i];
	return !s->deleted && span_is(ini->buf, s->name_off, s->name_len, name);
}

bool cm_ini_key_is(const struct cm_ini *ini, size_t i, const char *section,
		   const char *key)
{
	const struct cm_ini_line *l = &ini->lines[i];

	if (l->type != CM_INI_KEY || l->repl == -2)
		return false;
	if (section && !cm_ini_section_is(ini, l->section, section))
		return false;
	return span_is(ini->buf, l->key_off, l->key_len, key);
}

void cm_ini_value(const struct cm_ini *ini, size_t i, char *out, size_t size)
{
	const struct cm_ini_line *l = &ini->lines[i];
	size_t n = l->val_len < size - 1 ? l->val_len : size - 1;

	memcpy(out, ini->buf + l->val_off, n);
	out[n] = '\0';
}

int cm_ini_get(const struct cm_ini *ini, const char *section, const char *key,
	       char *out, size_t size)
{
	size_t i;

	for (i = 0; i < ini->n; i++)
		if (cm_ini_key_is(ini, i, section, key)) {
			cm_ini_value(ini, i, out, size);
			return 1;
		}
	return 0;
}

void cm_ini_delete(struct cm_ini *ini, size_t line)
{
	size_t i;

	ini->lines[line].repl = -2;
	for (i = line + 1; i < ini->n && ini->lines[i].type == CM_INI_CONT; i++)
		ini->lines[i].repl = -2;
}

void cm_ini_delete_section(struct cm_ini *ini, int section)
{
	struct cm_ini_section *s = &ini->sections[section];
	size_t i;

	s->deleted = true;
	for (i = s->header; i < s->end; i++)
		ini->lines[i].repl = -2;
}

static long add_text(struct cm_ini *ini, const char *text)
{
	long off = (long)ini->edits.len;

	if (cm_buf_add(&ini->edits, text, strlen(text) + 1) < 0)
		return -ENOMEM;
	return off;
}

int cm_ini_replace(struct cm_ini *ini, size_t line, const char *text)
{
	long off = add_text(ini, text);

	if (off < 0)
		return (int)off;
	cm_ini_delete(ini, line);
	ini->lines[line].repl = off;
	return 0;
}

int cm_ini_unset(struct cm_ini *ini, const char *section, const char *key)
{
	size_t i;
	int n = 0;

	for (i = 0; i < ini->n; i++)
		if (cm_ini_key_is(ini, i, section, key)) {
			cm_ini_delete(ini, i);
			n++;
		}
	return n;
}

static int insert_after(struct cm_ini *ini, size_t line, const char *text)
{
	long off;

	if (ini->n_ins == CM_INI_LINES_MAX)
		return -EMSGSIZE;
	off = add_text(ini, text);
	if (off < 0)
		return (int)off;
	ini->ins[ini->n_ins].line = line;
	ini->ins[ini->n_ins++].off = (size_t)off;
	return 0;
}

static int set_new(struct cm_ini *ini, const char *section, const char *kv)
{
	size_t i;

	for (i = 0; i < ini->n_new; i++)
		if (!strcmp(ini->new_name[i], section))
			break;
	if (i == ini->n_new) {
		if (i == CM_INI_NEW_MAX || strlen(section) >= sizeof(ini->new_name[0]))
			return -EMSGSIZE;
		strcpy(ini->new_name[i], section);
		ini->n_new++;
	}
	if (cm_buf_addstr(&ini->new_text[i], kv) < 0 ||
	    cm_buf_add(&ini->new_text[i], "\n", 1) < 0)
		return -ENOMEM;
	return 0;
}

int cm_ini_set(struct cm_ini *ini, const char *section, const char *key,
	       const char *value)
{
	char kv[512], cur[512];
	size_t i, last = 0;
	int found = -1, sec = -1;

	if ((size_t)snprintf(kv, sizeof(kv), "%s=%s", key, value) >= sizeof(kv))
		return -EMSGSIZE;
	for (i = 0; i < ini->n_sections && sec < 0; i++)
		if (cm_ini_section_is(ini, (int)i, section))
			sec = (int)i;
	if (sec < 0)
		return set_new(ini, section, kv);
	last = ini->sections[sec].header;
	for (i = ini->sections[sec].header + 1; i < ini->sections[sec].end; i++) {
		const struct cm_ini_line *l = &ini->lines[i];

		if ((l->type == CM_INI_KEY || l->type == CM_INI_CONT) && l->repl != -2)
			last = i;
		if (!cm_ini_key_is(ini, i, NULL, key))
			continue;
		if (found >= 0) {
			cm_ini_delete(ini, i);
			continue;
		}
		found = (int)i;
		cm_ini_value(ini, i, cur, sizeof(cur));
		if (strcmp(cur, value) || (i + 1 < ini->n &&
					   ini->lines[i + 1].type == CM_INI_CONT)) {
			int r = cm_ini_replace(ini, i, kv);

			if (r < 0)
				return r;
		}
	}
	if (found >= 0)
		return 0;
	if (last == (size_t)-1)		/* a shell file without variables */
		return set_new(ini, section, kv);
	return insert_after(ini, last, kv);
}

static int put(struct cm_buf *out, const char *p, size_t n, bool nl)
{
	int r = cm_buf_add(out, p, n);

	return r < 0 || !nl ? r : cm_buf_add(out, "\n", 1);
}

int cm_ini_write(const struct cm_ini *ini, struct cm_buf *out)
{
	size_t i, k;
	int r = 0;

	cm_buf_reset(out);
	for (i = 0; i < ini->n && r == 0; i++) {
		const struct cm_ini_line *l = &ini->lines[i];
		bool nl = i + 1 < ini->n || ini->final_nl;

		if (l->repl == -1)
			r = put(out, ini->buf + l->off, l->len, nl);
		else if (l->repl >= 0)
			r = put(out, ini->edits.data + l->repl,
				strlen(ini->edits.data + l->repl), true);
		for (k = 0; k < ini->n_ins && r == 0; k++)
			if (ini->ins[k].line == i) {
				if (!nl && l->repl == -1)
					r = put(out, "", 0, true);
				if (r == 0)
					r = put(out, ini->edits.data + ini->ins[k].off,
						strlen(ini->edits.data + ini->ins[k].off),
						true);
			}
	}
	if (r == 0 && ini->n_new && out->len && out->data[out->len - 1] != '\n')
		r = put(out, "", 0, true);
	for (k = 0; k < ini->n_new && r == 0; k++) {
		if (ini->new_name[k][0] && out->len &&
		    !(out->len >= 2 && out->data[out->len - 2] == '\n'))
			r = put(out, "", 0, true);
		if (r == 0 && ini->new_name[k][0])
			r = cm_buf_printf(out, "[%s]\n", ini->new_name[k]);
		if (r == 0)
			r = put(out, ini->new_text[k].data, ini->new_text[k].len, false);
	}
	if (r == 0 && !out->data)
		r = cm_buf_add(out, "", 0);
	return r;
}

int cm_ini_rewrite(const char *buf, size_t len, int flags, cm_ini_edit_fn *edit,
		   unsigned role, const struct cm_net_opts *o, struct cm_buf *out,
		   struct cm_net_summary *s)
{
	struct cm_ini ini;
	int r;

	r = cm_ini_parse(buf, len, flags, &ini, NULL);
	if (r < 0)
		return r;
	r = edit(&ini, role, o, s);
	if (r == 0)
		r = cm_ini_write(&ini, out);
	cm_ini_free(&ini);
	if (r < 0)
		return r;
	return out->len != len || memcmp(out->data, buf, len);
}
