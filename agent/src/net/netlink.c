#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "deadline.h"
#include "netlink.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP	0x10000		/* glibc's net/if.h stops before it */
#endif
#ifndef RTPROT_DHCP
#define RTPROT_DHCP	16
#endif
#ifndef RTEXT_FILTER_SKIP_STATS
#define RTEXT_FILTER_SKIP_STATS	(1 << 3)
#endif

#define NL_REQ_MAX	512		/* our requests: a header, a few attrs */
#define NL_RECV_MAX	32768		/* the kernel's dump skb ceiling */

union nl_req {
	struct nlmsghdr h;
	uint8_t b[NL_REQ_MAX];
};

/* A reply callback: <0 aborts with that error (the rest is drained). */
typedef int (*nl_cb)(const struct nlmsghdr *h, void *arg);

int cm_nl_open(struct cm_nl *nl)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	nl->seq = 0;
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (nl->fd < 0)
		return -errno;
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(nl->fd);
		nl->fd = -1;
		return r;
	}
	return 0;
}

void cm_nl_close(struct cm_nl *nl)
{
	if (nl->fd >= 0)
		close(nl->fd);
	nl->fd = -1;
}

static void *nl_init(union nl_req *q, uint16_t type, uint16_t flags,
		     size_t payload)
{
	memset(q, 0, sizeof(*q));
	q->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(payload);
	q->h.nlmsg_type = type;
	q->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	return NLMSG_DATA(&q->h);
}

static struct rtattr *nl_attr(union nl_req *q, uint16_t type,
			      const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(q->h.nlmsg_len);
	struct rtattr *rta;

	/* Our requests are fixed and small: overflowing is a bug here. */
	if (RTA_SPACE(len) > sizeof(q->b) - at)
		return NULL;
	rta = (struct rtattr *)(q->b + at);
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	q->h.nlmsg_len = (uint32_t)(at + RTA_SPACE(len));
	return rta;
}

static int nl_attr32(union nl_req *q, uint16_t type, uint32_t v)
{
	return nl_attr(q, type, &v, sizeof(v)) ? 0 : -EMSGSIZE;
}

static int nl_send(struct cm_nl *nl, union nl_req *q)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	q->h.nlmsg_seq = ++nl->seq;
	if (sendto(nl->fd, &q->h, q->h.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return -errno;
	return 0;
}

static int nl_wait(struct cm_nl *nl)
{
	struct pollfd p = { .fd = nl->fd, .events = POLLIN };
	int r;

	for (;;) {
		r = poll(&p, 1, cm_ms_left(nl->deadline));
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

struct nl_state {
	nl_cb cb;
	void *arg;
	int cb_err;
	int intr;
};

/* One datagram's messages: 1 when the answer is complete, 0 to read on,
 * <0 the kernel's (or the callback's) error. */
static int nl_walk(struct nl_state *s, uint32_t seq, struct nlmsghdr *h,
		   size_t len)
{
	const struct nlmsgerr *e;

	for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		if (h->nlmsg_seq != seq)
			continue;	/* a late answer to an earlier request */
		s->intr |= !!(h->nlmsg_flags & NLM_F_DUMP_INTR);
		if (h->nlmsg_type == NLMSG_ERROR) {
			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
				return -EBADMSG;
			e = NLMSG_DATA(h);
			return e->error ? e->error : s->cb_err ? s->cb_err : 1;
		}
		if (h->nlmsg_type == NLMSG_DONE)
			return s->cb_err ? s->cb_err : s->intr ? -EAGAIN : 1;
		if (s->cb && !s->cb_err)
			s->cb_err = s->cb(h, s->arg);
	}
	return 0;
}

/* Sends q and reads until its ACK, error or NLMSG_DONE. */
static int nl_talk(struct cm_nl *nl, union nl_req *q, nl_cb cb, void *arg)
{
	uint8_t buf[NL_RECV_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nl_state s = { cb, arg, 0, 0 };
	ssize_t n;
	int r;

	r = nl_send(nl, q);
	if (r < 0)
		return r;
	for (;;) {
		r = nl_wait(nl);
		if (r < 0)
			return r;
		n = recv(nl->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		if ((size_t)n > sizeof(buf))
			return -EMSGSIZE;
		r = nl_walk(&s, q->h.nlmsg_seq, (struct nlmsghdr *)buf,
			    (size_t)n);
		if (r)
			return r < 0 ? r : 0;
	}
}

/* --- links --------------------------------------------------------------- */

static int copy_str(char *out, size_t size, const struct rtattr *rta)
{
	size_t n = strnlen(RTA_DATA(rta), RTA_PAYLOAD(rta));

	if (n >= size)
		return -EBADMSG;
	memcpy(out, RTA_DATA(rta), n);
	out[n] = '\0';
	return 0;
}

static int parse_linkinfo(const struct rtattr *nest, struct cm_link *out)
{
	const struct rtattr *rta = RTA_DATA(nest);
	unsigned int len = RTA_PAYLOAD(nest);

	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == IFLA_INFO_KIND)
			return copy_str(out->kind, sizeof(out->kind), rta);
	return 0;
}

static int parse_link_attr(const struct rtattr *rta, struct cm_link *out,
			   int *has_carrier)
{
	size_t n = RTA_PAYLOAD(rta);

	switch (rta->rta_type) {
	case IFLA_IFNAME:
		return copy_str(out->name, sizeof(out->name), rta);
	case IFLA_LINKINFO:
		return parse_linkinfo(rta, out);
	case IFLA_ADDRESS:
		if (n == 6) {
			memcpy(out->mac, RTA_DATA(rta), 6);
			out->has_mac = 1;
		}
		return 0;
	case IFLA_CARRIER:
		if (n >= 1) {
			out->carrier = !!*(const uint8_t *)RTA_DATA(rta);
			*has_carrier = 1;
		}
		return 0;
	case IFLA_MTU:
		if (n == 4)
			memcpy(&out->mtu, RTA_DATA(rta), 4);
		return 0;
	case IFLA_MASTER:
		if (n == 4)
			memcpy(&out->master, RTA_DATA(rta), 4);
		return 0;
	default:
		return 0;
	}
}

int cm_nl_parse_link(const void *msg, size_t len, struct cm_link *out)
{
	const struct nlmsghdr *h = msg;
	const struct ifinfomsg *ifi;
	const struct rtattr *rta;
	unsigned int alen;
	int has_carrier = 0, r;

	memset(out, 0, sizeof(*out));
	if (len < NLMSG_LENGTH(sizeof(*ifi)) || h->nlmsg_len > len ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)) ||
	    h->nlmsg_type != RTM_NEWLINK)
		return -EBADMSG;
	ifi = NLMSG_DATA(h);
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	out->type = ifi->ifi_type;
	alen = (unsigned int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)));
	rta = (const struct rtattr *)((const uint8_t *)ifi +
				      NLMSG_ALIGN(sizeof(*ifi)));
	for (; RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen)) {
		r = parse_link_attr(rta, out, &has_carrier);
		if (r < 0)
			return r;
	}
	if (!has_carrier)
		out->carrier = !!(out->flags & IFF_LOWER_UP);
	return out->ifindex > 0 ? 0 : -EBADMSG;
}

struct link_list {
	struct cm_link *out;
	size_t max, n;
};

static int on_link(const struct nlmsghdr *h, void *arg)
{
	struct link_list *l = arg;

	/* A message the parser refuses is skipped: one odd link must not
	 * hide the others. */
	if (l->n < l->max && cm_nl_parse_link(h, h->nlmsg_len, &l->out[l->n]) == 0)
		l->n++;
	return 0;
}

static void sort_links(struct cm_link *v, size_t n)
{
	struct cm_link t;
	size_t i, j;

	for (i = 1; i < n; i++) {
		t = v[i];
		for (j = i; j > 0 && v[j - 1].ifindex > t.ifindex; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
}

static int link_request(union nl_req *q, int ifindex, uint16_t flags)
{
	struct ifinfomsg *ifi;

	ifi = nl_init(q, RTM_GETLINK, flags, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nl_attr32(q, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
}

int cm_nl_links(struct cm_nl *nl, struct cm_link *out, size_t max)
{
	struct link_list l = { out, max, 0 };
	union nl_req q;
	int r, tries;

	/* A dump that raced a change (NLM_F_DUMP_INTR) is asked again. */
	for (tries = 0; tries < 3; tries++) {
		l.n = 0;
		r = link_request(&q, 0, NLM_F_DUMP);
		if (r >= 0)
			r = nl_talk(nl, &q, on_link, &l);
		if (r != -EAGAIN)
			break;
	}
	if (r < 0)
		return r;
	sort_links(out, l.n);
	return (int)l.n;
}

int cm_nl_link_get(struct cm_nl *nl, int ifindex, struct cm_link *out)
{
	struct link_list l = { out, 1, 0 };
	union nl_req q;
	int r;

	r = link_request(&q, ifindex, NLM_F_ACK);
	if (r >= 0)
		r = nl_talk(nl, &q, on_link, &l);
	if (r < 0)
		return r;
	return l.n == 1 && out->ifindex == ifindex ? 0 : -ENODEV;
}

int cm_nl_link_set_up(struct cm_nl *nl, int ifindex, int up)
{
	struct ifinfomsg *ifi;
	union nl_req q;

	ifi = nl_init(&q, RTM_NEWLINK, NLM_F_ACK, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	return nl_talk(nl, &q, NULL, NULL);
}

/* --- addresses ----------------------------------------------------------- */

static int addr_request(union nl_req *q, uint16_t type, uint16_t flags,
			const struct cm_nl_addr *a)
{
	struct ifaddrmsg *ifa;
	int r;

	if (!a->prefix_len || a->prefix_len > 32 || a->ifindex <= 0)
		return -EINVAL;
	ifa = nl_init(q, type, (uint16_t)(NLM_F_ACK | flags), sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = a->prefix_len;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)a->ifindex;
	r = nl_attr32(q, IFA_LOCAL, a->addr);
	if (r >= 0)
		r = nl_attr32(q, IFA_ADDRESS, a->addr);
	return r;
}

int cm_nl_addr_add(struct cm_nl *nl, const struct cm_nl_addr *a)
{
	struct ifa_cacheinfo ci = { 0 };
	union nl_req q;
	uint32_t host_bits;
	int r;

	r = addr_request(&q, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, a);
	if (r < 0)
		return r;
	if (a->prefix_len <= 30) {
		host_bits = 0xffffffffu >> a->prefix_len;
		r = nl_attr32(&q, IFA_BROADCAST, a->addr | htonl(host_bits));
	}
	/* The lease's lifetime: if undo never runs, the kernel still drops
	 * the address (and the routes using it as source) when it ends. */
	ci.ifa_valid = ci.ifa_prefered = a->lifetime_s ? a->lifetime_s : 0xffffffffu;
	if (r >= 0 && !nl_attr(&q, IFA_CACHEINFO, &ci, sizeof(ci)))
		r = -EMSGSIZE;
	return r < 0 ? r : nl_talk(nl, &q, NULL, NULL);
}

int cm_nl_addr_del(struct cm_nl *nl, const struct cm_nl_addr *a)
{
	union nl_req q;
	int r;

	r = addr_request(&q, RTM_DELADDR, 0, a);
	return r < 0 ? r : nl_talk(nl, &q, NULL, NULL);
}

/* --- routes -------------------------------------------------------------- */

static int route_metrics(union nl_req *q, uint32_t mtu)
{
	struct rtattr *nest, *rta;
	size_t start;

	nest = nl_attr(q, RTA_METRICS, NULL, 0);
	if (!nest)
		return -EMSGSIZE;
	start = (size_t)((uint8_t *)nest - q->b);
	rta = nl_attr(q, RTAX_MTU, &mtu, sizeof(mtu));
	if (!rta)
		return -EMSGSIZE;
	nest->rta_len = (unsigned short)(q->h.nlmsg_len - start);
	return 0;
}

static int route_request(union nl_req *q, uint16_t type, uint16_t flags,
			 const struct cm_nl_route *rt)
{
	struct rtmsg *rtm;
	int r = 0;

	if (rt->dst_len > 32 || rt->ifindex <= 0)
		return -EINVAL;
	rtm = nl_init(q, type, (uint16_t)(NLM_F_ACK | flags), sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = rt->dst_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	/* proto dhcp marks it as ours; deleting with the same attributes
	 * removes exactly this route, never a look-alike someone else added. */
	rtm->rtm_protocol = RTPROT_DHCP;
	rtm->rtm_scope = rt->gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	if (rt->dst_len)
		r = nl_attr32(q, RTA_DST, rt->dst);
	if (r >= 0)
		r = nl_attr32(q, RTA_OIF, (uint32_t)rt->ifindex);
	if (r >= 0 && rt->gw)
		r = nl_attr32(q, RTA_GATEWAY, rt->gw);
	if (r >= 0 && rt->prefsrc)
		r = nl_attr32(q, RTA_PREFSRC, rt->prefsrc);
	if (r >= 0 && rt->mtu && type == RTM_NEWROUTE)
		r = route_metrics(q, rt->mtu);
	return r;
}

int cm_nl_route_add(struct cm_nl *nl, const struct cm_nl_route *rt)
{
	union nl_req q;
	int r;

	r = route_request(&q, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, rt);
	return r < 0 ? r : nl_talk(nl, &q, NULL, NULL);
}

int cm_nl_route_del(struct cm_nl *nl, const struct cm_nl_route *rt)
{
	union nl_req q;
	int r;

	r = route_request(&q, RTM_DELROUTE, 0, rt);
	return r < 0 ? r : nl_talk(nl, &q, NULL, NULL);
}

static int on_route(const struct nlmsghdr *h, void *arg)
{
	const struct rtmsg *rtm;

	if (h->nlmsg_type != RTM_NEWROUTE ||
	    h->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return -EBADMSG;
	rtm = NLMSG_DATA(h);
	*(int *)arg = rtm->rtm_type;
	return 0;
}

int cm_nl_route_exists(struct cm_nl *nl, uint32_t dst)
{
	struct rtmsg *rtm;
	union nl_req q;
	int type = -1, r;

	rtm = nl_init(&q, RTM_GETROUTE, NLM_F_ACK, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = 32;
	r = nl_attr32(&q, RTA_DST, dst);
	if (r >= 0)
		r = nl_talk(nl, &q, on_route, &type);
	switch (r) {
	case 0:
		break;
	case -ENETUNREACH:
		return 0;
	case -EHOSTUNREACH:	/* unreachable */
	case -EACCES:		/* prohibit */
	case -EINVAL:		/* blackhole */
		return 2;
	default:
		return r;
	}
	switch (type) {
	case RTN_UNREACHABLE:
	case RTN_PROHIBIT:
	case RTN_BLACKHOLE:
		return 2;
	case -1:
		return -EBADMSG;	/* acknowledged without an answer */
	default:
		return 1;
	}
}
