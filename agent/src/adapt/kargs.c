#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../log.h"
#include "kargs.h"
#include "rewrite.h"
#include "../util/sysroot.h"

#define ARGS_MAX 256

struct arg {
	const char *p;
	size_t len;
};

/* Returns the count, or max + 1 when there are more than max. */
static size_t split_args(const char *s, size_t len, struct arg *v, size_t max)
{
	size_t i = 0, n = 0;

	while (i < len) {
		size_t start;

		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		if (n == max)
			return max + 1;
		v[n].p = s + start;
		v[n].len = i - start;
		n++;
	}
	return n;
}

static int same_arg(const struct arg *a, const char *s)
{
	size_t n = strlen(s);

	return a->len == n && !memcmp(a->p, s, n);
}

/* A remove pattern is an fnmatch(3) glob over the whole argument
 * ("console=ttyS*"); without '=' it is a key: "earlyprintk" matches
 * "earlyprintk" and "earlyprintk=...".  An argument the edit also adds
 * is kept where it is, so a second run changes nothing. */
static int removed(const struct arg *a, const struct cm_kargs_edit *e)
{
	char text[CM_KARGS_MAX + 1];
	size_t i, rl;

	for (i = 0; i < e->n_add; i++)
		if (same_arg(a, e->add[i]))
			return 0;
	memcpy(text, a->p, a->len);
	text[a->len] = '\0';
	for (i = 0; i < e->n_remove; i++) {
		const char *r = e->remove[i];

		rl = strlen(r);
		if (strchr(r, '=')) {
			if (fnmatch(r, text, 0) == 0)
				return 1;
		} else if (a->len >= rl && !memcmp(a->p, r, rl) &&
			   (a->len == rl || a->p[rl] == '=')) {
			return 1;
		}
	}
	return 0;
}

static int present(const struct arg *v, size_t n, const char *want)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (same_arg(&v[i], want))
			return 1;
	return 0;
}

/* root=/dev/xvda1 -> root=UUID=...: 1 renamed into name (NUL-ended),
 * 0 left as it is. */
static int stable_device_arg(const struct arg *a, const struct cm_kargs_edit *e,
			     char *name, size_t size)
{
	static const char *const keys[] = { "root=", "resume=", NULL };
	char dev[CM_KARGS_MAX + 1], stable[256];
	size_t k, kl;

	if (!e->root && !e->resolve)
		return 0;
	for (k = 0; keys[k]; k++) {
		kl = strlen(keys[k]);
		if (a->len > kl && !memcmp(a->p, keys[k], kl))
			break;
	}
	if (!keys[k])
		return 0;
	memcpy(dev, a->p + kl, a->len - kl);
	dev[a->len - kl] = '\0';
	if (!cm_fstab_unstable_device(dev))
		return 0;
	if (k == 0 && e->root && e->root[0])
		snprintf(stable, sizeof(stable), "%s", e->root);
	else if (!e->resolve || e->resolve(e->ctx, dev, stable, sizeof(stable)) < 0)
		return 0;
	return snprintf(name, size, "%s%s", keys[k], stable) < (int)size;
}

int cm_kargs_apply(const char *args, size_t len, const struct cm_kargs_edit *e,
		   struct cm_buf *out)
{
	char renamed[CM_KARGS_MAX + 1];
	struct arg v[ARGS_MAX];
	size_t n, i;
	int changes = 0, r = 0, first = 1;

	if (len > CM_KARGS_MAX)
		return -EMSGSIZE;
	n = split_args(args, len, v, ARGS_MAX);
	if (n > ARGS_MAX)
		return -E2BIG;	/* never drop what we could not read */
	cm_buf_reset(out);
	for (i = 0; r == 0 && i < n; i++) {
		if (removed(&v[i], e)) {
			changes++;
			continue;
		}
		if (!first)
			r = cm_buf_add(out, " ", 1);
		if (r == 0 && stable_device_arg(&v[i], e, renamed, sizeof(renamed))) {
			r = cm_buf_addstr(out, renamed);
			changes++;
		} else if (r == 0) {
			r = cm_buf_add(out, v[i].p, v[i].len);
		}
		first = 0;
	}
	for (i = 0; r == 0 && !e->no_append && i < e->n_add; i++) {
		if (present(v, n, e->add[i]))
			continue;
		if (!first)
			r = cm_buf_add(out, " ", 1);
		if (r == 0)
			r = cm_buf_addstr(out, e->add[i]);
		first = 0;
		changes++;
	}
	if (r == 0 && !out->data)
		r = cm_buf_add(out, "", 0);
	return r < 0 ? r : changes;
}

static int add_bytes(struct cm_buf *out, const char *p, size_t n)
{
	return cm_buf_add(out, p, n);
}

/* Rewrites the double-quoted value of KEY="..." on one line. */
static int edit_assignment(const char *line, size_t n, size_t vstart,
			   size_t vend, const struct cm_kargs_edit *e,
			   struct cm_buf *out, int *changes)
{
	struct cm_buf args;
	int r, edited;

	cm_buf_init(&args, CM_KARGS_MAX * 2);
	edited = cm_kargs_apply(line + vstart, vend - vstart, e, &args);
	if (edited < 0) {
		r = edited;
		goto done;
	}
	*changes += edited;
	r = add_bytes(out, line, vstart);
	if (r == 0 && edited)
		r = add_bytes(out, args.data, args.len);
	else if (r == 0)
		r = add_bytes(out, line + vstart, vend - vstart);
	if (r == 0)
		r = add_bytes(out, line + vend, n - vend);
done:
	cm_buf_free(&args);
	return r;
}

/* KEY="..." or KEY='...' at the start of a line: the value's bounds. */
static int grub_assignment(const char *p, size_t n, const char *key,
			   size_t *vstart, size_t *vend)
{
	size_t kl = strlen(key);
	const char *close;

	if (n < kl + 2 || memcmp(p, key, kl) || p[kl] != '=' ||
	    (p[kl + 1] != '"' && p[kl + 1] != '\''))
		return 0;
	close = memchr(p + kl + 2, p[kl + 1], n - kl - 2);
	if (!close)
		return 0;
	*vstart = kl + 2;
	*vend = (size_t)(close - p);
	return 1;
}

int cm_kargs_grub_vars(const char *buf, size_t len,
		       const struct cm_kargs_edit *e, int add_here,
		       struct cm_buf *out)
{
	static const char dflt[] = "GRUB_CMDLINE_LINUX_DEFAULT";
	struct cm_kargs_edit keep = *e;
	const char *p = buf, *end = buf + len;
	int changes = 0, seen = 0, r = 0;

	keep.no_append = 1;
	if (len > CM_GRUB_CFG_MAX)
		return -EMSGSIZE;
	if (memchr(buf, '\0', len))
		return -EBADMSG;	/* not a text file */
	cm_buf_reset(out);
	while (r == 0 && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) + 1 : (size_t)(end - p);
		size_t vs, ve;

		if (grub_assignment(p, n, dflt, &vs, &ve)) {
			seen = 1;
			r = edit_assignment(p, n, vs, ve, add_here ? e : &keep,
					    out, &changes);
		} else if (grub_assignment(p, n, "GRUB_CMDLINE_LINUX", &vs, &ve)) {
			r = edit_assignment(p, n, vs, ve, &keep, out, &changes);
		} else {
			r = add_bytes(out, p, n);
		}
		p += n;
	}
	if (r == 0 && !seen && add_here && e->n_add) {
		struct cm_buf args;

		cm_buf_init(&args, CM_KARGS_MAX * 2);
		r = cm_kargs_apply("", 0, e, &args);
		if (r > 0) {
			changes += r;
			r = cm_buf_printf(out, "%s%s=\"%s\"\n",
					  len && buf[len - 1] != '\n' ? "\n" : "",
					  dflt, args.data);
		}
		cm_buf_free(&args);
	}
	if (r == 0 && !out->data)
		r = cm_buf_add(out, "", 0);
	return r < 0 ? r : changes;
}

int cm_kargs_grub_default(const char *buf, size_t len,
			  const struct cm_kargs_edit *e, struct cm_buf *out)
{
	return cm_kargs_grub_vars(buf, len, e, 1, out);
}

/* "\tlinux\t/vmlinuz-6.1 root=UUID=x ro quiet": args after the path. */
static int linux_line(const char *p, size_t n, size_t *astart)
{
	static const char *const cmds[] = { "linuxefi", "linux16", "linux", NULL };
	size_t i = 0, k;

	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	for (k = 0; cmds[k]; k++) {
		size_t cl = strlen(cmds[k]);

		if (n - i > cl && !memcmp(p + i, cmds[k], cl) &&
		    (p[i + cl] == ' ' || p[i + cl] == '\t'))
			break;
	}
	if (!cmds[k])
		return 0;
	i += strlen(cmds[k]);
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	if (i == n || p[i] == '\n')
		return 0;	/* no kernel: not a line we understand */
	while (i < n && p[i] != ' ' && p[i] != '\t' && p[i] != '\n')
		i++;	/* the kernel's path */
	*astart = i;
	return 1;
}

int cm_kargs_grub_cfg(const char *buf, size_t len, const struct cm_kargs_edit *e,
		      struct cm_buf *out)
{
	const char *p = buf, *end = buf + len;
	int changes = 0, r = 0;

	if (len > CM_GRUB_CFG_MAX)
		return -EMSGSIZE;
	if (memchr(buf, '\0', len))
		return -EBADMSG;	/* not a text file */
	cm_buf_reset(out);
	while (r == 0 && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) + 1 : (size_t)(end - p);
		size_t vend = eol ? n - 1 : n, astart;
		int before = changes;

		if (linux_line(p, vend, &astart)) {
			struct cm_buf args;

			cm_buf_init(&args, CM_KARGS_MAX * 2);
			r = cm_kargs_apply(p + astart, vend - astart, e, &args);
			if (r >= 0) {
				changes += r;
				r = add_bytes(out, p, astart);
				if (r == 0 && changes > before)
					r = cm_buf_printf(out, " %s", args.data);
				else if (r == 0)
					r = add_bytes(out, p + astart, vend - astart);
				if (r == 0)
					r = add_bytes(out, p + vend, n - vend);
			}
			cm_buf_free(&args);
		} else {
			r = add_bytes(out, p, n);
		}
		p += n;
	}
	if (r == 0 && !out->data)
		r = cm_buf_add(out, "", 0);
	return r < 0 ? r : changes;
}

/* Edits the arguments after a keyword at the start of lines ("options"
 * in a BLS entry, "kernelopts=" in grubenv, "" for a whole-line file). */
static int edit_lines(const char *buf, size_t len, const char *kw,
		      const struct cm_kargs_edit *e, struct cm_buf *out)
{
	const char *p = buf, *end = buf + len;
	size_t kl = strlen(kw);
	int changes = 0, r = 0;

	if (len > CM_GRUB_CFG_MAX)
		return -EMSGSIZE;
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	cm_buf_reset(out);
	while (r == 0 && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) + 1 : (size_t)(end - p);
		size_t vend = eol ? n - 1 : n, vs = kl;

		if (vend >= kl && !memcmp(p, kw, kl) &&
		    (!kl || kw[kl - 1] == '=' || (vend > kl && (p[kl] == ' ' || p[kl] == '\t')))) {
			while (vs < vend && (p[vs] == ' ' || p[vs] == '\t'))
				vs++;
			r = edit_assignment(p, n, vs, vend, e, out, &changes);
		} else {
			r = add_bytes(out, p, n);
		}
		p += n;
	}
	if (r == 0 && !out->data)
		r = cm_buf_add(out, "", 0);
	return r < 0 ? r : changes;
}

int cm_kargs_bls_entry(const char *buf, size_t len,
		       const struct cm_kargs_edit *e, struct cm_buf *out)
{
	return edit_lines(buf, len, "options", e, out);
}

int cm_kargs_cmdline_file(const char *buf, size_t len,
			  const struct cm_kargs_edit *e, struct cm_buf *out)
{
	const char *eol = memchr(buf, '\n', len);

	/* One line of arguments; anything after it is not ours. */
	if (eol && (size_t)(eol - buf) + 1 < len)
		return -EBADMSG;
	return edit_lines(buf, len, "", e, out);
}

#define GRUBENV_SIZE 1024
#define GRUBENV_HEADER "# GRUB Environment Block\n"

int cm_kargs_grubenv(const char *buf, size_t len, const struct cm_kargs_edit *e,
		     struct cm_buf *out)
{
	size_t used = len;
	int r;

	if (len != GRUBENV_SIZE || memcmp(buf, GRUBENV_HEADER, sizeof(GRUBENV_HEADER) - 1))
		return -EBADMSG;
	/* The block is padded with '#' after the last variable's newline. */
	while (used > 0 && buf[used - 1] == '#')
		used--;
	r = edit_lines(buf, used, "kernelopts=", e, out);
	if (r <= 0)
		return r == 0 ? cm_buf_add(out, buf + used, len - used) : r;
	if (out->len > GRUBENV_SIZE)
		return -EMSGSIZE;	/* grub reads exactly one block */
	while (r > 0 && out->len < GRUBENV_SIZE && cm_buf_add(out, "#", 1) == 0)
		;
	return out->len == GRUBENV_SIZE ? r : -ENOMEM;
}

int cm_kargs_grub_sets_default(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;
	size_t vs, ve;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) + 1 : (size_t)(end - p);

		if (grub_assignment(p, n, "GRUB_CMDLINE_LINUX_DEFAULT", &vs, &ve))
			return 1;
		p += n;
	}
	return 0;
}
