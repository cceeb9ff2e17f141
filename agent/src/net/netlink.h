/* rtnetlink, just what bringing up one interface for a few seconds and
 * taking it down again needs: list links, set a link up or down, add or
 * delete an IPv4 address or route, ask whether a destination is routed.
 *
 * Every call waits for the kernel's answer at most until nl->deadline
 * (then -ETIMEDOUT), returns 0 or -errno as the kernel said it, and logs
 * nothing: the caller knows what the step was for. */
#ifndef CM_NETLINK_H
#define CM_NETLINK_H

#include <stddef.h>
#include <stdint.h>

#define CM_NL_LINKS_MAX		64	/* a dump with more is cut, not grown */
#define CM_NL_NAME_MAX		16	/* IFNAMSIZ */
#define CM_NL_KIND_MAX		16

struct cm_nl {
	int fd;
	uint32_t seq;
	int64_t deadline;	/* cm_mono_ms() clock; set by the caller */
};

struct cm_link {
	int ifindex;
	unsigned flags;			/* IFF_*, with IFF_LOWER_UP */
	unsigned short type;		/* ARPHRD_* */
	uint8_t carrier;		/* IFLA_CARRIER, else IFF_LOWER_UP */
	uint8_t has_mac;		/* a 6-byte IFLA_ADDRESS */
	uint8_t mac[6];
	int master;			/* IFLA_MASTER: enslaved (bond, VF) */
	uint32_t mtu;
	char name[CM_NL_NAME_MAX];
	char kind[CM_NL_KIND_MAX];	/* IFLA_INFO_KIND; "" for hardware */
};

/* An IPv4 address on a link; lifetime_s 0xffffffff is "forever". */
struct cm_nl_addr {
	int ifindex;
	uint32_t addr;			/* network byte order */
	uint8_t prefix_len;
	uint32_t lifetime_s;
};

/* An IPv4 route in the main table, proto dhcp: dst/dst_len via gw
 * (scope universe) or, when gw is 0, on-link (scope link). */
struct cm_nl_route {
	int ifindex;
	uint32_t dst;			/* network byte order */
	uint8_t dst_len;
	uint32_t gw;			/* 0: on-link */
	uint32_t prefsrc;		/* 0: the kernel picks */
	uint32_t mtu;			/* 0: the link's */
};

int cm_nl_open(struct cm_nl *nl);
void cm_nl_close(struct cm_nl *nl);

/* Pure: one RTM_NEWLINK message (header and payload, len bytes) into
 * out: 0, or -EBADMSG when it is not a well-formed link message. */
int cm_nl_parse_link(const void *msg, size_t len, struct cm_link *out);

/* Every link, ifindex order, at most max (more are dropped): the count. */
int cm_nl_links(struct cm_nl *nl, struct cm_link *out, size_t max);
int cm_nl_link_get(struct cm_nl *nl, int ifindex, struct cm_link *out);
int cm_nl_link_set_up(struct cm_nl *nl, int ifindex, int up);

/* -EEXIST when the address is already there. */
int cm_nl_addr_add(struct cm_nl *nl, const struct cm_nl_addr *a);
int cm_nl_addr_del(struct cm_nl *nl, const struct cm_nl_addr *a);

/* -EEXIST when the same route is already there. */
int cm_nl_route_add(struct cm_nl *nl, const struct cm_nl_route *rt);
int cm_nl_route_del(struct cm_nl *nl, const struct cm_nl_route *rt);

/* RTM_GETROUTE for dst (network byte order): 1 when the kernel would
 * route it (unicast or local), 0 when it has no route (ENETUNREACH), 2
 * when a route refuses it (unreachable, prohibit, blackhole: someone
 * decided, leave it), or -errno. */
int cm_nl_route_exists(struct cm_nl *nl, uint32_t dst);

#endif
