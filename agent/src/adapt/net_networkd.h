/* systemd-networkd back end: the .network files of /etc/systemd/network
 * .netdev files that say which names are bonds, bridges, VLANs; the
 * .link files that rename a NIC by its MAC).  See systemd.network(5),
 * systemd.netdev(5), systemd.link(5). */
#ifndef CM_ADAPT_NET_NETWORKD_H
#define CM_ADAPT_NET_NETWORKD_H

#include <stddef.h>

#include "../util/buf.h"
#include "network.h"

#define CM_NETWORKD_DIR "/etc/systemd/network"

/* What a .network file is to the adaptation (bits). */
#define CM_NETWORKD_PRIMARY	CM_NET_ROLE_PRIMARY	/* DHCP, MTU, no static addressing */
#define CM_NETWORKD_MATCH	CM_NET_ROLE_MATCH	/* [Match] by the NIC glob, no MAC */
#define CM_NETWORKD_GATEWAY	CM_NET_ROLE_GATEWAY	/* loses gateway, routes and DNS */
#define CM_NETWORKD_SECONDARY	CM_NET_ROLE_SECONDARY	/* RequiredForOnline=no */
#define CM_NETWORKD_MEMBER	CM_NET_ROLE_MEMBER	/* a bond's/bridge's port: unpinned */

/* One .network file: the interface it configures (its [Match] Name=
 * when there is one, else fname), its kind (kinds[] maps the .netdev
 * names: pass NULL for none), its default route; VLAN=/Bond=/Bridge=
 * lines of [Network] are reported in vlans (names, space-separated, at
 * most size bytes) and master.  0, or -EBADMSG/-EMSGSIZE (err_line). */
struct cm_networkd_info {
	char name[CM_NET_NAME_MAX];
	char master[CM_NET_NAME_MAX];		/* Bond= or Bridge= */
	char vlans[4 * CM_NET_NAME_MAX];
	bool loopback, other, gateway, mac_match, dhcp;	/* other: Type= not ether */
};
int cm_networkd_scan(const char *fname, const char *buf, size_t len,
		     struct cm_networkd_info *info, size_t *err_line);

/* A .netdev: its [NetDev] Name= and Kind=.  1 read, 0 not a netdev we
 * know, -EBADMSG. */
int cm_networkd_netdev(const char *buf, size_t len, char *name, size_t size,
		       enum cm_net_kind *kind);

/* A .link that renames a NIC by MAC to one of the names listed (space-
 * separated): 1 (it pins that name), 0 no, -EBADMSG. */
int cm_networkd_link_pins(const char *buf, size_t len, const char *names);

/* Rewrites a .network file for its role (CM_NETWORKD_* bits; 0: only
 * the metadata routes go).  Returns the number of changes or -errno. */
int cm_networkd_rewrite(const char *buf, size_t len, unsigned role,
			const struct cm_net_opts *o, struct cm_buf *out,
			struct cm_net_summary *s);

#endif
