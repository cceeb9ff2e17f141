/* libFuzzer: the netplan YAML reader (libyaml, then our structure
 * checks) and the in-place rewrite; a rewrite's output must parse, and
 * rewriting it again must change nothing. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "adapt/net_netplan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cm_net_opts o = { .dhcp4 = true, .dhcp6 = true, .mtu = 1460 };
	struct cm_net_names ro = { .primary = "eth0", .gateway = "v7",
				       .members = "p1", .secondaries = "eth1 v7",
				       .primary_kind = CM_NET_ETHER };
	struct cm_netplan_scan *sc = malloc(sizeof(*sc));
	struct cm_net_summary s = { 0 };
	struct cm_buf a, b;
	const char *why;
	size_t line;
	const char *in = (const char *)data + 1;

	if (size < 1 || !sc) {
		free(sc);
		return 0;
	}
	if (data[0] & 1)
		ro.primary_kind = CM_NET_BOND;
	if (data[0] & 2)
		o.ifnames = CM_IFNAMES_KERNEL;
	size--;
	cm_buf_init(&a, 2 * CM_NET_FILE_MAX);
	cm_buf_init(&b, 2 * CM_NET_FILE_MAX);
	if (cm_netplan_scan(in, size, sc, &line, &why) == 0 &&
	    cm_netplan_rewrite(in, size, &ro, &o, &a, &s) > 0 &&
	    a.len <= CM_NET_FILE_MAX) {
		if (cm_netplan_scan(a.data, a.len, sc, &line, &why) < 0)
			abort();
		if (cm_netplan_rewrite(a.data, a.len, &ro, &o, &b, &s) != 0)
			abort();
	}
	cm_buf_free(&a);
	cm_buf_free(&b);
	free(sc);
	return 0;
}
