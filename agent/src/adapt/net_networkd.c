#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "net_backends.h"
#include "net_ini.h"
#include "net_networkd.h"
#include "rewrite.h"

/* [Match] keys that tie a .network file to one piece of hardware of the
 * old cloud (systemd.network(5), [Match] section). */
static const char *const pin_keys[] = {
	"MACAddress", "PermanentMACAddress", "Path", "Driver", "Name",
	"OriginalName", NULL,
};

/* A [Route] section is a default route, or one to the metadata server. */
static void route_kind(const struct cm_ini *ini, int sec, bool *dflt, bool *md)
{
	char v[128];
	size_t i;
	bool dest = false, gw = false;

	*dflt = *md = false;
	for (i = ini->sections[sec].header + 1; i < ini->sections[sec].end; i++) {
		if (cm_ini_key_is(ini, i, NULL, "Destination")) {
			cm_ini_value(ini, i, v, sizeof(v));
			dest = !cm_net_is_default_dest(v, strlen(v));
			*md |= cm_net_is_metadata(v, strlen(v));
		} else if (cm_ini_key_is(ini, i, NULL, "Gateway")) {
			gw = true;
		}
	}
	*dflt = gw && !dest;
}

int cm_networkd_scan(const char *fname, const char *buf, size_t len,
		     struct cm_networkd_info *info, size_t *err_line)
{
	struct cm_ini ini;
	char v[4 * CM_NET_NAME_MAX];
	size_t i;
	int r;

	memset(info, 0, sizeof(*info));
	r = cm_ini_parse(buf, len, CM_INI_SYSTEMD, &ini, err_line);
	if (r < 0)
		return r;
	snprintf(info->name, sizeof(info->name), "%s", fname);
	for (i = 0; i < ini.n; i++) {
		bool d, md;

		if (cm_ini_key_is(&ini, i, "Match", "Name")) {
			cm_ini_value(&ini, i, info->name, sizeof(info->name));
			info->loopback |= !strcmp(info->name, "lo");
		} else if (cm_ini_key_is(&ini, i, "Match", "Type")) {
			cm_ini_value(&ini, i, v, sizeof(v));
			info->loopback |= !strcmp(v, "loopback");
			info->other |= strcmp(v, "ether") && strcmp(v, "loopback");
		} else if (cm_ini_key_is(&ini, i, "Match", "MACAddress") ||
			   cm_ini_key_is(&ini, i, "Match", "PermanentMACAddress")) {
			info->mac_match = true;
		} else if (cm_ini_key_is(&ini, i, "Network", "DHCP")) {
			cm_ini_value(&ini, i, v, sizeof(v));
			info->dhcp = !strcmp(v, "yes") || !strcmp(v, "ipv4") ||
				     !strcmp(v, "true") || !strcmp(v, "both");
		} else if (cm_ini_key_is(&ini, i, "Network", "Gateway")) {
			info->gateway = true;
		} else if (cm_ini_key_is(&ini, i, "Network", "Bond") ||
			   cm_ini_key_is(&ini, i, "Network", "Bridge")) {
			cm_ini_value(&ini, i, info->master, sizeof(info->master));
		} else if (cm_ini_key_is(&ini, i, "Network", "VLAN")) {
			cm_ini_value(&ini, i, v, sizeof(v));
			if (strlen(info->vlans) + strlen(v) + 2 < sizeof(info->vlans)) {
				if (info->vlans[0])
					strcat(info->vlans, " ");
				strcat(info->vlans, v);
			}
		} else if (ini.lines[i].type == CM_INI_SECTION &&
			   cm_ini_section_is(&ini, ini.lines[i].section, "Route")) {
			route_kind(&ini, ini.lines[i].section, &d, &md);
			info->gateway |= d;
		}
	}
	cm_ini_free(&ini);
	return 0;
}

int cm_networkd_netdev(const char *buf, size_t len, char *name, size_t size,
		       enum cm_net_kind *kind)
{
	static const struct { const char *k; enum cm_net_kind kind; } kinds[] = {
		{ "bond", CM_NET_BOND }, { "bridge", CM_NET_BRIDGE },
		{ "vlan", CM_NET_VLAN },
	};
	struct cm_ini ini;
	char k[32];
	size_t i;
	int r;

	r = cm_ini_parse(buf, len, CM_INI_SYSTEMD, &ini, NULL);
	if (r < 0)
		return r;
	r = 0;
	*kind = CM_NET_OTHER;
	if (cm_ini_get(&ini, "NetDev", "Name", name, size) &&
	    cm_ini_get(&ini, "NetDev", "Kind", k, sizeof(k))) {
		r = 1;
		for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
			if (!strcmp(k, kinds[i].k))
				*kind = kinds[i].kind;
	}
	cm_ini_free(&ini);
	return r;
}

int cm_networkd_link_pins(const char *buf, size_t len, const char *names)
{
	struct cm_ini ini;
	char name[CM_NET_NAME_MAX], mac[64];
	int r;

	r = cm_ini_parse(buf, len, CM_INI_SYSTEMD, &ini, NULL);
	if (r < 0)
		return r;
	r = (cm_ini_get(&ini, "Match", "MACAddress", mac, sizeof(mac)) ||
	     cm_ini_get(&ini, "Match", "PermanentMACAddress", mac, sizeof(mac))) &&
	    cm_ini_get(&ini, "Link", "Name", name, sizeof(name)) &&
	    cm_net_in_list(names, name, strlen(name));
	cm_ini_free(&ini);
	return r;
}

static int drop_sections(struct cm_ini *ini, unsigned role,
			 struct cm_net_summary *s)
{
	size_t i;

	for (i = 0; i < ini->n_sections; i++) {
		bool dflt, md;

		if (cm_ini_section_is(ini, (int)i, "Address") &&
		    (role & CM_NETWORKD_PRIMARY)) {
			cm_ini_delete_section(ini, (int)i);
			continue;
		}
		if (!cm_ini_section_is(ini, (int)i, "Route"))
			continue;
		route_kind(ini, (int)i, &dflt, &md);
		if (md || (role & (CM_NETWORKD_PRIMARY | CM_NETWORKD_GATEWAY))) {
			cm_ini_delete_section(ini, (int)i);
			s->routes++;
		}
	}
	return 0;
}

static const char *dhcp_value(const struct cm_net_opts *o)
{
	if (o->dhcp4 && o->dhcp6)
		return "yes";
	return o->dhcp4 ? "ipv4" : o->dhcp6 ? "ipv6" : "no";
}

static int match_glob(struct cm_ini *ini, const struct cm_net_opts *o,
		      struct cm_net_summary *s)
{
	size_t i;

	for (i = 0; pin_keys[i]; i++) {
		int n = cm_ini_unset(ini, "Match", pin_keys[i]);

		if (n > 0 && strcmp(pin_keys[i], "Name"))
			s->unpinned++;
	}
	return cm_ini_set(ini, "Match", "Name",
			  o->ifnames == CM_IFNAMES_KERNEL ? CM_NET_KERNEL_NAME :
			  CM_NET_GLOB_A " " CM_NET_GLOB_B);
}

/* DHCPv6 needs IPv6 link-local addresses and router advertisements:
 * networkd disables its DHCPv6 client without the first. */
static void ipv6_unblock(struct cm_ini *ini)
{
	static const char *const keys[] = { "LinkLocalAddressing", "IPv6AcceptRA" };
	char v[32];
	size_t i, k;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		for (i = 0; i < ini->n; i++)
			if (cm_ini_key_is(ini, i, "Network", keys[k])) {
				cm_ini_value(ini, i, v, sizeof(v));
				if (!strcmp(v, "no") || !strcmp(v, "false") ||
				    !strcmp(v, "ipv4") || !strcmp(v, "0"))
					cm_ini_delete(ini, i);
			}
}

static int rewrite_roles(struct cm_ini *ini, unsigned role,
			 const struct cm_net_opts *o, struct cm_net_summary *s)
{
	char mtu[16];
	int r = drop_sections(ini, role, s);

	if (r == 0 && (role & CM_NETWORKD_MATCH))
		r = match_glob(ini, o, s);
	if (r == 0 && (role & (CM_NETWORKD_PRIMARY | CM_NETWORKD_GATEWAY))) {
		cm_ini_unset(ini, "Network", "Gateway");
		cm_ini_unset(ini, "Network", "DNS");
	}
	if (r == 0 && (role & CM_NETWORKD_PRIMARY)) {
		cm_ini_unset(ini, "Network", "Address");
		if (o->dhcp6)
			ipv6_unblock(ini);
		r = cm_ini_set(ini, "Network", "DHCP", dhcp_value(o));
		if (r == 0 && o->mtu) {
			snprintf(mtu, sizeof(mtu), "%u", o->mtu);
			r = cm_ini_set(ini, "Link", "MTUBytes", mtu);
		} else if (r == 0) {
			cm_ini_unset(ini, "Link", "MTUBytes");
		}
	}
	if (r == 0 && (role & CM_NETWORKD_SECONDARY)) {
		r = cm_ini_set(ini, "Link", "RequiredForOnline", "no");
		s->secondary++;
	}
	if (r == 0 && (role & CM_NETWORKD_MEMBER)) {
		int n = cm_ini_unset(ini, "Match", "MACAddress") +
			cm_ini_unset(ini, "Match", "PermanentMACAddress");
		char name[CM_NET_NAME_MAX];

		s->unpinned += (unsigned)n;
		if (n && !cm_ini_get(ini, "Match", "Name", name, sizeof(name)))
			r = cm_ini_set(ini, "Match", "Name",
				       o->ifnames == CM_IFNAMES_KERNEL ? CM_NET_GLOB_B :
				       CM_NET_GLOB_A " " CM_NET_GLOB_B);
	}
	return r;
}

int cm_networkd_rewrite(const char *buf, size_t len, unsigned role,
			const struct cm_net_opts *o, struct cm_buf *out,
			struct cm_net_summary *s)
{
	return cm_ini_rewrite(buf, len, CM_INI_SYSTEMD, rewrite_roles, role, o, out, s);
}

/* --- the root's files ---------------------------------------------------- */

/* The .netdev files: which names are bonds, bridges, VLANs. */
struct nd_netdevs {
	char name[CM_NET_IFACES_MAX][CM_NET_NAME_MAX];
	enum cm_net_kind kind[CM_NET_IFACES_MAX];
	size_t n;
};

/* Calls f for each file of dir matching glob, read into b; stops at the
 * first that is not 0. */
static int each_file(const struct cm_net_run *run, const char *glob,
		     int (*f)(const struct cm_net_run *run, const char *path,
			      const struct cm_buf *b, void *arg), void *arg)
{
	char (*names)[CM_NET_FNAME_MAX] = calloc(CM_NET_FILES_MAX, CM_NET_FNAME_MAX);
	char path[CM_PATH_MAX];
	struct cm_buf b;
	int n, i, r = 0;

	if (!names)
		return -ENOMEM;
	cm_buf_init(&b, CM_NET_FILE_MAX);
	n = cm_sysroot_list(run->sysroot, run->dir, glob, names, CM_NET_FILES_MAX);
	for (i = 0; i < n && r == 0; i++) {
		snprintf(path, sizeof(path), "%s/%s", run->dir, names[i]);
		r = cm_rewrite_read(run->sysroot, path, &b);
		if (r > 0)
			r = f(run, path, &b, arg);
	}
	cm_buf_free(&b);
	free(names);
	return n < 0 ? n : r < 0 ? r : 0;
}

static int add_netdev(const struct cm_net_run *run, const char *path,
		      const struct cm_buf *b, void *arg)
{
	struct nd_netdevs *nd = run->priv;
	int r;

	(void)arg;
	if (nd->n == CM_NET_IFACES_MAX)
		return 1;
	r = cm_networkd_netdev(b->data, b->len, nd->name[nd->n], CM_NET_NAME_MAX,
			       &nd->kind[nd->n]);
	if (r < 0)
		return cm_err(r, "networkd: %s%s: not a valid .netdev file",
			      run->sysroot, path);
	nd->n += (size_t)r;
	return 0;
}

static int load_netdevs(struct cm_net_run *run)
{
	return each_file(run, "*.netdev", add_netdev, NULL);
}

static enum cm_net_kind kind_of(const struct nd_netdevs *nd,
				const struct cm_networkd_info *info)
{
	size_t i;

	if (info->loopback)
		return CM_NET_LOOPBACK;
	if (info->other)
		return CM_NET_OTHER;
	for (i = 0; i < nd->n; i++)
		if (!strcmp(nd->name[i], info->name))
			return nd->kind[i];
	return CM_NET_ETHER;
}

static int scan(struct cm_net_run *run, const char *fname, const char *buf,
		size_t len, size_t *line)
{
	struct cm_networkd_info in;
	int r = cm_networkd_scan(fname, buf, len, &in, line);

	return r < 0 ? r : cm_net_add(run, &(struct cm_net_fact){
		.name = in.name, .kind = kind_of(run->priv, &in),
		.gateway = in.gateway, .dhcp = in.dhcp, .mac = in.mac_match,
		.master = in.master, .vlans = in.vlans });
}

static int rewrite(const struct cm_net_run *run, size_t f, const char *buf,
		   size_t len, struct cm_buf *out, struct cm_net_summary *s)
{
	return cm_networkd_rewrite(buf, len, cm_net_file_role(run, f), run->o,
				   out, s);
}

/* A .link naming the primary by the old cloud's MAC address goes. */
static int unpin_link(const struct cm_net_run *run, const char *path,
		      const struct cm_buf *b, void *arg)
{
	struct cm_plan *plan = arg;
	char why[192];
	int r = cm_networkd_link_pins(b->data, b->len,
				      run->ifaces.v[run->primary].name);

	if (r < 0)
		return cm_err(r, "networkd: %s%s: not a valid .link file",
			      run->sysroot, path);
	snprintf(why, sizeof(why), "%s: networkd: the first NIC's name was pinned "
		 "to the old cloud's MAC address", run->cloud);
	return r > 0 ? cm_plan_delete(plan, "network", path, why) : 0;
}

static int plan_links(struct cm_net_run *run, struct cm_plan *plan,
		      struct cm_net_summary *s)
{
	(void)s;
	return run->primary >= 0 ? each_file(run, "*.link", unpin_link, plan) : 0;
}

static const char *const dirs[] = { CM_NETWORKD_DIR, NULL };

const struct cm_net_backend cm_net_networkd = {
	.name = "networkd",
	.dirs = dirs,
	.glob = "*.network",
	.bad_line = "not a valid .network line",
	.priv_size = sizeof(struct nd_netdevs),
	.scan = scan,
	.rewrite = rewrite,
	.prepare = load_netdevs,
	.plan_after = plan_links,
};
