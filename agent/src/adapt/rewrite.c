#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../log.h"
#include "rewrite.h"
#include "../util/sysroot.h"

void cm_adapt_note(struct cm_adapt_report *rep, const char *fmt, ...)
{
	va_list ap;

	if (rep->n_notes >= CM_ADAPT_NOTES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(rep->notes[rep->n_notes++], sizeof(rep->notes[0]), fmt, ap);
	va_end(ap);
}

size_t cm_rewrite_items(const struct cm_plist *a, const struct cm_plist *b,
			const char **out)
{
	size_t n = 0;
	unsigned i;

	for (i = 0; a && i < a->n && n < CM_REWRITE_LIST_MAX; i++)
		out[n++] = a->v[i];
	for (i = 0; b && i < b->n && n < CM_REWRITE_LIST_MAX; i++)
		out[n++] = b->v[i];
	return n;
}

int cm_rewrite_read(const char *sysroot, const char *path, struct cm_buf *b)
{
	int r = cm_sysroot_read(sysroot, path, b);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return cm_err(r, "read %s%s", sysroot, path);
	return 1;
}

mode_t cm_rewrite_mode(const char *sysroot, const char *path, mode_t dflt)
{
	struct stat st;

	if (cm_sysroot_lstat(sysroot, path, &st) == 0 && S_ISREG(st.st_mode))
		return st.st_mode & 07777;
	return dflt;
}

int cm_rewrite_if_changed(struct cm_plan *plan, const char *sysroot,
			  const char *rewriter, const char *path,
			  const struct cm_buf *old, int existed,
			  const struct cm_buf *new, const char *why)
{
	if (existed && old->len == new->len &&
	    !memcmp(old->data, new->data, new->len))
		return 0;
	return cm_plan_write(plan, rewriter, path, new->data, new->len,
			     cm_rewrite_mode(sysroot, path, 0644), why);
}
