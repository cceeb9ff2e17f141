#include <arpa/inet.h>
#include <errno.h>
#include <netinet/if_ether.h>
#include <netpacket/packet.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/filter.h>

#include "../log.h"
#include "deadline.h"
#include "dhcpc.h"

#define DHCPC_WAIT_FIRST_MS	250
#define DHCPC_WAIT_MAX_MS	2000
#define DHCPC_ROUNDS_MAX	3	/* DISCOVERs started over after a NAK */
#define DHCPC_PKT_MAX		2048	/* > option 57's 1500: bigger is dropped */

struct dhcpc {
	int fd;
	const struct cm_link *link;
	uint32_t xid;
	int64_t start, deadline;
};

int cm_dhcpc_wait_ms(unsigned attempt)
{
	int ms = DHCPC_WAIT_FIRST_MS;

	while (attempt-- && ms < DHCPC_WAIT_MAX_MS)
		ms *= 2;
	return ms < DHCPC_WAIT_MAX_MS ? ms : DHCPC_WAIT_MAX_MS;
}

/* Keeps only UDP to port 68, unfragmented, so a busy link does not wake
 * us for every frame.  Offsets are from the IP header (SOCK_DGRAM). */
static const struct sock_filter dhcp_filter[] = {
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),			/* protocol */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 17, 0, 6),
	BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 6),			/* frag */
	BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x3fff, 4, 0),
	BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),			/* IHL */
	BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),			/* dport */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CM_DHCP_CLIENT_PORT, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0xffff),
	BPF_STMT(BPF_RET | BPF_K, 0),
};

static int packet_socket(int ifindex)
{
	struct sock_fprog prog = {
		.len = sizeof(dhcp_filter) / sizeof(dhcp_filter[0]),
		.filter = (struct sock_filter *)dhcp_filter,
	};
	struct sockaddr_ll sa = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = ifindex,
	};
	int fd, r;

	/* Protocol 0 until bound: nothing is queued from other links. */
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* The filter only saves wake-ups; every packet is checked anyway. */
	(void)setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* Transaction ids only need to differ between clients on one link;
 * getrandom() must not block this early in boot. */
static uint32_t new_xid(const struct cm_link *link, unsigned round)
{
	uint32_t x;
	int64_t t;

	if (getrandom(&x, sizeof(x), GRND_NONBLOCK) == (ssize_t)sizeof(x))
		return x;
	t = cm_mono_ms();
	memcpy(&x, link->mac + 2, 4);
	return x ^ (uint32_t)t ^ (uint32_t)getpid() << 16 ^ round * 0x9e3779b9u;
}

static int dhcpc_send(struct dhcpc *c, const struct cm_dhcp_request *rq)
{
	uint8_t msg[CM_DHCP_MSG_MAX], pkt[CM_DHCP_FRAME_HDR + CM_DHCP_MSG_MAX];
	struct sockaddr_ll to = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = c->link->ifindex,
		.sll_halen = 6,
		.sll_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	};
	int n;

	n = cm_dhcp_build(rq, msg, sizeof(msg));
	if (n >= 0)
		n = cm_dhcp_frame(msg, (size_t)n, pkt, sizeof(pkt));
	if (n < 0)
		return n;
	if (sendto(c->fd, pkt, (size_t)n, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		return errno == ENOBUFS || errno == EAGAIN ? 0 : -errno;
	return 0;
}

/* Waits until `until` for a reply to our xid and MAC: 0 with it in out,
 * -ETIMEDOUT, or -errno.  Everything else on the wire is skipped. */
static int dhcpc_recv(struct dhcpc *c, int64_t until, struct cm_dhcp_lease *out)
{
	uint8_t buf[DHCPC_PKT_MAX];
	struct pollfd p = { .fd = c->fd, .events = POLLIN };
	struct sockaddr_ll from;
	socklen_t from_len;
	const uint8_t *msg;
	size_t msg_len;
	ssize_t n;
	int r;

	for (;;) {
		r = poll(&p, 1, cm_ms_left(until));
		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		from_len = sizeof(from);
		n = recvfrom(c->fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&from, &from_len);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -errno;
		}
		if ((size_t)n > sizeof(buf) || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (cm_dhcp_unframe(buf, (size_t)n, &msg, &msg_len) != 0 ||
		    cm_dhcp_parse(msg, msg_len, out) != 0)
			continue;
		if (cm_dhcp_is_reply_to(out, c->xid, c->link->mac))
			return 0;
	}
}

static uint16_t secs_since(int64_t start)
{
	int64_t s = (cm_mono_ms() - start) / 1000;

	return s > 0xffff ? 0xffff : (uint16_t)s;
}

/* Sends rq, and again on the cm_dhcpc_wait_ms() schedule, until a reply
 * of a wanted type (a bit per enum cm_dhcp_type) or the deadline. */
static int dhcpc_exchange(struct dhcpc *c, struct cm_dhcp_request *rq,
			  unsigned want, struct cm_dhcp_lease *out)
{
	int64_t until;
	unsigned attempt;
	int r;

	for (attempt = 0; cm_ms_left(c->deadline) > 0; attempt++) {
		rq->secs = secs_since(c->start);
		r = dhcpc_send(c, rq);
		if (r < 0)
			return r;
		until = cm_mono_ms() + cm_dhcpc_wait_ms(attempt);
		if (until > c->deadline)
			until = c->deadline;
		do {
			r = dhcpc_recv(c, until, out);
			if (r == 0 && (want & (1u << out->type)))
				return 0;
		} while (r == 0);
		if (r != -ETIMEDOUT)
			return r;
	}
	return -ETIMEDOUT;
}

/* Servers should repeat in the ACK what they offered; some do not. */
static void fill_from_offer(struct cm_dhcp_lease *ack,
			    const struct cm_dhcp_lease *offer)
{
	if (ack->yiaddr != offer->yiaddr)
		return;
	if (!ack->has_mask && offer->has_mask) {
		ack->mask = offer->mask;
		ack->prefix_len = offer->prefix_len;
		ack->has_mask = 1;
	}
	if (!ack->has_router && offer->has_router) {
		ack->router = offer->router;
		ack->has_router = 1;
	}
	if (!ack->has_routes && !ack->routes_invalid && offer->has_routes) {
		memcpy(ack->routes, offer->routes, sizeof(ack->routes));
		ack->n_routes = offer->n_routes;
		ack->has_routes = 1;
	}
	if (!ack->has_lease && offer->has_lease) {
		ack->lease_s = offer->lease_s;
		ack->has_lease = 1;
	}
	if (!ack->mtu)
		ack->mtu = offer->mtu;
	if (!ack->server_id)
		ack->server_id = offer->server_id;
}

/* One DISCOVER..ACK round: 0 ACK, 1 NAK, -errno (*phase says where). */
static int dhcpc_round(struct dhcpc *c, struct cm_dhcp_lease *offer,
		       struct cm_dhcp_lease *ack, const char **phase)
{
	struct cm_dhcp_request rq = { .type = CM_DHCP_DISCOVER, .xid = c->xid };
	int r;

	memcpy(rq.mac, c->link->mac, 6);
	*phase = "no offer";
	r = dhcpc_exchange(c, &rq, 1u << CM_DHCP_OFFER, offer);
	if (r < 0)
		return r;
	rq.type = CM_DHCP_REQUEST;
	rq.requested = offer->yiaddr;
	rq.server_id = offer->server_id;
	*phase = "offer, but no ack";
	r = dhcpc_exchange(c, &rq, 1u << CM_DHCP_ACK | 1u << CM_DHCP_NAK, ack);
	if (r < 0)
		return r;
	if (ack->type == CM_DHCP_NAK)
		return 1;
	fill_from_offer(ack, offer);
	return 0;
}

int cm_dhcpc_lease(const struct cm_link *link, int64_t deadline,
		   struct cm_dhcp_lease *ack)
{
	struct dhcpc c = { .link = link, .deadline = deadline };
	struct cm_dhcp_lease offer;
	const char *phase = "";
	unsigned round;
	int r = -ETIMEDOUT;
	long ms;

	c.start = cm_mono_ms();
	c.fd = packet_socket(link->ifindex);
	if (c.fd < 0)
		return cm_err(c.fd, "netup: packet socket on %s", link->name);
	for (round = 0; round < DHCPC_ROUNDS_MAX; round++) {
		c.xid = new_xid(link, round);
		r = dhcpc_round(&c, &offer, ack, &phase);
		if (r <= 0)
			break;
		cm_debug("netup: dhcp on %s: NAK, starting over", link->name);
		phase = "NAK";
		r = -EPROTO;
	}
	ms = (long)(cm_mono_ms() - c.start);
	/* Closing a bound packet socket waits for an RCU grace period:
	 * time the exchange before it. */
	close(c.fd);
	if (r < 0)
		return cm_err(r, "netup: dhcp on %s: %s after %ld ms", link->name,
			      phase, ms);
	return 0;
}
