#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../log.h"
#include "deadline.h"
#include "dhcpc.h"
#include "netup.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP	0x10000
#endif

#define NETUP_POLL_MS		10	/* link polling while links come up */
#define NETUP_ROUTE_MTU_MIN	576	/* below is a broken option 26 */

/* Virtual kinds a DHCP client may still use: veth (containers, tests). */
static const char *const usable_kinds[] = { "veth" };

static const char *ip_str(uint32_t a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN) ? buf : "?";
}

int cm_netup_link_ok(const struct cm_link *l)
{
	static const uint8_t zero[6];
	size_t i;

	if ((l->flags & IFF_LOOPBACK) || l->type != ARPHRD_ETHER ||
	    !l->has_mac || !memcmp(l->mac, zero, 6) || (l->mac[0] & 1) ||
	    l->master)
		return 0;
	if (!l->kind[0])
		return 1;
	for (i = 0; i < sizeof(usable_kinds) / sizeof(usable_kinds[0]); i++)
		if (!strcmp(l->kind, usable_kinds[i]))
			return 1;
	return 0;
}

/* --- planning (pure) ----------------------------------------------------- */

static uint32_t mask_of(uint8_t prefix_len)
{
	return prefix_len ? htonl(0xffffffffu << (32 - prefix_len)) : 0;
}

static int in_subnet(const struct cm_dhcp_lease *l, uint32_t a)
{
	return !((a ^ l->yiaddr) & mask_of(l->prefix_len));
}

/* The option 121 route for d with the longest prefix, or NULL. */
static const struct cm_dhcp_route *classless_match(const struct cm_dhcp_lease *l,
						   uint32_t d)
{
	const struct cm_dhcp_route *best = NULL;
	size_t i;

	for (i = 0; i < l->n_routes; i++) {
		const struct cm_dhcp_route *rt = &l->routes[i];

		if ((d & mask_of(rt->prefix_len)) != rt->dst)
			continue;
		if (!best || rt->prefix_len > best->prefix_len)
			best = rt;
	}
	return best;
}

/* How d is reached: 0 with *gw (0: on-link), 1 when the subnet route
 * the kernel adds with the address already covers it, -ENETUNREACH. */
static int next_hop(const struct cm_dhcp_lease *l, uint32_t d, uint32_t *gw)
{
	const struct cm_dhcp_route *rt;

	*gw = 0;
	if (l->has_routes) {
		rt = classless_match(l, d);
		if (in_subnet(l, d) && (!rt || rt->prefix_len <= l->prefix_len))
			return 1;
		if (!rt)
			return -ENETUNREACH;
		*gw = rt->gw;
	} else if (in_subnet(l, d)) {
		return 1;
	} else if (l->has_router) {
		*gw = l->router;
	}
	if (*gw == l->yiaddr)
		*gw = 0;	/* "via myself" is on-link */
	return 0;
}

struct plan {
	struct cm_nl_route *out;
	size_t max, n;
};

static int plan_add(struct plan *p, const struct cm_dhcp_lease *l,
		    int ifindex, uint32_t dst, uint32_t gw)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->out[i].dst == dst)
			return 0;	/* a gateway that is also a dest: once */
	if (p->n == p->max)
		return -EMSGSIZE;
	p->out[p->n++] = (struct cm_nl_route){
		.ifindex = ifindex, .dst = dst, .dst_len = 32, .gw = gw,
		.prefsrc = l->yiaddr,	/* the address the cloud checks */
	};
	return 0;
}

int cm_netup_plan(const struct cm_dhcp_lease *l, int ifindex,
		  const uint32_t *dests, size_t n, struct cm_nl_route *out,
		  size_t max)
{
	struct plan p = { out, max, 0 };
	size_t i, reached = 0;
	uint32_t gw;
	int r;

	for (i = 0; i < n; i++) {
		r = next_hop(l, dests[i], &gw);
		if (r < 0)
			continue;
		reached++;
		if (r == 1)
			continue;
		if (gw && !in_subnet(l, gw) && (r = plan_add(&p, l, ifindex, gw, 0)) < 0)
			return r;
		if ((r = plan_add(&p, l, ifindex, dests[i], gw)) < 0)
			return r;
	}
	return n && !reached ? -ENETUNREACH : (int)p.n;
}

/* --- steps --------------------------------------------------------------- */

static int parse_dests(const char *const *dests, size_t n, uint32_t *out)
{
	size_t i;

	if (n > CM_NETUP_DESTS_MAX)
		return cm_err(-E2BIG, "netup: %zu destinations (at most %d)", n,
			      CM_NETUP_DESTS_MAX);
	for (i = 0; i < n; i++)
		if (!dests[i] || inet_pton(AF_INET, dests[i], &out[i]) != 1)
			return cm_err(-EINVAL, "netup: destination \"%s\"",
				      dests[i] ? dests[i] : "(null)");
	return 0;
}

/* The dests with no route yet into missing: their count, or -errno. */
static int missing_routes(struct cm_nl *nl, const uint32_t *dests, size_t n,
			  uint32_t *missing)
{
	char ip[INET_ADDRSTRLEN];
	size_t i, k = 0;
	int r;

	for (i = 0; i < n; i++) {
		r = cm_nl_route_exists(nl, dests[i]);
		if (r < 0)
			return cm_err(r, "netup: route lookup for %s",
				      ip_str(dests[i], ip));
		if (r == 2)
			cm_debug("netup: %s is refused by a route; left alone",
				 ip_str(dests[i], ip));
		if (r == 0)
			missing[k++] = dests[i];
	}
	return (int)k;
}

static int is_wireless(const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/net/%s/wireless", name);
	if (!access(path, F_OK))
		return 1;
	snprintf(path, sizeof(path), "/sys/class/net/%s/phy80211", name);
	return !access(path, F_OK);
}

struct candidates {
	int ifindex[CM_NETUP_IFACES_MAX];
	uint8_t raised[CM_NETUP_IFACES_MAX];
	size_t n;
	char names[CM_NETUP_IFACES_MAX * (CM_NL_NAME_MAX + 1)];
};

static int list_candidates(struct cm_nl *nl, struct candidates *c,
			   struct cm_link *links, size_t max)
{
	int n, i;

	n = cm_nl_links(nl, links, max);
	if (n < 0)
		return cm_err(n, "netup: list interfaces");
	memset(c, 0, sizeof(*c));
	for (i = 0; i < n && c->n < CM_NETUP_IFACES_MAX; i++) {
		if (!cm_netup_link_ok(&links[i]) || is_wireless(links[i].name))
			continue;
		c->ifindex[c->n++] = links[i].ifindex;
		if (c->names[0])
			strcat(c->names, ",");
		strcat(c->names, links[i].name);
	}
	if (!c->n)
		return cm_err(-ENODEV, "netup: no wired Ethernet interface");
	return n;
}

/* Ready to send: up, with carrier, and RUNNING (operstate up).  The
 * carrier bit comes first; RUNNING only once the kernel's link watcher
 * has also attached the queueing discipline, and until then a frame
 * sent is silently dropped: the first DISCOVER would be lost. */
static int link_ready(const struct cm_link *l)
{
	return (l->flags & IFF_UP) && (l->flags & IFF_RUNNING) && l->carrier;
}

/* The first candidate, in ifindex order, that is ready. */
static const struct cm_link *first_with_carrier(const struct candidates *c,
						const struct cm_link *links,
						int n)
{
	size_t k;
	int i;

	for (k = 0; k < c->n; k++)
		for (i = 0; i < n; i++)
			if (links[i].ifindex == c->ifindex[k] &&
			    link_ready(&links[i]))
				return &links[i];
	return NULL;
}

/* Sets the down candidates up: 0 when at least one candidate is up now,
 * else the error of the last attempt. */
static int raise_down_links(struct cm_nl *nl, struct candidates *c,
			    const struct cm_link *links, int n)
{
	int i, r, err = -ENOLINK, any_up = 0;
	size_t k;

	for (k = 0; k < c->n; k++)
		for (i = 0; i < n; i++) {
			if (links[i].ifindex != c->ifindex[k])
				continue;
			if (links[i].flags & IFF_UP) {
				any_up = 1;
				continue;
			}
			r = cm_nl_link_set_up(nl, c->ifindex[k], 1);
			c->raised[k] = r == 0;
			if (r < 0) {
				cm_debug("netup: set %s up: %s", links[i].name,
					 strerror(-r));
				err = r;
			}
			any_up |= r == 0;
		}
	return any_up ? 0 : err;
}

static void lower_unused(struct cm_nl *nl, const struct candidates *c,
			 int keep)
{
	size_t k;

	for (k = 0; k < c->n; k++)
		if (c->raised[k] && c->ifindex[k] != keep)
			(void)cm_nl_link_set_up(nl, c->ifindex[k], 0);
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static int was_raised(const struct candidates *c, int ifindex)
{
	size_t k;

	for (k = 0; k < c->n; k++)
		if (c->ifindex[k] == ifindex)
			return c->raised[k];
	return 0;
}

/* Picks the link: one already up with carrier, else brings the down
 * candidates up and takes the first to get carrier (the others go back
 * down).  Records in st whether the chosen one was down. */
static int pick_link(struct cm_nl *nl, struct cm_netup *st, int64_t deadline,
		     struct cm_link *chosen)
{
	struct cm_link links[CM_NL_LINKS_MAX];
	const struct cm_link *l;
	int64_t t0 = cm_mono_ms();
	struct candidates c;
	int n, r, left;

	n = list_candidates(nl, &c, links, CM_NL_LINKS_MAX);
	if (n < 0)
		return n;
	l = first_with_carrier(&c, links, n);
	if (!l) {
		r = raise_down_links(nl, &c, links, n);
		if (r < 0)
			return cm_err(r, "netup: set %s up", c.names);
		while (!l && (left = cm_ms_left(deadline)) > 0) {
			sleep_ms(left < NETUP_POLL_MS ? left : NETUP_POLL_MS);
			n = cm_nl_links(nl, links, CM_NL_LINKS_MAX);
			if (n < 0)
				break;
			l = first_with_carrier(&c, links, n);
		}
	}
	lower_unused(nl, &c, l ? l->ifindex : 0);
	if (!l)
		return cm_err(n < 0 ? n : -ENOLINK, "netup: no carrier on %s",
			      c.names);
	cm_debug("netup: %s ready after %ld ms", l->name,
		 (long)(cm_mono_ms() - t0));
	*chosen = *l;
	st->ifindex = l->ifindex;
	memcpy(st->ifname, l->name, sizeof(st->ifname));
	st->set_link_up = (uint8_t)was_raised(&c, l->ifindex);
	st->active = st->set_link_up;
	return 0;
}

static int add_address(struct cm_nl *nl, struct cm_netup *st)
{
	const struct cm_dhcp_lease *l = &st->lease;
	char ip[INET_ADDRSTRLEN];
	int r;

	st->addr = (struct cm_nl_addr){
		.ifindex = st->ifindex, .addr = l->yiaddr,
		.prefix_len = l->prefix_len,
		.lifetime_s = l->has_lease ? l->lease_s : CM_DHCP_LEASE_INFINITE,
	};
	r = cm_nl_addr_add(nl, &st->addr);
	if (r == -EEXIST) {
		cm_debug("netup: %s already on %s: not ours to remove",
			 ip_str(l->yiaddr, ip), st->ifname);
		return 0;
	}
	if (r < 0)
		return cm_err(r, "netup: add %s/%u to %s", ip_str(l->yiaddr, ip),
			      l->prefix_len, st->ifname);
	st->addr_added = 1;
	st->active = 1;
	return 0;
}

static int add_routes(struct cm_nl *nl, struct cm_netup *st,
		      const struct cm_link *link, const uint32_t *missing,
		      size_t n)
{
	struct cm_nl_route plan[CM_NETUP_ROUTES_MAX];
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	uint16_t mtu = st->lease.mtu;
	int k, i, r;

	k = cm_netup_plan(&st->lease, st->ifindex, missing, n, plan,
			  CM_NETUP_ROUTES_MAX);
	if (k < 0)
		return cm_err(k, "netup: the lease from %s routes none of the "
			      "destinations (first %s)",
			      ip_str(st->lease.server_id, a), ip_str(missing[0], b));
	for (i = 0; i < k; i++) {
		/* Option 26 as a route metric: the link itself is not touched. */
		if (mtu >= NETUP_ROUTE_MTU_MIN && mtu < link->mtu)
			plan[i].mtu = mtu;
		r = cm_nl_route_add(nl, &plan[i]);
		if (r == -EEXIST)
			continue;	/* someone's already: not ours to remove */
		if (r < 0)
			return cm_err(r, "netup: add route %s/32 via %s dev %s",
				      ip_str(plan[i].dst, a),
				      plan[i].gw ? ip_str(plan[i].gw, b) : "on-link",
				      st->ifname);
		st->routes[st->n_routes++] = plan[i];
		st->active = 1;
		cm_debug("netup: route %s/32 via %s dev %s", ip_str(plan[i].dst, a),
			 plan[i].gw ? ip_str(plan[i].gw, b) : "on-link", st->ifname);
	}
	return 0;
}

static void undo_with(struct cm_nl *nl, struct cm_netup *st)
{
	char ip[INET_ADDRSTRLEN];
	int r;

	nl->deadline = cm_mono_ms() + CM_NETUP_UNDO_MS;
	while (st->n_routes > 0) {
		const struct cm_nl_route *rt = &st->routes[--st->n_routes];

		r = cm_nl_route_del(nl, rt);
		if (r < 0 && r != -ESRCH && r != -ENOENT)
			cm_err(r, "netup: undo: delete route %s/32 dev %s",
			       ip_str(rt->dst, ip), st->ifname);
	}
	if (st->addr_added) {
		st->addr_added = 0;
		r = cm_nl_addr_del(nl, &st->addr);
		if (r < 0 && r != -EADDRNOTAVAIL && r != -ENOENT)
			cm_err(r, "netup: undo: delete %s from %s",
			       ip_str(st->addr.addr, ip), st->ifname);
	}
	if (st->set_link_up) {
		st->set_link_up = 0;
		r = cm_nl_link_set_up(nl, st->ifindex, 0);
		if (r < 0 && r != -ENODEV)
			cm_err(r, "netup: undo: set %s down", st->ifname);
	}
	st->active = 0;
}

void cm_netup_undo(struct cm_netup *st)
{
	struct cm_nl nl;
	int r;

	if (!st->active)
		return;
	r = cm_nl_open(&nl);
	if (r < 0) {
		cm_err(r, "netup: undo: netlink socket");
		return;
	}
	undo_with(&nl, st);
	cm_nl_close(&nl);
}

static int bring_up(struct cm_nl *nl, struct cm_netup *st,
		    const uint32_t *missing, size_t n, int64_t deadline)
{
	char ip[INET_ADDRSTRLEN], gw[INET_ADDRSTRLEN], srv[INET_ADDRSTRLEN];
	struct cm_link link;
	int64_t t0;
	int r;

	r = pick_link(nl, st, deadline, &link);
	if (r < 0)
		return r;
	t0 = cm_mono_ms();
	r = cm_dhcpc_lease(&link, deadline, &st->lease);
	if (r < 0)
		return r;
	st->dhcp_ms = (long)(cm_mono_ms() - t0);
	cm_debug("netup: %s: lease %s/%u router %s from %s in %ld ms",
		 st->ifname, ip_str(st->lease.yiaddr, ip), st->lease.prefix_len,
		 st->lease.has_router ? ip_str(st->lease.router, gw) : "none",
		 ip_str(st->lease.server_id, srv), st->dhcp_ms);
	if (st->lease.routes_invalid)
		cm_warn("netup: %s: malformed classless routes (121) ignored",
			st->ifname);
	r = add_address(nl, st);
	if (r >= 0)
		r = add_routes(nl, st, &link, missing, n);
	return r;
}

int cm_netup(struct cm_netup *st, const char *const *dests, size_t n,
	     long timeout_ms)
{
	int64_t start = cm_mono_ms(), deadline = start + timeout_ms;
	uint32_t addrs[CM_NETUP_DESTS_MAX], missing[CM_NETUP_DESTS_MAX];
	struct cm_nl nl;
	int r, k;

	memset(st, 0, sizeof(*st));
	r = parse_dests(dests, n, addrs);
	if (r < 0)
		return r;
	r = cm_nl_open(&nl);
	if (r < 0)
		return cm_err(r, "netup: netlink socket");
	nl.deadline = deadline;
	k = missing_routes(&nl, addrs, n, missing);
	if (k <= 0) {
		if (k == 0)
			cm_debug("netup: every destination has a route already");
		r = k < 0 ? k : 1;
	} else {
		r = bring_up(&nl, st, missing, (size_t)k, deadline);
		if (r < 0)
			undo_with(&nl, st);
	}
	cm_nl_close(&nl);
	st->elapsed_ms = (long)(cm_mono_ms() - start);
	return r;
}
