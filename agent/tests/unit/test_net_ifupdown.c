#include <errno.h>
#include <stdio.h>

#include "adapt/net_ifupdown.h"
#include "test.h"

static const struct cm_net_opts gcp = { .dhcp4 = true, .dhcp6 = false, .mtu = 1460 };

static int rewrite(const char *in, const struct cm_ifupdown_roles *ro, struct cm_buf *out)
{
	struct cm_net_summary s = { 0 };

	cm_buf_init(out, 1 << 20);
	return cm_ifupdown_rewrite(in, strlen(in), ro, &gcp, out, &s);
}

TEST(ifupdown_primary_static_to_dhcp_pattern)
{
	struct cm_ifupdown_roles ro = { .n = { .primary = "eth0", .secondaries = "eth1",
						.primary_kind = CM_NET_ETHER } };
	const char *in = "# c\nauto lo eth0 eth1\niface lo inet loopback\n"
			 "iface eth0 inet static\n  address 10.0.0.2/24\n  gateway 10.0.0.1\n"
			 "  up ip route add 169.254.169.254 dev eth0\n"
			 "iface eth0 inet6 static\n  address 2001:db8::2/64\n"
			 "iface eth1 inet static\n  address 10.1.0.2/24\n";
	struct cm_buf out, again;

	CHECK_INT(rewrite(in, &ro, &out), 1);
	CHECK_STR(out.data, "# c\nauto lo /e[nt]*/1=eth0\nallow-hotplug eth1\n"
		  "iface lo inet loopback\niface eth0 inet dhcp\n"
		  "  pre-up ip link set dev $IFACE mtu 1460\n"
		  "iface eth1 inet static\n  address 10.1.0.2/24\n");
	CHECK_INT(rewrite(out.data, &ro, &again), 0);
	cm_buf_free(&out);
	cm_buf_free(&again);
}

TEST(ifupdown_scan)
{
	struct cm_ifupdown_scan sc;
	size_t line;
	const char *in = "source /etc/network/interfaces.d/*\nsource-directory d\n"
			 "iface br0 inet static\n bridge_ports eth0 \\\n  eth1\n gateway 1.2.3.4\n"
			 "iface eth0.5 inet manual\n";

	CHECK_INT(cm_ifupdown_scan(in, strlen(in), &sc, &line), 0);
	CHECK_INT(sc.n_sources, 2);
	CHECK_STR(sc.source[1], "d");
	CHECK_INT(sc.source_kind[1], 'd');
	CHECK_INT(sc.n, 4);
	CHECK_STR(sc.v[0].name, "br0");
	CHECK_INT(sc.v[0].kind, CM_NET_BRIDGE);
	CHECK(sc.v[0].gateway);
	CHECK_STR(sc.v[2].master, "br0");
	CHECK_STR(sc.v[3].parent, "eth0");
	CHECK_INT(cm_ifupdown_scan("address 1.2.3.4\n", 16, &sc, &line), -EBADMSG);
	CHECK_INT(line, 1);
	CHECK_INT(cm_ifupdown_scan("auto x\niface x\n", 15, &sc, &line), -EBADMSG);
	CHECK_INT(line, 2);
}

TEST(ifupdown_primary_brought_up_when_nothing_did)
{
	struct cm_ifupdown_roles ro = { .n = { .primary = "ens3",
						.primary_kind = CM_NET_ETHER },
					.add_auto = true };
	struct cm_net_opts kernel = { .dhcp4 = true, .ifnames = CM_IFNAMES_KERNEL };
	struct cm_net_summary s = { 0 };
	const char *in = "iface ens3 inet static\n\taddress 10.0.0.2/24\n";
	struct cm_buf out;

	cm_buf_init(&out, 1 << 20);
	CHECK_INT(cm_ifupdown_rewrite(in, strlen(in), &ro, &kernel, &out, &s), 1);
	CHECK_STR(out.data, "auto /eth0=ens3\niface ens3 inet dhcp\n");
	cm_buf_free(&out);
}
