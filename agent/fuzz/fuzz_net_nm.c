/* libFuzzer: the NetworkManager keyfile reader and the
 * rewrite for every role; a rewrite's output must parse, and rewriting
 * it again must change nothing. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "adapt/net_nm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct cm_net_opts o = { .dhcp4 = true, .dhcp6 = true, .mtu = 1460 };
	struct cm_nm_info info;
	struct cm_net_summary s = { 0 };
	struct cm_buf a, b;
	size_t line;
	unsigned role;
	const char *in = (const char *)data + 1;

	if (size < 1)
		return 0;
	role = data[0] & 0x1f;
	if (role & CM_NM_PRIMARY)	/* the roles a file can have together */
		role &= ~(unsigned)CM_NM_SECONDARY;
	size--;
	cm_nm_scan(in, size, &info, &line);
	cm_buf_init(&a, 2 * CM_NET_FILE_MAX);
	cm_buf_init(&b, 2 * CM_NET_FILE_MAX);
	if (cm_nm_rewrite(in, size, role, &o, &a, &s) >= 0 &&
	    a.len <= CM_NET_FILE_MAX) {
		if (cm_nm_scan(a.data, a.len, &info, &line) < 0)
			abort();
		if (cm_nm_rewrite(a.data, a.len, role, &o, &b, &s) != 0)
			abort();
	}
	cm_buf_free(&a);
	cm_buf_free(&b);
	return 0;
}
