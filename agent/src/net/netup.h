/* Just enough network, for a few seconds, to reach the metadata service
 * from the initramfs, and no trace of it afterwards.
 *
 * Clouds only answer the instance's own DHCP-assigned address, so a
 * link-local guess is not enough: cm_netup() picks the wired interface,
 * leases an address with DHCP, adds it and host routes to the
 * destinations (no default route, no resolv.conf), and records each
 * change; cm_netup_undo() takes back exactly those, so the booted system
 * starts its own networking from the state it would have had.
 *
 * No DHCPRELEASE on undo: a cloud binds the address to the NIC, so the
 * booted system's own DHCP gets the same one whatever we do, and a
 * RELEASE is one more packet that can be lost or delay the boot (it is
 * sent from the leased address, so before the address goes).  The cost,
 * on a LAN server that keys leases on a client id the booted system does
 * not share: a pool address held until the lease ends.
 *
 * The address is added with the lease's lifetime and the routes with it
 * as their source, so if the agent dies before undo the kernel removes
 * both when the lease ends (only a link it set up stays up). */
#ifndef CM_NETUP_H
#define CM_NETUP_H

#include <stddef.h>
#include <stdint.h>

#include "dhcp.h"
#include "netlink.h"

#define CM_NETUP_DESTS_MAX	8
/* Each destination: its host route, and maybe one to its gateway. */
#define CM_NETUP_ROUTES_MAX	(2 * CM_NETUP_DESTS_MAX)
#define CM_NETUP_IFACES_MAX	8	/* candidates brought up at once */
#define CM_NETUP_UNDO_MS	1000	/* undo's own bound on the kernel */

/* What cm_netup() changed, and what it learned. */
struct cm_netup {
	int active;			/* there is something to undo */
	int ifindex;
	char ifname[CM_NL_NAME_MAX];
	uint8_t set_link_up;		/* was down: undo sets it down */
	uint8_t addr_added;
	struct cm_nl_addr addr;
	size_t n_routes;		/* added, in order */
	struct cm_nl_route routes[CM_NETUP_ROUTES_MAX];
	struct cm_dhcp_lease lease;	/* the ACK; valid when addr.addr */
	long dhcp_ms;			/* DISCOVER to ACK */
	long elapsed_ms;		/* all of cm_netup() */
};

/* dests: dotted IPv4 addresses, at most CM_NETUP_DESTS_MAX.  st is
 * overwritten: it must not hold changes not yet undone.  Returns 1
 * when each already has a route (nothing done, nothing recorded), 0 when
 * it configured a way to those that had none, or -errno, logged, with
 * whatever it had changed already taken back.  Every wait ends by
 * timeout_ms; after it only teardown remains (closing the packet
 * socket, taking changes back: kernel work that waits for an RCU grace
 * period, a few ms; undo's netlink answers are waited for at most
 * CM_NETUP_UNDO_MS in all). */
int cm_netup(struct cm_netup *st, const char *const *dests, size_t n,
	     long timeout_ms);

/* Takes back what st records, newest first: routes, the address, the
 * link state.  A change already gone (the lease ran out, someone else
 * removed it) is no error.  Idempotent; a no-op after a failed or
 * nothing-to-do cm_netup(). */
void cm_netup_undo(struct cm_netup *st);

/* Pure: may cm_netup() use this link?  Wired Ethernet with a MAC, not
 * loopback, not enslaved (bond, Azure's accelerated-networking VF), not
 * a virtual kind other than veth (containers and tests).  Wireless is
 * told by sysfs, which the caller checks. */
int cm_netup_link_ok(const struct cm_link *l);

/* Pure: the routes that make dests (network order) reachable with
 * lease l on ifindex, gateway host routes before the routes through
 * them, duplicates dropped, into out[max]: the count (0 when the
 * subnet's own route covers them all), -ENETUNREACH when the lease
 * offers no way to any of them (option 121 present without a match),
 * -EMSGSIZE over max.  Option 121, when present, wins over option 3
 * (RFC 3442); with neither, a destination is taken as on-link (as a
 * link-local metadata address is).  A gateway outside the leased
 * subnet (the /32 leases clouds give) gets an on-link host route. */
int cm_netup_plan(const struct cm_dhcp_lease *l, int ifindex,
		  const uint32_t *dests, size_t n, struct cm_nl_route *out,
		  size_t max);

#endif
