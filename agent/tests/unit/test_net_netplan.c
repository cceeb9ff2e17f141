#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "adapt/net_netplan.h"
#include "test.h"

static const struct cm_net_opts gcp = { .dhcp4 = true, .dhcp6 = false, .mtu = 1460 };

static int rewrite(const char *in, const struct cm_net_names *ro, struct cm_buf *out)
{
	struct cm_net_summary s = { 0 };

	cm_buf_init(out, 1 << 20);
	return cm_netplan_rewrite(in, strlen(in), ro, &gcp, out, &s);
}

TEST(netplan_primary_static_to_dhcp_keeps_comments)
{
	struct cm_net_names ro = { .primary = "eth0", .primary_kind = CM_NET_ETHER,
				       .secondaries = "eth1" };
	const char *in = "# top\nnetwork:\n  version: 2\n  ethernets:\n"
			 "    eth0:\n      # pinned\n      match:\n        macaddress: aa:bb:cc:dd:ee:ff\n"
			 "      set-name: eth0\n      addresses: [10.0.0.2/24]\n\n"
			 "    # the second NIC\n    eth1: {addresses: [10.1.0.2/24]}\n";
	struct cm_buf out, again;

	CHECK_INT(rewrite(in, &ro, &out), 1);
	CHECK_STR(out.data, "# top\nnetwork:\n  version: 2\n  ethernets:\n"
		  "    eth0:\n      # pinned\n      match: {name: \"e[nt]*\"}\n"
		  "      dhcp4: true\n      dhcp6: false\n      mtu: 1460\n"
		  "      dhcp4-overrides: {use-mtu: false}\n\n"
		  "    # the second NIC\n    eth1: {addresses: [10.1.0.2/24], optional: true}\n");
	CHECK_INT(rewrite(out.data, &ro, &again), 0);
	cm_buf_free(&out);
	cm_buf_free(&again);
}

TEST(netplan_metadata_route_items)
{
	struct cm_net_names ro = { .primary = "x", .secondaries = "" };
	const char *in = "network:\n  ethernets:\n    e1:\n      routes:\n"
			 "        - to: 169.254.169.254/32\n          via: 10.0.0.1\n"
			 "        - to: 10.9.0.0/16\n          via: 10.0.0.1\n";
	struct cm_buf out;

	CHECK_INT(rewrite(in, &ro, &out), 1);
	CHECK_STR(out.data, "network:\n  ethernets:\n    e1:\n      routes:\n"
		  "        - to: 10.9.0.0/16\n          via: 10.0.0.1\n");
	cm_buf_free(&out);
}

TEST(netplan_scan_and_errors)
{
	struct cm_netplan_scan sc;
	const char *why;
	size_t line;
	const char *in = "network:\n  bonds:\n    bond0:\n      interfaces: [p1, p2]\n"
			 "      routes: [{to: default, via: 10.0.0.1}]\n"
			 "  vlans:\n    v7: {id: 7, link: p1, dhcp4: yes}\n";

	CHECK_INT(cm_netplan_scan(in, strlen(in), &sc, &line, &why), 0);
	CHECK_INT(sc.n, 2);
	CHECK_STR(sc.v[0].ports, "p1 p2");
	CHECK(sc.v[0].gateway);
	CHECK_INT(sc.v[1].kind, CM_NET_VLAN);
	CHECK_STR(sc.v[1].parent, "p1");
	CHECK(sc.v[1].dhcp);
	CHECK_INT(cm_netplan_scan("network:\n  eth: [\n", 18, &sc, &line, &why), -EBADMSG);
	CHECK(line >= 2);
	CHECK_INT(cm_netplan_scan("- a\n", 4, &sc, &line, &why), -EBADMSG);
	CHECK_INT(cm_netplan_scan("", 0, &sc, &line, &why), 0);
}

/* "network:\n  x: " and levels more of open, "b", close: the two
 * mappings and the levels; at most cap bytes. */
static size_t nested(char *in, size_t cap, const char *open, char close,
		     size_t levels)
{
	size_t lo = strlen(open), len, i, n;

	len = (size_t)sprintf(in, "network:\n  x: ");
	for (n = 0; n < levels && len + lo + n + 3 < cap; n++, len += lo)
		memcpy(in + len, open, lo);
	in[len++] = 'b';
	for (i = 0; i < n; i++)
		in[len++] = close;
	in[len++] = '\n';
	return len;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* libyaml's time grows with the square of the nesting: 100k levels of
 * "[" (200 KB, within the 256 KiB cap) took 53 s to load.  Refused
 * before the load, where the 65th level opens, in milliseconds. */
TEST(netplan_deep_nesting_refused_fast)
{
	const size_t cap = 256 * 1024;
	struct cm_netplan_scan sc;
	struct timespec t0;
	const char *why = NULL;
	size_t line = 0, len;
	char *in = malloc(cap);
	int r;

	CHECK(in != NULL);
	len = nested(in, cap, "[", ']', 100000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = cm_netplan_scan(in, len, &sc, &line, &why);
	CHECK(ms_since(&t0) < 2000);
	CHECK_INT(r, -EMSGSIZE);
	CHECK_INT(line, 2);
	CHECK_STR(why, "nested more than 64 levels deep");
	len = nested(in, cap, "{a: ", '}', 100000);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = cm_netplan_scan(in, len, &sc, &line, &why);
	CHECK(ms_since(&t0) < 2000);
	CHECK_INT(r, -EMSGSIZE);
	/* 64 levels in all are fine, 65 are not */
	len = nested(in, cap, "[", ']', 62);
	CHECK_INT(cm_netplan_scan(in, len, &sc, &line, &why), 0);
	len = nested(in, cap, "[", ']', 63);
	CHECK_INT(cm_netplan_scan(in, len, &sc, &line, &why), -EMSGSIZE);
	free(in);
}
