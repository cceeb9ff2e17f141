#include <errno.h>
#include <string.h>

#include "dhcp.h"

/* BOOTP fixed header (RFC 2131 figure 1) offsets. */
#define B_OP		0
#define B_HTYPE		1
#define B_HLEN		2
#define B_XID		4
#define B_SECS		8
#define B_FLAGS		10
#define B_YIADDR	16
#define B_CHADDR	28
#define B_SNAME		44
#define B_SNAME_LEN	64
#define B_FILE		108
#define B_FILE_LEN	128
#define B_COOKIE	236
#define B_OPTIONS	240

#define BOOTREQUEST	1
#define BOOTREPLY	2
#define HTYPE_ETHER	1
#define FLAG_BROADCAST	0x8000	/* servers must broadcast: we have no address */

#define OPT_PAD		0
#define OPT_MASK	1
#define OPT_ROUTER	3
#define OPT_MTU		26
#define OPT_REQUESTED	50
#define OPT_LEASE	51
#define OPT_OVERLOAD	52
#define OPT_TYPE	53
#define OPT_SERVER_ID	54
#define OPT_PRL		55
#define OPT_MAX_SIZE	57
#define OPT_CLIENT_ID	61
#define OPT_CLASSLESS	121
#define OPT_END		255

/* Joined option data is capped: 121 with CM_DHCP_ROUTES_MAX routes of at
 * most 9 bytes fits; a bigger one is over a cap, not silently cut. */
#define OPT_JOINED_MAX	512

static const uint8_t magic_cookie[4] = { 99, 130, 83, 99 };

/* Asked for in every message; the order is the server's to ignore. */
static const uint8_t param_request[] = {
	OPT_MASK, OPT_ROUTER, OPT_CLASSLESS, OPT_MTU, OPT_LEASE,
};

/* The options the parser keeps; all others are skipped. */
static const uint8_t kept_options[] = {
	OPT_MASK, OPT_ROUTER, OPT_MTU, OPT_LEASE, OPT_TYPE, OPT_SERVER_ID,
	OPT_CLASSLESS,
};
#define N_KEPT (sizeof(kept_options) / sizeof(kept_options[0]))

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Addresses stay in network byte order: copied, never converted. */
static uint32_t get_addr(const uint8_t *p)
{
	uint32_t a;

	memcpy(&a, p, 4);
	return a;
}

static uint32_t addr_host(uint32_t a)
{
	return get32((const uint8_t *)&a);
}

static uint32_t addr_net(uint32_t h)
{
	uint32_t a;

	put32((uint8_t *)&a, h);
	return a;
}

/* Unicast a host may own: not 0/8, loopback, multicast or class E. */
static int usable_unicast(uint32_t a)
{
	uint32_t h = addr_host(a), top = h >> 24;

	return top != 0 && top != 127 && top < 224;
}

/* --- building ------------------------------------------------------------ */

struct wbuf {
	uint8_t *p;
	size_t size, len;
	int err;
};

static void put_bytes(struct wbuf *w, const void *d, size_t n)
{
	if (w->err)
		return;
	if (n > w->size - w->len) {
		w->err = -EMSGSIZE;
		return;
	}
	memcpy(w->p + w->len, d, n);
	w->len += n;
}

static void put_opt(struct wbuf *w, uint8_t code, const void *d, uint8_t n)
{
	put_bytes(w, &code, 1);
	put_bytes(w, &n, 1);
	put_bytes(w, d, n);
}

static void put_header(struct wbuf *w, const struct cm_dhcp_request *rq)
{
	uint8_t h[B_OPTIONS];

	memset(h, 0, sizeof(h));
	h[B_OP] = BOOTREQUEST;
	h[B_HTYPE] = HTYPE_ETHER;
	h[B_HLEN] = 6;
	put32(h + B_XID, rq->xid);
	put16(h + B_SECS, rq->secs);
	put16(h + B_FLAGS, FLAG_BROADCAST);
	memcpy(h + B_CHADDR, rq->mac, 6);
	memcpy(h + B_COOKIE, magic_cookie, 4);
	put_bytes(w, h, sizeof(h));
}

static void put_options(struct wbuf *w, const struct cm_dhcp_request *rq)
{
	uint8_t type = (uint8_t)rq->type, client_id[7], max_size[2];
	uint8_t end = OPT_END;

	put_opt(w, OPT_TYPE, &type, 1);
	client_id[0] = HTYPE_ETHER;	/* RFC 2132 9.14: type, then chaddr */
	memcpy(client_id + 1, rq->mac, 6);
	put_opt(w, OPT_CLIENT_ID, client_id, sizeof(client_id));
	if (rq->type == CM_DHCP_REQUEST) {
		put_opt(w, OPT_REQUESTED, &rq->requested, 4);
		put_opt(w, OPT_SERVER_ID, &rq->server_id, 4);
	}
	put16(max_size, CM_DHCP_MSG_MAX);
	put_opt(w, OPT_MAX_SIZE, max_size, sizeof(max_size));
	put_opt(w, OPT_PRL, param_request, sizeof(param_request));
	put_bytes(w, &end, 1);
}

int cm_dhcp_build(const struct cm_dhcp_request *rq, uint8_t *buf, size_t size)
{
	struct wbuf w = { buf, size, 0, 0 };

	if (rq->type != CM_DHCP_DISCOVER && rq->type != CM_DHCP_REQUEST)
		return -EINVAL;
	if (rq->type == CM_DHCP_REQUEST && (!rq->requested || !rq->server_id))
		return -EINVAL;
	put_header(&w, rq);
	put_options(&w, rq);
	if (!w.err && w.len < CM_DHCP_MSG_MIN) {
		uint8_t pad[CM_DHCP_MSG_MIN];

		memset(pad, OPT_PAD, sizeof(pad));
		put_bytes(&w, pad, CM_DHCP_MSG_MIN - w.len);
	}
	return w.err ? w.err : (int)w.len;
}

/* --- parsing ------------------------------------------------------------- */

struct opt_joined {
	size_t len;
	uint8_t seen;
	uint8_t data[OPT_JOINED_MAX];
};

struct opt_set {
	struct opt_joined o[N_KEPT];
	uint8_t overload;
};

static struct opt_joined *opt_find(struct opt_set *s, uint8_t code)
{
	size_t i;

	for (i = 0; i < N_KEPT; i++)
		if (kept_options[i] == code)
			return &s->o[i];
	return NULL;
}

/* RFC 3396: several instances of one option are one value, joined. */
static int opt_add(struct opt_set *s, uint8_t code, const uint8_t *p,
		   size_t n)
{
	struct opt_joined *o = opt_find(s, code);

	if (!o)
		return 0;
	if (n > OPT_JOINED_MAX - o->len)
		return -EMSGSIZE;
	memcpy(o->data + o->len, p, n);
	o->len += n;
	o->seen = 1;
	return 0;
}

/* Walks one option area.  Overload (52) counts only in the options
 * field itself (top); a missing End is tolerated at the area's end, an
 * option running past it is not. */
static int opt_walk(struct opt_set *s, const uint8_t *p, size_t n, int top)
{
	size_t i = 0, l;
	uint8_t code;
	int r;

	while (i < n) {
		code = p[i++];
		if (code == OPT_PAD)
			continue;
		if (code == OPT_END)
			return 0;
		if (i >= n)
			return -EBADMSG;
		l = p[i++];
		if (l > n - i)
			return -EBADMSG;
		if (code == OPT_OVERLOAD && top) {
			if (l != 1 || p[i] < 1 || p[i] > 3)
				return -EBADMSG;
			s->overload = p[i];
		} else if ((r = opt_add(s, code, p + i, l)) < 0) {
			return r;
		}
		i += l;
	}
	return 0;
}

static int collect_options(const uint8_t *buf, size_t len, struct opt_set *s)
{
	int r;

	r = opt_walk(s, buf + B_OPTIONS, len - B_OPTIONS, 1);
	if (r >= 0 && (s->overload & 1))
		r = opt_walk(s, buf + B_FILE, B_FILE_LEN, 0);
	if (r >= 0 && (s->overload & 2))
		r = opt_walk(s, buf + B_SNAME, B_SNAME_LEN, 0);
	return r;
}

static int opt_addr(struct opt_set *s, uint8_t code, uint32_t *out,
		    uint8_t *has)
{
	struct opt_joined *o = opt_find(s, code);

	if (!o->seen)
		return 0;
	if (o->len != 4)
		return -EBADMSG;
	*out = get_addr(o->data);
	*has = 1;
	return 0;
}

static int mask_prefix(uint32_t mask, uint8_t *prefix_len)
{
	uint32_t h = addr_host(mask), inv = ~h;

	/* Contiguous: the inverse is 2^k - 1.  /0 is no subnet at all. */
	if (!h || (inv & (inv + 1)))
		return -EBADMSG;
	*prefix_len = (uint8_t)(32 - __builtin_popcount(inv));
	return 0;
}

static uint32_t prefix_mask(uint8_t prefix_len)
{
	return prefix_len ? addr_net(0xffffffffu << (32 - prefix_len)) : 0;
}

/* RFC 3442: width, the significant octets of the destination, router. */
static int decode_routes(const struct opt_joined *o, struct cm_dhcp_lease *l)
{
	size_t i = 0, octets;
	uint8_t dst[4], width;
	struct cm_dhcp_route *rt;

	while (i < o->len) {
		width = o->data[i++];
		if (width > 32)
			return -EBADMSG;
		octets = (width + 7u) / 8u;
		if (octets + 4 > o->len - i)
			return -EBADMSG;
		if (l->n_routes == CM_DHCP_ROUTES_MAX)
			return -EMSGSIZE;
		memset(dst, 0, sizeof(dst));
		memcpy(dst, o->data + i, octets);
		i += octets;
		rt = &l->routes[l->n_routes];
		rt->prefix_len = width;
		rt->dst = get_addr(dst) & prefix_mask(width);
		rt->gw = get_addr(o->data + i);
		i += 4;
		if (rt->gw && !usable_unicast(rt->gw))
			return -EBADMSG;
		l->n_routes++;
	}
	return 0;
}

static int decode_classless(struct opt_set *s, struct cm_dhcp_lease *l)
{
	struct opt_joined *o = opt_find(s, OPT_CLASSLESS);
	int r;

	if (!o->seen)
		return 0;
	r = decode_routes(o, l);
	if (r == -EMSGSIZE)
		return r;
	if (r < 0 || !l->n_routes) {
		l->n_routes = 0;
		l->routes_invalid = 1;
		return 0;
	}
	l->has_routes = 1;
	return 0;
}

static int decode_numbers(struct opt_set *s, struct cm_dhcp_lease *l)
{
	struct opt_joined *o = opt_find(s, OPT_LEASE);
	uint16_t mtu;

	if (o->seen) {
		if (o->len != 4)
			return -EBADMSG;
		l->lease_s = get32(o->data);
		l->has_lease = 1;
	}
	o = opt_find(s, OPT_MTU);
	if (o->seen) {
		if (o->len != 2)
			return -EBADMSG;
		mtu = get16(o->data);
		l->mtu = mtu >= 68 ? mtu : 0;	/* RFC 2132 5.1: minimum 68 */
	}
	return 0;
}

static int decode_router(struct opt_set *s, struct cm_dhcp_lease *l)
{
	struct opt_joined *o = opt_find(s, OPT_ROUTER);

	if (!o->seen)
		return 0;
	if (o->len < 4 || o->len % 4)
		return -EBADMSG;
	l->router = get_addr(o->data);	/* the first is the preferred one */
	l->has_router = usable_unicast(l->router);
	if (!l->has_router)
		l->router = 0;
	return 0;
}

static int decode_options(struct opt_set *s, struct cm_dhcp_lease *l)
{
	uint8_t has_server = 0;
	int r;

	r = opt_addr(s, OPT_SERVER_ID, &l->server_id, &has_server);
	if (r >= 0)
		r = opt_addr(s, OPT_MASK, &l->mask, &l->has_mask);
	if (r >= 0 && l->has_mask)
		r = mask_prefix(l->mask, &l->prefix_len);
	if (r >= 0)
		r = decode_router(s, l);
	if (r >= 0)
		r = decode_numbers(s, l);
	if (r >= 0)
		r = decode_classless(s, l);
	if (r < 0)
		return r;
	if (!l->has_mask)
		l->prefix_len = 32;	/* assume nothing is on-link */
	if (l->type == CM_DHCP_NAK)
		return 0;
	if (!usable_unicast(l->yiaddr))
		return -EBADMSG;
	/* A REQUEST must name the server; an ACK may omit it. */
	if (l->type == CM_DHCP_OFFER && (!has_server || !l->server_id))
		return -EBADMSG;
	return 0;
}

static int message_type(struct opt_set *s, enum cm_dhcp_type *type)
{
	struct opt_joined *o = opt_find(s, OPT_TYPE);

	if (!o->seen)
		return 1;	/* plain BOOTP */
	if (o->len != 1)
		return -EBADMSG;
	switch (o->data[0]) {
	case CM_DHCP_OFFER:
	case CM_DHCP_ACK:
	case CM_DHCP_NAK:
		*type = (enum cm_dhcp_type)o->data[0];
		return 0;
	default:
		return 1;
	}
}

int cm_dhcp_parse(const uint8_t *buf, size_t len, struct cm_dhcp_lease *out)
{
	struct opt_set s;
	int r;

	memset(out, 0, sizeof(*out));
	if (len < B_OPTIONS || memcmp(buf + B_COOKIE, magic_cookie, 4))
		return -EBADMSG;
	if (buf[B_OP] != BOOTREPLY)
		return buf[B_OP] == BOOTREQUEST ? 1 : -EBADMSG;
	if (buf[B_HTYPE] != HTYPE_ETHER || buf[B_HLEN] != 6)
		return 1;	/* not for an Ethernet client */
	memset(&s, 0, sizeof(s));
	r = collect_options(buf, len, &s);
	if (r < 0)
		return r;
	r = message_type(&s, &out->type);
	if (r)
		return r;
	out->xid = get32(buf + B_XID);
	memcpy(out->chaddr, buf + B_CHADDR, 6);
	out->yiaddr = get_addr(buf + B_YIADDR);
	r = decode_options(&s, out);
	if (r < 0) {
		memset(out, 0, sizeof(*out));
		return r;
	}
	return 0;
}

int cm_dhcp_is_reply_to(const struct cm_dhcp_lease *l, uint32_t xid,
			const uint8_t mac[6])
{
	return l->xid == xid && !memcmp(l->chaddr, mac, 6);
}

/* --- IPv4 + UDP framing -------------------------------------------------- */

#define IP_HDR		20
#define UDP_HDR		8
#define IPPROTO_UDP_	17

static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += get16(p + i);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int cm_dhcp_frame(const uint8_t *msg, size_t len, uint8_t *buf, size_t size)
{
	uint8_t *ip = buf, *udp = buf + IP_HDR, pseudo[12];
	size_t total = CM_DHCP_FRAME_HDR + len;
	uint16_t sum;

	if (len > CM_DHCP_MSG_MAX || total > size)
		return -EMSGSIZE;
	memset(buf, 0, CM_DHCP_FRAME_HDR);
	ip[0] = 0x45;			/* version 4, 5 words */
	put16(ip + 2, (uint16_t)total);
	ip[8] = 64;			/* TTL */
	ip[9] = IPPROTO_UDP_;
	put32(ip + 16, 0xffffffffu);	/* src 0.0.0.0: we have none yet */
	put16(ip + 10, csum_fold(csum_add(0, ip, IP_HDR)));
	put16(udp, CM_DHCP_CLIENT_PORT);
	put16(udp + 2, CM_DHCP_SERVER_PORT);
	put16(udp + 4, (uint16_t)(UDP_HDR + len));
	memmove(udp + UDP_HDR, msg, len);
	memcpy(pseudo, ip + 12, 8);	/* src, dst */
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_UDP_;
	put16(pseudo + 10, (uint16_t)(UDP_HDR + len));
	sum = csum_fold(csum_add(csum_add(0, pseudo, sizeof(pseudo)), udp,
				 UDP_HDR + len));
	put16(udp + 6, sum ? sum : 0xffff);	/* 0 would mean "none" */
	return (int)total;
}

int cm_dhcp_unframe(const uint8_t *pkt, size_t len, const uint8_t **payload,
		    size_t *payload_len)
{
	size_t ihl, total, udp_len;
	const uint8_t *udp;

	if (len < IP_HDR || pkt[0] >> 4 != 4)
		return -EBADMSG;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	total = get16(pkt + 2);
	/* len may exceed total: Ethernet pads short frames. */
	if (ihl < IP_HDR || total < ihl || total > len)
		return -EBADMSG;
	if (csum_fold(csum_add(0, pkt, ihl)))
		return -EBADMSG;
	if (pkt[9] != IPPROTO_UDP_ || (get16(pkt + 6) & 0x3fff))
		return 1;	/* not UDP, or a fragment: replies fit a frame */
	if (total - ihl < UDP_HDR)
		return -EBADMSG;
	udp = pkt + ihl;
	if (get16(udp + 2) != CM_DHCP_CLIENT_PORT)
		return 1;
	udp_len = get16(udp + 4);
	if (udp_len < UDP_HDR || udp_len > total - ihl)
		return -EBADMSG;
	*payload = udp + UDP_HDR;
	*payload_len = udp_len - UDP_HDR;
	return 0;
}
