#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "net_backends.h"
#include "network.h"
#include "rewrite.h"
#include "../util/sysroot.h"

int cm_net_ifaces_find(const struct cm_net_ifaces *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i].name, name))
			return (int)i;
	return -1;
}

int cm_net_ifaces_add(struct cm_net_ifaces *l, const char *name, size_t len,
		      enum cm_net_kind kind, bool gateway)
{
	char n[CM_NET_NAME_MAX];
	int i;

	if (len >= sizeof(n))
		len = sizeof(n) - 1;
	memcpy(n, name, len);
	n[len] = '\0';
	i = cm_net_ifaces_find(l, n);
	if (i >= 0) {
		l->v[i].gateway |= gateway;
		if (kind != CM_NET_ETHER)
			l->v[i].kind = kind;
		return i;
	}
	if (l->n == CM_NET_IFACES_MAX)
		return -E2BIG;
	memset(&l->v[l->n], 0, sizeof(l->v[0]));
	memcpy(l->v[l->n].name, n, len + 1);
	l->v[l->n].kind = kind;
	l->v[l->n].gateway = gateway;
	return (int)l->n++;
}

int cm_net_pick_gateway(const struct cm_net_ifaces *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].gateway && !l->v[i].member &&
		    l->v[i].kind != CM_NET_LOOPBACK && l->v[i].kind != CM_NET_OTHER)
			return (int)i;
	return -1;
}

/* The free ethernet interface with the least name (with DHCP only). */
static int first_ether(const struct cm_net_ifaces *l, bool dhcp)
{
	size_t i;
	int best = -1;

	for (i = 0; i < l->n; i++)
		if (l->v[i].kind == CM_NET_ETHER && !l->v[i].member &&
		    (!dhcp || l->v[i].dhcp) &&
		    (best < 0 || strcmp(l->v[i].name, l->v[best].name) < 0))
			best = (int)i;
	return best;
}

int cm_net_pick_primary(const struct cm_net_ifaces *l)
{
	int g = cm_net_pick_gateway(l), p;
	size_t i;

	if (g >= 0 && l->v[g].kind == CM_NET_VLAN) {
		p = l->v[g].parent[0] ? cm_net_ifaces_find(l, l->v[g].parent) : -1;
		if (p >= 0 && l->v[p].kind != CM_NET_VLAN)
			return p;
		g = -1;		/* a VLAN on something we do not configure */
	}
	if (g >= 0)
		return g;
	if ((p = first_ether(l, true)) >= 0 || (p = first_ether(l, false)) >= 0)
		return p;
	for (i = 0; i < l->n; i++)
		if (l->v[i].kind == CM_NET_BOND || l->v[i].kind == CM_NET_BRIDGE)
			return (int)i;
	return -1;
}

bool cm_net_is_metadata(const char *addr, size_t len)
{
	static const char *const md[] = { CM_NET_METADATA_V4, CM_NET_METADATA_V6 };
	size_t i, n;

	for (i = 0; i < sizeof(md) / sizeof(md[0]); i++) {
		n = strlen(md[i]);
		if (len >= n && !strncmp(addr, md[i], n) &&
		    (len == n || addr[n] == '/'))
			return true;
	}
	return false;
}

bool cm_net_is_default_dest(const char *dst, size_t len)
{
	static const char *const dflt[] = {
		"default", "0.0.0.0/0", "0.0.0.0", "::/0", "::", "0/0",
	};
	size_t i;

	if (!len)
		return true;
	for (i = 0; i < sizeof(dflt) / sizeof(dflt[0]); i++)
		if (strlen(dflt[i]) == len && !strncmp(dst, dflt[i], len))
			return true;
	return false;
}

void cm_net_opts_from_profile(const struct cm_profile_rt *p,
			      struct cm_net_opts *o)
{
	o->dhcp4 = p->dhcp4;
	o->dhcp6 = p->dhcp6;
	o->mtu = p->mtu;
	o->ifnames = p->ifnames;
}

bool cm_net_in_list(const char *list, const char *w, size_t wl)
{
	const char *p = list;

	while (*p) {
		size_t l;

		while (*p == ' ')
			p++;
		l = strcspn(p, " ");
		if (l == wl && !strncmp(p, w, wl))
			return true;
		p += l;
	}
	return false;
}

void cm_net_list_add(char *list, size_t size, const char *w)
{
	if (strlen(list) + strlen(w) + 2 > size)
		return;
	if (list[0])
		strcat(list, " ");
	strcat(list, w);
}

/* --- the loop: files, facts, roles, the plan ---------------------------- */

/* What the scans listed for an interface, settled once all are read. */
struct cm_net_links {
	char alias[CM_NET_NAME_MAX];
	char ports[4 * CM_NET_NAME_MAX];
	char vlans[4 * CM_NET_NAME_MAX];
};

static bool given(const char *s)
{
	return s && *s;
}

static void name_set(char *dst, const char *src)
{
	snprintf(dst, CM_NET_NAME_MAX, "%s", src);
}

int cm_net_add(struct cm_net_run *run, const struct cm_net_fact *f)
{
	int k = cm_net_ifaces_add(&run->ifaces, f->name, strlen(f->name), f->kind,
				  f->gateway);
	struct cm_net_iface *v;
	struct cm_net_links *x;

	if (k < 0)
		return k;
	v = &run->ifaces.v[k];
	x = &run->links[k];
	v->dhcp |= f->dhcp;
	v->mac |= f->mac;
	if (given(f->parent))
		name_set(v->parent, f->parent);
	if (given(f->master)) {
		name_set(v->master, f->master);
		v->member = true;
	}
	if (given(f->alias))
		name_set(x->alias, f->alias);
	if (given(f->ports))
		cm_net_list_add(x->ports, sizeof(x->ports), f->ports);
	if (given(f->vlans))
		cm_net_list_add(x->vlans, sizeof(x->vlans), f->vlans);
	run->iface_of[run->cur] = k;
	return 0;
}

int cm_net_include(struct cm_net_run *run, const char *path)
{
	size_t at = run->ins, rest = run->n - at;

	if (run->n == CM_NET_FILES_MAX) {
		run->said = true;
		return cm_err(-E2BIG, "%s: more than %d files", run->be->name,
			      CM_NET_FILES_MAX);
	}
	memmove(run->path[at + 1], run->path[at], rest * sizeof(run->path[0]));
	memmove(&run->depth[at + 1], &run->depth[at], rest * sizeof(run->depth[0]));
	snprintf(run->path[at], CM_PATH_MAX, "%s", path);
	run->depth[at] = (unsigned char)(run->depth[run->cur] + 1);
	run->n++;
	run->ins++;
	return 0;
}

/* A file gone between listing and reading: as if never listed. */
static void forget(struct cm_net_run *run, size_t f)
{
	size_t rest = run->n - f - 1;

	memmove(run->path[f], run->path[f + 1], rest * sizeof(run->path[0]));
	memmove(&run->depth[f], &run->depth[f + 1], rest * sizeof(run->depth[0]));
	run->n--;
}

/* The first of the back end's directories with a file of its own. */
static int list_files(struct cm_net_run *run)
{
	const struct cm_net_backend *be = run->be;
	char (*names)[CM_NET_FNAME_MAX];
	size_t i;
	int n = 0;

	if (be->file) {
		snprintf(run->path[0], CM_PATH_MAX, "%s", be->file);
		run->n = 1;
		return 0;
	}
	names = calloc(CM_NET_FILES_MAX, CM_NET_FNAME_MAX);
	if (!names)
		return -ENOMEM;
	for (run->dir_index = 0; be->dirs[run->dir_index]; run->dir_index++) {
		run->dir = be->dirs[run->dir_index];
		n = cm_sysroot_list(run->sysroot, run->dir, be->glob, names,
				    CM_NET_FILES_MAX);
		for (i = 0; i < (size_t)(n > 0 ? n : 0); i++)
			if (!be->skip || !be->skip(names[i]))
				snprintf(run->path[run->n++], CM_PATH_MAX, "%s/%s",
					 run->dir, names[i]);
		if (n < 0 || run->n)
			break;	/* a root has one or the other */
	}
	free(names);
	return n < 0 ? n : 0;
}

static int scan_file(struct cm_net_run *run, struct cm_buf *b)
{
	const char *path = run->path[run->cur];
	size_t line = 0;
	int r;

	if (run->depth[run->cur] > run->be->include_max)
		return cm_err(-ELOOP, "%s: %s%s: sources nested too deep",
			      run->be->name, run->sysroot, path);
	r = cm_rewrite_read(run->sysroot, path, b);
	if (r <= 0)
		return r;
	run->ins = run->cur + 1;
	run->why = NULL;
	r = run->be->scan(run, strrchr(path, '/') + 1, b->data, b->len, &line);
	/* a refused shape (too deep, too wide) says where, as syntax does */
	if ((r == -EBADMSG || r == -EMSGSIZE) && line)
		return cm_err(r, "%s: %s%s:%zu: %s", run->be->name, run->sysroot,
			      path, line, run->why ? run->why : run->be->bad_line);
	if (r < 0 && !run->said)
		return cm_err(r, "%s: %s%s", run->be->name, run->sysroot, path);
	return r < 0 ? r : 1;
}

/* The first interface named in ref's place (a uuid for its name). */
static void resolve(const struct cm_net_run *run, char *ref)
{
	size_t i;

	for (i = 0; ref[0] && i < run->ifaces.n; i++)
		if (!strcmp(run->links[i].alias, ref)) {
			name_set(ref, run->ifaces.v[i].name);
			return;
		}
}

/* Bonds and bridges list their ports, interfaces their VLANs, in any
 * file, in any order: settled once every file is read. */
static void settle_links(struct cm_net_run *run)
{
	struct cm_net_ifaces *l = &run->ifaces;
	size_t i, w;
	int k;

	for (i = 0; i < l->n; i++) {
		resolve(run, l->v[i].parent);
		resolve(run, l->v[i].master);
	}
	for (i = 0; i < l->n; i++)
		for (w = 0; w < 2; w++) {
			const char *p = w ? run->links[i].vlans : run->links[i].ports;

			while (*p) {
				size_t n = strcspn(p, " ");
				char v[CM_NET_NAME_MAX];

				snprintf(v, sizeof(v), "%.*s", (int)n, p);
				k = cm_net_ifaces_find(l, v);
				if (k >= 0 && w)
					name_set(l->v[k].parent, l->v[i].name);
				else if (k >= 0) {
					l->v[k].member = true;
					name_set(l->v[k].master, l->v[i].name);
				}
				p += n;
				while (*p == ' ')
					p++;
			}
		}
}

static int scan_files(struct cm_net_run *run)
{
	struct cm_buf b;
	int r = 0;

	cm_buf_init(&b, CM_NET_FILE_MAX);
	for (run->cur = 0; r >= 0 && run->cur < run->n; ) {
		r = scan_file(run, &b);
		if (r == 0)
			forget(run, run->cur);
		else if (r > 0)
			run->cur++;
	}
	cm_buf_free(&b);
	if (r < 0)
		return r;
	settle_links(run);
	run->primary = cm_net_pick_primary(&run->ifaces);
	run->gateway = cm_net_pick_gateway(&run->ifaces);
	return 0;
}

unsigned cm_net_role(const struct cm_net_run *run, int k)
{
	const struct cm_net_iface *v = k >= 0 ? &run->ifaces.v[k] : NULL;
	unsigned role = 0;

	if (!v || v->kind == CM_NET_LOOPBACK)
		return 0;
	if (k == run->primary)
		return CM_NET_ROLE_PRIMARY | CM_NET_ROLE_GATEWAY |
		       (v->kind == CM_NET_ETHER ? CM_NET_ROLE_MATCH : 0);
	if (k == run->gateway)
		role |= CM_NET_ROLE_GATEWAY;
	if (run->primary >= 0 && v->master[0] &&
	    !strcmp(v->master, run->ifaces.v[run->primary].name))
		return role | CM_NET_ROLE_MEMBER;
	return role | CM_NET_ROLE_SECONDARY;
}

unsigned cm_net_file_role(const struct cm_net_run *run, size_t f)
{
	return cm_net_role(run, run->iface_of[f]);
}

/* The names of the interfaces whose role has bit, but for those skip
 * refuses (NULL: none). */
static void names_with(const struct cm_net_run *run, unsigned bit,
		       bool (*skip)(const struct cm_net_iface *v), char *list,
		       size_t size)
{
	size_t i;

	for (i = 0; i < run->ifaces.n; i++)
		if ((cm_net_role(run, (int)i) & bit) &&
		    !(skip && skip(&run->ifaces.v[i])))
			cm_net_list_add(list, size, run->ifaces.v[i].name);
}

void cm_net_names_of(const struct cm_net_run *run,
		     bool (*not_member)(const struct cm_net_iface *v),
		     bool (*not_secondary)(const struct cm_net_iface *v),
		     struct cm_net_names *n)
{
	const struct cm_net_iface *v = run->ifaces.v;

	memset(n, 0, sizeof(*n));
	if (run->primary >= 0) {
		name_set(n->primary, v[run->primary].name);
		n->primary_kind = v[run->primary].kind;
	}
	if (run->gateway >= 0)
		name_set(n->gateway, v[run->gateway].name);
	names_with(run, CM_NET_ROLE_MEMBER, not_member, n->members,
		   sizeof(n->members));
	names_with(run, CM_NET_ROLE_SECONDARY, not_secondary, n->secondaries,
		   sizeof(n->secondaries));
}

/* Plans "write new to path" when it differs from old, with a reason
 * line naming the back end, the cloud and what changed. */
static int plan_file(const struct cm_net_run *run, struct cm_plan *plan,
		     const char *path, const struct cm_buf *old,
		     const struct cm_buf *new, const struct cm_net_summary *s)
{
	const char *be = run->be->name;
	char why[192];

	if (s->primary[0])
		snprintf(why, sizeof(why), "%s: %s: DHCP on the first NIC (was "
			 "'%s'), %u secondary non-blocking, %u pin(s) and %u "
			 "route(s) removed", run->cloud, be, s->primary,
			 s->secondary, s->unpinned, s->routes);
	else
		snprintf(why, sizeof(why), "%s: %s: %u secondary non-blocking, "
			 "%u route(s) removed", run->cloud, be, s->secondary,
			 s->routes);
	return cm_rewrite_if_changed(plan, run->sysroot, "network", path, old, 1,
				     new, why);
}

static int plan_files(struct cm_net_run *run, struct cm_plan *plan,
		      struct cm_net_summary *s)
{
	struct cm_net_summary dummy;
	struct cm_buf old, new;
	size_t i, pass;
	int r = 0;

	cm_buf_init(&old, CM_NET_FILE_MAX);
	cm_buf_init(&new, 2 * CM_NET_FILE_MAX);
	/* pass 0 counts every change (the reason line names them all) */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < run->n && r >= 0; i++) {
			memset(&dummy, 0, sizeof(dummy));
			r = cm_rewrite_read(run->sysroot, run->path[i], &old);
			if (r > 0)
				r = run->be->rewrite(run, i, old.data, old.len, &new,
						     pass ? &dummy : s);
			if (r == -EBADMSG)
				r = cm_err(r, "%s: %s%s: cannot be edited in place",
					   run->be->name, run->sysroot, run->path[i]);
			if (r > 0 && pass)
				r = plan_file(run, plan, run->path[i], &old, &new, s);
		}
	cm_buf_free(&old);
	cm_buf_free(&new);
	return r < 0 ? r : 0;
}

static int run_plan(struct cm_net_run *run, struct cm_plan *plan,
		    struct cm_net_summary *s)
{
	const struct cm_net_backend *be = run->be;
	int r = list_files(run);

	if (r == 0 && run->n && be->prepare)
		r = be->prepare(run);
	if (r == 0 && run->n)
		r = scan_files(run);
	if (r < 0 || !run->n)
		return r;
	if (run->primary >= 0)
		name_set(s->primary, run->ifaces.v[run->primary].name);
	if (be->plan_before)
		r = be->plan_before(run, plan, s);
	if (r == 0)
		r = plan_files(run, plan, s);
	if (r == 0 && be->plan_after)
		r = be->plan_after(run, plan, s);
	return r < 0 ? r : 1;
}

/* One back end over the root: 1 the root uses it (s says what changed),
 * 0 it does not, -errno after an error line (nothing planned stays:
 * the adaptation stops). */
static int backend_plan(const struct cm_net_backend *be, const char *sysroot,
			const char *cloud, const struct cm_net_opts *o,
			struct cm_plan *plan, struct cm_net_summary *s)
{
	struct cm_net_run *run = calloc(1, sizeof(*run));
	int r = -ENOMEM;

	if (!run)
		return r;
	run->be = be;
	run->sysroot = sysroot;
	run->cloud = cloud;
	run->o = o;
	run->primary = run->gateway = -1;
	run->path = calloc(CM_NET_FILES_MAX, sizeof(*run->path));
	run->depth = calloc(CM_NET_FILES_MAX, sizeof(*run->depth));
	run->iface_of = malloc(CM_NET_FILES_MAX * sizeof(*run->iface_of));
	run->links = calloc(CM_NET_IFACES_MAX, sizeof(*run->links));
	run->priv = be->priv_size ? calloc(1, be->priv_size) : NULL;
	if (run->path && run->depth && run->iface_of && run->links &&
	    (run->priv || !be->priv_size)) {
		memset(run->iface_of, 0xff, CM_NET_FILES_MAX * sizeof(*run->iface_of));
		r = run_plan(run, plan, s);
	}
	free(run->path);
	free(run->depth);
	free(run->iface_of);
	free(run->links);
	free(run->priv);
	free(run);
	return r;
}

/* Order is policy: netplan first (when it is there, what it renders for
 * networkd or NetworkManager lives in /run, and the files those read
 * from /etc are hand-written ones, still edited below). */
static const struct cm_net_backend *const backends[] = {
	&cm_net_netplan,
	&cm_net_networkd,
	&cm_net_nm,
	&cm_net_ifupdown,
	&cm_net_ifcfg,
};

int cm_network_plan(const char *sysroot, const struct cm_profile_rt *p,
		    struct cm_plan *plan, struct cm_adapt_report *rep)
{
	const char *primary = NULL, *idle = NULL;
	struct cm_net_opts o;
	size_t i;
	int r = 0;

	cm_net_opts_from_profile(p, &o);
	for (i = 0; r >= 0 && i < sizeof(backends) / sizeof(backends[0]); i++) {
		struct cm_net_summary s;

		memset(&s, 0, sizeof(s));
		r = backend_plan(backends[i], sysroot, p->name, &o, plan, &s);
		if (r > 0 && s.primary[0])
			primary = backends[i]->name;
		else if (r > 0 && !idle)
			idle = backends[i]->name;
	}
	/* a back end with nothing configured, and none other with a
	 * primary interface: the network is someone else's (cloud-init) */
	if (r >= 0 && idle && !primary)
		cm_adapt_note(rep, "network: %s: no interface configured; left as "
			      "it is", idle);
	/* udev persistent-net rules: netrules.c, the one place that decides
	 * (a masking 75-persistent-net-generator.rules must stay) */
	/* no back end at all: a root configured by cloud-init at first
	 * boot, or with no network; nothing to say */
	return r < 0 ? r : 0;
}
