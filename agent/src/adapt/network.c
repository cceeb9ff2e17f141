#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../log.h"
#include "net_backends.h"
#include "network.h"
#include "rewrite.h"
#include "sysroot.h"

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

/* udev's persistent-net rules (written by the old udev
 * 75-persistent-net-generator) name NICs by MAC: in another cloud the
 * first NIC has another MAC and would become eth1. */
static const char *const persistent_rules[] = {
	"/etc/udev/rules.d/70-persistent-net.rules",
	"/etc/udev/rules.d/75-persistent-net-generator.rules",
	NULL,
};

static int plan_udev_rules(const char *sysroot, const struct cm_profile_rt *p,
			   struct cm_plan *plan)
{
	char why[192];
	struct stat st;
	size_t i;
	int r = 0;

	snprintf(why, sizeof(why), "%s: NIC names pinned to the old cloud's MAC "
		 "addresses", p->name);
	for (i = 0; persistent_rules[i] && r == 0; i++)
		if (cm_sysroot_lstat(sysroot, persistent_rules[i], &st) == 0 &&
		    S_ISREG(st.st_mode))
			r = cm_plan_delete(plan, "network", persistent_rules[i], why);
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
		r = backends[i]->plan(sysroot, p->name, &o, plan, &s);
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
	if (r >= 0)
		r = plan_udev_rules(sysroot, p, plan);
	/* no back end at all: a root configured by cloud-init at first
	 * boot, or with no network; nothing to say */
	return r < 0 ? r : 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

int cm_net_list(const char *sysroot, const char *dir, const char *suffix,
		char (*names)[CM_NET_FNAME_MAX], size_t max)
{
	char path[CM_PATH_MAX];
	struct dirent *de;
	struct stat st;
	size_t n = 0, sl = strlen(suffix);
	DIR *d;
	int fd;

	fd = cm_sysroot_open(sysroot, dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd == -ENOENT || fd == -ENOTDIR ? 0 :
		       cm_err(fd, "open %s%s", sysroot, dir);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return cm_err(-errno, "read %s%s", sysroot, dir);
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (de->d_name[0] == '.' || l < sl || l >= CM_NET_FNAME_MAX ||
		    strcmp(de->d_name + l - sl, suffix))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (cm_sysroot_lstat(sysroot, path, &st) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n == max) {
			closedir(d);
			return cm_err(-E2BIG, "%s%s: more than %zu files", sysroot,
				      dir, max);
		}
		memcpy(names[n++], de->d_name, l + 1);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), name_cmp);
	return (int)n;
}

int cm_net_plan_file(struct cm_plan *plan, const char *sysroot,
		     const char *backend, const char *cloud, const char *path,
		     const struct cm_buf *old, const struct cm_buf *new,
		     const struct cm_net_summary *s)
{
	char why[192];

	if (s->primary[0])
		snprintf(why, sizeof(why), "%s: %s: DHCP on the first NIC (was "
			 "'%s'), %u secondary non-blocking, %u pin(s) and %u "
			 "route(s) removed", cloud, backend, s->primary,
			 s->secondary, s->unpinned, s->routes);
	else
		snprintf(why, sizeof(why), "%s: %s: %u secondary non-blocking, "
			 "%u route(s) removed", cloud, backend, s->secondary,
			 s->routes);
	return cm_rewrite_if_changed(plan, sysroot, "network", path, old, 1, new,
				     why);
}
