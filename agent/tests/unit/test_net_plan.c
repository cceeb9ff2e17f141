#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <string.h>

#include "net/netup.h"
#include "test.h"

static uint32_t ip(const char *s)
{
	uint32_t a = 0;

	inet_pton(AF_INET, s, &a);
	return a;
}

static void lease(struct cm_dhcp_lease *l, const char *addr, int prefix_len,
		  const char *router)
{
	memset(l, 0, sizeof(*l));
	l->type = CM_DHCP_ACK;
	l->yiaddr = ip(addr);
	l->prefix_len = (uint8_t)prefix_len;
	l->has_mask = prefix_len < 32;
	if (router) {
		l->router = ip(router);
		l->has_router = 1;
	}
}

static void route(struct cm_dhcp_lease *l, const char *dst, int len,
		  const char *gw)
{
	struct cm_dhcp_route *rt = &l->routes[l->n_routes++];

	rt->dst = ip(dst);
	rt->prefix_len = (uint8_t)len;
	rt->gw = ip(gw);
	l->has_routes = 1;
}

static int is_route(const struct cm_nl_route *rt, const char *dst,
		    const char *gw, const struct cm_dhcp_lease *l)
{
	return rt->dst == ip(dst) && rt->dst_len == 32 && rt->gw == ip(gw) &&
	       rt->ifindex == 3 && rt->prefsrc == l->yiaddr && !rt->mtu;
}

TEST(net_plan_router_on_subnet)
{
	struct cm_nl_route out[CM_NETUP_ROUTES_MAX];
	struct cm_dhcp_lease l;
	uint32_t d = ip("169.254.169.254");

	lease(&l, "10.77.0.55", 24, "10.77.0.1");
	CHECK_INT(cm_netup_plan(&l, 3, &d, 1, out, CM_NETUP_ROUTES_MAX), 1);
	CHECK(is_route(&out[0], "169.254.169.254", "10.77.0.1", &l));
}

/* GCE: /32, option 121 with the gateway on-link, option 3 ignored. */
TEST(net_plan_gce_32)
{
	struct cm_nl_route out[CM_NETUP_ROUTES_MAX];
	struct cm_dhcp_lease l;
	uint32_t d = ip("169.254.169.254");

	lease(&l, "10.128.0.7", 32, "10.128.0.99");
	route(&l, "10.128.0.1", 32, "0.0.0.0");
	route(&l, "0.0.0.0", 0, "10.128.0.1");
	CHECK_INT(cm_netup_plan(&l, 3, &d, 1, out, CM_NETUP_ROUTES_MAX), 2);
	CHECK(is_route(&out[0], "10.128.0.1", "0.0.0.0", &l));
	CHECK(is_route(&out[1], "169.254.169.254", "10.128.0.1", &l));
}

/* A /32 with only option 3 (no 121): the router is off-subnet. */
TEST(net_plan_32_router_only)
{
	struct cm_nl_route out[CM_NETUP_ROUTES_MAX];
	struct cm_dhcp_lease l;
	uint32_t d = ip("169.254.169.254");

	lease(&l, "203.0.113.9", 32, "172.31.1.1");
	CHECK_INT(cm_netup_plan(&l, 3, &d, 1, out, CM_NETUP_ROUTES_MAX), 2);
	CHECK(is_route(&out[0], "172.31.1.1", "0.0.0.0", &l));
	CHECK(is_route(&out[1], "169.254.169.254", "172.31.1.1", &l));
}

/* Azure/OpenStack: a metadata-specific route wins over the default. */
TEST(net_plan_classless_longest_prefix)
{
	struct cm_nl_route out[CM_NETUP_ROUTES_MAX];
	struct cm_dhcp_lease l;
	uint32_t d[3] = { ip("169.254.169.254"), ip("169.254.42.42"),
			  ip("100.100.100.200") };

	lease(&l, "10.0.0.4", 24, "10.0.0.1");
	route(&l, "0.0.0.0", 0, "10.0.0.1");
	route(&l, "169.254.169.254", 32, "10.0.0.2");
	route(&l, "169.254.0.0", 16, "0.0.0.0");
	CHECK_INT(cm_netup_plan(&l, 3, d, 3, out, CM_NETUP_ROUTES_MAX), 3);
	CHECK(is_route(&out[0], "169.254.169.254", "10.0.0.2", &l));
	CHECK(is_route(&out[1], "169.254.42.42", "0.0.0.0", &l));
	CHECK(is_route(&out[2], "100.100.100.200", "10.0.0.1", &l));
}

/* Classless routes with no match for a dest: that dest is skipped;
 * all unmatched: -ENETUNREACH. */
TEST(net_plan_classless_no_match)
{
	struct cm_nl_route out[CM_NETUP_ROUTES_MAX];
	struct cm_dhcp_lease l;
	uint32_t d[2] = { ip("169.254.169.254"), ip("10.9.9.9") };

	lease(&l, "10.77.0.55", 24, "10.77.0.1");
	route(&l, "10.0.0.0", 8, "10.77.0.1");
	CHECK_INT(cm_netup_plan(&l, 3, d, 1, out, CM_NETUP_ROUTES_MAX),
		  -ENETUNREACH);
	CHECK_INT(cm_netup_plan(&l, 3, d, 2, out, CM_NETUP_ROUTES_MAX), 1);
	CHECK(is_route(&out[0], "10.9.9.9", "10.77.0.1", &l));
}

/* A dest inside the leased subnet needs nothing: the kernel's prefix
 * route covers it (unless a longer classless route says otherwise). */
TEST(net_plan_dest_on_subnet)
{
	struct cm_nl_route out[CM_NETUP_ROUTES_MAX];
	struct cm_dhcp_lease l;
	uint32_t d = ip("100.100.100.200");

	lease(&l, "100.100.7.7", 16, "100.100.0.1");
	CHECK_INT(cm_netup_plan(&l, 3, &d, 1, out, CM_NETUP_ROUTES_MAX), 0);
	route(&l, "0.0.0.0", 0, "100.100.0.1");
	CHECK_INT(cm_netup_plan(&l, 3, &d, 1, out, CM_NETUP_ROUTES_MAX), 0);
	route(&l, "100.100.100.200", 32, "100.100.0.1");
	CHECK_INT(cm_netup_plan(&l, 3, &d, 1, out, CM_NETUP_ROUTES_MAX), 1);
	CHECK(is_route(&out[0], "100.100.100.200", "100.100.0.1", &l));
}

/* Neither router nor classless routes: on-link, as link-local is. */
TEST(net_plan_no_router)
{
	struct cm_nl_route out[CM_NETUP_ROUTES_MAX];
	struct cm_dhcp_lease l;
	uint32_t d = ip("169.254.169.254");

	lease(&l, "192.168.5.5", 24, NULL);
	CHECK_INT(cm_netup_plan(&l, 3, &d, 1, out, CM_NETUP_ROUTES_MAX), 1);
	CHECK(is_route(&out[0], "169.254.169.254", "0.0.0.0", &l));
}

TEST(net_plan_dedup)
{
	struct cm_nl_route out[CM_NETUP_ROUTES_MAX];
	struct cm_dhcp_lease l;
	uint32_t d[4] = { ip("169.254.169.254"), ip("169.254.42.42"),
			  ip("169.254.169.254"), ip("10.128.0.1") };

	lease(&l, "10.128.0.7", 32, NULL);
	route(&l, "10.128.0.1", 32, "0.0.0.0");
	route(&l, "0.0.0.0", 0, "10.128.0.1");
	/* The gateway once, each dest once; a dest that is the gateway
	 * itself is its on-link route. */
	CHECK_INT(cm_netup_plan(&l, 3, d, 4, out, CM_NETUP_ROUTES_MAX), 3);
	CHECK(is_route(&out[0], "10.128.0.1", "0.0.0.0", &l));
	CHECK(is_route(&out[1], "169.254.169.254", "10.128.0.1", &l));
	CHECK(is_route(&out[2], "169.254.42.42", "10.128.0.1", &l));
}

TEST(net_plan_overflow_and_empty)
{
	struct cm_nl_route out[CM_NETUP_ROUTES_MAX];
	struct cm_dhcp_lease l;
	uint32_t d[2] = { ip("169.254.169.254"), ip("169.254.42.42") };

	lease(&l, "10.128.0.7", 32, "10.128.0.1");
	CHECK_INT(cm_netup_plan(&l, 3, d, 2, out, 2), -EMSGSIZE);
	CHECK_INT(cm_netup_plan(&l, 3, d, 2, out, 3), 3);
	CHECK_INT(cm_netup_plan(&l, 3, d, 0, out, 3), 0);
}

static void ether(struct cm_link *l, const char *kind)
{
	static const uint8_t mac[6] = { 0x02, 0x42, 0xac, 0x11, 0x00, 0x02 };

	memset(l, 0, sizeof(*l));
	l->ifindex = 2;
	l->type = ARPHRD_ETHER;
	l->flags = IFF_BROADCAST | IFF_MULTICAST;
	l->has_mac = 1;
	memcpy(l->mac, mac, 6);
	strcpy(l->name, "eth0");
	strcpy(l->kind, kind);
}

TEST(net_link_candidates)
{
	struct cm_link l;

	ether(&l, "");
	CHECK(cm_netup_link_ok(&l));
	ether(&l, "veth");
	CHECK(cm_netup_link_ok(&l));
	ether(&l, "bridge");
	CHECK(!cm_netup_link_ok(&l));
	ether(&l, "bond");
	CHECK(!cm_netup_link_ok(&l));
	ether(&l, "");
	l.master = 5;			/* a VF under hv_netvsc, a bond slave */
	CHECK(!cm_netup_link_ok(&l));
	ether(&l, "");
	l.flags |= IFF_LOOPBACK;
	CHECK(!cm_netup_link_ok(&l));
	ether(&l, "");
	l.type = ARPHRD_INFINIBAND;
	CHECK(!cm_netup_link_ok(&l));
	ether(&l, "");
	l.has_mac = 0;
	CHECK(!cm_netup_link_ok(&l));
	ether(&l, "");
	memset(l.mac, 0, 6);
	CHECK(!cm_netup_link_ok(&l));
	ether(&l, "");
	l.mac[0] = 0x01;		/* multicast */
	CHECK(!cm_netup_link_ok(&l));
}

TEST(net_netup_bad_input)
{
	const char *bad[] = { "169.254.169.254", "metadata.google.internal" };
	const char *many[CM_NETUP_DESTS_MAX + 1];
	struct cm_netup st;
	size_t i;

	CHECK_INT(cm_netup(&st, bad, 2, 100), -EINVAL);
	CHECK(!st.active);
	for (i = 0; i < CM_NETUP_DESTS_MAX + 1; i++)
		many[i] = "169.254.169.254";
	CHECK_INT(cm_netup(&st, many, CM_NETUP_DESTS_MAX + 1, 100), -E2BIG);
	cm_netup_undo(&st);		/* nothing recorded: a no-op */
	CHECK(!st.active);
}
