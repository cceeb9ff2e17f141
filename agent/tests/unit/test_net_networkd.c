#include <errno.h>
#include <stdio.h>

#include "adapt/net_ini.h"
#include "adapt/net_networkd.h"
#include "adapt/network.h"
#include "test.h"

static const struct cm_net_opts gcp = { .dhcp4 = true, .dhcp6 = true, .mtu = 1460 };

static int rewrite(const char *in, unsigned role, struct cm_buf *out)
{
	struct cm_net_summary s = { 0 };

	cm_buf_init(out, 1 << 20);
	return cm_networkd_rewrite(in, strlen(in), role, &gcp, out, &s);
}

TEST(networkd_primary_static_to_dhcp)
{
	const char *in = "# keep me\n[Match]\nMACAddress=02:00:00:00:00:01\nName=ens5\n\n"
			 "[Network]\nAddress=10.0.0.5/24\nGateway=10.0.0.1\nDNS=10.0.0.2\n"
			 "LinkLocalAddressing=no\n\n[Route]\nDestination=10.9.0.0/16\nGateway=10.0.0.9\n";
	struct cm_buf out, again;

	CHECK_INT(rewrite(in, CM_NETWORKD_PRIMARY | CM_NETWORKD_MATCH | CM_NETWORKD_GATEWAY,
			  &out), 1);
	CHECK_STR(out.data, "# keep me\n[Match]\nName=en* eth*\n\n[Network]\nDHCP=yes\n\n"
		  "[Link]\nMTUBytes=1460\n");
	CHECK_INT(rewrite(out.data, CM_NETWORKD_PRIMARY | CM_NETWORKD_MATCH |
			  CM_NETWORKD_GATEWAY, &again), 0);
	cm_buf_free(&out);
	cm_buf_free(&again);
}

TEST(networkd_secondary_keeps_address_drops_metadata_route)
{
	const char *in = "[Match]\nName=eth1\n\n[Network]\nAddress=192.168.1.2/24\n\n"
			 "[Route]\nDestination=169.254.169.254/32\n";
	struct cm_buf out;

	CHECK_INT(rewrite(in, CM_NETWORKD_SECONDARY, &out), 1);
	CHECK_STR(out.data, "[Match]\nName=eth1\n\n[Network]\nAddress=192.168.1.2/24\n\n"
		  "[Link]\nRequiredForOnline=no\n");
	cm_buf_free(&out);
}

TEST(networkd_scan_and_malformed)
{
	struct cm_networkd_info info;
	size_t line;
	const char *ok = "[Match]\nName=bond0\n[Network]\nBond=x\nVLAN=v1\nVLAN=v2\n"
			 "[Route]\nGateway=1.2.3.4\n";
	const char *bad = "[Match]\nName=eth0\nno equals sign\n";

	CHECK_INT(cm_networkd_scan("f.network", ok, strlen(ok), &info, &line), 0);
	CHECK_STR(info.name, "bond0");
	CHECK_STR(info.vlans, "v1 v2");
	CHECK_STR(info.master, "x");
	CHECK(info.gateway);
	CHECK_INT(cm_networkd_scan("f.network", bad, strlen(bad), &info, &line), -EBADMSG);
	CHECK_INT(line, 3);
	CHECK_INT(cm_networkd_scan("f", "Key=1\n", 6, &info, &line), -EBADMSG);
}

TEST(net_pick_primary_vlan_parent_and_members)
{
	struct cm_net_ifaces l = { 0 };

	CHECK_INT(cm_net_ifaces_add(&l, "lo", 2, CM_NET_LOOPBACK, false), 0);
	CHECK_INT(cm_net_ifaces_add(&l, "port", 4, CM_NET_ETHER, false), 1);
	l.v[1].member = true;
	CHECK_INT(cm_net_ifaces_add(&l, "enp1s0", 6, CM_NET_ETHER, false), 2);
	CHECK_INT(cm_net_ifaces_add(&l, "vlan9", 5, CM_NET_VLAN, true), 3);
	strcpy(l.v[3].parent, "enp1s0");
	CHECK_INT(cm_net_pick_primary(&l), 2);
	CHECK_INT(cm_net_pick_gateway(&l), 3);
	l.v[3].gateway = false;
	CHECK_INT(cm_net_pick_primary(&l), 2);
	CHECK(cm_net_is_metadata("169.254.169.254/32", 18));
	CHECK(!cm_net_is_metadata("169.254.169.25", 14));
	CHECK(cm_net_is_default_dest("0.0.0.0/0", 9));
}

TEST(net_ini_keeps_bytes_and_adds_sections)
{
	const char *in = "; c\n[A]\nk = v\n\n[B]\nx=1";
	struct cm_ini ini;
	struct cm_buf out;

	cm_buf_init(&out, 4096);
	CHECK_INT(cm_ini_parse(in, strlen(in), CM_INI_SYSTEMD, &ini, NULL), 0);
	CHECK_INT(cm_ini_write(&ini, &out), 0);
	CHECK_STR(out.data, in);
	CHECK_INT(cm_ini_set(&ini, "B", "y", "2"), 0);
	CHECK_INT(cm_ini_set(&ini, "C", "z", "3"), 0);
	CHECK_INT(cm_ini_set(&ini, "A", "k", "v"), 0);
	CHECK_INT(cm_ini_write(&ini, &out), 0);
	CHECK_STR(out.data, "; c\n[A]\nk = v\n\n[B]\nx=1\ny=2\n\n[C]\nz=3\n");
	cm_ini_free(&ini);
	cm_buf_free(&out);
}
