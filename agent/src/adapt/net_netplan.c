#include "net_backends.h"

static int netplan_plan(const char *sysroot, const char *cloud,
		     const struct cm_net_opts *o, struct cm_plan *plan,
		     struct cm_net_summary *s)
{
	(void)sysroot; (void)cloud; (void)o; (void)plan; (void)s;
	return 0;
}

const struct cm_net_backend cm_net_netplan = {
	.name = "netplan",
	.plan = netplan_plan,
};
