#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

void cm_plan_init(struct cm_plan *p)
{
	p->v = NULL;
	p->n = 0;
	p->cap = 0;
}

void cm_plan_free(struct cm_plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		cm_buf_free(&p->v[i].content);
	free(p->v);
	cm_plan_init(p);
}

static struct cm_change *slot(struct cm_plan *p, const char *path)
{
	struct cm_change *v;
	size_t i;

	for (i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].path, path)) {
			cm_buf_free(&p->v[i].content);
			return &p->v[i];
		}
	if (p->n == CM_PLAN_CHANGES_MAX)
		return NULL;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;

		v = realloc(p->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		p->v = v;
		p->cap = cap;
	}
	return &p->v[p->n++];
}

static int fill(struct cm_plan *p, enum cm_change_kind kind,
		const char *rewriter, const char *path, const char *why,
		struct cm_change **out)
{
	struct cm_change *c;

	if (path[0] != '/' || strlen(path) >= CM_PATH_MAX)
		return -EINVAL;
	c = slot(p, path);
	if (!c)
		return p->n == CM_PLAN_CHANGES_MAX ? -E2BIG : -ENOMEM;
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(c->rewriter, sizeof(c->rewriter), "%s", rewriter);
	snprintf(c->why, sizeof(c->why), "%s", why);
	cm_buf_init(&c->content, 0);
	*out = c;
	return 0;
}

int cm_plan_write(struct cm_plan *p, const char *rewriter, const char *path,
		  const char *content, size_t len, mode_t mode, const char *why)
{
	struct cm_change *c;
	struct cm_buf b;
	int r;

	cm_buf_init(&b, len);
	r = cm_buf_add(&b, content, len);	/* first: nothing to undo */
	if (r < 0)
		return r;
	r = fill(p, CM_CHANGE_WRITE, rewriter, path, why, &c);
	if (r < 0) {
		cm_buf_free(&b);
		return r;
	}
	c->mode = mode;
	c->content = b;
	return 0;
}

int cm_plan_delete(struct cm_plan *p, const char *rewriter, const char *path,
		   const char *why)
{
	struct cm_change *c;

	return fill(p, CM_CHANGE_DELETE, rewriter, path, why, &c);
}

int cm_plan_symlink(struct cm_plan *p, const char *rewriter, const char *path,
		    const char *target, const char *why)
{
	struct cm_change *c;
	int r;

	if (strlen(target) >= CM_PATH_MAX)
		return -ENAMETOOLONG;
	r = fill(p, CM_CHANGE_SYMLINK, rewriter, path, why, &c);
	if (r < 0)
		return r;
	snprintf(c->target, sizeof(c->target), "%s", target);
	return 0;
}
