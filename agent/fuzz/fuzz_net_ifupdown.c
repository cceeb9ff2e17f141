/* libFuzzer: the interfaces(5) reader and the rewrite; a rewrite's
 * output must parse, and rewriting it again must change nothing. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "adapt/net_ifupdown.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cm_net_opts o = { .dhcp4 = true, .dhcp6 = true, .mtu = 1460 };
	struct cm_ifupdown_roles ro = { .n = { .primary = "eth0", .gateway = "eth0.7",
						.members = "ens4",
						.secondaries = "eth1 eth0.7",
						.primary_kind = CM_NET_ETHER } };
	struct cm_ifupdown_scan *sc = malloc(sizeof(*sc));
	struct cm_net_summary s = { 0 };
	struct cm_buf a, b;
	size_t line;
	const char *in = (const char *)data + 1;

	if (size < 1 || !sc) {
		free(sc);
		return 0;
	}
	if (data[0] & 1)
		ro.n.primary_kind = CM_NET_BOND;
	size--;
	cm_ifupdown_scan(in, size, sc, &line);
	cm_buf_init(&a, 2 * CM_NET_FILE_MAX);
	cm_buf_init(&b, 2 * CM_NET_FILE_MAX);
	if (cm_ifupdown_scan(in, size, sc, &line) == 0 &&
	    cm_ifupdown_rewrite(in, size, &ro, &o, &a, &s) >= 0 &&
	    a.len <= CM_NET_FILE_MAX) {
		if (cm_ifupdown_scan(a.data, a.len, sc, &line) < 0)
			abort();
		if (cm_ifupdown_rewrite(a.data, a.len, &ro, &o, &b, &s) != 0)
			abort();
	}
	cm_buf_free(&a);
	cm_buf_free(&b);
	free(sc);
	return 0;
}
