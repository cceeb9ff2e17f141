/* NetworkManager back end: keyfiles in
 * /etc/NetworkManager/system-connections (nm-settings-keyfile(5); the
 * settings and their values: nm-settings-nmcli(5)). */
#ifndef CM_ADAPT_NET_NM_H
#define CM_ADAPT_NET_NM_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/buf.h"
#include "network.h"

#define CM_NM_DIR "/etc/NetworkManager/system-connections"

/* Roles of a connection profile (bits). */
#define CM_NM_PRIMARY	CM_NET_ROLE_PRIMARY	/* DHCP, MTU, no static addressing */
#define CM_NM_MATCH	CM_NET_ROLE_MATCH	/* bound by the NIC glob, not name or MAC */
#define CM_NM_GATEWAY	CM_NET_ROLE_GATEWAY	/* loses default route and DNS */
#define CM_NM_SECONDARY	CM_NET_ROLE_SECONDARY	/* never holds up NetworkManager's startup */
#define CM_NM_MEMBER	CM_NET_ROLE_MEMBER	/* a bond's/bridge's port: MAC unpinned */

struct cm_nm_info {
	char name[CM_NET_NAME_MAX];	/* interface-name, else uuid, else id */
	char uuid[CM_NET_NAME_MAX];
	char master[CM_NET_NAME_MAX];	/* controller (name or uuid) */
	char parent[CM_NET_NAME_MAX];	/* a VLAN's parent (name or uuid) */
	enum cm_net_kind kind;
	bool gateway;
	bool mac;			/* bound by MAC address */
	bool dhcp;			/* ipv4.method=auto */
};

/* One keyfile: what it configures.  0, or -EBADMSG (err_line) /
 * -EMSGSIZE. */
int cm_nm_scan(const char *buf, size_t len, struct cm_nm_info *info,
	       size_t *err_line);

/* Rewrites a keyfile for its role (CM_NM_* bits; 0: only the metadata
 * routes go).  The number of changes (0 or 1) or -errno. */
int cm_nm_rewrite(const char *buf, size_t len, unsigned role,
		  const struct cm_net_opts *o, struct cm_buf *out,
		  struct cm_net_summary *s);

#endif
