#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

#define CONTEXT 3

struct line {
	const char *p;
	size_t len;	/* without the newline */
	int nl;		/* ends with a newline */
};

struct text {
	struct line *v;
	size_t n;
};

static int split(const char *s, size_t len, struct text *t)
{
	size_t i, n = 0, start = 0;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	n += len && s[len - 1] != '\n';
	if (n > CM_DIFF_LINES_MAX)
		return -EMSGSIZE;
	t->v = calloc(n ? n : 1, sizeof(*t->v));
	if (!t->v)
		return -ENOMEM;
	t->n = 0;
	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != '\n')
			continue;
		if (i == len && start == len)
			break;
		t->v[t->n++] = (struct line){ s + start, i - start, i < len };
		start = i + 1;
	}
	return 0;
}

static int same(const struct line *x, const struct line *y)
{
	return x->len == y->len && x->nl == y->nl && !memcmp(x->p, y->p, x->len);
}

/* Edit script as a per-line mark: del[i] for lines of a, ins[j] for b. */
struct script {
	unsigned char *del, *ins;
};

/* Myers' linear-space refinement (1986, section 4b): find the middle
 * snake of an optimal path by running the greedy search from both ends at
 * once, then solve the two halves on either side of it.  Memory is two
 * diagonal vectors, O(N+M), whatever the number of edits D; time stays
 * O((N+M)D).  (The plain greedy search kept every vector for the walk
 * back: D*(2D+3) words, 256 MB at D = 4000, which a 512 MB rescue shell
 * cannot give.) */
struct myers {
	const struct text *a, *b;
	struct script *s;
	long *fwd, *bwd;	/* furthest x per diagonal, indexed k + off */
	long off;
};

struct snake {
	long x, y, u, v;	/* from (x, y) to (u, v), absolute */
};

/* One greedy step d of the forward search on a[a0..a0+n) x b[b0..b0+m):
 * extends every diagonal k = -d..d by one edit and its snake.  Returns
 * 1 and the snake when a forward path meets the backward one (odd delta,
 * whose reverse search stopped at step d - 1). */
static int forward_step(const struct myers *c, long a0, long b0, long n,
			long m, long d, struct snake *mid)
{
	long delta = n - m, k;

	for (k = -d; k <= d; k += 2) {
		long x, y, x0, kr = delta - k;

		if (k == -d || (k != d && c->fwd[c->off + k - 1] < c->fwd[c->off + k + 1]))
			x = c->fwd[c->off + k + 1];	/* down: insert b[y] */
		else
			x = c->fwd[c->off + k - 1] + 1;	/* right: delete a[x] */
		y = x - k;
		x0 = x;
		while (x < n && y < m && same(&c->a->v[a0 + x], &c->b->v[b0 + y])) {
			x++;
			y++;
		}
		c->fwd[c->off + k] = x;
		if ((delta & 1) && kr >= -(d - 1) && kr <= d - 1 &&
		    x + c->bwd[c->off + kr] >= n) {
			*mid = (struct snake){ a0 + x0, b0 + x0 - k, a0 + x, b0 + y };
			return 1;
		}
	}
	return 0;
}

/* The same step from the far end, on the reversed texts: x counts lines
 * from the end of a, diagonal kr = x - y there is diagonal delta - kr
 * forward.  Meets the forward search for an even delta. */
static int backward_step(const struct myers *c, long a0, long b0, long n,
			 long m, long d, struct snake *mid)
{
	long delta = n - m, kr;

	for (kr = -d; kr <= d; kr += 2) {
		long x, y, x0, k = delta - kr;

		if (kr == -d || (kr != d && c->bwd[c->off + kr - 1] < c->bwd[c->off + kr + 1]))
			x = c->bwd[c->off + kr + 1];
		else
			x = c->bwd[c->off + kr - 1] + 1;
		y = x - kr;
		x0 = x;
		while (x < n && y < m &&
		       same(&c->a->v[a0 + n - x - 1], &c->b->v[b0 + m - y - 1])) {
			x++;
			y++;
		}
		c->bwd[c->off + kr] = x;
		if (!(delta & 1) && k >= -d && k <= d &&
		    x + c->fwd[c->off + k] >= n) {
			*mid = (struct snake){ a0 + n - x, b0 + m - y,
					       a0 + n - x0, b0 + m - (x0 - kr) };
			return 1;
		}
	}
	return 0;
}

/* The middle snake of a[a0..a1) x b[b0..b1), both non-empty; 0, or 1
 * when the texts need more than limit edits. */
static int middle_snake(const struct myers *c, long a0, long a1, long b0,
			long b1, long limit, struct snake *mid)
{
	long n = a1 - a0, m = b1 - b0, d;

	c->fwd[c->off + 1] = 0;
	c->bwd[c->off + 1] = 0;
	for (d = 0; d <= (n + m + 1) / 2; d++) {
		if (2 * d - 1 > limit)
			return 1;
		if (forward_step(c, a0, b0, n, m, d, mid))
			return 0;
		if (2 * d > limit)
			return 1;
		if (backward_step(c, a0, b0, n, m, d, mid))
			return 0;
	}
	return 1;	/* not reached: the searches always meet */
}

/* Marks an optimal edit script of a[a0..a1) x b[b0..b1).  The common
 * head is matched first, as the greedy search would; each level then
 * halves D, so the recursion is about log2(D) deep.  1 when the top
 * level needs more than limit edits (nothing marked then; the halves
 * need fewer than the whole, so they never do). */
static int solve(const struct myers *c, long a0, long a1, long b0, long b1,
		 long limit)
{
	struct snake mid;

	while (a0 < a1 && b0 < b1 && same(&c->a->v[a0], &c->b->v[b0])) {
		a0++;
		b0++;
	}
	if (a0 == a1 || b0 == b1) {
		memset(c->s->del + a0, 1, (size_t)(a1 - a0));
		memset(c->s->ins + b0, 1, (size_t)(b1 - b0));
		return 0;
	}
	/* Both sides non-empty, differing at the head: D >= 1.  The middle
	 * snake leaves ceil(D/2) edits on one side of it and the rest on
	 * the other: both halves hold fewer edits than the whole, except
	 * at D = 1, where the half before is that one edit (one side of it
	 * empty) and the half after none.  So the recursion ends. */
	if (middle_snake(c, a0, a1, b0, b1, limit, &mid))
		return 1;
	solve(c, a0, mid.x, b0, mid.y, limit);
	solve(c, mid.u, a1, mid.v, b1, limit);
	return 0;
}

/* Equal lines often leave a choice of which ones stay (a block added
 * next to a blank line).  The plain greedy search took every match as
 * early as it could; the two-ended search may take a later one.  Give
 * each unchanged line the earliest equal partner inside the run of
 * marked lines before it, as the greedy search did: the same count of
 * edits, the unchanged lines the same text in the same order, and the
 * hunks read as before.  One pass per side, linear. */
static void matches_first(unsigned char *mark, const struct line *v, size_t n)
{
	size_t s = 0, e, j;

	while (s < n) {
		if (!mark[s]) {
			s++;
			continue;
		}
		for (e = s; e < n && mark[e]; e++)
			;
		/* [s, e) is marked, v[e] stays */
		while (e < n) {
			for (j = s; j < e && !same(&v[j], &v[e]); j++)
				;
			if (j == e)
				break;
			mark[j] = 0;
			mark[e] = 1;
			s = j + 1;
			while (e < n && mark[e])
				e++;
		}
		s = e;
	}
}

static int myers(const struct text *a, const struct text *b, struct script *s)
{
	long size = (long)(a->n + b->n) + 3;
	struct myers c = { a, b, s, NULL, NULL, size };

	c.fwd = calloc((size_t)(2 * size + 1), sizeof(*c.fwd));
	c.bwd = calloc((size_t)(2 * size + 1), sizeof(*c.bwd));
	if (!c.fwd || !c.bwd) {
		free(c.fwd);
		free(c.bwd);
		return -ENOMEM;
	}
	if (solve(&c, 0, (long)a->n, 0, (long)b->n, CM_DIFF_EDITS_MAX)) {
		/* too different: everything out, everything in */
		memset(s->del, 1, a->n);
		memset(s->ins, 1, b->n);
	}
	matches_first(s->del, a->v, a->n);
	matches_first(s->ins, b->v, b->n);
	free(c.fwd);
	free(c.bwd);
	return 0;
}

static int put_line(struct cm_buf *out, char tag, const struct line *l)
{
	int r = cm_buf_add(out, &tag, 1);

	if (r == 0)
		r = cm_buf_add(out, l->p, l->len);
	if (r == 0)
		r = cm_buf_add(out, "\n", 1);
	if (r == 0 && !l->nl)
		r = cm_buf_addstr(out, "\\ No newline at end of file\n");
	return r;
}

/* One hunk: a from ai (count ac), b from bi (count bc), walking marks. */
static int hunk(struct cm_buf *out, const struct text *a, const struct text *b,
		const struct script *s, size_t ai, size_t aend, size_t bi,
		size_t bend)
{
	size_t ac = aend - ai, bc = bend - bi;
	int r;

	r = cm_buf_printf(out, "@@ -%zu", ac ? ai + 1 : ai);
	if (r == 0 && ac != 1)
		r = cm_buf_printf(out, ",%zu", ac);
	if (r == 0)
		r = cm_buf_printf(out, " +%zu", bc ? bi + 1 : bi);
	if (r == 0 && bc != 1)
		r = cm_buf_printf(out, ",%zu", bc);
	if (r == 0)
		r = cm_buf_addstr(out, " @@\n");
	while (r == 0 && (ai < aend || bi < bend)) {
		if (ai < aend && s->del[ai])
			r = put_line(out, '-', &a->v[ai++]);
		else if (bi < bend && s->ins[bi])
			r = put_line(out, '+', &b->v[bi++]);
		else {
			r = put_line(out, ' ', &a->v[ai]);
			ai++;
			bi++;
		}
	}
	return r;
}

/* Walks both texts in step and cuts hunks where the unchanged run is
 * longer than twice the context. */
static int hunks(struct cm_buf *out, const struct text *a, const struct text *b,
		 const struct script *s)
{
	size_t i = 0, j = 0, start_i = 0, start_j = 0, same_run = 0;
	int open = 0, r = 0;

	while (r == 0 && (i < a->n || j < b->n)) {
		int changed = (i < a->n && s->del[i]) || (j < b->n && s->ins[j]);

		if (changed) {
			if (!open) {
				start_i = i > CONTEXT ? i - CONTEXT : 0;
				start_j = j - (i - start_i);
				open = 1;
			}
			same_run = 0;
			if (i < a->n && s->del[i])
				i++;
			else
				j++;
			continue;
		}
		i++;
		j++;
		same_run++;
		if (open && same_run > 2 * CONTEXT) {
			r = hunk(out, a, b, s, start_i, i - same_run + CONTEXT,
				 start_j, j - same_run + CONTEXT);
			open = 0;
		}
	}
	if (r == 0 && open) {
		size_t tail = same_run < CONTEXT ? same_run : CONTEXT;

		r = hunk(out, a, b, s, start_i, i - same_run + tail, start_j,
			 j - same_run + tail);
	}
	return r;
}

int cm_diff_unified(const char *a, size_t a_len, const char *b, size_t b_len,
		    const char *label_a, const char *label_b, struct cm_buf *out)
{
	struct text ta = { 0 }, tb = { 0 };
	struct script s = { 0 };
	int r;

	if (a_len == b_len && !memcmp(a, b, a_len))
		return 0;
	r = split(a, a_len, &ta);
	if (r == 0)
		r = split(b, b_len, &tb);
	if (r < 0)
		goto out;
	s.del = calloc(ta.n + 1, 1);
	s.ins = calloc(tb.n + 1, 1);
	if (!s.del || !s.ins) {
		r = -ENOMEM;
		goto out;
	}
	r = myers(&ta, &tb, &s);
	if (r == 0)
		r = cm_buf_printf(out, "--- %s\n+++ %s\n", label_a, label_b);
	if (r == 0)
		r = hunks(out, &ta, &tb, &s);
out:
	free(ta.v);
	free(tb.v);
	free(s.del);
	free(s.ins);
	return r;
}
