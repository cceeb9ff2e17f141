/* The network back ends (net_<name>.c), what network.c dispatches to,
 * and the helpers they share (network.c). */
#ifndef CM_ADAPT_NET_BACKENDS_H
#define CM_ADAPT_NET_BACKENDS_H

#include "../util/buf.h"
#include "network.h"
#include "plan.h"

/* Adds to plan what the back end's files need: 1 the root uses this
 * back end (s says what changed), 0 it does not, -errno after one
 * error line (a malformed file: the adaptation stops, nothing changes). */
typedef int (*cm_net_plan_fn)(const char *sysroot, const char *cloud,
			      const struct cm_net_opts *o, struct cm_plan *plan,
			      struct cm_net_summary *s);

struct cm_net_backend {
	const char *name;
	cm_net_plan_fn plan;
};

extern const struct cm_net_backend cm_net_netplan, cm_net_networkd,
	cm_net_nm, cm_net_ifupdown, cm_net_ifcfg;

/* The regular files of dir in the root whose names end in suffix (""
 * any; names starting with '.' never), sorted by strcmp as the tools
 * read them.  The count, 0 when dir is absent, -errno after a line. */
#define CM_NET_FNAME_MAX 256
int cm_net_list(const char *sysroot, const char *dir, const char *suffix,
		char (*names)[CM_NET_FNAME_MAX], size_t max);

/* Plans "write new to path" when it differs from old, with a reason
 * line naming the back end, the cloud and what changed. */
int cm_net_plan_file(struct cm_plan *plan, const char *sysroot,
		     const char *backend, const char *cloud, const char *path,
		     const struct cm_buf *old, const struct cm_buf *new,
		     const struct cm_net_summary *s);

#endif
