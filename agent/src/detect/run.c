#include <errno.h>
#include <stdlib.h>

#include "../clouds/clouds.h"
#include "confirm.h"
#include "dmi.h"
#include "metadata.h"
#include "run.h"

void cm_detect_opts_init(struct cm_detect_opts *o)
{
	o->root = NULL;
	o->no_metadata = 0;
	o->timeout_ms = CM_DETECT_TIMEOUT_DEFAULT_MS;
	o->endpoint = getenv("CLOUDMOVE_METADATA_ENDPOINT");
	if (o->endpoint && !*o->endpoint)
		o->endpoint = NULL;
}

static int confirm_by_metadata(const struct cm_detect_opts *o,
			       struct cm_verdict *v)
{
	const struct cm_cloud *candidates[32];
	struct cm_md_opts mo = { .timeout_ms = o->timeout_ms,
				 .endpoint = o->endpoint };
	struct cm_md_outcome *out;
	size_t n;
	int r;

	n = cm_confirm_candidates(v, candidates, 32);
	if (!n)
		return 0;
	out = malloc(sizeof(*out));
	if (!out)
		return -ENOMEM;
	r = cm_metadata_probe(&mo, candidates, n, out);
	if (r >= 0)
		cm_confirm_apply(v, out, o->timeout_ms);
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
