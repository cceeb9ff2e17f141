#include <stdlib.h>
#include <string.h>

#include "../log.h"
#include "../util/rootrw.h"
#include "apply.h"
#include "esp.h"
#include "txn.h"

/* Any transaction a crash left half done ("applying", "rolling-back") or
 * never started ("prepared"): read-only, from the journals. */
static int interrupted(const char *root)
{
	struct cm_txn_info *v = NULL;
	size_t n = 0, i;
	int found = 0;

	if (cm_txn_list(root, &v, &n) < 0)
		return 0;
	for (i = 0; i < n; i++)
		if (v[i].ok && (v[i].state == CM_TXN_APPLYING ||
				v[i].state == CM_TXN_ROLLING_BACK ||
				v[i].state == CM_TXN_PREPARED))
			found = 1;
	free(v);
	return found;
}

/* An interrupted move may have changed the ESP (esp.h): mounted for the
 * undo where it can be; where it cannot (no vfat), the root is undone
 * and a loader the move added stays, which is harmless. */
static void esp_begin(const char *root, struct cm_esp *esp)
{
	if (cm_esp_begin(root, esp) < 0)
		cm_warn("the ESP could not be mounted for the undo: a loader an "
			"interrupted move added there stays");
}

int cm_adapt_recover(const char *root)
{
	struct cm_rootrw rw;
	struct cm_esp esp;
	int r, e;

	if (!interrupted(root))
		return 0;
	r = cm_rootrw_begin(&rw, root);
	if (r < 0)
		return r;
	esp_begin(root, &esp);
	r = cm_txn_recover(root);
	cm_esp_end(&esp);
	e = cm_rootrw_end(&rw);
	return r < 0 ? r : e < 0 ? e : r;
}

int cm_adapt_apply(const char *root, const struct cm_profile_rt *p,
		   const char *label, struct cm_plan *plan,
		   struct cm_adapt_report *rep, struct cm_adapt_outcome *out)
{
	struct cm_rootrw rw;
	struct cm_esp esp;
	int rw_open = 0, r, e = 0;

	memset(out, 0, sizeof(*out));
	if (interrupted(root)) {
		r = cm_rootrw_begin(&rw, root);
		if (r < 0)
			return r;
		rw_open = 1;
		esp_begin(root, &esp);
		r = cm_txn_recover(root);
		cm_esp_end(&esp);
		if (r < 0)
			goto out;
		out->recovered = r;
	}
	r = cm_adapt_plan(root, p, plan, rep);
	if (r < 0 || !plan->n)
		goto out;
	if (!rw_open) {
		r = cm_rootrw_begin(&rw, root);
		if (r < 0)
			return r;
		rw_open = 1;
	}
	r = cm_txn_apply(root, plan, label, out->txn, sizeof(out->txn));
out:
	if (rw_open)
		e = cm_rootrw_end(&rw);
	/* Committed is committed: the journal and every change are on disk
	 * (fdatasync'ed) before cm_txn_apply returns, so a root that will not
	 * go back to read-only is a warning, never "failed, the root is as it
	 * was", which would be false. */
	if (r >= 0 && e < 0 && out->txn[0])
		cm_warn("txn %s is committed; %s stays read-write", out->txn, root);
	else if (r >= 0 && e < 0)
		r = e;
	return r < 0 ? r : 0;
}
