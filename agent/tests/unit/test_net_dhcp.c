#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/dhcp.h"
#include "net/dhcpc.h"
#include "test.h"

static const uint8_t mac[6] = { 0x42, 0x01, 0x0a, 0x80, 0x00, 0x07 };

/* A server reply, built the way servers lay them out (the dnsmasq ones
 * were captured on the run-netup.sh veth pair; the cloud ones follow the
 * option sets those clouds' DHCP servers send). */
struct pkt {
	uint8_t b[1500];
	size_t len;
};

static uint32_t ip(const char *s)
{
	uint32_t a = 0;

	inet_pton(AF_INET, s, &a);
	return a;
}

static void reply(struct pkt *p, uint8_t type, uint32_t xid, const char *yiaddr)
{
	uint32_t y = ip(yiaddr);
	const uint8_t cookie[4] = { 99, 130, 83, 99 };

	memset(p, 0, sizeof(*p));
	p->b[0] = 2;		/* BOOTREPLY */
	p->b[1] = 1;
	p->b[2] = 6;
	p->b[4] = (uint8_t)(xid >> 24);
	p->b[5] = (uint8_t)(xid >> 16);
	p->b[6] = (uint8_t)(xid >> 8);
	p->b[7] = (uint8_t)xid;
	p->b[10] = 0x80;	/* broadcast, echoed */
	memcpy(p->b + 16, &y, 4);
	memcpy(p->b + 28, mac, 6);
	memcpy(p->b + 236, cookie, 4);
	p->len = 240;
	p->b[p->len++] = 53;
	p->b[p->len++] = 1;
	p->b[p->len++] = type;
}

static void opt(struct pkt *p, uint8_t code, const void *data, uint8_t len)
{
	p->b[p->len++] = code;
	p->b[p->len++] = len;
	memcpy(p->b + p->len, data, len);
	p->len += len;
}

static void opt_ip(struct pkt *p, uint8_t code, const char *addr)
{
	uint32_t a = ip(addr);

	opt(p, code, &a, 4);
}

static void opt_u32(struct pkt *p, uint8_t code, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
			 (uint8_t)(v >> 8), (uint8_t)v };

	opt(p, code, b, 4);
}

static void opt_end(struct pkt *p)
{
	p->b[p->len++] = 255;
	if (p->len < 300)
		p->len = 300;
}

/* dnsmasq 2.90, "--dhcp-range=10.77.0.50,10.77.0.59,255.255.255.0,1h". */
static void dnsmasq_offer(struct pkt *p, uint8_t type)
{
	reply(p, type, 0xfc11c0d3, "10.77.0.55");
	opt_ip(p, 54, "10.77.0.1");
	opt_u32(p, 51, 3600);
	opt_u32(p, 58, 1800);
	opt_u32(p, 59, 3150);
	opt_ip(p, 1, "255.255.255.0");
	opt_ip(p, 28, "10.77.0.255");
	opt_ip(p, 3, "10.77.0.1");
	opt_end(p);
}

/* GCE: a /32, the gateway on-link through option 121, MTU 1460. */
static void gce_ack(struct pkt *p)
{
	static const uint8_t routes[] = {
		32, 10, 128, 0, 1, 0, 0, 0, 0,		/* 10.128.0.1/32 on-link */
		0, 10, 128, 0, 1,			/* default via it */
	};
	static const uint8_t mtu[2] = { 0x05, 0xb4 };

	reply(p, 5, 0x1234abcd, "10.128.0.7");
	opt_ip(p, 54, "169.254.169.254");
	opt_u32(p, 51, 86400);
	opt_ip(p, 1, "255.255.255.255");
	opt_ip(p, 3, "10.128.0.1");
	opt_ip(p, 6, "169.254.169.254");
	opt(p, 12, "instance-1", 10);
	opt(p, 15, "c.my-project.internal", 21);
	opt(p, 119, "\001c\012my-project\010internal\000", 23);
	opt(p, 121, routes, sizeof(routes));
	opt(p, 26, mtu, 2);
	opt_ip(p, 42, "169.254.169.254");
	opt_end(p);
}

/* Azure: infinite lease, wireserver and IMDS routed via the gateway. */
static void azure_ack(struct pkt *p)
{
	static const uint8_t routes[] = {
		32, 168, 63, 129, 16, 10, 0, 0, 1,
		32, 169, 254, 169, 254, 10, 0, 0, 1,
		0, 10, 0, 0, 1,
	};

	reply(p, 5, 0x00c0ffee, "10.0.0.4");
	opt_ip(p, 54, "168.63.129.16");
	opt_u32(p, 51, 0xffffffffu);
	opt_ip(p, 1, "255.255.255.0");
	opt_ip(p, 3, "10.0.0.1");
	opt_ip(p, 6, "168.63.129.16");
	opt(p, 15, "reddog.microsoft.com", 20);
	opt(p, 121, routes, sizeof(routes));
	opt_ip(p, 245, "168.63.129.16");
	opt_end(p);
}

/* EC2: a /20, jumbo MTU, no classless routes. */
static void ec2_ack(struct pkt *p)
{
	static const uint8_t mtu[2] = { 0x23, 0x29 };

	reply(p, 5, 0x0badcafe, "172.31.5.23");
	opt_ip(p, 54, "172.31.0.1");
	opt_u32(p, 51, 3600);
	opt_ip(p, 1, "255.255.240.0");
	opt_ip(p, 28, "172.31.15.255");
	opt_ip(p, 3, "172.31.0.1");
	opt_ip(p, 6, "172.31.0.2");
	opt(p, 15, "ec2.internal", 12);
	opt(p, 12, "ip-172-31-5-23", 14);
	opt(p, 26, mtu, 2);
	opt_end(p);
}

static const uint8_t *find_opt(const uint8_t *b, size_t len, uint8_t code,
			       uint8_t *olen)
{
	size_t i = 240;

	while (i < len && b[i] != 255) {
		if (b[i] == 0) {
			i++;
			continue;
		}
		if (b[i] == code) {
			*olen = b[i + 1];
			return b + i + 2;
		}
		i += 2u + b[i + 1];
	}
	return NULL;
}

TEST(net_dhcp_build_discover)
{
	struct cm_dhcp_request rq = { .type = CM_DHCP_DISCOVER, .xid = 0xdeadbeef,
				      .secs = 1 };
	uint8_t b[CM_DHCP_MSG_MAX], n;
	const uint8_t *o;
	int len;

	memcpy(rq.mac, mac, 6);
	len = cm_dhcp_build(&rq, b, sizeof(b));
	CHECK_INT(len, 300);
	CHECK_INT(b[0], 1);
	CHECK_INT(b[1], 1);
	CHECK_INT(b[2], 6);
	CHECK(!memcmp(b + 4, "\xde\xad\xbe\xef", 4));
	CHECK(!memcmp(b + 8, "\x00\x01\x80\x00", 4));	/* secs, broadcast */
	CHECK(!memcmp(b + 28, mac, 6));
	CHECK(!memcmp(b + 236, "\x63\x82\x53\x63", 4));
	CHECK(b[240] == 53 && b[241] == 1 && b[242] == 1);
	o = find_opt(b, (size_t)len, 61, &n);
	CHECK(o && n == 7 && o[0] == 1 && !memcmp(o + 1, mac, 6));
	o = find_opt(b, (size_t)len, 55, &n);
	CHECK(o && n == 5);
	CHECK(memchr(o, 1, n) && memchr(o, 3, n) && memchr(o, 121, n));
	CHECK(memchr(o, 26, n) && memchr(o, 51, n));
	o = find_opt(b, (size_t)len, 57, &n);
	CHECK(o && n == 2 && o[0] == 0x05 && o[1] == 0xdc);
	CHECK(!find_opt(b, (size_t)len, 50, &n));
	CHECK(!find_opt(b, (size_t)len, 54, &n));
}

TEST(net_dhcp_build_request)
{
	struct cm_dhcp_request rq = { .type = CM_DHCP_REQUEST, .xid = 7 };
	uint8_t b[CM_DHCP_MSG_MAX], n;
	const uint8_t *o;
	uint32_t req = ip("10.77.0.55"), srv = ip("10.77.0.1");
	int len;

	memcpy(rq.mac, mac, 6);
	rq.requested = req;
	rq.server_id = srv;
	len = cm_dhcp_build(&rq, b, sizeof(b));
	CHECK_INT(len, 300);
	CHECK(b[242] == 3);
	o = find_opt(b, (size_t)len, 50, &n);
	CHECK(o && n == 4 && !memcmp(o, &req, 4));
	o = find_opt(b, (size_t)len, 54, &n);
	CHECK(o && n == 4 && !memcmp(o, &srv, 4));
	CHECK(!memcmp(b + 12, "\0\0\0\0", 4));		/* ciaddr: none yet */
}

TEST(net_dhcp_build_errors)
{
	struct cm_dhcp_request rq = { .type = CM_DHCP_DISCOVER };
	uint8_t b[CM_DHCP_MSG_MAX];
	size_t size;

	for (size = 0; size < 300; size++)
		CHECK_INT(cm_dhcp_build(&rq, b, size), -EMSGSIZE);
	CHECK_INT(cm_dhcp_build(&rq, b, 300), 300);
	rq.type = CM_DHCP_OFFER;
	CHECK_INT(cm_dhcp_build(&rq, b, sizeof(b)), -EINVAL);
	rq.type = CM_DHCP_REQUEST;	/* without the offer's addresses */
	CHECK_INT(cm_dhcp_build(&rq, b, sizeof(b)), -EINVAL);
}

TEST(net_dhcp_parse_dnsmasq_offer_ack)
{
	struct cm_dhcp_lease l;
	struct pkt p;

	dnsmasq_offer(&p, 2);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 0);
	CHECK_INT(l.type, CM_DHCP_OFFER);
	CHECK_INT(l.xid, 0xfc11c0d3);
	CHECK(cm_dhcp_is_reply_to(&l, 0xfc11c0d3, mac));
	CHECK(!cm_dhcp_is_reply_to(&l, 0xfc11c0d4, mac));
	CHECK(l.yiaddr == ip("10.77.0.55"));
	CHECK(l.server_id == ip("10.77.0.1"));
	CHECK(l.has_mask && l.mask == ip("255.255.255.0"));
	CHECK_INT(l.prefix_len, 24);
	CHECK(l.has_router && l.router == ip("10.77.0.1"));
	CHECK(l.has_lease);
	CHECK_INT(l.lease_s, 3600);
	CHECK_INT(l.mtu, 0);
	CHECK(!l.has_routes && !l.routes_invalid);
	CHECK_INT(l.n_routes, 0);
	dnsmasq_offer(&p, 5);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 0);
	CHECK_INT(l.type, CM_DHCP_ACK);
}

TEST(net_dhcp_parse_gce_ack)
{
	struct cm_dhcp_lease l;
	struct pkt p;

	gce_ack(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 0);
	CHECK_INT(l.type, CM_DHCP_ACK);
	CHECK(l.yiaddr == ip("10.128.0.7"));
	CHECK_INT(l.prefix_len, 32);
	CHECK_INT(l.mtu, 1460);
	CHECK_INT(l.lease_s, 86400);
	CHECK(l.has_routes);
	CHECK_INT(l.n_routes, 2);
	CHECK(l.routes[0].dst == ip("10.128.0.1"));
	CHECK_INT(l.routes[0].prefix_len, 32);
	CHECK(l.routes[0].gw == 0);
	CHECK(l.routes[1].dst == 0);
	CHECK_INT(l.routes[1].prefix_len, 0);
	CHECK(l.routes[1].gw == ip("10.128.0.1"));
}

TEST(net_dhcp_parse_azure_ack)
{
	struct cm_dhcp_lease l;
	struct pkt p;

	azure_ack(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 0);
	CHECK_INT(l.lease_s, CM_DHCP_LEASE_INFINITE);
	CHECK_INT(l.n_routes, 3);
	CHECK(l.routes[1].dst == ip("169.254.169.254"));
	CHECK(l.routes[1].gw == ip("10.0.0.1"));
	CHECK(l.server_id == ip("168.63.129.16"));
}

TEST(net_dhcp_parse_ec2_ack)
{
	struct cm_dhcp_lease l;
	struct pkt p;

	ec2_ack(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 0);
	CHECK_INT(l.prefix_len, 20);
	CHECK_INT(l.mtu, 9001);
	CHECK(l.router == ip("172.31.0.1"));
	CHECK(!l.has_routes);
}

TEST(net_dhcp_parse_nak)
{
	struct cm_dhcp_lease l;
	struct pkt p;

	reply(&p, 6, 42, "0.0.0.0");
	opt_ip(&p, 54, "10.77.0.1");
	opt(&p, 56, "wrong network", 13);
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 0);
	CHECK_INT(l.type, CM_DHCP_NAK);
	CHECK_INT(l.xid, 42);
}

TEST(net_dhcp_parse_overload)
{
	struct cm_dhcp_lease l;
	struct pkt p;
	uint8_t *file, *sname;

	/* Options field: type, overload=3; the rest in file, then sname. */
	reply(&p, 2, 9, "192.168.1.20");
	opt(&p, 52, "\003", 1);
	opt_end(&p);
	file = p.b + 108;
	memcpy(file, "\066\004\300\250\001\001", 6);		/* 54 */
	memcpy(file + 6, "\001\004\377\377\377\000", 6);	/* mask /24 */
	memcpy(file + 12, "\064\001\001", 3);			/* 52 here: ignored */
	file[15] = 255;
	sname = p.b + 44;
	memcpy(sname, "\003\004\300\250\001\376\377", 7);	/* router, end */
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 0);
	CHECK(l.server_id == ip("192.168.1.1"));
	CHECK_INT(l.prefix_len, 24);
	CHECK(l.router == ip("192.168.1.254"));

	/* Without option 52 the same bytes are a server name and a file. */
	p.b[243] = 0;
	p.b[244] = 0;
	p.b[245] = 0;
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EBADMSG);	/* no 54 */

	/* Overload 1: only file. */
	p.b[243] = 52;
	p.b[244] = 1;
	p.b[245] = 1;
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 0);
	CHECK(!l.has_router);
	CHECK_INT(l.prefix_len, 24);

	/* Overload 4 does not exist. */
	p.b[245] = 4;
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EBADMSG);
}

TEST(net_dhcp_parse_split_options)
{
	static const uint8_t a[] = { 32, 169, 254, 169, 254, 10, 0 };
	static const uint8_t b[] = { 0, 1, 0, 10, 0, 0, 1 };
	struct cm_dhcp_lease l;
	struct pkt p;

	/* RFC 3396: one value split over two instances. */
	reply(&p, 5, 1, "10.0.0.9");
	opt(&p, 121, a, sizeof(a));
	opt_ip(&p, 1, "255.255.255.0");
	opt(&p, 121, b, sizeof(b));
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 0);
	CHECK_INT(l.n_routes, 2);
	CHECK(l.routes[0].dst == ip("169.254.169.254"));
	CHECK(l.routes[0].gw == ip("10.0.0.1"));
	CHECK(l.routes[1].gw == ip("10.0.0.1"));
}

TEST(net_dhcp_parse_classless_widths)
{
	static const uint8_t routes[] = {
		8, 10, 192, 168, 0, 1,			/* 10/8 */
		12, 172, 31, 192, 168, 0, 1,		/* 172.16/12, stray bits */
		25, 192, 168, 1, 128, 0, 0, 0, 0,	/* /25 on-link */
	};
	struct cm_dhcp_lease l;
	struct pkt p;

	reply(&p, 5, 1, "192.168.0.9");
	opt(&p, 121, routes, sizeof(routes));
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 0);
	CHECK_INT(l.n_routes, 3);
	CHECK(l.routes[0].dst == ip("10.0.0.0"));
	CHECK_INT(l.routes[0].prefix_len, 8);
	CHECK(l.routes[1].dst == ip("172.16.0.0"));	/* masked */
	CHECK(l.routes[2].dst == ip("192.168.1.128"));
	CHECK(l.routes[2].gw == 0);
	CHECK_INT(l.prefix_len, 32);	/* no mask given */
}

TEST(net_dhcp_parse_bad_classless_ignored)
{
	static const uint8_t wide[] = { 33, 1, 2, 3, 4, 5, 10, 0, 0, 1 };
	static const uint8_t cut[] = { 24, 10, 1, 2, 10, 0 };
	static const uint8_t mcast_gw[] = { 0, 224, 0, 0, 1 };
	const uint8_t *bad[] = { wide, cut, mcast_gw };
	const uint8_t lens[] = { sizeof(wide), sizeof(cut), sizeof(mcast_gw) };
	struct cm_dhcp_lease l;
	struct pkt p;
	size_t i;

	for (i = 0; i < 3; i++) {
		reply(&p, 5, 1, "10.0.0.9");
		opt_ip(&p, 3, "10.0.0.1");
		opt(&p, 121, bad[i], lens[i]);
		opt_end(&p);
		CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 0);
		CHECK(l.routes_invalid && !l.has_routes);
		CHECK_INT(l.n_routes, 0);
		CHECK(l.has_router);		/* so option 3 applies */
	}
}

TEST(net_dhcp_parse_too_many_routes)
{
	uint8_t routes[5 * (CM_DHCP_ROUTES_MAX + 1)];
	struct cm_dhcp_lease l;
	struct pkt p;
	size_t i;

	for (i = 0; i <= CM_DHCP_ROUTES_MAX; i++)
		memcpy(routes + 5 * i, "\000\012\000\000\001", 5);
	reply(&p, 5, 1, "10.0.0.9");
	opt(&p, 121, routes, sizeof(routes));
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EMSGSIZE);
	CHECK(l.yiaddr == 0);		/* nothing half-filled */
	reply(&p, 5, 1, "10.0.0.9");
	opt(&p, 121, routes, sizeof(routes) - 5);
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 0);
	CHECK_INT(l.n_routes, CM_DHCP_ROUTES_MAX);
}

TEST(net_dhcp_parse_rejects)
{
	struct cm_dhcp_lease l;
	struct pkt p;

	dnsmasq_offer(&p, 2);
	CHECK_INT(cm_dhcp_parse(p.b, 239, &l), -EBADMSG);
	p.b[236] = 0;				/* cookie */
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EBADMSG);
	dnsmasq_offer(&p, 2);
	p.b[0] = 3;				/* op */
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EBADMSG);

	/* An option running past the end. */
	reply(&p, 2, 1, "10.0.0.9");
	opt_ip(&p, 54, "10.0.0.1");
	p.b[p.len++] = 3;
	p.b[p.len++] = 200;
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EBADMSG);
	p.len--;				/* a code without its length */
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EBADMSG);

	reply(&p, 2, 1, "10.0.0.9");		/* an OFFER without 54 */
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EBADMSG);

	reply(&p, 5, 1, "0.0.0.0");		/* an ACK of nothing */
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EBADMSG);
	reply(&p, 5, 1, "127.0.0.1");
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EBADMSG);
	reply(&p, 5, 1, "239.1.1.1");
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EBADMSG);

	reply(&p, 5, 1, "10.0.0.9");		/* mask with a hole */
	opt_ip(&p, 1, "255.0.255.0");
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EBADMSG);
	reply(&p, 5, 1, "10.0.0.9");		/* /0 */
	opt_ip(&p, 1, "0.0.0.0");
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EBADMSG);

	reply(&p, 5, 1, "10.0.0.9");
	opt(&p, 54, "\012\000\000", 3);
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EBADMSG);
	reply(&p, 5, 1, "10.0.0.9");
	opt(&p, 3, "\012\000\000\001\012", 5);
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EBADMSG);
	reply(&p, 5, 1, "10.0.0.9");
	opt(&p, 51, "\000\001", 2);
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EBADMSG);
	reply(&p, 5, 1, "10.0.0.9");
	opt(&p, 53, "\005", 1);		/* twice: joined to 2 bytes */
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), -EBADMSG);
}

TEST(net_dhcp_parse_not_replies)
{
	struct cm_dhcp_request rq = { .type = CM_DHCP_DISCOVER, .xid = 1 };
	struct cm_dhcp_lease l;
	uint8_t b[CM_DHCP_MSG_MAX];
	struct pkt p;
	int n;

	memcpy(rq.mac, mac, 6);
	n = cm_dhcp_build(&rq, b, sizeof(b));	/* another client's DISCOVER */
	CHECK_INT(cm_dhcp_parse(b, (size_t)n, &l), 1);
	reply(&p, 8, 1, "10.0.0.9");		/* DHCPINFORM's type in a reply */
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 1);
	reply(&p, 2, 1, "10.0.0.9");		/* plain BOOTP: no 53 */
	p.b[240] = 255;
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 1);
	dnsmasq_offer(&p, 2);
	p.b[1] = 32;				/* InfiniBand */
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 1);
}

TEST(net_dhcp_parse_odd_but_fine)
{
	struct cm_dhcp_lease l;
	struct pkt p;
	static const uint8_t small_mtu[2] = { 0, 40 };

	/* No End option, ending exactly at the buffer's end. */
	reply(&p, 5, 1, "10.0.0.9");
	opt_ip(&p, 3, "10.0.0.1");
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 0);
	CHECK(l.has_router);
	CHECK(!l.has_lease);
	/* An MTU under 68 is ignored; a router 0.0.0.0 is no router. */
	reply(&p, 5, 1, "10.0.0.9");
	opt(&p, 26, small_mtu, 2);
	opt_ip(&p, 3, "0.0.0.0");
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 0);
	CHECK_INT(l.mtu, 0);
	CHECK(!l.has_router);
	/* Several routers: the first. */
	reply(&p, 5, 1, "10.0.0.9");
	opt(&p, 3, "\012\000\000\001\012\000\000\002", 8);
	opt_end(&p);
	CHECK_INT(cm_dhcp_parse(p.b, p.len, &l), 0);
	CHECK(l.router == ip("10.0.0.1"));
}

/* Every prefix and every single-byte corruption of real-shaped replies
 * parses to an answer, never past the buffer (run under ASan). */
TEST(net_dhcp_parse_truncated_and_corrupted)
{
	void (*shapes[])(struct pkt *) = { gce_ack, azure_ack, ec2_ack };
	struct cm_dhcp_lease l;
	struct pkt p, q;
	size_t s, i;
	int r;

	for (s = 0; s < 3; s++) {
		shapes[s](&p);
		for (i = 0; i < p.len; i++) {
			uint8_t *copy = malloc(i ? i : 1);	/* exactly i: ASan */

			CHECK(copy);
			memcpy(copy, p.b, i);
			r = cm_dhcp_parse(copy, i, &l);
			free(copy);
			CHECK(r == 0 || r == 1 || r == -EBADMSG);
		}
		for (i = 0; i < p.len; i++) {
			q = p;
			q.b[i] ^= 0xff;
			r = cm_dhcp_parse(q.b, q.len, &l);
			CHECK(r == 0 || r == 1 || r == -EBADMSG || r == -EMSGSIZE);
			if (r == 0)
				CHECK(l.prefix_len <= 32 && l.n_routes <= CM_DHCP_ROUTES_MAX);
		}
	}
}

/* --- framing ------------------------------------------------------------- */

static uint16_t fold(const uint8_t *b, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (n & 1)
		sum += (uint32_t)b[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

TEST(net_dhcp_frame)
{
	struct cm_dhcp_request rq = { .type = CM_DHCP_DISCOVER, .xid = 5 };
	uint8_t msg[CM_DHCP_MSG_MAX], pkt[CM_DHCP_MSG_MAX + 28], pseudo[12];
	const uint8_t *payload;
	size_t plen;
	int n, m;

	memcpy(rq.mac, mac, 6);
	n = cm_dhcp_build(&rq, msg, sizeof(msg));
	m = cm_dhcp_frame(msg, (size_t)n, pkt, sizeof(pkt));
	CHECK_INT(m, n + 28);
	CHECK_INT(pkt[0], 0x45);
	CHECK_INT(pkt[2] << 8 | pkt[3], m);
	CHECK_INT(pkt[9], 17);
	CHECK(!memcmp(pkt + 12, "\0\0\0\0\377\377\377\377", 8));
	CHECK_INT(fold(pkt, 20, 0), 0);			/* IP checksum */
	CHECK(!memcmp(pkt + 20, "\000\104\000\103", 4));	/* 68 -> 67 */
	memcpy(pseudo, pkt + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 17;
	memcpy(pseudo + 10, pkt + 24, 2);
	CHECK_INT(fold(pkt + 20, (size_t)m - 20,
		       (uint32_t)(0xffff & ~fold(pseudo, 12, 0))), 0);
	CHECK(!memcmp(pkt + 28, msg, (size_t)n));
	/* To port 67: not for a client. */
	CHECK_INT(cm_dhcp_unframe(pkt, (size_t)m, &payload, &plen), 1);
	CHECK_INT(cm_dhcp_frame(msg, (size_t)n, pkt, (size_t)m - 1), -EMSGSIZE);
}

/* A server's datagram to port 68, as a packet socket hands it over. */
static size_t server_datagram(uint8_t *d, const struct pkt *p)
{
	size_t total = 28 + p->len;
	uint16_t sum;

	memset(d, 0, 28);
	d[0] = 0x45;
	d[2] = (uint8_t)(total >> 8);
	d[3] = (uint8_t)total;
	d[8] = 64;
	d[9] = 17;
	memcpy(d + 12, "\012\115\000\001\377\377\377\377", 8);
	sum = fold(d, 20, 0);
	d[10] = (uint8_t)(sum >> 8);
	d[11] = (uint8_t)sum;
	memcpy(d + 20, "\000\103\000\104", 4);
	d[24] = (uint8_t)((8 + p->len) >> 8);
	d[25] = (uint8_t)(8 + p->len);
	memcpy(d + 28, p->b, p->len);
	return total;
}

static void reseal(uint8_t *d)
{
	uint16_t sum;

	d[10] = d[11] = 0;
	sum = fold(d, 20, 0);
	d[10] = (uint8_t)(sum >> 8);
	d[11] = (uint8_t)sum;
}

TEST(net_dhcp_unframe)
{
	uint8_t d[1600], e[1600];
	const uint8_t *payload;
	struct cm_dhcp_lease l;
	size_t plen, n, i;
	struct pkt p;

	dnsmasq_offer(&p, 2);
	n = server_datagram(d, &p);
	CHECK_INT(cm_dhcp_unframe(d, n, &payload, &plen), 0);
	CHECK_INT(plen, p.len);
	CHECK(payload == d + 28);
	CHECK_INT(cm_dhcp_parse(payload, plen, &l), 0);
	/* Ethernet padding after the datagram is not payload. */
	memset(d + n, 0, 18);
	CHECK_INT(cm_dhcp_unframe(d, n + 18, &payload, &plen), 0);
	CHECK_INT(plen, p.len);

	memcpy(e, d, n);
	e[10] ^= 1;				/* header checksum */
	CHECK_INT(cm_dhcp_unframe(e, n, &payload, &plen), -EBADMSG);
	memcpy(e, d, n);
	e[6] = 0x20;				/* more fragments */
	reseal(e);
	CHECK_INT(cm_dhcp_unframe(e, n, &payload, &plen), 1);
	memcpy(e, d, n);
	e[9] = 6;				/* TCP */
	reseal(e);
	CHECK_INT(cm_dhcp_unframe(e, n, &payload, &plen), 1);
	memcpy(e, d, n);
	e[23] = 69;				/* another port */
	CHECK_INT(cm_dhcp_unframe(e, n, &payload, &plen), 1);
	memcpy(e, d, n);
	e[24] = 0xff;				/* UDP longer than IP */
	CHECK_INT(cm_dhcp_unframe(e, n, &payload, &plen), -EBADMSG);
	memcpy(e, d, n);
	e[0] = 0x44;				/* IHL 16 bytes */
	CHECK_INT(cm_dhcp_unframe(e, n, &payload, &plen), -EBADMSG);
	memcpy(e, d, n);
	e[0] = 0x65;				/* IPv6 */
	CHECK_INT(cm_dhcp_unframe(e, n, &payload, &plen), -EBADMSG);
	CHECK_INT(cm_dhcp_unframe(d, n - 1, &payload, &plen), -EBADMSG);
	for (i = 0; i < 28; i++) {		/* every short datagram */
		memcpy(e, d, i);
		CHECK(cm_dhcp_unframe(e, i, &payload, &plen) != 0);
	}
}

TEST(net_dhcpc_wait_schedule)
{
	CHECK_INT(cm_dhcpc_wait_ms(0), 250);
	CHECK_INT(cm_dhcpc_wait_ms(1), 500);
	CHECK_INT(cm_dhcpc_wait_ms(2), 1000);
	CHECK_INT(cm_dhcpc_wait_ms(3), 2000);
	CHECK_INT(cm_dhcpc_wait_ms(4), 2000);
	CHECK_INT(cm_dhcpc_wait_ms(4000000000u), 2000);
}
