#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../clouds/clouds.h"
#include "../net/netup.h"
#include "confirm.h"
#include "dmi.h"
#include "metadata.h"
#include "run.h"

void cm_detect_opts_init(struct cm_detect_opts *o)
{
	o->root = NULL;
	o->no_metadata = 0;
	o->timeout_ms = CM_DETECT_TIMEOUT_DEFAULT_MS;
	o->bring_up_network = 1;
	o->endpoint = getenv("CLOUDMOVE_METADATA_ENDPOINT");
	if (o->endpoint && !*o->endpoint)
		o->endpoint = NULL;
}

/* The distinct metadata addresses of the candidates. */
static size_t metadata_hosts(const struct cm_cloud *const *c, size_t n,
			     const char **hosts, size_t max)
{
	size_t i, k, m = 0;

	for (i = 0; i < n; i++) {
		for (k = 0; k < m; k++)
			if (!strcmp(hosts[k], c[i]->md->host))
				break;
		if (k == m && m < max)
			hosts[m++] = c[i]->md->host;
	}
	return m;
}

/* In the initramfs nothing may be configured yet: just enough network
 * for the probe, taken back after (see net/netup.h).  Not with an
 * endpoint (it is reached as it is), nor without the privileges. */
static int network_for(const struct cm_detect_opts *o,
		       const struct cm_cloud *const *c, size_t n,
		       struct cm_netup *net, struct cm_verdict *v)
{
	const char *hosts[CM_NETUP_DESTS_MAX];
	size_t m;
	int r;

	if (!o->bring_up_network || o->endpoint || geteuid() != 0)
		return 1;
	m = metadata_hosts(c, n, hosts, CM_NETUP_DESTS_MAX);
	r = cm_netup(net, hosts, m, o->timeout_ms);
	if (r == 0)
		cm_verdict_add_note(v, "network: %s brought up by DHCP for the "
				    "metadata probe in %ld ms, taken down after",
				    net->ifname, net->elapsed_ms);
	else if (r < 0)
		cm_verdict_add_note(v, "network: no route to the metadata "
				    "service and none could be made (%s)",
				    strerror(-r));
	return r;
}

static int confirm_by_metadata(const struct cm_detect_opts *o,
			       struct cm_verdict *v)
{
	const struct cm_cloud *candidates[32];
	struct cm_md_opts mo = { .timeout_ms = o->timeout_ms,
				 .endpoint = o->endpoint };
	struct cm_md_outcome *out;
	struct cm_netup net;
	size_t n;
	int r;

	n = cm_confirm_candidates(v, candidates, 32);
	if (!n)
		return 0;
	out = malloc(sizeof(*out));
	if (!out)
		return -ENOMEM;
	memset(&net, 0, sizeof(net));
	if (network_for(o, candidates, n, &net, v) == 0)
		mo.timeout_ms = o->timeout_ms - net.elapsed_ms;
	if (mo.timeout_ms < 100)
		mo.timeout_ms = 100;	/* the budget went to DHCP: a short try */
	r = cm_metadata_probe(&mo, candidates, n, out);
	cm_netup_undo(&net);
	if (r >= 0)
		cm_confirm_apply(v, out, mo.timeout_ms);
	free(out);
	return r;
}

int cm_detect_run(const struct cm_detect_opts *o, struct cm_verdict *v)
{
	struct cm_facts facts;
	int r = 0;

	cm_facts_collect(o->root, &facts);
	cm_detect_from_facts(&facts, v);
	if (!o->no_metadata)
		r = confirm_by_metadata(o, v);
	cm_confirm_public(v);
	return r;
}
