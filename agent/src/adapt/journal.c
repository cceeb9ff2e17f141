/* The transaction journal's text format (journal.h): pure, no I/O. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hex.h"
#include "journal.h"
#include "../util/sysroot.h"	/* CM_NAME_MAX */

static const char *const state_names[] = {
	[CM_TXN_PREPARED] = "prepared",
	[CM_TXN_APPLYING] = "applying",
	[CM_TXN_DONE] = "done",
	[CM_TXN_ROLLING_BACK] = "rolling-back",
	[CM_TXN_ROLLED_BACK] = "rolled-back",
};

static const char *const kind_names[] = {
	[CM_CHANGE_WRITE] = "write",
	[CM_CHANGE_DELETE] = "delete",
	[CM_CHANGE_SYMLINK] = "symlink",
};

const char *cm_txn_state_name(enum cm_txn_state s)
{
	if (s < CM_TXN_PREPARED || s > CM_TXN_ROLLED_BACK)
		return "?";
	return state_names[s];
}

const char *cm_txn_kind_name(enum cm_change_kind k)
{
	if (k < CM_CHANGE_WRITE || k > CM_CHANGE_SYMLINK)
		return "?";
	return kind_names[k];
}

void cm_journal_init(struct cm_journal *j)
{
	memset(j, 0, sizeof(*j));
}

void cm_journal_free(struct cm_journal *j)
{
	free(j->v);
	free(j->dirs);
	cm_journal_init(j);
}

static int add_escaped(struct cm_buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;
	char e[3];
	int r;

	for (p = (const unsigned char *)s; *p; p++) {
		if (*p > 0x20 && *p < 0x7f && *p != '%') {
			r = cm_buf_add(b, p, 1);
		} else {
			e[0] = '%';
			e[1] = hex[*p >> 4];
			e[2] = hex[*p & 15];
			r = cm_buf_add(b, e, 3);
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_line(struct cm_buf *b, const char *key, const char *val)
{
	int r = cm_buf_printf(b, "%s ", key);

	if (r == 0)
		r = add_escaped(b, val);
	if (r == 0)
		r = cm_buf_add(b, "\n", 1);
	return r;
}

int cm_journal_format(const struct cm_journal *j, struct cm_buf *b)
{
	const struct cm_txn_entry *e;
	size_t i;
	int r;

	cm_buf_reset(b);
	/* the state padded to one width: a state change overwrites it in
	 * place, in blocks already allocated (see set_state) */
	r = cm_buf_printf(b, "cloudmove-txn 1\nid %u\nstate %-*s\ntime %lld\n",
			  j->id, CM_TXN_STATE_WIDTH, cm_txn_state_name(j->state),
			  j->time);
	if (r == 0)
		r = add_line(b, "label", j->label);
	for (i = 0; r == 0 && i < j->n_dirs; i++)
		r = add_line(b, "dir", j->dirs[i]);
	for (i = 0; r == 0 && i < j->n; i++) {
		e = &j->v[i];
		r = cm_buf_printf(b, "change %s ", kind_names[e->kind]);
		if (r == 0)
			r = add_escaped(b, e->path);
		if (r == 0)
			r = cm_buf_add(b, "\n", 1);
		if (r == 0)
			r = add_line(b, "rewriter", e->rewriter);
		if (r == 0)
			r = add_line(b, "why", e->why);
		if (r == 0 && e->kind == CM_CHANGE_SYMLINK)
			r = add_line(b, "target", e->target);
		if (r < 0)
			break;
		switch (e->before) {
		case CM_TXN_ABSENT:
			r = cm_buf_addstr(b, "before absent\n");
			break;
		case CM_TXN_FILE:
			r = cm_buf_printf(b, "before file %04o %lu %lu %" PRIu64 "\n",
					  (unsigned)e->mode, (unsigned long)e->uid,
					  (unsigned long)e->gid, e->size);
			break;
		case CM_TXN_SYMLINK:
			r = cm_buf_printf(b, "before symlink %04o %lu %lu ",
					  (unsigned)e->mode, (unsigned long)e->uid,
					  (unsigned long)e->gid);
			if (r == 0)
				r = add_escaped(b, e->old_target);
			if (r == 0)
				r = cm_buf_add(b, "\n", 1);
			break;
		}
	}
	if (r == 0)
		r = cm_buf_addstr(b, "end\n");
	return r;
}

/* Decodes the escaped word [p, end) into out: 0 or -EBADMSG (a raw byte
 * that should have been escaped, a bad escape, a NUL, too long). */
static int unescape(const char *p, const char *end, char *out, size_t size)
{
	size_t n = 0;
	int hi, lo, c;

	while (p < end) {
		c = (unsigned char)*p;
		if (c <= 0x20 || c >= 0x7f)
			return -EBADMSG;
		if (c == '%') {
			if (end - p < 3)
				return -EBADMSG;
			hi = cm_hexval((unsigned char)p[1]);
			lo = cm_hexval((unsigned char)p[2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return -EBADMSG;
			c = hi << 4 | lo;
			p += 3;
		} else {
			p++;
		}
		if (n + 1 >= size)
			return -EBADMSG;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return 0;
}

/* Unsigned decimal (or octal) [p, end) <= max: 0 or -EBADMSG. */
static int parse_num(const char *p, const char *end, int base,
		     unsigned long long max, unsigned long long *out)
{
	unsigned long long v = 0;
	int d;

	if (p == end || end - p > 20)
		return -EBADMSG;
	for (; p < end; p++) {
		if (*p < '0' || *p >= '0' + base)
			return -EBADMSG;
		d = *p - '0';
		if (v > (max - (unsigned)d) / (unsigned)base)
			return -EBADMSG;
		v = v * (unsigned)base + (unsigned)d;
	}
	*out = v;
	return 0;
}

int cm_journal_path_ok(const char *path)
{
	const char *p = path, *end;

	if (path[0] != '/' || !path[1] || strlen(path) >= CM_PATH_MAX)
		return 0;
	while (*p == '/') {
		p++;
		end = strchrnul(p, '/');
		if (end == p || (end - p == 1 && p[0] == '.') ||
		    (end - p == 2 && p[0] == '.' && p[1] == '.') ||
		    end - p > CM_NAME_MAX)
			return 0;
		p = end;
	}
	return 1;
}

/* Splits [p, end) at the next space: the word, and p after it. */
static const char *word(const char **p, const char *end, const char **wend)
{
	const char *w = *p, *s = memchr(w, ' ', (size_t)(end - w));

	*wend = s ? s : end;
	*p = s ? s + 1 : end;
	return w;
}

static int parse_before(const char *p, const char *end, struct cm_txn_entry *e)
{
	unsigned long long mode, uid, gid, size;
	const char *w, *we;

	w = word(&p, end, &we);
	if (we - w == 6 && !memcmp(w, "absent", 6) && p == end && we == end) {
		e->before = CM_TXN_ABSENT;
		return 0;
	}
	if (we - w == 4 && !memcmp(w, "file", 4))
		e->before = CM_TXN_FILE;
	else if (we - w == 7 && !memcmp(w, "symlink", 7))
		e->before = CM_TXN_SYMLINK;
	else
		return -EBADMSG;
	w = word(&p, end, &we);
	if (parse_num(w, we, 8, 07777, &mode) < 0)
		return -EBADMSG;
	w = word(&p, end, &we);
	if (parse_num(w, we, 10, UINT32_MAX - 1, &uid) < 0)
		return -EBADMSG;
	w = word(&p, end, &we);
	if (parse_num(w, we, 10, UINT32_MAX - 1, &gid) < 0)
		return -EBADMSG;
	e->mode = (mode_t)mode;
	e->uid = (uid_t)uid;
	e->gid = (gid_t)gid;
	w = word(&p, end, &we);
	if (we != end)
		return -EBADMSG;
	if (e->before == CM_TXN_FILE) {
		if (parse_num(w, we, 10, CM_TXN_BACKUP_MAX, &size) < 0)
			return -EBADMSG;
		e->size = size;
		return 0;
	}
	if (w == we)
		return -EBADMSG;
	return unescape(w, we, e->old_target, sizeof(e->old_target));
}

int cm_journal_grow(struct cm_journal *j, int dir)
{
	void *p;

	if (dir) {
		if (j->n_dirs == CM_TXN_DIRS_MAX)
			return -E2BIG;
		if (!j->dirs) {
			p = malloc(CM_TXN_DIRS_MAX * sizeof(*j->dirs));
			if (!p)
				return -ENOMEM;
			j->dirs = p;
		}
		return 0;
	}
	if (j->n == CM_TXN_CHANGES_MAX)
		return -E2BIG;
	if (!j->v) {
		p = calloc(CM_TXN_CHANGES_MAX, sizeof(*j->v));
		if (!p)
			return -ENOMEM;
		j->v = p;
	}
	return 0;
}

int cm_journal_parse(const char *buf, size_t len, struct cm_journal *j)
{
	const char *p = buf, *end = buf + len, *eol, *key, *kend, *v;
	unsigned long long num;
	struct cm_txn_entry *e = NULL;
	unsigned seen = 0;	/* id 1, state 2, time 4, label 8 */
	int r = -EBADMSG, lineno = 0, ended = 0;
	size_t i;

	cm_journal_free(j);
	if (len > CM_TXN_JOURNAL_MAX)
		return -E2BIG;
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol || ended)
			goto bad;	/* truncated, or text after "end" */
		v = p;
		key = word(&v, eol, &kend);
		p = eol + 1;
		if (lineno++ == 0) {
			if (eol - key != 15 || memcmp(key, "cloudmove-txn 1", 15))
				goto bad;
			continue;
		}
#define KEY(s) ((size_t)(kend - key) == strlen(s) && !memcmp(key, s, strlen(s)))
		if (KEY("end") && kend == eol) {
			ended = 1;
		} else if (kend == eol) {
			goto bad;		/* every other key has a value */
		} else if (KEY("id") && !(seen & 1)) {
			if (parse_num(v, eol, 10, CM_TXN_ID_MAX, &num) < 0 || !num)
				goto bad;
			j->id = (unsigned)num;
			seen |= 1;
		} else if (KEY("state") && !(seen & 2)) {
			const char *vend = eol;

			while (vend > v && vend[-1] == ' ')
				vend--;		/* the padding */
			for (i = CM_TXN_PREPARED; i <= CM_TXN_ROLLED_BACK; i++)
				if ((size_t)(vend - v) == strlen(state_names[i]) &&
				    !memcmp(v, state_names[i], (size_t)(vend - v)))
					break;
			if (i > CM_TXN_ROLLED_BACK)
				goto bad;
			j->state = (enum cm_txn_state)i;
			seen |= 2;
		} else if (KEY("time") && !(seen & 4)) {
			if (parse_num(v, eol, 10, (1ULL << 62), &num) < 0)
				goto bad;
			j->time = (long long)num;
			seen |= 4;
		} else if (KEY("label") && !(seen & 8)) {
			if (unescape(v, eol, j->label, sizeof(j->label)) < 0)
				goto bad;
			seen |= 8;
		} else if (KEY("dir") && seen == 15 && !j->n) {
			r = cm_journal_grow(j, 1);
			if (r < 0)
				goto fail;
			r = -EBADMSG;
			if (unescape(v, eol, j->dirs[j->n_dirs], CM_PATH_MAX) < 0 ||
			    !cm_journal_path_ok(j->dirs[j->n_dirs]))
				goto bad;
			j->n_dirs++;
		} else if (KEY("change") && seen == 15 && (!e || e->before)) {
			const char *w, *we;

			r = cm_journal_grow(j, 0);
			if (r < 0)
				goto fail;
			r = -EBADMSG;
			e = &j->v[j->n++];
			memset(e, 0, sizeof(*e));
			w = word(&v, eol, &we);
			for (i = CM_CHANGE_WRITE; i <= CM_CHANGE_SYMLINK; i++)
				if ((size_t)(we - w) == strlen(kind_names[i]) &&
				    !memcmp(w, kind_names[i], (size_t)(we - w)))
					break;
			if (i > CM_CHANGE_SYMLINK || we == eol)
				goto bad;
			e->kind = (enum cm_change_kind)i;
			if (unescape(v, eol, e->path, sizeof(e->path)) < 0 ||
			    !cm_journal_path_ok(e->path))
				goto bad;
		} else if (KEY("rewriter") && e && !e->before && !e->rewriter[0]) {
			if (unescape(v, eol, e->rewriter, sizeof(e->rewriter)) < 0)
				goto bad;
		} else if (KEY("why") && e && !e->before && !e->why[0]) {
			if (unescape(v, eol, e->why, sizeof(e->why)) < 0)
				goto bad;
		} else if (KEY("target") && e && !e->before && !e->target[0] &&
			   e->kind == CM_CHANGE_SYMLINK) {
			if (unescape(v, eol, e->target, sizeof(e->target)) < 0)
				goto bad;
		} else if (KEY("before") && e && !e->before) {
			if (parse_before(v, eol, e) < 0)
				goto bad;
			if (e->kind == CM_CHANGE_SYMLINK && !e->target[0])
				goto bad;
		} else {
			goto bad;
		}
#undef KEY
	}
	if (!ended || seen != 15 || (e && !e->before))
		goto bad;
	return 0;
bad:
	r = -EBADMSG;
fail:
	cm_journal_free(j);
	return r;
}

void cm_journal_id_name(unsigned id, char *out, size_t size)
{
	snprintf(out, size, "%04u", id);
}

int cm_journal_id_parse(const char *s, unsigned *id)
{
	unsigned long long v;
	size_t len = strlen(s);

	if (!len || len > 9 || parse_num(s, s + len, 10, CM_TXN_ID_MAX, &v) < 0)
		return -EINVAL;
	*id = (unsigned)v;
	return 0;
}
