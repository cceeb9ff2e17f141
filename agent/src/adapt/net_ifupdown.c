#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../log.h"
#include "net_backends.h"
#include "net_ifupdown.h"
#include "rewrite.h"
#include "../util/sysroot.h"

#define WORDS_MAX	64
#define WORD_MAX	256
#define LINE_MAX_	4096

/* A logical line (backslash continuations joined) split in words. */
struct line {
	size_t off, len;	/* physical extent, without the final '\n' */
	size_t n;
	char w[WORDS_MAX][WORD_MAX];
};

/* interfaces(5): the words that start a stanza. */
static bool stanza_word(const char *w)
{
	return !strcmp(w, "iface") || !strcmp(w, "mapping") || !strcmp(w, "auto") ||
	       !strncmp(w, "allow-", 6) || !strcmp(w, "rename") ||
	       !strcmp(w, "source") || !strcmp(w, "source-directory") ||
	       !strcmp(w, "no-auto-down") || !strcmp(w, "no-scripts");
}

static bool auto_word(const char *w)
{
	return !strcmp(w, "auto") || !strncmp(w, "allow-", 6);
}

/* The next logical line from *pos; 0, 1 at the end, -EMSGSIZE. */
static int next_line(const char *buf, size_t len, size_t *pos, struct line *l)
{
	size_t p = *pos, i, wl = 0;
	bool in_word = false;

	if (p >= len)
		return 1;
	l->off = p;
	l->n = 0;
	for (i = p; i < len; i++) {
		char c = buf[i];

		if (c == '\n') {
			if (i > p && buf[i - 1] == '\\' && i + 1 < len)
				continue;	/* continued */
			break;
		}
		if (c == '\\' && i + 1 < len && buf[i + 1] == '\n')
			c = ' ';
		if (c == ' ' || c == '\t' || c == '\r') {
			if (in_word)
				l->w[l->n++][wl] = '\0';
			in_word = false;
			continue;
		}
		if (!in_word) {
			if (l->n == WORDS_MAX)
				return -EMSGSIZE;
			in_word = true;
			wl = 0;
		}
		if (wl + 1 >= WORD_MAX)
			return -EMSGSIZE;
		l->w[l->n][wl++] = c;
	}
	if (in_word)
		l->w[l->n++][wl] = '\0';
	l->len = i - p;
	*pos = i + 1;
	if (l->n && l->w[0][0] == '#')
		l->n = 0;	/* a comment: only at the start of a line */
	return 0;
}

static bool is_route_cmd(const struct line *l)
{
	size_t i;

	if (l->n < 2 || (strcmp(l->w[0], "up") && strcmp(l->w[0], "post-up") &&
			 strcmp(l->w[0], "pre-up") && strcmp(l->w[0], "down") &&
			 strcmp(l->w[0], "pre-down") && strcmp(l->w[0], "post-down")))
		return false;
	for (i = 1; i < l->n; i++)
		if (!strcmp(l->w[i], "route") || !strcmp(l->w[i], "r") ||
		    !strcmp(l->w[i], "ro"))
			return true;
	return false;
}

static bool line_has(const struct line *l, bool (*f)(const char *, size_t))
{
	size_t i;

	for (i = 1; i < l->n; i++)
		if (f(l->w[i], strlen(l->w[i])))
			return true;
	return false;
}

static bool md_word(const char *w, size_t n)
{
	return cm_net_is_metadata(w, n);
}

static bool default_word(const char *w, size_t n)
{
	return n && cm_net_is_default_dest(w, n);
}

static void cpy(char *d, size_t size, const char *s)
{
	size_t n = strlen(s);

	if (n >= size)
		n = size - 1;
	memcpy(d, s, n);
	d[n] = '\0';
}

/* --- scan ------------------------------------------------------------------ */

static struct cm_ifupdown_iface *scan_iface(struct cm_ifupdown_scan *sc,
					    const char *name)
{
	size_t i;

	for (i = 0; i < sc->n; i++)
		if (!strcmp(sc->v[i].name, name))
			return &sc->v[i];
	if (sc->n == CM_NET_IFACES_MAX)
		return NULL;
	memset(&sc->v[sc->n], 0, sizeof(sc->v[0]));
	snprintf(sc->v[sc->n].name, CM_NET_NAME_MAX, "%s", name);
	if (strchr(name, '.')) {
		sc->v[sc->n].kind = CM_NET_VLAN;
		snprintf(sc->v[sc->n].parent, CM_NET_NAME_MAX, "%.*s",
			 (int)strcspn(name, "."), name);
	}
	return &sc->v[sc->n++];
}

static void scan_option(struct cm_ifupdown_scan *sc, struct cm_ifupdown_iface *cur,
			const struct line *l)
{
	const char *k = l->w[0];
	size_t i;

	if (!strcmp(k, "gateway"))
		cur->gateway = true;
	else if (!strcmp(k, "bond-slaves") || !strcmp(k, "bond_slaves") ||
		 !strcmp(k, "bond-mode") || !strcmp(k, "bond_mode"))
		cur->kind = CM_NET_BOND;
	else if ((!strcmp(k, "bond-master") || !strcmp(k, "bond_master")) && l->n > 1)
		cpy(cur->master, CM_NET_NAME_MAX, l->w[1]);
	else if ((!strcmp(k, "vlan-raw-device") || !strcmp(k, "vlan_raw_device")) &&
		 l->n > 1) {
		cur->kind = CM_NET_VLAN;
		cpy(cur->parent, CM_NET_NAME_MAX, l->w[1]);
	} else if (!strcmp(k, "bridge_ports") || !strcmp(k, "bridge-ports")) {
		cur->kind = CM_NET_BRIDGE;
		for (i = 1; i < l->n; i++) {
			struct cm_ifupdown_iface *p;

			if (!strcmp(l->w[i], "none") || strchr(l->w[i], '/'))
				continue;
			p = scan_iface(sc, l->w[i]);
			if (p)
				snprintf(p->master, CM_NET_NAME_MAX, "%s", cur->name);
		}
	} else if (is_route_cmd(l) && line_has(l, default_word)) {
		cur->gateway = true;
	}
}

static void scan_source(struct cm_ifupdown_scan *sc, const struct line *l)
{
	if (l->n < 2 || sc->n_sources == CM_IFUPDOWN_SOURCES_MAX)
		return;
	snprintf(sc->source[sc->n_sources], sizeof(sc->source[0]), "%s", l->w[1]);
	sc->source_kind[sc->n_sources++] = strcmp(l->w[0], "source") ? 'd' : 's';
}

static const char *auto_target(const char *w);

static void scan_autos(struct cm_ifupdown_scan *sc, const struct line *l)
{
	size_t i, n;

	for (i = 1; i < l->n; i++) {
		/* a bare pattern ("auto /en*") may bring up anything: "*" */
		const char *t = auto_target(l->w[i]) ? auto_target(l->w[i]) : "*";

		n = strlen(sc->autos);
		if (t && n + strlen(t) + 2 < sizeof(sc->autos))
			snprintf(sc->autos + n, sizeof(sc->autos) - n, "%s%s",
				 n ? " " : "", t);
	}
}

int cm_ifupdown_scan(const char *buf, size_t len, struct cm_ifupdown_scan *sc,
		     size_t *err_line)
{
	struct line *l = malloc(sizeof(*l));
	struct cm_ifupdown_iface *cur = NULL;
	size_t pos = 0, lineno = 0;
	bool in_stanza = false;
	int r = 0;

	memset(sc, 0, sizeof(*sc));
	*err_line = 0;
	if (!l)
		return -ENOMEM;
	if (len > CM_NET_FILE_MAX || memchr(buf, '\0', len))
		r = len > CM_NET_FILE_MAX ? -EMSGSIZE : -EBADMSG;
	while (r == 0 && (r = next_line(buf, len, &pos, l)) == 0) {
		lineno++;
		if (!l->n)
			continue;
		if (stanza_word(l->w[0])) {
			/* ifupdown takes option lines after iface and
			 * mapping only ("misplaced option" elsewhere) */
			in_stanza = !strcmp(l->w[0], "iface") || !strcmp(l->w[0], "mapping");
			cur = NULL;
			if (!strcmp(l->w[0], "iface")) {
				if (l->n < 4) {
					r = -EBADMSG;
					break;
				}
				cur = scan_iface(sc, l->w[1]);
				if (!cur) {
					r = -EMSGSIZE;
					break;
				}
				if (!strcmp(l->w[3], "loopback") || !strcmp(l->w[1], "lo"))
					cur->kind = CM_NET_LOOPBACK;
				if (!strcmp(l->w[2], "inet") && !strcmp(l->w[3], "dhcp"))
					cur->dhcp = true;
			} else if (!strcmp(l->w[0], "source") ||
				   !strcmp(l->w[0], "source-directory")) {
				scan_source(sc, l);
			} else if (auto_word(l->w[0])) {
				scan_autos(sc, l);
			}
			continue;
		}
		if (!in_stanza) {
			r = -EBADMSG;	/* an option outside any stanza */
			break;
		}
		if (cur)
			scan_option(sc, cur, l);
	}
	if (r == 1)
		r = 0;
	if (r == -EBADMSG)
		*err_line = lineno;
	free(l);
	return r;
}

/* --- rewrite ------------------------------------------------------------- */

static bool in_list(const char *list, const char *w)
{
	return cm_net_in_list(list, w, strlen(w));
}

/* The interface an auto/allow word brings up: "eth0", "/en*=eth0" (the
 * logical name after '='); NULL for a bare pattern. */
static const char *auto_target(const char *w)
{
	const char *eq = strrchr(w, '=');

	if (eq)
		return eq + 1;
	return w[0] == '/' ? NULL : w;
}

static void primary_word(const struct cm_ifupdown_roles *ro,
			 const struct cm_net_opts *o, char *out, size_t size)
{
	const char *p = ro->n.primary;

	if (ro->n.primary_kind != CM_NET_ETHER)
		snprintf(out, size, "%s", p);
	else if (o->ifnames == CM_IFNAMES_KERNEL)
		snprintf(out, size, strcmp(p, CM_NET_KERNEL_NAME) ? "/%s=%s" : "%.0s%s",
			 CM_NET_KERNEL_NAME, p);
	else	/* the first NIC whose name matches, as the logical name */
		snprintf(out, size, "/%s/1=%s", CM_NET_GLOB_ONE, p);
}

static int emit_words(struct cm_buf *out, const char *indent, const char *first,
		      const struct line *l, size_t from)
{
	size_t i;
	int r = cm_buf_printf(out, "%s%s", indent, first);

	for (i = from; r == 0 && i < l->n; i++)
		r = cm_buf_printf(out, " %s", l->w[i]);
	return r < 0 ? r : cm_buf_add(out, "\n", 1);
}

/* A word ending in '\\' would continue the line we write: such lines
 * (never seen in a real file) are left as they are. */
static bool odd_words(const struct line *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->w[i][0] && l->w[i][strlen(l->w[i]) - 1] == '\\')
			return true;
	return false;
}

/* "auto eth0 eth1": the primary's word becomes its pattern, secondaries
 * move to an allow-hotplug line of their own (udev brings them up when
 * they appear; boot does not wait). */
static int rewrite_auto(const struct line *l, const struct cm_ifupdown_roles *ro,
			const struct cm_net_opts *o, const char *indent,
			struct cm_buf *out, struct cm_net_summary *s, bool *changed)
{
	char keep[LINE_MAX_] = "", moved[LINE_MAX_] = "", pw[128];
	bool is_auto = !strcmp(l->w[0], "auto") || !strcmp(l->w[0], "allow-auto");
	size_t i;
	int r = 0;

	if (odd_words(l))
		return 1;
	primary_word(ro, o, pw, sizeof(pw));
	for (i = 1; i < l->n; i++) {
		const char *t = auto_target(l->w[i]), *w = l->w[i];

		if (t && !strcmp(t, ro->n.primary) && strcmp(w, pw)) {
			w = pw;
			*changed = true;
		} else if (t && is_auto && in_list(ro->n.secondaries, t)) {
			strncat(moved, " ", sizeof(moved) - strlen(moved) - 1);
			strncat(moved, w, sizeof(moved) - strlen(moved) - 1);
			*changed = true;
			s->secondary++;
			continue;
		}
		strncat(keep, " ", sizeof(keep) - strlen(keep) - 1);
		strncat(keep, w, sizeof(keep) - strlen(keep) - 1);
	}
	if (!*changed)
		return 1;	/* as it was */
	if (keep[0])
		r = cm_buf_printf(out, "%s%s%s\n", indent, l->w[0], keep);
	if (r == 0 && moved[0])
		r = cm_buf_printf(out, "%sallow-hotplug%s\n", indent, moved);
	return r;
}

struct rw_state {
	const struct cm_ifupdown_roles *ro;
	const struct cm_net_opts *o;
	struct cm_net_summary *s;
	const char *name;	/* the stanza's interface ("" none) */
	const char *family;
	bool drop;		/* the stanza is removed whole */
	const char *opt_indent;	/* how the file indents options */
	bool auto_added;
	bool changed;
};

/* Option lines the primary's stanza loses: its static addressing, DNS,
 * MAC and MTU (set again below), and route commands. */
static bool primary_drops(const struct line *l)
{
	static const char *const keys[] = {
		"address", "netmask", "gateway", "broadcast", "network",
		"pointopoint", "dns-nameservers", "dns-nameserver", "hwaddress",
		"mtu", "scope", "accept_ra", "autoconf", NULL,
	};
	size_t i;

	for (i = 0; keys[i]; i++)
		if (!strcmp(l->w[0], keys[i]))
			return true;
	/* what rewrite_iface adds: dropped, then written again */
	if (l->n == 8 && !strcmp(l->w[0], "pre-up") && !strcmp(l->w[1], "ip") &&
	    !strcmp(l->w[2], "link") && !strcmp(l->w[3], "set") &&
	    !strcmp(l->w[5], "$IFACE") && !strcmp(l->w[6], "mtu"))
		return true;
	return is_route_cmd(l);
}

static int rewrite_option(const struct line *l, struct rw_state *st, bool *keep)
{
	bool prim = !strcmp(st->name, st->ro->n.primary);
	bool gw = prim || !strcmp(st->name, st->ro->n.gateway);

	*keep = true;
	if (is_route_cmd(l) && line_has(l, md_word)) {
		st->s->routes++;
		*keep = false;
	} else if (prim && primary_drops(l)) {
		st->s->routes += is_route_cmd(l);
		st->s->unpinned += !strcmp(l->w[0], "hwaddress");
		*keep = false;
	} else if (gw && (!strcmp(l->w[0], "gateway") ||
			  !strncmp(l->w[0], "dns-nameserver", 14) ||
			  (is_route_cmd(l) && line_has(l, default_word)))) {
		*keep = false;
	} else if (!prim && in_list(st->ro->n.members, st->name) &&
		   !strcmp(l->w[0], "hwaddress")) {
		st->s->unpinned++;
		*keep = false;
	}
	return 0;
}

/* "iface P inet static" -> "iface P inet dhcp" (+ its MTU); a static
 * inet6 stanza -> dhcp, or dropped when the target has no DHCPv6. */
static int rewrite_iface(const struct line *l, struct rw_state *st,
			 const char *indent, struct cm_buf *out, bool *keep)
{
	const struct cm_net_opts *o = st->o;
	const char *method;
	int r;

	*keep = true;
	st->drop = false;
	if (strcmp(l->w[1], st->ro->n.primary) || odd_words(l))
		return 0;
	if (!strcmp(l->w[2], "inet"))
		method = o->dhcp4 ? "dhcp" : "manual";
	else if (!strcmp(l->w[2], "inet6") && (!strcmp(l->w[3], "auto") ||
					       !strcmp(l->w[3], "dhcp")))
		return 0;
	else if (!strcmp(l->w[2], "inet6") && !o->dhcp6) {
		st->drop = true;
		*keep = false;
		return 0;
	} else if (!strcmp(l->w[2], "inet6"))
		method = "dhcp";
	else
		return 0;
	*keep = false;
	r = 0;
	if (st->ro->add_auto && !st->auto_added && !strcmp(l->w[2], "inet")) {
		char pw[128];

		primary_word(st->ro, o, pw, sizeof(pw));
		r = cm_buf_printf(out, "%sauto %s\n", indent, pw);
		st->auto_added = true;
	}
	if (r == 0)
		r = cm_buf_printf(out, "%siface %s %s %s", indent, l->w[1], l->w[2], method);
	if (r == 0 && l->n > 4)		/* inherits X */
		r = emit_words(out, "", "", l, 4);
	else if (r == 0)
		r = cm_buf_add(out, "\n", 1);
	if (r == 0 && o->mtu && !strcmp(l->w[2], "inet"))
		r = cm_buf_printf(out, "%spre-up ip link set dev $IFACE mtu %u\n",
				  st->opt_indent, o->mtu);
	return r;
}

/* How the file indents its option lines (the first indented line's
 * blanks), to write ours alike; a tab when none is. */
static void opt_indent(const char *buf, size_t len, char *out, size_t size)
{
	static const char ours[] = "pre-up ip link set dev $IFACE mtu ";
	const char *p = memmem(buf, len, ours, sizeof(ours) - 1);
	size_t i, n;

	/* the line we wrote before keeps its indentation (idempotence) */
	for (n = 0; p && p - n > buf && (p[-1 - (long)n] == ' ' || p[-1 - (long)n] == '\t'); n++)
		;
	if (p && n && n < size && (p - n == buf || p[-1 - (long)n] == '\n')) {
		memcpy(out, p - n, n);
		out[n] = '\0';
		return;
	}
	for (i = 0; i < len; i++) {
		if (i && buf[i - 1] != '\n')
			continue;
		for (n = 0; i + n < len && (buf[i + n] == ' ' || buf[i + n] == '\t'); n++)
			;
		if (n && n < size && i + n < len && buf[i + n] != '\n' &&
		    buf[i + n] != '#' && buf[i + n] != '\r') {
			memcpy(out, buf + i, n);
			out[n] = '\0';
			return;
		}
	}
	snprintf(out, size, "\t");
}

int cm_ifupdown_rewrite(const char *buf, size_t len,
			const struct cm_ifupdown_roles *roles,
			const struct cm_net_opts *o, struct cm_buf *out,
			struct cm_net_summary *s)
{
	struct line *l = malloc(sizeof(*l));
	struct rw_state st = { .ro = roles, .o = o, .s = s, .name = "", .family = "" };
	char name[CM_NET_NAME_MAX] = "", oi[17];
	size_t pos = 0;
	int r = 0;

	cm_buf_reset(out);
	if (!l)
		return -ENOMEM;
	if (len > CM_NET_FILE_MAX || memchr(buf, '\0', len))
		r = len > CM_NET_FILE_MAX ? -EMSGSIZE : -EBADMSG;
	opt_indent(buf, len, oi, sizeof(oi));
	st.opt_indent = oi;
	while (r == 0 && (r = next_line(buf, len, &pos, l)) == 0) {
		char indent[64];
		size_t il = 0;
		bool keep = true, ch = false;

		while (il < l->len && (buf[l->off + il] == ' ' || buf[l->off + il] == '\t'))
			il++;
		snprintf(indent, sizeof(indent), "%.*s", (int)(il < 63 ? il : 63),
			 buf + l->off);
		if (l->n && stanza_word(l->w[0])) {
			st.drop = false;
			name[0] = '\0';
			if (!strcmp(l->w[0], "iface") && l->n >= 4) {
				cpy(name, sizeof(name), l->w[1]);
				r = rewrite_iface(l, &st, indent, out, &keep);
			} else if (auto_word(l->w[0])) {
				r = rewrite_auto(l, roles, o, indent, out, s, &ch);
				keep = r == 1;
				r = r == 1 ? 0 : r;
			}
			st.name = name;
		} else if (st.drop && l->n) {
			keep = false;
		} else if (l->n && name[0]) {
			r = rewrite_option(l, &st, &keep);
		}
		if (r == 0 && keep) {
			r = cm_buf_add(out, buf + l->off, l->len);
			if (r == 0 && l->off + l->len < len)
				r = cm_buf_add(out, "\n", 1);
		}
	}
	if (r == 1)
		r = 0;
	if (r == 0 && !out->data)
		r = cm_buf_add(out, "", 0);
	free(l);
	if (r < 0)
		return r;
	return out->len != len || memcmp(out->data, buf, len);
}

/* --- the root's files ---------------------------------------------------- */

/* The interfaces auto/allow-* lines bring up, by file. */
struct ifu_autos {
	char v[CM_NET_FILES_MAX][16 * CM_NET_NAME_MAX];
};

/* "source PATTERN" (a glob in its last component) or "source-directory
 * DIR" (files named [a-zA-Z0-9_-]+), relative to the including file. */
static int add_sources(struct cm_net_run *run, const struct cm_ifupdown_scan *sc)
{
	const char *self = run->path[run->cur];
	char (*names)[CM_NET_FNAME_MAX] = NULL;
	char dir[CM_PATH_MAX], base[CM_NET_FNAME_MAX], path[CM_PATH_MAX];
	size_t k;
	int r = 0, n, i;

	names = calloc(CM_NET_FILES_MAX, CM_NET_FNAME_MAX);
	if (!names)
		return -ENOMEM;
	for (k = 0; k < sc->n_sources && r >= 0; k++) {
		const char *src = sc->source[k], *slash;

		if (src[0] == '/')
			snprintf(dir, sizeof(dir), "%s", src);
		else
			snprintf(dir, sizeof(dir), "%.*s/%s",
				 (int)(strrchr(self, '/') - self), self, src);
		if (sc->source_kind[k] == 'd') {
			snprintf(base, sizeof(base), "*");
		} else {
			slash = strrchr(dir, '/');
			snprintf(base, sizeof(base), "%s", slash + 1);
			dir[slash - dir ? (size_t)(slash - dir) : 1] = '\0';
		}
		if (strpbrk(dir, "*?["))
			continue;	/* globs in directories: not followed */
		n = cm_sysroot_list(run->sysroot, dir, "*", names, CM_NET_FILES_MAX);
		for (i = 0; i < n && r >= 0; i++) {
			if (fnmatch(base, names[i], FNM_PERIOD))
				continue;
			if (sc->source_kind[k] == 'd' &&
			    strspn(names[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789_-") != strlen(names[i]))
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%.2048s/%s", dir,
					     names[i]) >= sizeof(path))
				continue;
			r = cm_net_include(run, path);
		}
		if (n < 0) {
			run->said = true;	/* cm_sysroot_list said why */
			r = n;
		}
	}
	free(names);
	return r;
}

static int scan(struct cm_net_run *run, const char *fname, const char *buf,
		size_t len, size_t *line)
{
	struct cm_ifupdown_scan *sc = malloc(sizeof(*sc));
	struct ifu_autos *autos = run->priv;
	size_t i;
	int r = sc ? cm_ifupdown_scan(buf, len, sc, line) : -ENOMEM;

	(void)fname;
	if (r == 0) {
		snprintf(autos->v[run->cur], sizeof(autos->v[0]), "%s", sc->autos);
		r = add_sources(run, sc);
	}
	for (i = 0; r >= 0 && i < sc->n; i++) {
		const struct cm_ifupdown_iface *in = &sc->v[i];

		r = cm_net_add(run, &(struct cm_net_fact){
			.name = in->name, .kind = in->kind, .gateway = in->gateway,
			.dhcp = in->dhcp, .parent = in->parent, .master = in->master });
	}
	free(sc);
	return r < 0 ? r : 0;
}

/* What does not come up at boot is left alone. */
static bool not_up(const struct cm_net_iface *v)
{
	return v->kind == CM_NET_OTHER;
}

/* ifupdown's roles, by name; the primary gets an auto line when no
 * auto/allow line of any file brings it up. */
static void roles_of(const struct cm_net_run *run, struct cm_ifupdown_roles *ro)
{
	const struct ifu_autos *autos = run->priv;
	size_t i;

	cm_net_names_of(run, not_up, not_up, &ro->n);
	ro->add_auto = run->primary >= 0;
	for (i = 0; ro->add_auto && i < run->n; i++)
		if (in_list(autos->v[i], ro->n.primary) || in_list(autos->v[i], "*"))
			ro->add_auto = false;
}

static int rewrite(const struct cm_net_run *run, size_t f, const char *buf,
		   size_t len, struct cm_buf *out, struct cm_net_summary *s)
{
	struct cm_ifupdown_roles ro;

	(void)f;
	roles_of(run, &ro);
	return cm_ifupdown_rewrite(buf, len, &ro, run->o, out, s);
}

const struct cm_net_backend cm_net_ifupdown = {
	.name = "ifupdown",
	.file = CM_IFUPDOWN_FILE,
	.include_max = CM_IFUPDOWN_DEPTH_MAX,
	.bad_line = "not an interfaces(5) line",
	.priv_size = sizeof(struct ifu_autos),
	.scan = scan,
	.rewrite = rewrite,
};
