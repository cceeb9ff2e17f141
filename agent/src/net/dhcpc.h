/* The DHCP client exchange, DISCOVER/OFFER/REQUEST/ACK, on one link,
 * over a packet socket: before it has an address the client must see
 * replies that the IP stack would drop (rp_filter has no route back to
 * the server yet; a server may unicast to the offered address despite
 * the broadcast flag). */
#ifndef CM_DHCPC_H
#define CM_DHCPC_H

#include <stdint.h>

#include "dhcp.h"
#include "netlink.h"

/* Gets a lease for link (its ifindex, name and MAC) before deadline
 * (cm_mono_ms() clock): 0 and the ACK (missing options filled in from
 * the OFFER) in ack, or -errno, logged: -ETIMEDOUT when no server
 * answered in time, -EPROTO after repeated NAKs. */
int cm_dhcpc_lease(const struct cm_link *link, int64_t deadline,
		   struct cm_dhcp_lease *ack);

/* Pure: how long to wait for an answer after the attempt-th send of one
 * message (0-based) before sending it again.  Shorter than RFC 2131's
 * 4 s: the whole budget is about 2 s, and a lost first packet (the link
 * just came up) must not cost it all. */
int cm_dhcpc_wait_ms(unsigned attempt);

#endif
