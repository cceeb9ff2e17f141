#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "net/deadline.h"
#include "net/netlink.h"
#include "test.h"

/* An RTM_NEWLINK message as the kernel sends it in a link dump. */
struct nlbuf {
	union {
		struct nlmsghdr h;
		uint8_t b[1024];
	} u;
};

static void msg_init(struct nlbuf *m, int ifindex, unsigned flags)
{
	struct ifinfomsg *ifi;

	memset(m, 0, sizeof(*m));
	m->u.h.nlmsg_type = RTM_NEWLINK;
	m->u.h.nlmsg_len = NLMSG_LENGTH(sizeof(*ifi));
	ifi = NLMSG_DATA(&m->u.h);
	ifi->ifi_index = ifindex;
	ifi->ifi_type = ARPHRD_ETHER;
	ifi->ifi_flags = flags;
}

static struct rtattr *attr(struct nlbuf *m, unsigned short type,
			   const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)(m->u.b + NLMSG_ALIGN(m->u.h.nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(rta), data, len);
	m->u.h.nlmsg_len = NLMSG_ALIGN(m->u.h.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static void virtio_link(struct nlbuf *m)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	uint32_t mtu = 1460, txq = 1000;
	uint8_t carrier = 1;

	msg_init(m, 2, IFF_UP | IFF_BROADCAST | IFF_MULTICAST | 0x10000);
	attr(m, IFLA_IFNAME, "ens4", 5);
	attr(m, IFLA_TXQLEN, &txq, 4);
	attr(m, IFLA_MTU, &mtu, 4);
	attr(m, IFLA_CARRIER, &carrier, 1);
	attr(m, IFLA_ADDRESS, mac, 6);
	attr(m, IFLA_BROADCAST, "\377\377\377\377\377\377", 6);
}

TEST(net_nl_parse_link)
{
	struct cm_link l;
	struct nlbuf m;

	virtio_link(&m);
	CHECK_INT(cm_nl_parse_link(&m.u.h, m.u.h.nlmsg_len, &l), 0);
	CHECK_INT(l.ifindex, 2);
	CHECK_STR(l.name, "ens4");
	CHECK_INT(l.mtu, 1460);
	CHECK(l.carrier && l.has_mac && l.mac[5] == 0x56);
	CHECK_STR(l.kind, "");
	CHECK_INT(l.master, 0);
	CHECK_INT(l.type, ARPHRD_ETHER);
}

TEST(net_nl_parse_link_kind_master)
{
	uint8_t nest[RTA_SPACE(5)] __attribute__((aligned(4)));
	struct rtattr *kind = (struct rtattr *)nest;
	struct cm_link l;
	struct nlbuf m;
	uint32_t master = 7;
	uint8_t carrier = 0;

	/* IFLA_LINKINFO { IFLA_INFO_KIND "veth" } */
	memset(nest, 0, sizeof(nest));
	kind->rta_type = IFLA_INFO_KIND;
	kind->rta_len = RTA_LENGTH(5);
	memcpy(RTA_DATA(kind), "veth", 5);
	msg_init(&m, 9, IFF_BROADCAST);
	attr(&m, IFLA_IFNAME, "vc", 3);
	attr(&m, IFLA_LINKINFO, nest, sizeof(nest));
	attr(&m, IFLA_MASTER, &master, 4);
	attr(&m, IFLA_CARRIER, &carrier, 1);
	CHECK_INT(cm_nl_parse_link(&m.u.h, m.u.h.nlmsg_len, &l), 0);
	CHECK_STR(l.kind, "veth");
	CHECK_INT(l.master, 7);
	CHECK(!l.carrier);
	CHECK(!l.has_mac);
}

TEST(net_nl_parse_link_rejects)
{
	struct cm_link l;
	struct nlbuf m;
	size_t i;

	virtio_link(&m);
	m.u.h.nlmsg_type = RTM_NEWADDR;
	CHECK_INT(cm_nl_parse_link(&m.u.h, m.u.h.nlmsg_len, &l), -EBADMSG);
	virtio_link(&m);
	CHECK_INT(cm_nl_parse_link(&m.u.h, m.u.h.nlmsg_len - 1, &l), -EBADMSG);
	msg_init(&m, 3, 0);			/* a name that does not fit */
	attr(&m, IFLA_IFNAME, "a-very-long-interface-name", 27);
	CHECK_INT(cm_nl_parse_link(&m.u.h, m.u.h.nlmsg_len, &l), -EBADMSG);
	msg_init(&m, 0, 0);			/* ifindex 0 */
	CHECK_INT(cm_nl_parse_link(&m.u.h, m.u.h.nlmsg_len, &l), -EBADMSG);

	/* Every shorter nlmsg_len: attributes cut anywhere are not read
	 * past (the buffer is exact for ASan). */
	virtio_link(&m);
	for (i = 0; i < m.u.h.nlmsg_len; i++) {
		struct nlbuf *cut = malloc(sizeof(*cut));

		CHECK(cut);
		memcpy(cut, &m, sizeof(m));
		cut->u.h.nlmsg_len = (uint32_t)i;
		(void)cm_nl_parse_link(&cut->u.h, sizeof(*cut), &l);
		free(cut);
	}
}

/* Read-only, unprivileged: the dump path against the real kernel. */
TEST(net_nl_links_live)
{
	struct cm_link links[CM_NL_LINKS_MAX];
	struct cm_nl nl;
	int n, i, lo = 0;

	CHECK_INT(cm_nl_open(&nl), 0);
	nl.deadline = cm_mono_ms() + 2000;
	n = cm_nl_links(&nl, links, CM_NL_LINKS_MAX);
	CHECK(n >= 1);
	for (i = 0; i < n; i++) {
		if (i)
			CHECK(links[i - 1].ifindex < links[i].ifindex);
		lo |= !!(links[i].flags & IFF_LOOPBACK);
	}
	CHECK(lo);
	CHECK_INT(cm_nl_link_get(&nl, links[0].ifindex, &links[1]), 0);
	CHECK_STR(links[1].name, links[0].name);
	CHECK_INT(cm_nl_link_get(&nl, 0x7ffffff0, &links[1]), -ENODEV);
	cm_nl_close(&nl);
}
