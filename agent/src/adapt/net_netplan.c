#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "../log.h"
#include "../util/yamledit.h"
#include "net_backends.h"
#include "net_netplan.h"

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
static int network_of(struct cm_yaml *d, yaml_node_t **net, size_t *err_line,
		      const char **why)
{
	yaml_node_t *root = cm_yaml_root(d);

	*net = NULL;
	if (!root)
		return 0;	/* an empty file */
	if (root->type != YAML_MAPPING_NODE) {
		*err_line = root->start_mark.line + 1;
		*why = "the top level is not a mapping";
		return -EBADMSG;
	}
	*net = cm_yaml_get(d, root, "network");
	if (*net && (*net)->type != YAML_MAPPING_NODE) {
		*err_line = (*net)->start_mark.line + 1;
		*why = "network: is not a mapping";
		return -EBADMSG;
	}
	return 0;
}

/* A routes: item "to: default" (or 0.0.0.0/0, ::/0) / to the metadata server. */
static bool route_to(struct cm_yaml *d, yaml_node_t *item, bool md)
{
	char to[128];

	cm_yaml_scalar_copy(cm_yaml_get(d, item, "to"), to, sizeof(to));
	if (!to[0])
		return false;
	return md ? cm_net_is_metadata(to, strlen(to)) :
		    cm_net_is_default_dest(to, strlen(to));
}

static bool has_default_route(struct cm_yaml *d, yaml_node_t *dev)
{
	yaml_node_t *routes = cm_yaml_get(d, dev, "routes");
	yaml_node_item_t *it;

	if (!routes || routes->type != YAML_SEQUENCE_NODE)
		return false;
	for (it = routes->data.sequence.items.start; it < routes->data.sequence.items.top; it++)
		if (route_to(d, cm_yaml_node(d, *it), false))
			return true;
	return false;
}

static void scan_dev(struct cm_yaml *d, struct cm_netplan_scan *sc, yaml_node_t *key,
		     yaml_node_t *dev, enum cm_net_kind kind)
{
	struct cm_netplan_dev *v;
	yaml_node_t *ports;
	yaml_node_item_t *it;

	if (sc->n == CM_NET_IFACES_MAX)
		return;
	v = &sc->v[sc->n++];
	memset(v, 0, sizeof(*v));
	cm_yaml_scalar_copy(key, v->id, sizeof(v->id));
	v->kind = kind;
	v->gateway = cm_yaml_get(d, dev, "gateway4") || cm_yaml_get(d, dev, "gateway6") ||
		     has_default_route(d, dev);
	v->dhcp = cm_yaml_true(cm_yaml_get(d, dev, "dhcp4"));
	v->mac = cm_yaml_get(d, cm_yaml_get(d, dev, "match"), "macaddress") != NULL;
	cm_yaml_scalar_copy(cm_yaml_get(d, dev, "link"), v->parent, sizeof(v->parent));
	ports = cm_yaml_get(d, dev, "interfaces");
	if (!ports || ports->type != YAML_SEQUENCE_NODE)
		return;
	for (it = ports->data.sequence.items.start; it < ports->data.sequence.items.top; it++) {
		char port[CM_NET_NAME_MAX];
		size_t l = strlen(v->ports);

		cm_yaml_scalar_copy(cm_yaml_node(d, *it), port, sizeof(port));
		if (port[0] && l + strlen(port) + 2 < sizeof(v->ports))
			snprintf(v->ports + l, sizeof(v->ports) - l, "%s%s", l ? " " : "", port);
	}
}

int cm_netplan_scan(const char *buf, size_t len, struct cm_netplan_scan *sc,
		    size_t *err_line, const char **why)
{
	struct cm_yaml *d = malloc(sizeof(*d));
	yaml_node_t *net;
	size_t s;
	int r;

	memset(sc, 0, sizeof(*sc));
	if (!d)
		return -ENOMEM;
	r = cm_yaml_load(d, buf, len, CM_NET_FILE_MAX, err_line, why);
	if (r == 0)
		r = network_of(d, &net, err_line, why);
	for (s = 0; r == 0 && net && s < sizeof(sections) / sizeof(sections[0]); s++) {
		yaml_node_t *sec = cm_yaml_get(d, net, sections[s].key);
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
			scan_dev(d, sc, cm_yaml_node(d, p->key), cm_yaml_node(d, p->value),
				 sections[s].kind);
	}
	cm_yaml_free(d);
	free(d);
	return r;
}

/* Items of dev's routes: to the metadata server (always), default ones
 * (dflt).  The whole routes: key goes when no item is left. */
static unsigned drop_routes(struct cm_yaml *d, yaml_node_t *dev, bool dflt)
{
	yaml_node_pair_t *p = cm_yaml_pair(d, dev, "routes");
	yaml_node_t *seq = p ? cm_yaml_node(d, p->value) : NULL;
	yaml_node_item_t *it, *top;
	size_t n = 0, gone = 0;

	if (!seq || seq->type != YAML_SEQUENCE_NODE)
		return 0;
	top = seq->data.sequence.items.top;
	for (it = seq->data.sequence.items.start; it < top; it++, n++)
		gone += route_to(d, cm_yaml_node(d, *it), true) ||
			(dflt && route_to(d, cm_yaml_node(d, *it), false));
	if (!gone)
		return 0;
	if (gone == n) {
		cm_yaml_delete_pair(d, dev, p);
		return (unsigned)gone;
	}
	if (seq->data.sequence.style == YAML_FLOW_SEQUENCE_STYLE)
		return 0;	/* [a, b]: left as it is */
	for (it = seq->data.sequence.items.start; it < top; it++) {
		yaml_node_t *item = cm_yaml_node(d, *it);

		if (!route_to(d, item, true) && !(dflt && route_to(d, item, false)))
			continue;
		cm_yaml_delete_item(d, seq, it);
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

static void primary_dev(struct cm_yaml *d, yaml_node_t *dev, const struct cm_net_names *ro,
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
	struct cm_yaml_kv kv[6];
	size_t n = 0;

	if (dev->type != YAML_MAPPING_NODE)
		return;
	if (cm_yaml_get(d, cm_yaml_get(d, dev, "match"), "macaddress") ||
	    cm_yaml_get(d, dev, "macaddress"))
		s->unpinned++;
	{
		yaml_node_t *routes = cm_yaml_get(d, dev, "routes");

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
	cm_yaml_edit_map(d, dev, o->dhcp6 ? drop6 : drop, kv, n);
}

static void other_dev(struct cm_yaml *d, yaml_node_t *key, yaml_node_t *dev,
		      const struct cm_net_names *ro, const struct cm_net_opts *o,
		      struct cm_net_summary *s)
{
	static const char *const gw_drop[] = { "gateway4", "gateway6", "nameservers", NULL };
	static const char *const member_drop[] = { "set-name", "macaddress", NULL };
	static const char *const none[] = { NULL };
	char id[CM_NET_NAME_MAX];
	struct cm_yaml_kv kv[1];
	bool gw;

	if (dev->type != YAML_MAPPING_NODE)
		return;
	cm_yaml_scalar_copy(key, id, sizeof(id));
	gw = !strcmp(id, ro->gateway);
	s->routes += drop_routes(d, dev, gw);
	if (gw)
		cm_yaml_edit_map(d, dev, gw_drop, kv, 0);
	if (in_list(ro->members, id)) {
		if (cm_yaml_get(d, cm_yaml_get(d, dev, "match"), "macaddress")) {
			kv[0].k = "match";
			match_value(o, kv[0].v, sizeof(kv[0].v));
			cm_yaml_edit_map(d, dev, member_drop, kv, 1);
			s->unpinned++;
		}
	} else if (in_list(ro->secondaries, id)) {
		kv[0].k = "optional";
		snprintf(kv[0].v, sizeof(kv[0].v), "true");
		cm_yaml_edit_map(d, dev, none, kv, 1);
		s->secondary++;
	}
}

int cm_netplan_rewrite(const char *buf, size_t len,
		       const struct cm_net_names *ro,
		       const struct cm_net_opts *o, struct cm_buf *out,
		       struct cm_net_summary *s)
{
	struct cm_yaml *d = malloc(sizeof(*d));
	yaml_node_t *net = NULL;
	const char *why;
	size_t el, k;
	int r;

	if (!d)
		return -ENOMEM;
	r = cm_yaml_load(d, buf, len, CM_NET_FILE_MAX, &el, &why);
	if (r == 0)
		r = network_of(d, &net, &el, &why);
	for (k = 0; r == 0 && net && k < sizeof(sections) / sizeof(sections[0]); k++) {
		yaml_node_t *sec = cm_yaml_get(d, net, sections[k].key);
		yaml_node_pair_t *p;

		if (!sec || sec->type != YAML_MAPPING_NODE)
			continue;
		for (p = sec->data.mapping.pairs.start; p < sec->data.mapping.pairs.top; p++) {
			yaml_node_t *key = cm_yaml_node(d, p->key);
			yaml_node_t *dev = cm_yaml_node(d, p->value);

			if (ro->primary[0] && cm_yaml_scalar_is(key, ro->primary))
				primary_dev(d, dev, ro, o, s);
			else
				other_dev(d, key, dev, ro, o, s);
		}
	}
	if (r == 0)
		r = cm_yaml_apply(d, out);
	cm_yaml_free(d);
	free(d);
	if (r < 0)
		return r;
	return out->len != len || memcmp(out->data, buf, len);
}

/* --- the root's files ---------------------------------------------------- */

static int scan(struct cm_net_run *run, const char *fname, const char *buf,
		size_t len, size_t *line)
{
	struct cm_netplan_scan *sc = malloc(sizeof(*sc));
	size_t i;
	int r = sc ? cm_netplan_scan(buf, len, sc, line, &run->why) : -ENOMEM;

	(void)fname;
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

/* A port of another bond or bridge is that one's business, never a
 * secondary of its own. */
static bool a_port(const struct cm_net_iface *v)
{
	return v->member;
}

static int rewrite(const struct cm_net_run *run, size_t f, const char *buf,
		   size_t len, struct cm_buf *out, struct cm_net_summary *s)
{
	struct cm_net_names ro;

	(void)f;
	cm_net_names_of(run, NULL, a_port, &ro);
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
