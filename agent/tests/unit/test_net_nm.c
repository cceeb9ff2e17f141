#include <errno.h>
#include <stdio.h>

#include "adapt/net_nm.h"
#include "test.h"

static const struct cm_net_opts gcp = { .dhcp4 = true, .dhcp6 = true, .mtu = 1460 };

static int rewrite(const char *in, unsigned role, struct cm_buf *out)
{
	struct cm_net_summary s = { 0 };

	cm_buf_init(out, 1 << 20);
	return cm_nm_rewrite(in, strlen(in), role, &gcp, out, &s);
}

TEST(nm_primary_static_to_dhcp)
{
	const char *in = "[connection]\nid=x\ntype=ethernet\ninterface-name=ens3\n\n"
			 "[ethernet]\nmac-address=AA:BB:CC:DD:EE:FF\n\n"
			 "[ipv4]\naddress1=10.0.0.5/24,10.0.0.1\ndns=10.0.0.2;\nmethod=manual\n"
			 "route1=169.254.169.254/32,10.0.0.1\n";
	struct cm_buf out, again;

	CHECK_INT(rewrite(in, CM_NM_PRIMARY | CM_NM_MATCH | CM_NM_GATEWAY, &out), 1);
	CHECK_STR(out.data, "[connection]\nid=x\ntype=ethernet\n\n[ethernet]\nmtu=1460\n\n"
		  "[ipv4]\nmethod=auto\n\n[match]\ninterface-name=en*;eth*;\n\n"
		  "[ipv6]\nmethod=auto\n");
	CHECK_INT(rewrite(out.data, CM_NM_PRIMARY | CM_NM_MATCH | CM_NM_GATEWAY, &again), 0);
	cm_buf_free(&out);
	cm_buf_free(&again);
}

TEST(nm_gateway_role_keeps_address_drops_gateway)
{
	const char *in = "[connection]\ntype=vlan\n[ipv4]\naddress1=10.4.0.9/24,10.4.0.1\n"
			 "dns=10.4.0.1;\nmethod=manual\n";
	struct cm_buf out;

	CHECK_INT(rewrite(in, CM_NM_GATEWAY | CM_NM_SECONDARY, &out), 1);
	CHECK_STR(out.data, "[connection]\ntype=vlan\n[ipv4]\naddress1=10.4.0.9/24\n"
		  "method=manual\n");
	cm_buf_free(&out);
}

TEST(nm_scan)
{
	struct cm_nm_info info;
	size_t line;
	const char *a = "[connection]\ntype=vlan\nuuid=u1\n[vlan]\nparent=p\n"
			"[ipv4]\nroute1=0.0.0.0/0,1.2.3.4\n";
	const char *b = "[connection]\ntype=ethernet\nautoconnect=false\ninterface-name=e\n";

	CHECK_INT(cm_nm_scan(a, strlen(a), &info, &line), 0);
	CHECK_STR(info.name, "u1");
	CHECK_STR(info.parent, "p");
	CHECK_INT(info.kind, CM_NET_VLAN);
	CHECK(info.gateway);
	CHECK_INT(cm_nm_scan(b, strlen(b), &info, &line), 0);
	CHECK_INT(info.kind, CM_NET_OTHER);
	CHECK_INT(cm_nm_scan("[a]\nbad line\n", 13, &info, &line), -EBADMSG);
	CHECK_INT(line, 2);
}
