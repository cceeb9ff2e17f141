/* libFuzzer: what a DHCP client reads off the wire.  The input is taken
 * both as an IPv4 datagram (unframed, then the payload parsed) and as a
 * bare DHCP message; a parsed OFFER must turn into a REQUEST. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "net/dhcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct cm_dhcp_lease *l)
{
	struct cm_dhcp_request rq = { .type = CM_DHCP_REQUEST };
	uint8_t out[CM_DHCP_MSG_MAX];

	if (l->prefix_len > 32 || l->n_routes > CM_DHCP_ROUTES_MAX)
		abort();
	if (l->type != CM_DHCP_OFFER)
		return;
	rq.requested = l->yiaddr;
	rq.server_id = l->server_id;
	if (!rq.requested || !rq.server_id)
		abort();	/* the parser promised both */
	if (cm_dhcp_build(&rq, out, sizeof(out)) < CM_DHCP_MSG_MIN)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cm_dhcp_lease l;
	const uint8_t *payload;
	size_t payload_len;

	if (cm_dhcp_parse(data, size, &l) == 0)
		check(&l);
	if (cm_dhcp_unframe(data, size, &payload, &payload_len) == 0) {
		if (payload < data || payload + payload_len > data + size)
			abort();
		if (cm_dhcp_parse(payload, payload_len, &l) == 0)
			check(&l);
	}
	return 0;
}
