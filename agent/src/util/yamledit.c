#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "yamledit.h"

#define LINES_MAX	65536

/* libyaml's line breaks (reader.c/scanner.c IS_BREAK): \r\n, \r, \n, and
 * the Unicode NEL, LS and PS. */
static size_t break_len(const char *b, size_t i, size_t len)
{
	const unsigned char *u = (const unsigned char *)b;

	if (u[i] == '\r')
		return i + 1 < len && u[i + 1] == '\n' ? 2 : 1;
	if (u[i] == '\n')
		return 1;
	if (u[i] == 0xc2 && i + 1 < len && u[i + 1] == 0x85)
		return 2;
	if (u[i] == 0xe2 && i + 2 < len && u[i + 1] == 0x80 &&
	    (u[i + 2] == 0xa8 || u[i + 2] == 0xa9))
		return 3;
	return 0;
}

static int text_init(struct cm_yaml_text *t, const char *buf, size_t len)
{
	size_t i = 0, n = 1, b;

	t->buf = buf;
	t->len = len;
	t->line = malloc(LINES_MAX * sizeof(*t->line));
	if (!t->line)
		return -ENOMEM;
	t->line[0] = 0;
	while (i < len) {
		b = break_len(buf, i, len);
		if (!b) {
			i++;
			continue;
		}
		i += b;
		if (n == LINES_MAX)
			return -EMSGSIZE;
		t->line[n++] = i;
	}
	t->n_lines = n;
	return 0;
}

/* The byte offset of a mark: its line's start, then column characters
 * (UTF-8 sequences counted once). */
static size_t mark_off(const struct cm_yaml_text *t, yaml_mark_t m)
{
	size_t off, c = 0;

	if (m.line >= t->n_lines)
		return t->len;
	off = t->line[m.line];
	while (off < t->len && c < m.column) {
		off++;
		while (off < t->len && ((unsigned char)t->buf[off] & 0xc0) == 0x80)
			off++;
		c++;
	}
	return off;
}

static size_t line_of(const struct cm_yaml_text *t, size_t off)
{
	size_t lo = 0, hi = t->n_lines;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (t->line[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Only blanks from the start of off's line to off. */
static bool starts_line(const struct cm_yaml_text *t, size_t off)
{
	size_t i;

	for (i = t->line[line_of(t, off)]; i < off; i++)
		if (t->buf[i] != ' ' && t->buf[i] != '\t')
			return false;
	return true;
}

/* Line l holds only blanks or a comment. */
static bool idle_line(const struct cm_yaml_text *t, size_t l)
{
	size_t i, end = l + 1 < t->n_lines ? t->line[l + 1] : t->len;

	for (i = t->line[l]; i < end; i++) {
		if (t->buf[i] == '#')
			return true;
		if (t->buf[i] != ' ' && t->buf[i] != '\t' && !break_len(t->buf, i, end))
			return false;
	}
	return true;
}

/* --- the document ----------------------------------------------------- */

yaml_node_t *cm_yaml_root(struct cm_yaml *d)
{
	return yaml_document_get_root_node(&d->d);
}

yaml_node_t *cm_yaml_node(struct cm_yaml *d, int i)
{
	return yaml_document_get_node(&d->d, i);
}

bool cm_yaml_scalar_is(yaml_node_t *n, const char *s)
{
	return n && n->type == YAML_SCALAR_NODE &&
	       n->data.scalar.length == strlen(s) &&
	       !memcmp(n->data.scalar.value, s, n->data.scalar.length);
}

void cm_yaml_scalar_copy(yaml_node_t *n, char *out, size_t size)
{
	size_t l;

	out[0] = '\0';
	if (!n || n->type != YAML_SCALAR_NODE)
		return;
	l = n->data.scalar.length < size - 1 ? n->data.scalar.length : size - 1;
	memcpy(out, n->data.scalar.value, l);
	out[l] = '\0';
}

/* YAML 1.1 booleans (netplan reads them so). */
bool cm_yaml_true(yaml_node_t *n)
{
	char v[8];

	cm_yaml_scalar_copy(n, v, sizeof(v));
	return !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") ||
	       !strcasecmp(v, "y");
}

yaml_node_pair_t *cm_yaml_pair(struct cm_yaml *d, yaml_node_t *m, const char *key)
{
	yaml_node_pair_t *p;

	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++)
		if (cm_yaml_scalar_is(cm_yaml_node(d, p->key), key))
			return p;
	return NULL;
}

yaml_node_t *cm_yaml_get(struct cm_yaml *d, yaml_node_t *m, const char *key)
{
	yaml_node_pair_t *p = cm_yaml_pair(d, m, key);

	return p ? cm_yaml_node(d, p->value) : NULL;
}

/* YAML wants the keys of a mapping unique; libyaml does not check, and
 * a reader would take one of the two: refuse rather than guess. */
static int unique_keys(struct cm_yaml *d, size_t *err_line, const char **why)
{
	yaml_node_t *n;

	for (n = d->d.nodes.start; n < d->d.nodes.top; n++) {
		yaml_node_pair_t *a, *b;

		if (n->type != YAML_MAPPING_NODE)
			continue;
		if (n->data.mapping.pairs.top - n->data.mapping.pairs.start > 1024) {
			*err_line = n->start_mark.line + 1;
			*why = "a mapping of more than 1024 keys";
			return -EMSGSIZE;
		}
		for (a = n->data.mapping.pairs.start; a < n->data.mapping.pairs.top; a++) {
			yaml_node_t *ka = cm_yaml_node(d, a->key);

			if (!ka || ka->type != YAML_SCALAR_NODE)
				continue;
			for (b = a + 1; b < n->data.mapping.pairs.top; b++) {
				yaml_node_t *kb = cm_yaml_node(d, b->key);

				if (kb && kb->type == YAML_SCALAR_NODE &&
				    kb->data.scalar.length == ka->data.scalar.length &&
				    !memcmp(kb->data.scalar.value, ka->data.scalar.value,
					    ka->data.scalar.length)) {
					*err_line = kb->start_mark.line + 1;
					*why = "a key given twice in one mapping";
					return -EBADMSG;
				}
			}
		}
	}
	return 0;
}

/* A YAML file we edit needs a handful of levels (netplan: network:
 * ethernets: eth0: routes: - ...).  libyaml's scanner walks every open
 * level for each token, so building the document of a file nested 100k
 * levels deep ("[[[[...", 200 KB, within the size cap) took 53 s.  Count
 * the levels on libyaml's event stream first: it stops at the first level
 * too many, before the cost grows.  A syntax error is left to the load,
 * which reports it. */
#define NEST_MAX 64

static int nesting_ok(const char *buf, size_t len, size_t *err_line,
		      const char **why)
{
	yaml_parser_t p;
	yaml_event_t e;
	int depth = 0, r = 0, end = 0;

	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	while (r == 0 && !end && yaml_parser_parse(&p, &e)) {
		if (e.type == YAML_SEQUENCE_START_EVENT ||
		    e.type == YAML_MAPPING_START_EVENT)
			depth++;
		else if (e.type == YAML_SEQUENCE_END_EVENT ||
			 e.type == YAML_MAPPING_END_EVENT)
			depth--;
		end = e.type == YAML_STREAM_END_EVENT;
		if (depth > NEST_MAX) {
			*err_line = e.start_mark.line + 1;
			*why = "nested more than 64 levels deep";	/* NEST_MAX */
			r = -EMSGSIZE;
		}
		yaml_event_delete(&e);
	}
	yaml_parser_delete(&p);
	return r;
}

int cm_yaml_load(struct cm_yaml *d, const char *buf, size_t len, size_t max,
		 size_t *err_line, const char **why)
{
	yaml_parser_t p;
	int r;

	memset(d, 0, sizeof(*d));
	*err_line = 0;
	*why = "not YAML";
	if (len > max)
		return -EMSGSIZE;
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	r = text_init(&d->t, buf, len);
	if (r == 0)
		r = nesting_ok(buf, len, err_line, why);
	if (r < 0)
		return r;
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	if (!yaml_parser_load(&p, &d->d)) {
		*err_line = p.problem_mark.line + 1;
		*why = p.problem ? p.problem : "not YAML";
		r = p.error == YAML_MEMORY_ERROR ? -ENOMEM : -EBADMSG;
	} else {
		d->loaded = true;
		r = unique_keys(d, err_line, why);
	}
	yaml_parser_delete(&p);
	return r;
}

void cm_yaml_free(struct cm_yaml *d)
{
	size_t i;

	if (d->loaded)
		yaml_document_delete(&d->d);
	for (i = 0; i < d->n_edits; i++)
		free(d->e[i].text);
	free(d->t.line);
}

/* --- edits ------------------------------------------------------------- */

static void add_edit(struct cm_yaml *d, size_t start, size_t end, const char *text)
{
	struct cm_yaml_edit *e;

	if (d->n_edits == CM_YAML_EDITS_MAX) {
		d->err = -EMSGSIZE;
		return;
	}
	e = &d->e[d->n_edits];
	e->start = start;
	e->end = end;
	e->text = text ? strdup(text) : NULL;
	if (text && !e->text) {
		d->err = -ENOMEM;
		return;
	}
	d->n_edits++;
}

/* Where a block collection's entry ends: the next entry's line, or the
 * end of the value's last line; trailing blank and comment lines stay. */
static size_t entry_end(struct cm_yaml *d, size_t next_start, yaml_node_t *value)
{
	const struct cm_yaml_text *t = &d->t;
	size_t l, off;

	if (next_start != (size_t)-1) {
		l = line_of(t, next_start);
	} else {
		off = mark_off(t, value->end_mark);
		if (starts_line(t, off))
			l = line_of(t, off);
		else
			l = line_of(t, off) + 1;
	}
	while (l > 0 && l - 1 < t->n_lines && idle_line(t, l - 1) &&
	       t->line[l - 1] > mark_off(t, value->start_mark))
		l--;
	return l < t->n_lines ? t->line[l] : t->len;
}

static size_t pair_start(struct cm_yaml *d, yaml_node_pair_t *p)
{
	size_t off = mark_off(&d->t, cm_yaml_node(d, p->key)->start_mark);

	return starts_line(&d->t, off) ? d->t.line[line_of(&d->t, off)] : off;
}

/* Deletes pair p of the block mapping m (its lines). */
void cm_yaml_delete_pair(struct cm_yaml *d, yaml_node_t *m, yaml_node_pair_t *p)
{
	size_t next = p + 1 < m->data.mapping.pairs.top ? pair_start(d, p + 1) : (size_t)-1;

	add_edit(d, pair_start(d, p), entry_end(d, next, cm_yaml_node(d, p->value)), NULL);
}

static size_t item_start(struct cm_yaml *d, yaml_node_item_t *it)
{
	size_t off = mark_off(&d->t, cm_yaml_node(d, *it)->start_mark);

	return d->t.line[line_of(&d->t, off)];
}

void cm_yaml_delete_item(struct cm_yaml *d, yaml_node_t *seq, yaml_node_item_t *it)
{
	yaml_node_item_t *top = seq->data.sequence.items.top;

	add_edit(d, item_start(d, it),
		 entry_end(d, it + 1 < top ? item_start(d, it + 1) : (size_t)-1,
			   cm_yaml_node(d, *it)),
		 NULL);
}

/* The indentation of a block mapping: its first key's column. */
static size_t indent_of(struct cm_yaml *d, yaml_node_t *m)
{
	yaml_node_pair_t *p = m->data.mapping.pairs.start;

	return p < m->data.mapping.pairs.top ? cm_yaml_node(d, p->key)->start_mark.column : 2;
}

/* Appends pairs (block style) at the end of the mapping m. */
static void add_pairs(struct cm_yaml *d, yaml_node_t *m, const struct cm_yaml_kv *kv, size_t n)
{
	yaml_node_pair_t *last = m->data.mapping.pairs.top - 1;
	size_t ind = indent_of(d, m), i, at;
	char text[1024] = "";

	if (!n)
		return;
	at = entry_end(d, (size_t)-1, cm_yaml_node(d, last->value));
	for (i = 0; i < n; i++) {
		size_t l = strlen(text);

		snprintf(text + l, sizeof(text) - l, "%*s%s: %s\n", (int)ind, "",
			 kv[i].k, kv[i].v);
	}
	/* after a last line without '\n' */
	if (at == d->t.len && at && !break_len(d->t.buf, at - 1, d->t.len)) {
		memmove(text + 1, text, strlen(text) + 1);
		text[0] = '\n';
	}
	add_edit(d, at, at, text);
}

/* A mapping written in flow style ({dhcp4: true}) is written again in
 * flow style: kept pairs as they were, new ones after. */
static void rewrite_flow(struct cm_yaml *d, yaml_node_t *m, const char *const *drop,
			 const struct cm_yaml_kv *kv, size_t n)
{
	yaml_node_pair_t *p;
	char text[2048] = "{";
	size_t i, l;
	bool first = true;

	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		size_t a = mark_off(&d->t, cm_yaml_node(d, p->key)->start_mark);
		size_t b = mark_off(&d->t, cm_yaml_node(d, p->value)->end_mark);
		bool gone = false;

		for (i = 0; drop[i]; i++)
			gone |= cm_yaml_scalar_is(cm_yaml_node(d, p->key), drop[i]);
		if (gone)
			continue;
		l = strlen(text);
		snprintf(text + l, sizeof(text) - l, "%s%.*s", first ? "" : ", ",
			 (int)(b - a), d->t.buf + a);
		first = false;
	}
	for (i = 0; i < n; i++) {
		l = strlen(text);
		snprintf(text + l, sizeof(text) - l, "%s%s: %s", first ? "" : ", ",
			 kv[i].k, kv[i].v);
		first = false;
	}
	l = strlen(text);
	snprintf(text + l, sizeof(text) - l, "}");
	if (strlen(text) + 1 >= sizeof(text)) {
		d->err = -EMSGSIZE;
		return;
	}
	add_edit(d, mark_off(&d->t, m->start_mark), mark_off(&d->t, m->end_mark), text);
}

/* The node as written is exactly s ({name: "e[nt]*"}: what we wrote). */
static bool text_is(struct cm_yaml *d, yaml_node_t *n, const char *s)
{
	size_t a = mark_off(&d->t, n->start_mark), b = mark_off(&d->t, n->end_mark);

	return b >= a && b - a == strlen(s) && !memcmp(d->t.buf + a, s, b - a);
}

static bool in_drop(struct cm_yaml *d, yaml_node_t *key, const char *const *drop,
		    const struct cm_yaml_kv *kv, size_t n, const char *const *kept)
{
	size_t i;

	for (i = 0; kept && kept[i]; i++)
		if (cm_yaml_scalar_is(key, kept[i]))
			return false;	/* already as we want it */
	for (i = 0; drop[i]; i++)
		if (cm_yaml_scalar_is(key, drop[i]))
			return true;
	for (i = 0; i < n; i++)
		if (kv[i].k && cm_yaml_scalar_is(key, kv[i].k))
			return true;
	(void)d;
	return false;
}

void cm_yaml_edit_map(struct cm_yaml *d, yaml_node_t *m, const char *const *drop,
		     struct cm_yaml_kv *kv, size_t n)
{
	const char *all_drop[32], *kept[9];
	yaml_node_pair_t *p;
	size_t i, k = 0, left = 0, nk = 0;

	if (!m || m->type != YAML_MAPPING_NODE)
		return;		/* "eth0:" with no value: nothing to keep */
	for (i = 0; i < n; i++) {
		yaml_node_t *cur = cm_yaml_get(d, m, kv[i].k);

		if (cur && nk < 8 &&
		    (cm_yaml_scalar_is(cur, kv[i].v) || text_is(d, cur, kv[i].v))) {
			kept[nk++] = kv[i].k;
			kv[i].k = NULL;
		}
		left += kv[i].k != NULL;
	}
	kept[nk] = NULL;
	if (m->data.mapping.style == YAML_FLOW_MAPPING_STYLE) {
		bool touch = left > 0;

		for (i = 0; drop[i] && k < 31; i++) {
			size_t j;
			bool keep = false;

			for (j = 0; j < nk; j++)
				keep |= !strcmp(kept[j], drop[i]);
			if (!keep)
				all_drop[k++] = drop[i];
		}
		for (i = 0; i < n && k < 31; i++)
			if (kv[i].k)
				all_drop[k++] = kv[i].k;
		all_drop[k] = NULL;
		for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++)
			touch |= in_drop(d, cm_yaml_node(d, p->key), drop, kv, n, kept);
		if (touch) {
			struct cm_yaml_kv rest[8];
			size_t r = 0;

			for (i = 0; i < n && r < 8; i++)
				if (kv[i].k)
					rest[r++] = kv[i];
			rewrite_flow(d, m, all_drop, rest, r);
		}
		return;
	}
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++)
		if (in_drop(d, cm_yaml_node(d, p->key), drop, kv, n, kept))
			cm_yaml_delete_pair(d, m, p);
	{
		struct cm_yaml_kv rest[8];
		size_t r = 0;

		for (i = 0; i < n && r < 8; i++)
			if (kv[i].k)
				rest[r++] = kv[i];
		add_pairs(d, m, rest, r);
	}
}

static int edit_cmp(const void *a, const void *b)
{
	const struct cm_yaml_edit *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->end > y->end) - (x->end < y->end);
}

int cm_yaml_apply(struct cm_yaml *d, struct cm_buf *out)
{
	size_t i, at = 0;
	int r = d->err;

	if (r < 0)
		return r;
	qsort(d->e, d->n_edits, sizeof(d->e[0]), edit_cmp);
	cm_buf_reset(out);
	for (i = 0; i < d->n_edits && r == 0; i++) {
		const struct cm_yaml_edit *e = &d->e[i];

		if (e->start < at)
			return -EBADMSG;	/* overlapping edits: not ours to guess */
		r = cm_buf_add(out, d->t.buf + at, e->start - at);
		if (r == 0 && e->text)
			r = cm_buf_addstr(out, e->text);
		at = e->end;
	}
	if (r == 0)
		r = cm_buf_add(out, d->t.buf + at, d->t.len - at);
	return r;
}
