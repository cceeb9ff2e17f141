/* DHCPv4 (RFC 2131/2132) for a client that wants one lease, once: build
 * the DISCOVER and REQUEST it sends, parse the OFFER/ACK/NAK it gets,
 * and frame/unframe them as IPv4+UDP for a packet socket (the client has
 * no address yet, so it cannot use the kernel's UDP stack to receive).
 *
 * Pure: no I/O, no allocation, no logging; every byte bounds-checked;
 * buffers are not NUL-terminated.  Addresses are uint32_t in network
 * byte order (as in struct in_addr), so they go to netlink unchanged. */
#ifndef CM_DHCP_H
#define CM_DHCP_H

#include <stddef.h>
#include <stdint.h>

#define CM_DHCP_MSG_MAX		1500	/* one Ethernet frame; also option 57 */
#define CM_DHCP_MSG_MIN		300	/* BOOTP minimum; relays drop shorter */
#define CM_DHCP_ROUTES_MAX	32	/* option 121 entries; more fails closed */
#define CM_DHCP_FRAME_HDR	28	/* IPv4 (no options) + UDP headers */
#define CM_DHCP_LEASE_INFINITE	0xffffffffu
#define CM_DHCP_CLIENT_PORT	68
#define CM_DHCP_SERVER_PORT	67

enum cm_dhcp_type {
	CM_DHCP_DISCOVER = 1,
	CM_DHCP_OFFER = 2,
	CM_DHCP_REQUEST = 3,
	CM_DHCP_ACK = 5,
	CM_DHCP_NAK = 6,
};

/* What a client message carries. */
struct cm_dhcp_request {
	enum cm_dhcp_type type;		/* DISCOVER or REQUEST (SELECTING) */
	uint32_t xid;
	uint16_t secs;
	uint8_t mac[6];			/* chaddr and client id (61) */
	uint32_t requested;		/* REQUEST: option 50, the offered yiaddr */
	uint32_t server_id;		/* REQUEST: option 54, from the OFFER */
};

/* One classless static route (option 121); gw 0 means on-link. */
struct cm_dhcp_route {
	uint32_t dst;
	uint32_t gw;
	uint8_t prefix_len;
};

/* A server's reply.  Fields whose option was absent are 0 and their
 * has_ flag is 0. */
struct cm_dhcp_lease {
	enum cm_dhcp_type type;		/* OFFER, ACK or NAK */
	uint32_t xid;
	uint8_t chaddr[6];
	uint32_t yiaddr;		/* OFFER/ACK: a usable unicast address */
	uint32_t server_id;		/* option 54; always set in an OFFER */
	uint32_t mask;			/* option 1 (contiguous) */
	uint8_t prefix_len;		/* from mask; 32 when no mask was given */
	uint32_t router;		/* first address of option 3 */
	uint32_t lease_s;		/* option 51; CM_DHCP_LEASE_INFINITE */
	uint16_t mtu;			/* option 26, when >= 68 */
	uint8_t has_mask, has_router, has_lease, has_routes;
	/* Option 121 was present but malformed: ignored (RFC 3442 gives no
	 * repair), and so, as when absent, option 3 applies. */
	uint8_t routes_invalid;
	size_t n_routes;
	struct cm_dhcp_route routes[CM_DHCP_ROUTES_MAX];
};

/* Builds rq into buf: the message length (>= CM_DHCP_MSG_MIN), -EINVAL
 * for a type other than DISCOVER/REQUEST, -EMSGSIZE when buf is short. */
int cm_dhcp_build(const struct cm_dhcp_request *rq, uint8_t *buf,
		  size_t size);

/* Parses a server message.  0: an OFFER, ACK or NAK, checked (magic
 * cookie, option bounds, lengths, a usable yiaddr, a server id in an
 * OFFER); 1: well-formed but not a DHCP server reply (a BOOTREQUEST, a
 * plain BOOTP reply, another message type); -EBADMSG: malformed;
 * -EMSGSIZE: over a cap (CM_DHCP_ROUTES_MAX, option space).  Options
 * split over several instances are joined (RFC 3396); option overload
 * (52) is honoured: file, then sname, after the options field. */
int cm_dhcp_parse(const uint8_t *buf, size_t len, struct cm_dhcp_lease *out);

/* 1 when l answers the client with this xid and MAC, else 0. */
int cm_dhcp_is_reply_to(const struct cm_dhcp_lease *l, uint32_t xid,
			const uint8_t mac[6]);

/* Wraps a client message in IPv4 (0.0.0.0 -> 255.255.255.255) and UDP
 * (68 -> 67) headers with checksums: the datagram length, or -EMSGSIZE. */
int cm_dhcp_frame(const uint8_t *msg, size_t len, uint8_t *buf, size_t size);

/* Checks an IPv4 datagram (as a SOCK_DGRAM packet socket delivers it):
 * 0 and the UDP payload when it is an unfragmented UDP datagram to port
 * 68 with a valid IP header checksum; 1 when it is other traffic;
 * -EBADMSG when malformed.  The UDP checksum is not checked: with
 * checksum offload (virtio, veth) a packet socket sees it unfilled. */
int cm_dhcp_unframe(const uint8_t *pkt, size_t len, const uint8_t **payload,
		    size_t *payload_len);

#endif
