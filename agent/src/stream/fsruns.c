/* Free extents into maximal runs (see fsruns.h). */
#include "fsruns.h"

void cm_fs_runs_add(struct cm_fs_runs *r, uint64_t off, uint64_t len)
{
	r->total += (int64_t)len;
	if (r->len && r->start + r->len == off) {
		r->len += len;
		return;
	}
	if (r->len)
		r->on_free(r->ctx, r->start, r->len);
	r->start = off;
	r->len = len;
}

void cm_fs_runs_flush(struct cm_fs_runs *r)
{
	if (r->len)
		r->on_free(r->ctx, r->start, r->len);
	r->len = 0;
}
