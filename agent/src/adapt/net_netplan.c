#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "../log.h"
#include "net_backends.h"
#include "net_netplan.h"
#include "rewrite.h"

#define EDITS_MAX	512
#define LINES_MAX	65536

/* The text and where its lines start, to turn libyaml's marks (line and
 * column, in characters) into byte offsets. */
struct text {
	const char *buf;
	size_t len;
	size_t *line;		/* byte offset of each line */
	size_t n_lines;
};

struct edit {
	size_t start, end;	/* bytes replaced */
	char *text;		/* NULL: deleted */
};

struct doc {
	struct text t;
	yaml_document_t d;
	bool loaded;
	struct edit e[EDITS_MAX];
	size_t n_edits;
	int err;		/* first error while editing */
};

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

static int text_init(struct text *t, const char *buf, size_t len)
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
static size_t mark_off(const struct text *t, yaml_mark_t m)
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

static size_t line_of(const struct text *t, size_t off)
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
static bool starts_line(const struct text *t, size_t off)
{
	size_t i;

	for (i = t->line[line_of(t, off)]; i < off; i++)
		if (t->buf[i] != ' ' && t->buf[i] != '\t')
			return false;
	return true;
}

/* Line l holds only blanks or a comment. */
static bool idle_line(const struct text *t, size_t l)
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

static yaml_node_t *node(struct doc *d, int i)
{
	return yaml_document_get_node(&d->d, i);
}

static bool scalar_is(yaml_node_t *n, const char *s)
{
	return n && n->type == YAML_SCALAR_NODE &&
	       n->data.scalar.length == strlen(s) &&
	       !memcmp(n->data.scalar.value, s, n->data.scalar.length);
}

static void scalar_copy(yaml_node_t *n, char *out, size_t size)
{
	size_t l;

	out[0] = '\0';
	if (!n || n->type != YAML_SCALAR_NODE)
		return;
	l = n->data.scalar.length < size - 1 ? n->data.scalar.length : size - 1;
	memcpy(out, n->data.scalar.value, l);
	out[l] = '\0';
}

/* YAML 1.1 booleans, as netplan reads them. */
static bool scalar_true(yaml_node_t *n)
{
	char v[8];

	scalar_copy(n, v, sizeof(v));
	return !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") ||
	       !strcasecmp(v, "y");
}

static yaml_node_pair_t *map_pair(struct doc *d, yaml_node_t *m, const char *key)
{
	yaml_node_pair_t *p;

	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++)
		if (scalar_is(node(d, p->key), key))
			return p;
	return NULL;
}

static yaml_node_t *map_get(struct doc *d, yaml_node_t *m, const char *key)
{
	yaml_node_pair_t *p = map_pair(d, m, key);

	return p ? node(d, p->value) : NULL;
}

/* YAML wants the keys of a mapping unique; libyaml does not check, and
 * netplan would read one of the two: refuse rather than guess. */
static int unique_keys(struct doc *d, size_t *err_line, const char **why)
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
			yaml_node_t *ka = node(d, a->key);

			if (!ka || ka->type != YAML_SCALAR_NODE)
				continue;
			for (b = a + 1; b < n->data.mapping.pairs.top; b++) {
				yaml_node_t *kb = node(d, b->key);

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

static int doc_load(struct doc *d, const char *buf, size_t len, size_t *err_line,
		    const char **why)
{
	yaml_parser_t p;
	int r;

	memset(d, 0, sizeof(*d));
	*err_line = 0;
	*why = "not YAML";
	if (len > CM_NET_FILE_MAX)
		return -EMSGSIZE;
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	r = text_init(&d->t, buf, len);
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

static void doc_free(struct doc *d)
{
	size_t i;

	if (d->loaded)
		yaml_document_delete(&d->d);
	for (i = 0; i < d->n_edits; i++)
		free(d->e[i].text);
	free(d->t.line);
}

/* The device sections of network: and their kinds (netplan's reference,
 * "Properties for device type ..."). */
static const struct { const char *key; enum cm_net_kind kind; } sections[] = {
	{ "ethernets", CM_NET_ETHER }, { "bonds", CM_NET_BOND },
	{ "bridges", CM_NET_BRIDGE }, { "vlans", CM_NET_VLAN },
	{ "wifis", CM_NET_OTHER }, { "modems", CM_NET_OTHER },
	{ "tunnels", CM_NET_OTHER }, { "vrfs", CM_NET_OTHER },
	{ "dummy-devices", CM_NET_OTHER }, { "virtual-ethernets", CM_NET_OTHER },
	{ "nm-devices", CM_NET_OTHER },
};

/* The network: mapping, or NULL for a file without one (a fragment of
 * nothing: netplan accepts it).  -EBADMSG when it is not a mapping. */
static int network_of(struct doc *d, yaml_node_t **net, size_t *err_line,
		      const char **why)
{
	yaml_node_t *root = yaml_document_get_root_node(&d->d);

	*net = NULL;
	if (!root)
		return 0;	/* an empty file */
	if (root->type != YAML_MAPPING_NODE) {
		*err_line = root->start_mark.line + 1;
		*why = "the top level is not a mapping";
		return -EBADMSG;
	}
	*net = map_get(d, root, "network");
	if (*net && (*net)->type != YAML_MAPPING_NODE) {
		*err_line = (*net)->start_mark.line + 1;
		*why = "network: is not a mapping";
		return -EBADMSG;
	}
	return 0;
}

/* A routes: item "to: default" (or 0.0.0.0/0, ::/0) / to the metadata server. */
static bool route_to(struct doc *d, yaml_node_t *item, bool md)
{
	char to[128];

	scalar_copy(map_get(d, item, "to"), to, sizeof(to));
	if (!to[0])
		return false;
	return md ? cm_net_is_metadata(to, strlen(to)) :
		    cm_net_is_default_dest(to, strlen(to));
}

static bool has_default_route(struct doc *d, yaml_node_t *dev)
{
	yaml_node_t *routes = map_get(d, dev, "routes");
	yaml_node_item_t *it;

	if (!routes || routes->type != YAML_SEQUENCE_NODE)
		return false;
	for (it = routes->data.sequence.items.start; it < routes->data.sequence.items.top; it++)
		if (route_to(d, node(d, *it), false))
			return true;
	return false;
}

static void scan_dev(struct doc *d, struct cm_netplan_scan *sc, yaml_node_t *key,
		     yaml_node_t *dev, enum cm_net_kind kind)
{
	struct cm_netplan_dev *v;
	yaml_node_t *ports;
	yaml_node_item_t *it;

	if (sc->n == CM_NET_IFACES_MAX)
		return;
	v = &sc->v[sc->n++];
	memset(v, 0, sizeof(*v));
	scalar_copy(key, v->id, sizeof(v->id));
	v->kind = kind;
	v->gateway = map_get(d, dev, "gateway4") || map_get(d, dev, "gateway6") ||
		     has_default_route(d, dev);
	v->dhcp = scalar_true(map_get(d, dev, "dhcp4"));
	v->mac = map_get(d, map_get(d, dev, "match"), "macaddress") != NULL;
	scalar_copy(map_get(d, dev, "link"), v->parent, sizeof(v->parent));
	ports = map_get(d, dev, "interfaces");
	if (!ports || ports->type != YAML_SEQUENCE_NODE)
		return;
	for (it = ports->data.sequence.items.start; it < ports->data.sequence.items.top; it++) {
		char port[CM_NET_NAME_MAX];
		size_t l = strlen(v->ports);

		scalar_copy(node(d, *it), port, sizeof(port));
		if (port[0] && l + strlen(port) + 2 < sizeof(v->ports))
			snprintf(v->ports + l, sizeof(v->ports) - l, "%s%s", l ? " " : "", port);
	}
}

int cm_netplan_scan(const char *buf, size_t len, struct cm_netplan_scan *sc,
		    size_t *err_line, const char **why)
{
	struct doc *d = malloc(sizeof(*d));
	yaml_node_t *net;
	size_t s;
	int r;

	memset(sc, 0, sizeof(*sc));
	if (!d)
		return -ENOMEM;
	r = doc_load(d, buf, len, err_line, why);
	if (r == 0)
		r = network_of(d, &net, err_line, why);
	for (s = 0; r == 0 && net && s < sizeof(sections) / sizeof(sections[0]); s++) {
		yaml_node_t *sec = map_get(d, net, sections[s].key);
		yaml_node_pair_t *p;

		if (!sec)
			continue;
		if (sec->type != YAML_MAPPING_NODE) {
			*err_line = sec->start_mark.line + 1;
			*why = "a device section that is not a mapping";
			r = -EBADMSG;
			break;
		}
		for (p = sec->data.mapping.pairs.start; p < sec->data.mapping.pairs.top; p++)
			scan_dev(d, sc, node(d, p->key), node(d, p->value), sections[s].kind);
	}
	doc_free(d);
	free(d);
	return r;
}

/* --- edits ------------------------------------------------------------- */

static void add_edit(struct doc *d, size_t start, size_t end, const char *text)
{
	struct edit *e;

	if (d->n_edits == EDITS_MAX) {
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
static size_t entry_end(struct doc *d, size_t next_start, yaml_node_t *value)
{
	const struct text *t = &d->t;
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

static size_t pair_start(struct doc *d, yaml_node_pair_t *p)
{
	size_t off = mark_off(&d->t, node(d, p->key)->start_mark);

	return starts_line(&d->t, off) ? d->t.line[line_of(&d->t, off)] : off;
}

/* Deletes pair p of the block mapping m (its lines). */
static void delete_pair(struct doc *d, yaml_node_t *m, yaml_node_pair_t *p)
{
	size_t next = p + 1 < m->data.mapping.pairs.top ? pair_start(d, p + 1) : (size_t)-1;

	add_edit(d, pair_start(d, p), entry_end(d, next, node(d, p->value)), NULL);
}

static size_t item_start(struct doc *d, yaml_node_item_t *it)
{
	size_t off = mark_off(&d->t, node(d, *it)->start_mark);

	return d->t.line[line_of(&d->t, off)];
}

/* The indentation of a block mapping: its first key's column. */
static size_t indent_of(struct doc *d, yaml_node_t *m)
{
	yaml_node_pair_t *p = m->data.mapping.pairs.start;

	return p < m->data.mapping.pairs.top ? node(d, p->key)->start_mark.column : 2;
}

/* What the primary's and others' mappings get: "key: value" pairs. */
struct kv {
	const char *k;
	char v[64];
};

/* Appends pairs (block style) at the end of the device mapping m. */
static void add_pairs(struct doc *d, yaml_node_t *m, const struct kv *kv, size_t n)
{
	yaml_node_pair_t *last = m->data.mapping.pairs.top - 1;
	size_t ind = indent_of(d, m), i, at;
	char text[1024] = "";

	if (!n)
		return;
	at = entry_end(d, (size_t)-1, node(d, last->value));
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

/* A device written in flow style ({dhcp4: true}) is written again in
 * flow style: kept pairs as they were, new ones after. */
static void rewrite_flow(struct doc *d, yaml_node_t *m, const char *const *drop,
			 const struct kv *kv, size_t n)
{
	yaml_node_pair_t *p;
	char text[2048] = "{";
	size_t i, l;
	bool first = true;

	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		size_t a = mark_off(&d->t, node(d, p->key)->start_mark);
		size_t b = mark_off(&d->t, node(d, p->value)->end_mark);
		bool gone = false;

		for (i = 0; drop[i]; i++)
			gone |= scalar_is(node(d, p->key), drop[i]);
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
static bool text_is(struct doc *d, yaml_node_t *n, const char *s)
{
	size_t a = mark_off(&d->t, n->start_mark), b = mark_off(&d->t, n->end_mark);

	return b >= a && b - a == strlen(s) && !memcmp(d->t.buf + a, s, b - a);
}

static bool in_drop(struct doc *d, yaml_node_t *key, const char *const *drop,
		    const struct kv *kv, size_t n, const char *const *kept)
{
	size_t i;

	for (i = 0; kept && kept[i]; i++)
		if (scalar_is(key, kept[i]))
			return false;	/* already as we want it */
	for (i = 0; drop[i]; i++)
		if (scalar_is(key, drop[i]))
			return true;
	for (i = 0; i < n; i++)
		if (kv[i].k && scalar_is(key, kv[i].k))
			return true;
	(void)d;
	return false;
}

/* Device m loses the drop keys and gets the kv pairs (a pair already
 * there with the same plain value stays where it is; the others are
 * written at the end, so a second run finds them as it wrote them). */
static void edit_dev(struct doc *d, yaml_node_t *m, const char *const *drop,
		     struct kv *kv, size_t n)
{
	const char *all_drop[32], *kept[9];
	yaml_node_pair_t *p;
	size_t i, k = 0, left = 0, nk = 0;

	if (!m || m->type != YAML_MAPPING_NODE)
		return;		/* "eth0:" with no value: nothing to keep */
	for (i = 0; i < n; i++) {
		yaml_node_t *cur = map_get(d, m, kv[i].k);

		if (cur && nk < 8 && (scalar_is(cur, kv[i].v) || text_is(d, cur, kv[i].v))) {
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
			touch |= in_drop(d, node(d, p->key), drop, kv, n, kept);
		if (touch) {
			struct kv rest[8];
			size_t r = 0;

			for (i = 0; i < n && r < 8; i++)
				if (kv[i].k)
					rest[r++] = kv[i];
			rewrite_flow(d, m, all_drop, rest, r);
		}
		return;
	}
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++)
		if (in_drop(d, node(d, p->key), drop, kv, n, kept))
			delete_pair(d, m, p);
	{
		struct kv rest[8];
		size_t r = 0;

		for (i = 0; i < n && r < 8; i++)
			if (kv[i].k)
				rest[r++] = kv[i];
		add_pairs(d, m, rest, r);
	}
}

/* Items of dev's routes: to the metadata server (always), default ones
 * (dflt).  The whole routes: key goes when no item is left. */
static unsigned drop_routes(struct doc *d, yaml_node_t *dev, bool dflt)
{
	yaml_node_pair_t *p = map_pair(d, dev, "routes");
	yaml_node_t *seq = p ? node(d, p->value) : NULL;
	yaml_node_item_t *it, *top;
	size_t n = 0, gone = 0;

	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return 0;
	top = seq->data.sequence.items.top;
	for (it = seq->data.sequence.items.start; it < top; it++, n++)
		gone += route_to(d, node(d, *it), true) ||
			(dflt && route_to(d, node(d, *it), false));
	if (!gone)
		return 0;
	if (gone == n) {
		delete_pair(d, dev, p);
		return (unsigned)gone;
	}
	if (seq->data.sequence.style == YAML_FLOW_SEQUENCE_STYLE)
		return 0;	/* [a, b]: left as it is */
	for (it = seq->data.sequence.items.start; it < top; it++) {
		yaml_node_t *item = node(d, *it);

		if (!route_to(d, item, true) && !(dflt && route_to(d, item, false)))
			continue;
		add_edit(d, item_start(d, it),
			 entry_end(d, it + 1 < top ? item_start(d, it + 1) : (size_t)-1, item),
			 NULL);
	}
	return (unsigned)gone;
}

static bool in_list(const char *list, const char *w)
{
	return cm_net_in_list(list, w, strlen(w));
}

static void match_value(const struct cm_net_opts *o, char *out, size_t size)
{
	snprintf(out, size, o->ifnames == CM_IFNAMES_KERNEL ? "{name: %s}" :
		 "{name: \"%s\"}", o->ifnames == CM_IFNAMES_KERNEL ?
		 CM_NET_KERNEL_NAME : CM_NET_GLOB_ONE);
}

static void primary_dev(struct doc *d, yaml_node_t *dev, const struct cm_netplan_roles *ro,
			const struct cm_net_opts *o, struct cm_net_summary *s)
{
	static const char *const drop[] = {
		"addresses", "gateway4", "gateway6", "routes", "routing-policy",
		"nameservers", "macaddress", "set-name", "optional", "mtu", NULL,
	};
	static const char *const drop6[] = {
		"addresses", "gateway4", "gateway6", "routes", "routing-policy",
		"nameservers", "macaddress", "set-name", "optional", "mtu",
		"link-local", "accept-ra", NULL,
	};
	struct kv kv[6];
	size_t n = 0;

	if (dev->type != YAML_MAPPING_NODE)
		return;
	if (map_get(d, map_get(d, dev, "match"), "macaddress") || map_get(d, dev, "macaddress"))
		s->unpinned++;
	{
		yaml_node_t *routes = map_get(d, dev, "routes");

		if (routes && routes->type == YAML_SEQUENCE_NODE)
			s->routes += (unsigned)(routes->data.sequence.items.top -
						routes->data.sequence.items.start);
	}
	if (ro->primary_kind == CM_NET_ETHER) {
		kv[n].k = "match";
		match_value(o, kv[n++].v, sizeof(kv[0].v));
	}
	kv[n].k = "dhcp4";
	snprintf(kv[n++].v, sizeof(kv[0].v), "%s", o->dhcp4 ? "true" : "false");
	kv[n].k = "dhcp6";
	snprintf(kv[n++].v, sizeof(kv[0].v), "%s", o->dhcp6 ? "true" : "false");
	if (o->mtu) {
		kv[n].k = "mtu";
		snprintf(kv[n++].v, sizeof(kv[0].v), "%u", o->mtu);
	}
	/* the profile's MTU, not the server's (netplan wants both the same) */
	if (o->mtu && o->dhcp4) {
		kv[n].k = "dhcp4-overrides";
		snprintf(kv[n++].v, sizeof(kv[0].v), "{use-mtu: false}");
	}
	if (o->mtu && o->dhcp6) {
		kv[n].k = "dhcp6-overrides";
		snprintf(kv[n++].v, sizeof(kv[0].v), "{use-mtu: false}");
	}
	/* DHCPv6 needs IPv6 link-local addresses and router advertisements */
	edit_dev(d, dev, o->dhcp6 ? drop6 : drop, kv, n);
}

static void other_dev(struct doc *d, yaml_node_t *key, yaml_node_t *dev,
		      const struct cm_netplan_roles *ro, const struct cm_net_opts *o,
		      struct cm_net_summary *s)
{
	static const char *const gw_drop[] = { "gateway4", "gateway6", "nameservers", NULL };
	static const char *const member_drop[] = { "set-name", "macaddress", NULL };
	static const char *const none[] = { NULL };
	char id[CM_NET_NAME_MAX];
	struct kv kv[1];
	bool gw;

	if (dev->type != YAML_MAPPING_NODE)
		return;
	scalar_copy(key, id, sizeof(id));
	gw = !strcmp(id, ro->gateway);
	s->routes += drop_routes(d, dev, gw);
	if (gw)
		edit_dev(d, dev, gw_drop, kv, 0);
	if (in_list(ro->members, id)) {
		if (map_get(d, map_get(d, dev, "match"), "macaddress")) {
			kv[0].k = "match";
			match_value(o, kv[0].v, sizeof(kv[0].v));
			edit_dev(d, dev, member_drop, kv, 1);
			s->unpinned++;
		}
	} else if (in_list(ro->secondaries, id)) {
		kv[0].k = "optional";
		snprintf(kv[0].v, sizeof(kv[0].v), "true");
		edit_dev(d, dev, none, kv, 1);
		s->secondary++;
	}
}

static int edit_cmp(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->end > y->end) - (x->end < y->end);
}

static int apply(struct doc *d, struct cm_buf *out)
{
	size_t i, at = 0;
	int r = 0;

	qsort(d->e, d->n_edits, sizeof(d->e[0]), edit_cmp);
	cm_buf_reset(out);
	for (i = 0; i < d->n_edits && r == 0; i++) {
		const struct edit *e = &d->e[i];

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

int cm_netplan_rewrite(const char *buf, size_t len,
		       const struct cm_netplan_roles *ro,
		       const struct cm_net_opts *o, struct cm_buf *out,
		       struct cm_net_summary *s)
{
	struct doc *d = malloc(sizeof(*d));
	yaml_node_t *net = NULL;
	const char *why;
	size_t el, k;
	int r;

	if (!d)
		return -ENOMEM;
	r = doc_load(d, buf, len, &el, &why);
	if (r == 0)
		r = network_of(d, &net, &el, &why);
	for (k = 0; r == 0 && net && k < sizeof(sections) / sizeof(sections[0]); k++) {
		yaml_node_t *sec = map_get(d, net, sections[k].key);
		yaml_node_pair_t *p;

		if (!sec || sec->type != YAML_MAPPING_NODE)
			continue;
		for (p = sec->data.mapping.pairs.start; p < sec->data.mapping.pairs.top; p++) {
			yaml_node_t *key = node(d, p->key), *dev = node(d, p->value);

			if (ro->primary[0] && scalar_is(key, ro->primary))
				primary_dev(d, dev, ro, o, s);
			else
				other_dev(d, key, dev, ro, o, s);
		}
	}
	if (r == 0)
		r = d->err;
	if (r == 0)
		r = apply(d, out);
	doc_free(d);
	free(d);
	if (r < 0)
		return r;
	return out->len != len || memcmp(out->data, buf, len);
}

/* --- the root's files ---------------------------------------------------- */

static int scan(struct cm_net_run *run, const char *buf, size_t len,
		size_t *line, const char **why)
{
	struct cm_netplan_scan *sc = malloc(sizeof(*sc));
	size_t i;
	int r = sc ? cm_netplan_scan(buf, len, sc, line, why) : -ENOMEM;

	for (i = 0; r >= 0 && i < sc->n; i++) {
		const struct cm_netplan_dev *v = &sc->v[i];

		r = cm_net_add(run, &(struct cm_net_fact){
			.name = v->id, .kind = v->kind, .gateway = v->gateway,
			.dhcp = v->dhcp, .mac = v->mac, .parent = v->parent,
			.ports = v->ports });
	}
	free(sc);
	return r < 0 ? r : 0;
}

/* Netplan's roles by id: a port of another bond or bridge is that one's
 * business, never a secondary of its own. */
static void roles_of(const struct cm_net_run *run, struct cm_netplan_roles *ro)
{
	const struct cm_net_ifaces *l = &run->ifaces;
	size_t i;

	memset(ro, 0, sizeof(*ro));
	if (run->primary >= 0) {
		snprintf(ro->primary, sizeof(ro->primary), "%s", l->v[run->primary].name);
		ro->primary_kind = l->v[run->primary].kind;
	}
	if (run->gateway >= 0)
		snprintf(ro->gateway, sizeof(ro->gateway), "%s", l->v[run->gateway].name);
	for (i = 0; i < l->n; i++) {
		unsigned role = cm_net_role(run, (int)i);

		if ((int)i == run->primary)
			continue;
		if (role & CM_NET_ROLE_MEMBER)
			cm_net_list_add(ro->members, sizeof(ro->members), l->v[i].name);
		else if ((role & CM_NET_ROLE_SECONDARY) && !l->v[i].member)
			cm_net_list_add(ro->secondaries, sizeof(ro->secondaries),
					l->v[i].name);
	}
}

static int rewrite(const struct cm_net_run *run, size_t f, const char *buf,
		   size_t len, struct cm_buf *out, struct cm_net_summary *s)
{
	struct cm_netplan_roles ro;

	(void)f;
	roles_of(run, &ro);
	return cm_netplan_rewrite(buf, len, &ro, run->o, out, s);
}

static const char *const dirs[] = { CM_NETPLAN_DIR, NULL };

const struct cm_net_backend cm_net_netplan = {
	.name = "netplan",
	.dirs = dirs,
	.glob = "*.yaml",
	.bad_line = "not YAML",
	.scan = scan,
	.rewrite = rewrite,
};
