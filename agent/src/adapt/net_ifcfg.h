/* ifcfg back end: shell-variable files, one per interface, of Red Hat's
 * network-scripts (/etc/sysconfig/network-scripts/ifcfg-<name>, read by
 * initscripts and NetworkManager's ifcfg-rh plugin: nm-settings-ifcfg-rh(5))
 * and of SUSE's wicked (/etc/sysconfig/network/ifcfg-<name>: ifcfg(5),
 * ifcfg-bonding(5), ifcfg-vlan(5)).  Their static routes live beside
 * them: route-<name>/route6-<name> (Red Hat), ifroute-<name> (SUSE). */
#ifndef CM_ADAPT_NET_IFCFG_H
#define CM_ADAPT_NET_IFCFG_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/buf.h"
#include "network.h"

#define CM_IFCFG_RH_DIR		"/etc/sysconfig/network-scripts"
#define CM_IFCFG_SUSE_DIR	"/etc/sysconfig/network"

#define CM_IFCFG_PRIMARY	CM_NET_ROLE_PRIMARY	/* DHCP, MTU, no static addressing */
#define CM_IFCFG_MATCH		CM_NET_ROLE_MATCH	/* no MAC binding; eth0 for ifnames=0 */
#define CM_IFCFG_GATEWAY	CM_NET_ROLE_GATEWAY	/* loses gateway and DNS */
#define CM_IFCFG_SECONDARY	CM_NET_ROLE_SECONDARY	/* does not hold up boot */
#define CM_IFCFG_MEMBER		CM_NET_ROLE_MEMBER	/* a bond's/bridge's port: MAC unpinned */
#define CM_IFCFG_SUSE		0x20	/* wicked's dialect */

struct cm_ifcfg_info {
	char name[CM_NET_NAME_MAX];	/* DEVICE=, else the file's suffix */
	char master[CM_NET_NAME_MAX];	/* MASTER=/BRIDGE= (Red Hat) */
	char parent[CM_NET_NAME_MAX];	/* PHYSDEV=/ETHERDEVICE= of a VLAN */
	char ports[4 * CM_NET_NAME_MAX];	/* SUSE BONDING_SLAVE*, BRIDGE_PORTS */
	enum cm_net_kind kind;
	bool gateway, dhcp, mac;
};

/* One ifcfg file (fname "ifcfg-eth0").  0, or -EBADMSG (a line that is
 * not VAR=value; err_line), -EMSGSIZE. */
int cm_ifcfg_scan(const char *fname, const char *buf, size_t len,
		  struct cm_ifcfg_info *info, size_t *err_line);

/* Rewrites an ifcfg file for its role (CM_IFCFG_* bits).  The number of
 * changes (0 or 1) or -errno. */
int cm_ifcfg_rewrite(const char *buf, size_t len, unsigned role,
		     const struct cm_net_opts *o, struct cm_buf *out,
		     struct cm_net_summary *s);

/* The value of a shell assignment without its quotes ('x', "x"). */
void cm_ifcfg_unquote(const char *v, char *out, size_t size);

#endif
