#include <errno.h>
#include <stdio.h>

#include "adapt/net_ifcfg.h"
#include "test.h"

static const struct cm_net_opts gcp = { .dhcp4 = true, .dhcp6 = true, .mtu = 1460 };

static int rewrite(const char *in, unsigned role, struct cm_buf *out)
{
	struct cm_net_summary s = { 0 };

	cm_buf_init(out, 1 << 20);
	return cm_ifcfg_rewrite(in, strlen(in), role, &gcp, out, &s);
}

TEST(ifcfg_rh_primary_static_to_dhcp)
{
	const char *in = "# c\nDEVICE=eth0\nBOOTPROTO=none\nHWADDR=02:00:00:00:00:01\n"
			 "IPADDR0=10.0.0.5\nPREFIX0=24\nGATEWAY=10.0.0.1\nDNS1=10.0.0.2\n"
			 "ONBOOT=no\n";
	struct cm_buf out, again;

	CHECK_INT(rewrite(in, CM_IFCFG_PRIMARY | CM_IFCFG_MATCH | CM_IFCFG_GATEWAY, &out), 1);
	CHECK_STR(out.data, "# c\nDEVICE=eth0\nBOOTPROTO=dhcp\nONBOOT=yes\nIPV6INIT=yes\n"
		  "DHCPV6C=yes\nMTU=1460\n");
	CHECK_INT(rewrite(out.data, CM_IFCFG_PRIMARY | CM_IFCFG_MATCH | CM_IFCFG_GATEWAY,
			  &again), 0);
	cm_buf_free(&out);
	cm_buf_free(&again);
}

TEST(ifcfg_suse_quotes_and_hotplug)
{
	struct cm_buf out;

	CHECK_INT(rewrite("BOOTPROTO='static'\nSTARTMODE='auto'\nIPADDR='10.1.0.2/24'\n",
			  CM_IFCFG_SUSE | CM_IFCFG_PRIMARY, &out), 1);
	CHECK_STR(out.data, "BOOTPROTO='dhcp'\nSTARTMODE='auto'\nMTU='1460'\n");
	cm_buf_free(&out);
	CHECK_INT(rewrite("BOOTPROTO='static'\nSTARTMODE='auto'\n",
			  CM_IFCFG_SUSE | CM_IFCFG_SECONDARY, &out), 1);
	CHECK_STR(out.data, "BOOTPROTO='static'\nSTARTMODE='hotplug'\n");
	cm_buf_free(&out);
	CHECK_INT(rewrite("", CM_IFCFG_SUSE | CM_IFCFG_SECONDARY, &out), 1);
	CHECK_STR(out.data, "STARTMODE=hotplug\n");
	cm_buf_free(&out);
}

TEST(ifcfg_scan)
{
	struct cm_ifcfg_info info;
	size_t line;
	const char *v = "VLAN=yes\nIPADDR=1.2.3.4\nGATEWAY=1.2.3.1\n";
	const char *b = "BONDING_MASTER='yes'\nBONDING_SLAVE0='eth0'\nBONDING_SLAVE1='eth1'\n";

	CHECK_INT(cm_ifcfg_scan("ifcfg-eth0.7", v, strlen(v), &info, &line), 0);
	CHECK_STR(info.name, "eth0.7");
	CHECK_STR(info.parent, "eth0");
	CHECK_INT(info.kind, CM_NET_VLAN);
	CHECK(info.gateway);
	CHECK_INT(cm_ifcfg_scan("ifcfg-bond0", b, strlen(b), &info, &line), 0);
	CHECK_INT(info.kind, CM_NET_BOND);
	CHECK_STR(info.ports, "eth0 eth1");
	CHECK_INT(cm_ifcfg_scan("ifcfg-x", "A=1\nnot an assignment\n", 22, &info, &line),
		  -EBADMSG);
	CHECK_INT(line, 2);
}
