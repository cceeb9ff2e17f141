#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "net_backends.h"
#include "net_ini.h"
#include "net_nm.h"
#include "rewrite.h"

/* The [connection] type= values and their aliases (nm-settings-nmcli(5)). */
static const struct { const char *type; enum cm_net_kind kind; } types[] = {
	{ "ethernet", CM_NET_ETHER }, { "802-3-ethernet", CM_NET_ETHER },
	{ "bond", CM_NET_BOND }, { "bridge", CM_NET_BRIDGE },
	{ "vlan", CM_NET_VLAN }, { "loopback", CM_NET_LOOPBACK },
};

static enum cm_net_kind kind_of(const char *type)
{
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcmp(type, types[i].type))
			return types[i].kind;
	return CM_NET_OTHER;
}

/* address1=, addresses2=, route1=, routes=, route1_options=: the keyfile
 * forms of the ipv4/ipv6 address and route lists. */
static bool list_key(const struct cm_ini *ini, size_t i, const char *base)
{
	const struct cm_ini_line *l = &ini->lines[i];
	const char *k = ini->buf + l->key_off;
	size_t n = strlen(base), j = n;

	if (l->type != CM_INI_KEY || l->repl == -2 || l->key_len < n ||
	    memcmp(k, base, n))
		return false;
	if (j < l->key_len && k[j] == 's')
		j++;
	while (j < l->key_len && k[j] >= '0' && k[j] <= '9')
		j++;
	return j == l->key_len || (l->key_len - j == 8 && !memcmp(k + j, "_options", 8));
}

static bool in_ip_section(const struct cm_ini *ini, size_t i)
{
	return cm_ini_section_is(ini, ini->lines[i].section, "ipv4") ||
	       cm_ini_section_is(ini, ini->lines[i].section, "ipv6");
}

/* "dest/prefix,gateway[,metric]": to the metadata server, or default. */
static void route_value(const struct cm_ini *ini, size_t i, bool *md, bool *dflt)
{
	char v[256];
	size_t dl;

	cm_ini_value(ini, i, v, sizeof(v));
	dl = strcspn(v, ",");
	*md = cm_net_is_metadata(v, dl);
	*dflt = cm_net_is_default_dest(v, dl);
}

int cm_nm_scan(const char *buf, size_t len, struct cm_nm_info *info,
	       size_t *err_line)
{
	struct cm_ini ini;
	char v[256];
	size_t i;
	int r;

	memset(info, 0, sizeof(*info));
	r = cm_ini_parse(buf, len, 0, &ini, err_line);
	if (r < 0)
		return r;
	info->kind = CM_NET_OTHER;
	for (i = 0; i < ini.n; i++) {
		bool md, dflt;

		if (cm_ini_key_is(&ini, i, "connection", "type")) {
			cm_ini_value(&ini, i, v, sizeof(v));
			info->kind = kind_of(v);
		} else if (cm_ini_key_is(&ini, i, "connection", "interface-name")) {
			cm_ini_value(&ini, i, info->name, sizeof(info->name));
		} else if (cm_ini_key_is(&ini, i, "connection", "uuid")) {
			cm_ini_value(&ini, i, info->uuid, sizeof(info->uuid));
		} else if (cm_ini_key_is(&ini, i, "connection", "master") ||
			   cm_ini_key_is(&ini, i, "connection", "controller")) {
			cm_ini_value(&ini, i, info->master, sizeof(info->master));
		} else if (cm_ini_key_is(&ini, i, "vlan", "parent")) {
			cm_ini_value(&ini, i, info->parent, sizeof(info->parent));
		} else if (cm_ini_key_is(&ini, i, "ethernet", "mac-address") ||
			   cm_ini_key_is(&ini, i, "802-3-ethernet", "mac-address")) {
			info->mac = true;
		} else if (in_ip_section(&ini, i) &&
			   cm_ini_key_is(&ini, i, NULL, "gateway")) {
			info->gateway = true;
		} else if (in_ip_section(&ini, i) && list_key(&ini, i, "address")) {
			cm_ini_value(&ini, i, v, sizeof(v));
			info->gateway |= strchr(v, ',') != NULL;
		} else if (in_ip_section(&ini, i) && list_key(&ini, i, "route")) {
			route_value(&ini, i, &md, &dflt);
			info->gateway |= dflt;
		} else if (cm_ini_key_is(&ini, i, "ipv4", "method")) {
			cm_ini_value(&ini, i, v, sizeof(v));
			info->dhcp = !strcmp(v, "auto");
		} else if (cm_ini_key_is(&ini, i, "connection", "autoconnect")) {
			cm_ini_value(&ini, i, v, sizeof(v));
			if (!strcmp(v, "false") || !strcmp(v, "no") || !strcmp(v, "0"))
				info->kind = CM_NET_OTHER;	/* not up at boot */
		}
	}
	if (!info->name[0])
		snprintf(info->name, sizeof(info->name), "%s", info->uuid);
	cm_ini_free(&ini);
	return 0;
}

/* Static addressing, default routes and DNS of one ip section. */
static void drop_static(struct cm_ini *ini, const char *sec, bool all,
			struct cm_net_summary *s)
{
	size_t i;

	for (i = 0; i < ini->n; i++) {
		bool md, dflt;

		if (!cm_ini_section_is(ini, ini->lines[i].section, sec))
			continue;
		if (list_key(ini, i, "route")) {
			route_value(ini, i, &md, &dflt);
			if (all || dflt) {
				cm_ini_delete(ini, i);
				s->routes++;
			}
		} else if (cm_ini_key_is(ini, i, NULL, "gateway") ||
			   cm_ini_key_is(ini, i, NULL, "dns") ||
			   (all && (list_key(ini, i, "address") ||
				    cm_ini_key_is(ini, i, NULL, "ignore-auto-dns") ||
				    cm_ini_key_is(ini, i, NULL, "ignore-auto-routes")))) {
			cm_ini_delete(ini, i);
		}
	}
}

/* The gateway part of "addressN=10.0.0.5/24,10.0.0.1". */
static int drop_address_gateways(struct cm_ini *ini)
{
	char v[256], kv[320];
	size_t i;
	int r = 0;

	for (i = 0; i < ini->n && r == 0; i++) {
		const struct cm_ini_line *l = &ini->lines[i];
		char *comma;

		if (!in_ip_section(ini, i) || !list_key(ini, i, "address"))
			continue;
		cm_ini_value(ini, i, v, sizeof(v));
		comma = strchr(v, ',');
		if (!comma)
			continue;
		*comma = '\0';
		snprintf(kv, sizeof(kv), "%.*s=%s", (int)l->key_len,
			 ini->buf + l->key_off, v);
		r = cm_ini_replace(ini, i, kv);
	}
	return r;
}

static void drop_metadata_routes(struct cm_ini *ini, struct cm_net_summary *s)
{
	size_t i;

	for (i = 0; i < ini->n; i++) {
		bool md, dflt;

		if (!in_ip_section(ini, i) || !list_key(ini, i, "route"))
			continue;
		route_value(ini, i, &md, &dflt);
		if (md) {
			cm_ini_delete(ini, i);
			s->routes++;
		}
	}
}

static const char *ether_section(const struct cm_ini *ini)
{
	size_t i;

	for (i = 0; i < ini->n_sections; i++)
		if (cm_ini_section_is(ini, (int)i, "802-3-ethernet"))
			return "802-3-ethernet";
	return "ethernet";
}

static int primary(struct cm_ini *ini, unsigned role, const struct cm_net_opts *o,
		   struct cm_net_summary *s)
{
	const char *eth = ether_section(ini);
	char mtu[16], v[32];
	int r = 0;

	drop_static(ini, "ipv4", true, s);
	drop_static(ini, "ipv6", true, s);
	if (role & CM_NM_MATCH) {
		s->unpinned += (unsigned)cm_ini_unset(ini, eth, "mac-address");
		cm_ini_unset(ini, "connection", "interface-name");
		if (o->ifnames == CM_IFNAMES_KERNEL) {
			cm_ini_unset(ini, "match", "interface-name");
			r = cm_ini_set(ini, "connection", "interface-name",
				       CM_NET_KERNEL_NAME);
		} else {
			r = cm_ini_set(ini, "match", "interface-name",
				       CM_NET_GLOB_A ";" CM_NET_GLOB_B ";");
		}
	}
	if (r == 0 && cm_ini_get(ini, "connection", "autoconnect", v, sizeof(v)))
		cm_ini_unset(ini, "connection", "autoconnect");
	if (r == 0)
		r = cm_ini_set(ini, "ipv4", "method", o->dhcp4 ? "auto" : "disabled");
	if (r == 0)
		r = cm_ini_set(ini, "ipv6", "method", o->dhcp6 ? "auto" : "ignore");
	if (r == 0 && o->mtu) {
		snprintf(mtu, sizeof(mtu), "%u", o->mtu);
		r = cm_ini_set(ini, eth, "mtu", mtu);
	} else if (r == 0) {
		cm_ini_unset(ini, eth, "mtu");
	}
	return r;
}

static int edit(struct cm_ini *ini, unsigned role, const struct cm_net_opts *o,
		struct cm_net_summary *s)
{
	int r = 0;

	drop_metadata_routes(ini, s);
	if (role & CM_NM_PRIMARY) {
		r = primary(ini, role, o, s);
	} else if (role & CM_NM_GATEWAY) {
		drop_static(ini, "ipv4", false, s);
		drop_static(ini, "ipv6", false, s);
		r = drop_address_gateways(ini);
	}
	if (r == 0 && (role & CM_NM_MEMBER))
		s->unpinned += (unsigned)cm_ini_unset(ini, ether_section(ini),
						      "mac-address");
	if (r == 0 && (role & CM_NM_SECONDARY)) {
		/* NetworkManager-wait-online waits for what these ask it to */
		cm_ini_unset(ini, "connection", "wait-device-timeout");
		cm_ini_unset(ini, "ipv4", "may-fail");
		cm_ini_unset(ini, "ipv6", "may-fail");
		s->secondary++;
	}
	return r;
}

int cm_nm_rewrite(const char *buf, size_t len, unsigned role,
		  const struct cm_net_opts *o, struct cm_buf *out,
		  struct cm_net_summary *s)
{
	return cm_ini_rewrite(buf, len, 0, edit, role, o, out, s);
}

/* --- the root's files ---------------------------------------------------- */

/* Files NetworkManager's keyfile plugin skips (nms-keyfile-utils.c,
 * nms_keyfile_utils_check_file_permissions / _ignore_filename). */
static bool ignored(const char *name)
{
	static const char *const suffixes[] = {
		"~", ".bak", ".orig", ".rej", ".swp", ".tmp", ".nmmeta", NULL,
	};
	size_t i, l = strlen(name);

	if (strstr(name, ".dpkg-") || strstr(name, ".rpm"))
		return true;
	for (i = 0; suffixes[i]; i++) {
		size_t n = strlen(suffixes[i]);

		if (l >= n && !strcmp(name + l - n, suffixes[i]))
			return true;
	}
	return false;
}

static int scan(struct cm_net_run *run, const char *fname, const char *buf,
		size_t len, size_t *line)
{
	struct cm_nm_info in;
	int r = cm_nm_scan(buf, len, &in, line);

	(void)fname;
	return r < 0 ? r : cm_net_add(run, &(struct cm_net_fact){
		.name = in.name, .kind = in.kind, .gateway = in.gateway,
		.dhcp = in.dhcp, .mac = in.mac, .parent = in.parent,
		.master = in.master, .alias = in.uuid });
}

static int rewrite(const struct cm_net_run *run, size_t f, const char *buf,
		   size_t len, struct cm_buf *out, struct cm_net_summary *s)
{
	return cm_nm_rewrite(buf, len, cm_net_file_role(run, f), run->o, out, s);
}

static const char *const dirs[] = { CM_NM_DIR, NULL };

const struct cm_net_backend cm_net_nm = {
	.name = "NetworkManager",
	.dirs = dirs,
	.glob = "*",
	.skip = ignored,
	.bad_line = "not a valid keyfile line",
	.scan = scan,
	.rewrite = rewrite,
};
