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

/* Myers' greedy O((N+M)D) with the V arrays kept for the walk back. */
static int myers(const struct text *a, const struct text *b, struct script *s)
{
	long n = (long)a->n, m = (long)b->n, max = n + m, d, k, x, y;
	long dmax = max < CM_DIFF_EDITS_MAX ? max : CM_DIFF_EDITS_MAX;
	long off = dmax + 1, width = 2 * dmax + 3;
	long *trace = NULL, *v;
	int found = 0;

	trace = malloc((size_t)(dmax + 1) * (size_t)width * sizeof(*trace));
	v = calloc((size_t)width, sizeof(*v));
	if (!trace || !v) {
		free(trace);
		free(v);
		return -ENOMEM;
	}
	for (d = 0; d <= dmax && !found; d++) {
		for (k = -d; k <= d; k += 2) {
			if (k == -d || (k != d && v[off + k - 1] < v[off + k + 1]))
				x = v[off + k + 1];
			else
				x = v[off + k - 1] + 1;
			y = x - k;
			while (x < n && y < m && same(&a->v[x], &b->v[y])) {
				x++;
				y++;
			}
			v[off + k] = x;
			if (x >= n && y >= m) {
				found = 1;
				break;
			}
		}
		memcpy(trace + d * width, v, (size_t)width * sizeof(*v));
	}
	if (!found) {
		/* too different: everything out, everything in */
		memset(s->del, 1, a->n);
		memset(s->ins, 1, b->n);
		goto out;
	}
	x = n;
	y = m;
	for (d = d - 1; d >= 0 && (x > 0 || y > 0); d--) {
		long *vd = trace + (d > 0 ? d - 1 : 0) * width, prev_k, prev_x, prev_y;

		k = x - y;
		if (d == 0) {
			break;	/* the rest is the initial snake */
		}
		if (k == -d || (k != d && vd[off + k - 1] < vd[off + k + 1]))
			prev_k = k + 1;
		else
			prev_k = k - 1;
		prev_x = vd[off + prev_k];
		prev_y = prev_x - prev_k;
		while (x > prev_x && y > prev_y) {	/* the snake */
			x--;
			y--;
		}
		if (prev_k == k + 1)
			s->ins[--y] = 1;
		else
			s->del[--x] = 1;
	}
out:
	free(trace);
	free(v);
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
