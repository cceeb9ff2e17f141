/* netplan back end: the YAML files of /etc/netplan (netplan(5), the YAML reference
 * at netplan.readthedocs.io "Netplan YAML configuration reference").
 *
 * The files are parsed and edited in place by util/yamledit.c (at the
 * positions libyaml reports for each node, so comments, quoting and the
 * stanzas we do not touch stay byte-identical); here are netplan's
 * rules: which devices there are, and what each becomes.  Pure: no I/O. */
#ifndef CM_ADAPT_NET_NETPLAN_H
#define CM_ADAPT_NET_NETPLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/buf.h"
#include "network.h"

#define CM_NETPLAN_DIR "/etc/netplan"

/* Every device a file defines, with what selection needs: the kind
 * from its section (ethernets, bonds, bridges, vlans; others are OTHER),
 * gateway4/gateway6 or a default route, dhcp4, a VLAN's link, and the
 * ports of bonds and bridges (ids, space-separated). */
struct cm_netplan_dev {
	char id[CM_NET_NAME_MAX];
	char parent[CM_NET_NAME_MAX];
	char ports[4 * CM_NET_NAME_MAX];
	enum cm_net_kind kind;
	bool gateway, dhcp, mac;
};

struct cm_netplan_scan {
	size_t n;
	struct cm_netplan_dev v[CM_NET_IFACES_MAX];
};

/* 0, or -EBADMSG (err_line: what libyaml or the structure check says
 * is wrong; 1-based; why: a short reason), -EMSGSIZE. */
int cm_netplan_scan(const char *buf, size_t len, struct cm_netplan_scan *sc,
		    size_t *err_line, const char **why);

/* Rewrites one file for who is what (by id).  The number of changes (0
 * or 1) or -errno. */
int cm_netplan_rewrite(const char *buf, size_t len,
		       const struct cm_net_names *ro,
		       const struct cm_net_opts *o, struct cm_buf *out,
		       struct cm_net_summary *s);

#endif
