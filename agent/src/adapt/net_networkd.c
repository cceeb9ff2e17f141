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

static bool word_in(const char *list, const char *w, size_t wl)
{
	const char *p = list;

	while (*p) {
		size_t l;

		while (*p == ' ')
			p++;
		l = strcspn(p, " ");
		if (l && l == wl && !strncmp(p, w, wl))
			return true;
		p += l;
	}
	return false;
}

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
	if (len > CM_NET_FILE_MAX)
		return -EMSGSIZE;
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

	if (len > CM_NET_FILE_MAX)
		return -EMSGSIZE;
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

	if (len > CM_NET_FILE_MAX)
		return -EMSGSIZE;
	r = cm_ini_parse(buf, len, CM_INI_SYSTEMD, &ini, NULL);
	if (r < 0)
		return r;
	r = (cm_ini_get(&ini, "Match", "MACAddress", mac, sizeof(mac)) ||
	     cm_ini_get(&ini, "Match", "PermanentMACAddress", mac, sizeof(mac))) &&
	    cm_ini_get(&ini, "Link", "Name", name, sizeof(name)) &&
	    word_in(names, name, strlen(name));
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
	struct cm_ini ini;
	int r;

	if (len > CM_NET_FILE_MAX)
		return -EMSGSIZE;
	r = cm_ini_parse(buf, len, CM_INI_SYSTEMD, &ini, NULL);
	if (r < 0)
		return r;
	r = rewrite_roles(&ini, role, o, s);
	if (r == 0)
		r = cm_ini_write(&ini, out);
	cm_ini_free(&ini);
	if (r < 0)
		return r;
	return out->len != len || memcmp(out->data, buf, len);
}

/* --- the root's files ---------------------------------------------------- */

struct nd_state {
	char (*names)[CM_NET_FNAME_MAX];	/* .network files */
	size_t n;
	struct cm_networkd_info *info;
	struct cm_net_ifaces ifaces;
	char netdev_name[CM_NET_IFACES_MAX][CM_NET_NAME_MAX];
	enum cm_net_kind netdev_kind[CM_NET_IFACES_MAX];
	size_t n_netdev;
};

static int read_file(const char *sysroot, const char *fname, struct cm_buf *b,
		     char *path, size_t size)
{
	int r;

	snprintf(path, size, "%s/%s", CM_NETWORKD_DIR, fname);
	r = cm_rewrite_read(sysroot, path, b);
	return r < 0 ? r : 0;
}

static int load_netdevs(const char *sysroot, struct nd_state *st,
			struct cm_buf *b)
{
	char (*names)[CM_NET_FNAME_MAX] = calloc(CM_NET_FILES_MAX, CM_NET_FNAME_MAX);
	char path[CM_PATH_MAX];
	int n, i, r = 0;

	if (!names)
		return -ENOMEM;
	n = cm_sysroot_list(sysroot, CM_NETWORKD_DIR, "*.netdev", names, CM_NET_FILES_MAX);
	for (i = 0; i < n && r >= 0 && st->n_netdev < CM_NET_IFACES_MAX; i++) {
		r = read_file(sysroot, names[i], b, path, sizeof(path));
		if (r < 0)
			break;
		r = cm_networkd_netdev(b->data, b->len, st->netdev_name[st->n_netdev],
				       CM_NET_NAME_MAX, &st->netdev_kind[st->n_netdev]);
		if (r < 0)
			r = cm_err(r, "networkd: %s%s: not a valid .netdev file",
				   sysroot, path);
		else if (r > 0)
			st->n_netdev++;
	}
	free(names);
	return n < 0 ? n : r < 0 ? r : 0;
}

static enum cm_net_kind kind_of(const struct nd_state *st,
				const struct cm_networkd_info *info)
{
	size_t i;

	if (info->loopback)
		return CM_NET_LOOPBACK;
	if (info->other)
		return CM_NET_OTHER;
	for (i = 0; i < st->n_netdev; i++)
		if (!strcmp(st->netdev_name[i], info->name))
			return st->netdev_kind[i];
	return CM_NET_ETHER;
}

static int scan_all(const char *sysroot, struct nd_state *st, struct cm_buf *b)
{
	char path[CM_PATH_MAX];
	size_t i, e;
	int r = 0, k;

	for (i = 0; i < st->n && r >= 0; i++) {
		r = read_file(sysroot, st->names[i], b, path, sizeof(path));
		if (r < 0)
			break;
		r = cm_networkd_scan(st->names[i], b->data, b->len, &st->info[i], &e);
		if (r < 0) {
			if (r == -EBADMSG && e)
				return cm_err(r, "networkd: %s%s:%zu: not a valid "
					      ".network line", sysroot, path, e);
			return cm_err(r, "networkd: %s%s", sysroot, path);
		}
		r = cm_net_ifaces_add(&st->ifaces, st->info[i].name,
				      strlen(st->info[i].name),
				      kind_of(st, &st->info[i]), st->info[i].gateway);
		if (r >= 0 && st->info[i].master[0])
			st->ifaces.v[r].member = true;
		if (r >= 0)
			st->ifaces.v[r].dhcp |= st->info[i].dhcp;
	}
	/* a VLAN's parent is the file that lists it in VLAN= */
	for (i = 0; i < st->n && r >= 0; i++) {
		const char *p = st->info[i].vlans;

		while (*p) {
			size_t l = strcspn(p, " ");
			char v[CM_NET_NAME_MAX];

			snprintf(v, sizeof(v), "%.*s", (int)l, p);
			k = cm_net_ifaces_find(&st->ifaces, v);
			if (k >= 0)
				snprintf(st->ifaces.v[k].parent, CM_NET_NAME_MAX, "%s",
					 st->info[i].name);
			p += l;
			while (*p == ' ')
				p++;
		}
	}
	return r < 0 ? r : 0;
}

static unsigned role_of(const struct nd_state *st, size_t i, int primary,
			int gateway)
{
	const struct cm_networkd_info *in = &st->info[i];
	const char *pname = primary >= 0 ? st->ifaces.v[primary].name : "";
	int k = cm_net_ifaces_find(&st->ifaces, in->name);
	unsigned role = 0;

	if (k < 0 || in->loopback)
		return 0;
	if (k == primary) {
		role |= CM_NETWORKD_PRIMARY | CM_NETWORKD_GATEWAY;
		if (st->ifaces.v[k].kind == CM_NET_ETHER)
			role |= CM_NETWORKD_MATCH;
		return role;
	}
	if (k == gateway)
		role |= CM_NETWORKD_GATEWAY;
	if (primary >= 0 && in->master[0] && !strcmp(in->master, pname))
		return role | (in->mac_match ? CM_NETWORKD_MEMBER : 0);
	return role | CM_NETWORKD_SECONDARY;
}

static int plan_links(const char *sysroot, const char *cloud, const char *pinned,
		      struct cm_plan *plan, struct cm_buf *b)
{
	char (*names)[CM_NET_FNAME_MAX] = calloc(CM_NET_FILES_MAX, CM_NET_FNAME_MAX);
	char path[CM_PATH_MAX], why[192];
	int n, i, r = 0;

	if (!names)
		return -ENOMEM;
	n = cm_sysroot_list(sysroot, CM_NETWORKD_DIR, "*.link", names, CM_NET_FILES_MAX);
	snprintf(why, sizeof(why), "%s: networkd: the first NIC's name was pinned "
		 "to the old cloud's MAC address", cloud);
	for (i = 0; i < n && r >= 0; i++) {
		r = read_file(sysroot, names[i], b, path, sizeof(path));
		if (r < 0)
			break;
		r = cm_networkd_link_pins(b->data, b->len, pinned);
		if (r < 0)
			r = cm_err(r, "networkd: %s%s: not a valid .link file",
				   sysroot, path);
		else if (r > 0)
			r = cm_plan_delete(plan, "network", path, why);
	}
	free(names);
	return n < 0 ? n : r < 0 ? r : 0;
}

static int plan_files(const char *sysroot, const char *cloud,
		      const struct cm_net_opts *o, struct nd_state *st,
		      struct cm_plan *plan, struct cm_net_summary *s)
{
	int primary = cm_net_pick_primary(&st->ifaces);
	int gateway = cm_net_pick_gateway(&st->ifaces);
	struct cm_buf old, new;
	char path[CM_PATH_MAX], pinned[CM_NET_NAME_MAX] = "";
	size_t i;
	int r = 0;

	if (primary >= 0) {
		snprintf(s->primary, sizeof(s->primary), "%s", st->ifaces.v[primary].name);
		snprintf(pinned, sizeof(pinned), "%s", st->ifaces.v[primary].name);
	}
	cm_buf_init(&old, CM_NET_FILE_MAX);
	cm_buf_init(&new, 2 * CM_NET_FILE_MAX);
	/* first every change counted (the reason line names them all) */
	for (i = 0; i < st->n && r >= 0; i++) {
		r = read_file(sysroot, st->names[i], &old, path, sizeof(path));
		if (r == 0)
			r = cm_networkd_rewrite(old.data, old.len,
						role_of(st, i, primary, gateway), o,
						&new, s);
	}
	for (i = 0; i < st->n && r >= 0; i++) {
		struct cm_net_summary dummy;

		memset(&dummy, 0, sizeof(dummy));
		r = read_file(sysroot, st->names[i], &old, path, sizeof(path));
		if (r == 0)
			r = cm_networkd_rewrite(old.data, old.len,
						role_of(st, i, primary, gateway), o,
						&new, &dummy);
		if (r > 0)
			r = cm_net_plan_file(plan, sysroot, "networkd", cloud, path,
					     &old, &new, s);
	}
	if (r >= 0 && pinned[0])
		r = plan_links(sysroot, cloud, pinned, plan, &old);
	cm_buf_free(&old);
	cm_buf_free(&new);
	return r < 0 ? r : 0;
}

static int networkd_plan(const char *sysroot, const char *cloud,
			 const struct cm_net_opts *o, struct cm_plan *plan,
			 struct cm_net_summary *s)
{
	struct nd_state *st = calloc(1, sizeof(*st));
	struct cm_buf b;
	int r;

	if (!st)
		return -ENOMEM;
	st->names = calloc(CM_NET_FILES_MAX, CM_NET_FNAME_MAX);
	st->info = calloc(CM_NET_FILES_MAX, sizeof(*st->info));
	cm_buf_init(&b, CM_NET_FILE_MAX);
	r = st->names && st->info ? 0 : -ENOMEM;
	if (r == 0)
		r = cm_sysroot_list(sysroot, CM_NETWORKD_DIR, "*.network", st->names,
				CM_NET_FILES_MAX);
	if (r > 0) {
		st->n = (size_t)r;
		r = load_netdevs(sysroot, st, &b);
		if (r == 0)
			r = scan_all(sysroot, st, &b);
		if (r == 0)
			r = plan_files(sysroot, cloud, o, st, plan, s);
		if (r == 0)
			r = 1;
	}
	cm_buf_free(&b);
	free(st->names);
	free(st->info);
	free(st);
	return r;
}

const struct cm_net_backend cm_net_networkd = {
	.name = "networkd",
	.plan = networkd_plan,
};
