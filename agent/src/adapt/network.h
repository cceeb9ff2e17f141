/* Network adaptation: the primary interface of an installed system
 * configured the way the target cloud requires (DHCP on the first NIC,
 * matched by a name glob that survives the new cloud's NIC naming, the
 * profile's MTU, the old cloud's static addresses, routes, DNS servers
 * and MAC pinning gone), secondary interfaces kept but made
 * non-blocking, and the old cloud's metadata routes removed.
 *
 * network.c runs one loop for every configuration back end the root
 * uses (net_backends.h): it lists the files, has the back end scan each
 * (net_netplan.c, net_networkd.c, net_nm.c, net_ifupdown.c,
 * net_ifcfg.c), chooses the primary interface and the others' roles,
 * and plans the files the back end rewrites for them, textually so
 * comments and unrelated stanzas stay byte-identical.
 * Where netplan is there, it is the source of truth: what it renders
 * lives in /run and is never on the root's disk. */
#ifndef CM_ADAPT_NETWORK_H
#define CM_ADAPT_NETWORK_H

#include <stdbool.h>
#include <stddef.h>

#include "../profiles/profile.h"

#define CM_NET_FILE_MAX		(256 * 1024)	/* one configuration file */
#define CM_NET_FILES_MAX	128		/* files per back end */
#define CM_NET_IFACES_MAX	128		/* interfaces per back end */
#define CM_NET_NAME_MAX		64		/* an interface name or id */

/* The first NIC's names in the target: every ethernet name the kernel
 * (eth*) or udev's predictable scheme (en*: ens5, enp0s3, enX0) gives
 * it, or "eth0" when the profile puts net.ifnames=0 on the command line.
 * CM_NET_GLOB_ONE is the same set as one fnmatch(3) glob, for formats
 * that take a single pattern (netplan match.name, ifupdown patterns). */
#define CM_NET_GLOB_A		"en*"
#define CM_NET_GLOB_B		"eth*"
#define CM_NET_GLOB_ONE		"e[nt]*"
#define CM_NET_KERNEL_NAME	"eth0"

/* The old cloud's metadata service address: routes to it go. */
#define CM_NET_METADATA_V4	"169.254.169.254"
#define CM_NET_METADATA_V6	"fd00:ec2::254"

/* What the target asks of the primary interface (from the profile). */
struct cm_net_opts {
	bool dhcp4, dhcp6;
	unsigned mtu;			/* 0: whatever DHCP says */
	enum cm_ifnames ifnames;
};

enum cm_net_kind {
	CM_NET_ETHER = 0,
	CM_NET_BOND,
	CM_NET_BRIDGE,
	CM_NET_VLAN,
	CM_NET_LOOPBACK,
	CM_NET_OTHER,			/* wifi, tunnels, ...: never primary */
};

/* One interface as a back end's configuration describes it. */
struct cm_net_iface {
	char name[CM_NET_NAME_MAX];	/* the config's name or id for it */
	char parent[CM_NET_NAME_MAX];	/* a VLAN's link ("" unknown) */
	char master[CM_NET_NAME_MAX];	/* its bond or bridge ("" none known) */
	enum cm_net_kind kind;
	bool gateway;			/* carries the default route */
	bool member;			/* a bond's or bridge's port */
	bool dhcp;			/* already asks DHCP (v4) */
	bool mac;			/* bound to a MAC address */
};

/* What an interface is to the adaptation (bits); the per-file back ends
 * (networkd, NetworkManager, ifcfg) use the same values for their own. */
#define CM_NET_ROLE_PRIMARY	0x01	/* DHCP, MTU, no static addressing */
#define CM_NET_ROLE_MATCH	0x02	/* an ethernet: matched by the NIC glob */
#define CM_NET_ROLE_GATEWAY	0x04	/* loses the default route and DNS */
#define CM_NET_ROLE_SECONDARY	0x08	/* must not hold up boot */
#define CM_NET_ROLE_MEMBER	0x10	/* a port of the primary bond/bridge */

/* Who is what, by name, for formats that say it by name (netplan's
 * ids, ifupdown's interfaces); lists space-separated. */
struct cm_net_names {
	char primary[CM_NET_NAME_MAX];
	enum cm_net_kind primary_kind;
	char gateway[CM_NET_NAME_MAX];
	char members[4 * CM_NET_NAME_MAX];	/* the primary's ports */
	char secondaries[16 * CM_NET_NAME_MAX];
};

struct cm_net_ifaces {
	size_t n;
	struct cm_net_iface v[CM_NET_IFACES_MAX];
};

/* Adds an interface (or, when the name is known, merges what is new:
 * a later file may add the gateway).  Its index, or -E2BIG. */
int cm_net_ifaces_add(struct cm_net_ifaces *l, const char *name, size_t len,
		      enum cm_net_kind kind, bool gateway);
int cm_net_ifaces_find(const struct cm_net_ifaces *l, const char *name);

/* The interface the target's DHCP must configure: the one with the
 * default route (a VLAN's parent in its stead: clouds do not tag), else
 * the ethernet that already asks DHCP, else the first ethernet by name
 * (eth0 before eth1, ens3 before ens4), else the first bond or bridge;
 * never a bond's or bridge's port.  -1 when there is none (nothing
 * configured: left alone). */
int cm_net_pick_primary(const struct cm_net_ifaces *l);
/* The one that carried the default route (it loses it, and its DNS,
 * whether or not it is the primary), or -1. */
int cm_net_pick_gateway(const struct cm_net_ifaces *l);

/* 1 when addr (text, maybe with a /prefix) is the metadata address. */
bool cm_net_is_metadata(const char *addr, size_t len);
/* 1 for a default destination: "", "default", "0.0.0.0/0", "::/0". */
bool cm_net_is_default_dest(const char *dst, size_t len);

void cm_net_opts_from_profile(const struct cm_profile_rt *p,
			      struct cm_net_opts *o);

struct cm_plan;
struct cm_adapt_report;

/* What one back end changed, for the plan's reason line. */
struct cm_net_summary {
	char primary[CM_NET_NAME_MAX];
	unsigned secondary;		/* made non-blocking */
	unsigned unpinned;		/* MAC/name pins removed */
	unsigned routes;		/* static/metadata routes removed */
};

/* The rewriter (see rewrite.h). */
int cm_network_plan(const char *sysroot, const struct cm_profile_rt *p,
		    struct cm_plan *plan, struct cm_adapt_report *rep);

#endif
