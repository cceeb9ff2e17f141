#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../log.h"
#include "net_backends.h"
#include "net_ifcfg.h"
#include "net_ini.h"
#include "rewrite.h"
#include "../util/sysroot.h"

void cm_ifcfg_unquote(const char *v, char *out, size_t size)
{
	size_t n = strlen(v);

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v++;
		n -= 2;
	}
	if (n >= size)
		n = size - 1;
	memcpy(out, v, n);
	out[n] = '\0';
}

static bool yes(const char *v)
{
	return !strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1");
}

/* Line i is the variable name, or name<digits>/name_<suffix> (IPADDR0,
 * IPADDR_1, DNS2, ...) when prefix is set. */
static bool var_is(const struct cm_ini *ini, size_t i, const char *name, bool prefix)
{
	const struct cm_ini_line *l = &ini->lines[i];
	const char *k = ini->buf + l->key_off;
	size_t n = strlen(name);

	if (l->type != CM_INI_KEY || l->repl == -2 || l->key_len < n ||
	    memcmp(k, name, n))
		return false;
	if (l->key_len == n)
		return true;
	return prefix && ((k[n] >= '0' && k[n] <= '9') || k[n] == '_');
}

static void value(const struct cm_ini *ini, size_t i, char *out, size_t size)
{
	char raw[512];

	cm_ini_value(ini, i, raw, sizeof(raw));
	cm_ifcfg_unquote(raw, out, size);
}

static void add_word(char *list, size_t size, const char *w)
{
	if (strlen(list) + strlen(w) + 2 > size)
		return;
	if (list[0])
		strcat(list, " ");
	strcat(list, w);
}

static void scan_var(const struct cm_ini *ini, size_t i, struct cm_ifcfg_info *in)
{
	char v[CM_NET_NAME_MAX];

	value(ini, i, v, sizeof(v));
	if (var_is(ini, i, "DEVICE", false) && v[0])
		snprintf(in->name, sizeof(in->name), "%s", v);
	else if (var_is(ini, i, "TYPE", false) && !strcasecmp(v, "Bond"))
		in->kind = CM_NET_BOND;
	else if (var_is(ini, i, "TYPE", false) && !strcasecmp(v, "Bridge"))
		in->kind = CM_NET_BRIDGE;
	else if (var_is(ini, i, "TYPE", false) && strcasecmp(v, "Ethernet"))
		in->kind = strcasecmp(v, "Vlan") ? CM_NET_OTHER : CM_NET_VLAN;
	else if (var_is(ini, i, "BONDING_MASTER", false) && yes(v))
		in->kind = CM_NET_BOND;
	else if (var_is(ini, i, "BRIDGE", false) && yes(v))
		in->kind = CM_NET_BRIDGE;
	else if ((var_is(ini, i, "BRIDGE", false) || var_is(ini, i, "MASTER", false)) && v[0])
		snprintf(in->master, sizeof(in->master), "%s", v);
	else if (var_is(ini, i, "VLAN", false) && yes(v))
		in->kind = CM_NET_VLAN;
	else if ((var_is(ini, i, "PHYSDEV", false) || var_is(ini, i, "ETHERDEVICE", false)) && v[0]) {
		snprintf(in->parent, sizeof(in->parent), "%s", v);
		in->kind = CM_NET_VLAN;
	} else if (var_is(ini, i, "BONDING_SLAVE", true) || var_is(ini, i, "BRIDGE_PORTS", false))
		add_word(in->ports, sizeof(in->ports), v);
	else if (var_is(ini, i, "GATEWAY", true) && v[0])
		in->gateway = true;
	else if (var_is(ini, i, "BOOTPROTO", false))
		in->dhcp = !strncasecmp(v, "dhcp", 4);
	else if ((var_is(ini, i, "HWADDR", false) || var_is(ini, i, "MACADDR", false) ||
		  var_is(ini, i, "LLADDR", false)) && v[0])
		in->mac = true;
	else if ((var_is(ini, i, "ONBOOT", false) && !yes(v)) ||
		 (var_is(ini, i, "STARTMODE", false) &&
		  (!strcmp(v, "off") || !strcmp(v, "manual"))))
		in->kind = CM_NET_OTHER;	/* not up at boot */
}

int cm_ifcfg_scan(const char *fname, const char *buf, size_t len,
		  struct cm_ifcfg_info *info, size_t *err_line)
{
	struct cm_ini ini;
	size_t i;
	int r;

	memset(info, 0, sizeof(*info));
	r = cm_ini_parse(buf, len, CM_INI_SHELL, &ini, err_line);
	if (r < 0)
		return r;
	snprintf(info->name, sizeof(info->name), "%s",
		 strncmp(fname, "ifcfg-", 6) ? fname : fname + 6);
	for (i = 0; i < ini.n; i++)
		scan_var(&ini, i, info);
	if (!strcmp(info->name, "lo"))
		info->kind = CM_NET_LOOPBACK;
	/* eth0.100, vlan100 with a parent: Red Hat's VLAN naming */
	if (info->kind == CM_NET_VLAN && !info->parent[0] && strchr(info->name, '.'))
		snprintf(info->parent, sizeof(info->parent), "%.*s",
			 (int)strcspn(info->name, "."), info->name);
	cm_ini_free(&ini);
	return 0;
}

/* The quote the file uses ('dhcp' on SUSE), to write alike. */
static char quote_of(const struct cm_ini *ini)
{
	size_t i;

	for (i = 0; i < ini->n; i++)
		if (ini->lines[i].type == CM_INI_KEY && ini->lines[i].val_len &&
		    (ini->buf[ini->lines[i].val_off] == '\'' ||
		     ini->buf[ini->lines[i].val_off] == '"'))
			return ini->buf[ini->lines[i].val_off];
	return 0;
}

static int set(struct cm_ini *ini, const char *name, const char *v)
{
	char q[2] = { quote_of(ini), 0 }, quoted[128], cur[128];
	size_t i;

	/* an equal value, however quoted, is left as it is */
	for (i = 0; i < ini->n; i++)
		if (var_is(ini, i, name, false)) {
			value(ini, i, cur, sizeof(cur));
			if (!strcmp(cur, v))
				return 0;
			break;
		}
	snprintf(quoted, sizeof(quoted), "%s%s%s", q, v, q);
	return cm_ini_set(ini, "", name, quoted);
}

static unsigned unset(struct cm_ini *ini, const char *name, bool prefix)
{
	size_t i;
	unsigned n = 0;

	for (i = 0; i < ini->n; i++)
		if (var_is(ini, i, name, prefix)) {
			cm_ini_delete(ini, i);
			n++;
		}
	return n;
}

/* Static addressing of ifcfg(5) and network-scripts: addresses, masks,
 * labels, IPv6 addresses. */
static const char *const static_vars[] = {
	"IPADDR", "PREFIX", "PREFIXLEN", "NETMASK", "BROADCAST", "NETWORK",
	"LABEL", "REMOTE_IPADDR", "IPV6ADDR", "IPV6ADDR_SECONDARIES", NULL,
};

static int primary(struct cm_ini *ini, unsigned role, const struct cm_net_opts *o,
		   struct cm_net_summary *s)
{
	bool suse = role & CM_IFCFG_SUSE;
	char mtu[16];
	size_t i;
	int r;

	for (i = 0; static_vars[i]; i++)
		unset(ini, static_vars[i], true);
	unset(ini, "PEERDNS", false);		/* no: DHCP's DNS ignored */
	if (role & CM_IFCFG_MATCH) {
		s->unpinned += unset(ini, "HWADDR", false);
		s->unpinned += unset(ini, "MACADDR", false);
		s->unpinned += unset(ini, "LLADDR", false);	/* SUSE: sets it */
		if (o->ifnames == CM_IFNAMES_KERNEL && !suse &&
		    (r = set(ini, "DEVICE", CM_NET_KERNEL_NAME)) < 0)
			return r;
	}
	if (suse)
		r = set(ini, "BOOTPROTO", o->dhcp4 && o->dhcp6 ? "dhcp" :
			o->dhcp6 ? "dhcp6" : "dhcp4");
	else
		r = set(ini, "BOOTPROTO", o->dhcp4 ? "dhcp" : "none");
	if (r == 0)
		r = suse ? set(ini, "STARTMODE", "auto") : set(ini, "ONBOOT", "yes");
	if (r == 0 && !suse && o->dhcp6) {
		r = set(ini, "IPV6INIT", "yes");
		if (r == 0)
			r = set(ini, "DHCPV6C", "yes");
		unset(ini, "IPV6_AUTOCONF", false);
	}
	if (r == 0 && o->mtu) {
		snprintf(mtu, sizeof(mtu), "%u", o->mtu);
		r = set(ini, "MTU", mtu);
	} else if (r == 0) {
		unset(ini, "MTU", false);
	}
	return r;
}

static int edit(struct cm_ini *ini, unsigned role, const struct cm_net_opts *o,
		struct cm_net_summary *s)
{
	int r = 0;

	if (role & (CM_IFCFG_PRIMARY | CM_IFCFG_GATEWAY)) {
		unset(ini, "GATEWAY", true);
		unset(ini, "IPV6_DEFAULTGW", false);
		unset(ini, "DNS", true);
	}
	if (role & CM_IFCFG_PRIMARY)
		r = primary(ini, role, o, s);
	if (r == 0 && (role & CM_IFCFG_MEMBER)) {
		s->unpinned += unset(ini, "HWADDR", false);
		s->unpinned += unset(ini, "LLADDR", false);
	}
	if (r == 0 && (role & CM_IFCFG_SECONDARY)) {
		/* wicked waits at boot for every STARTMODE=auto interface;
		 * hotplug ones come up when they appear.  network-scripts and
		 * NetworkManager do not wait for a static one. */
		if (role & CM_IFCFG_SUSE) {
			char v[32];

			if (!cm_ini_get(ini, "", "STARTMODE", v, sizeof(v)) ||
			    strcmp(v, "'off'"))
				r = set(ini, "STARTMODE", "hotplug");
		}
		s->secondary++;
	}
	return r;
}

int cm_ifcfg_rewrite(const char *buf, size_t len, unsigned role,
		     const struct cm_net_opts *o, struct cm_buf *out,
		     struct cm_net_summary *s)
{
	return cm_ini_rewrite(buf, len, CM_INI_SHELL, edit, role, o, out, s);
}

/* --- the root's files ---------------------------------------------------- */

static bool not_ifcfg(const char *name)
{
	size_t l = strlen(name);

	/* what network-scripts skip: backups and package leftovers */
	return !(!strncmp(name, "ifcfg-", 6) && l > 6 && name[l - 1] != '~' &&
		 !strstr(name, ".bak") && !strstr(name, ".orig") &&
		 !strstr(name, ".rpm") && !strstr(name, ".old"));
}

static int scan(struct cm_net_run *run, const char *fname, const char *buf,
		size_t len, size_t *line)
{
	struct cm_ifcfg_info in;
	int r = cm_ifcfg_scan(fname, buf, len, &in, line);

	return r < 0 ? r : cm_net_add(run, &(struct cm_net_fact){
		.name = in.name, .kind = in.kind, .gateway = in.gateway,
		.dhcp = in.dhcp, .mac = in.mac, .parent = in.parent,
		.master = in.master, .ports = in.ports });
}

/* A port without a MAC binding has nothing to unpin; what does not come
 * up at boot holds nothing up. */
static int rewrite(const struct cm_net_run *run, size_t f, const char *buf,
		   size_t len, struct cm_buf *out, struct cm_net_summary *s)
{
	int k = run->iface_of[f];
	unsigned role = cm_net_role(run, k) | (run->dir_index ? CM_IFCFG_SUSE : 0);

	if (k >= 0 && !run->ifaces.v[k].mac)
		role &= ~(unsigned)CM_IFCFG_MEMBER;
	if (k >= 0 && run->ifaces.v[k].kind == CM_NET_OTHER)
		role &= ~(unsigned)CM_IFCFG_SECONDARY;
	return cm_ifcfg_rewrite(buf, len, role, run->o, out, s);
}

/* The primary's static routes: route-<name>, route6-<name> (Red Hat),
 * ifroute-<name> (SUSE). */
static int plan_routes(struct cm_net_run *run, struct cm_plan *plan,
		       struct cm_net_summary *s)
{
	static const char *const rh[] = { "route-", "route6-", NULL };
	static const char *const suse[] = { "ifroute-", NULL };
	const char *const *pre = run->dir_index ? suse : rh;
	char path[CM_PATH_MAX], why[192];
	struct stat sb;
	size_t i;
	int r = 0;

	if (run->primary < 0)
		return 0;
	snprintf(why, sizeof(why), "%s: ifcfg: the old cloud's static routes of "
		 "the first NIC", run->cloud);
	for (i = 0; pre[i] && r == 0; i++) {
		snprintf(path, sizeof(path), "%s/%s%s", run->dir, pre[i], s->primary);
		if (cm_sysroot_lstat(run->sysroot, path, &sb) == 0 &&
		    S_ISREG(sb.st_mode)) {
			r = cm_plan_delete(plan, "network", path, why);
			s->routes++;
		}
	}
	return r;
}

static const char *const dirs[] = { CM_IFCFG_RH_DIR, CM_IFCFG_SUSE_DIR, NULL };

const struct cm_net_backend cm_net_ifcfg = {
	.name = "ifcfg",
	.dirs = dirs,
	.glob = "*",
	.skip = not_ifcfg,
	.bad_line = "not a VAR=value line",
	.scan = scan,
	.rewrite = rewrite,
	.plan_before = plan_routes,
};
