/* ifupdown back end: /etc/network/interfaces and the files it sources
 * (interfaces(5): "iface NAME FAMILY METHOD" stanzas with their option
 * lines, "auto"/"allow-*" lines, "source"/"source-directory"). */
#ifndef CM_ADAPT_NET_IFUPDOWN_H
#define CM_ADAPT_NET_IFUPDOWN_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/buf.h"
#include "network.h"

#define CM_IFUPDOWN_FILE	"/etc/network/interfaces"
#define CM_IFUPDOWN_DEPTH_MAX	4	/* nested source lines */

/* What one file says about its interfaces (scan), as names lists
 * (space-separated) and per-interface facts. */
struct cm_ifupdown_iface {
	char name[CM_NET_NAME_MAX];
	char parent[CM_NET_NAME_MAX];	/* vlan-raw-device, or eth0 of eth0.7 */
	char master[CM_NET_NAME_MAX];	/* bond-master / in a bridge's ports */
	enum cm_net_kind kind;
	bool gateway, dhcp;
};

#define CM_IFUPDOWN_SOURCES_MAX 16

struct cm_ifupdown_scan {
	size_t n;
	struct cm_ifupdown_iface v[CM_NET_IFACES_MAX];
	/* "source"/"source-directory" arguments, in order: 's'/'d' kinds */
	size_t n_sources;
	char source[CM_IFUPDOWN_SOURCES_MAX][256];
	char source_kind[CM_IFUPDOWN_SOURCES_MAX];
	/* the interfaces auto/allow-* lines bring up (space-separated) */
	char autos[16 * CM_NET_NAME_MAX];
};

/* 0, or -EBADMSG (err_line: an option line before any stanza, an iface
 * line without family and method), -EMSGSIZE. */
int cm_ifupdown_scan(const char *buf, size_t len, struct cm_ifupdown_scan *sc,
		     size_t *err_line);

/* Who is what, by name. */
struct cm_ifupdown_roles {
	struct cm_net_names n;
	bool add_auto;		/* no auto/allow line brings the primary up */
};

/* Rewrites one file.  The number of changes (0 or 1) or -errno. */
int cm_ifupdown_rewrite(const char *buf, size_t len,
			const struct cm_ifupdown_roles *roles,
			const struct cm_net_opts *o, struct cm_buf *out,
			struct cm_net_summary *s);

#endif
