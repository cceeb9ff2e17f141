#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../log.h"
#include "kargs.h"
#include "rewrite.h"
#include "sysroot.h"

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

int cm_kargs_apply(const char *args, size_t len, const struct cm_kargs_edit *e,
		   struct cm_buf *out)
{
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
		if (r == 0)
			r = cm_buf_add(out, v[i].p, v[i].len);
		first = 0;
	}
	for (i = 0; r == 0 && i < e->n_add; i++) {
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

int cm_kargs_grub_default(const char *buf, size_t len,
			  const struct cm_kargs_edit *e, struct cm_buf *out)
{
	static const char key[] = "GRUB_CMDLINE_LINUX_DEFAULT=\"";
	const char *p = buf, *end = buf + len;
	int changes = 0, seen = 0, r = 0;

	if (len > CM_GRUB_CFG_MAX)
		return -EMSGSIZE;
	if (memchr(buf, '\0', len))
		return -EBADMSG;	/* not a text file */
	cm_buf_reset(out);
	while (r == 0 && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) + 1 : (size_t)(end - p);
		const char *close;

		if (!seen && n > sizeof(key) - 1 && !memcmp(p, key, sizeof(key) - 1) &&
		    (close = memchr(p + sizeof(key) - 1, '"', n - (sizeof(key) - 1)))) {
			seen = 1;
			r = edit_assignment(p, n, sizeof(key) - 1, (size_t)(close - p),
					    e, out, &changes);
		} else {
			r = add_bytes(out, p, n);
		}
		p += n;
	}
	if (r == 0 && !seen && e->n_add) {
		struct cm_buf args;

		cm_buf_init(&args, CM_KARGS_MAX * 2);
		r = cm_kargs_apply("", 0, e, &args);
		if (r > 0) {
			changes += r;
			r = cm_buf_printf(out, "%s%s%s\"\n",
					  len && buf[len - 1] != '\n' ? "\n" : "",
					  key, args.data);
		}
		cm_buf_free(&args);
	}
	if (r == 0 && !out->data)
		r = cm_buf_add(out, "", 0);
	return r < 0 ? r : changes;
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

typedef int (*kargs_fn)(const char *, size_t, const struct cm_kargs_edit *,
			struct cm_buf *);

static int plan_kargs_file(const char *sysroot, const char *path, kargs_fn f,
			   const struct cm_kargs_edit *e, const char *cloud,
			   struct cm_plan *plan)
{
	struct cm_buf old, new;
	char why[192];
	int r;

	cm_buf_init(&old, CM_GRUB_CFG_MAX);
	cm_buf_init(&new, 2 * CM_GRUB_CFG_MAX);
	r = cm_rewrite_read(sysroot, path, &old);
	if (r <= 0)
		goto out;
	r = f(old.data, old.len, e, &new);
	if (r < 0) {
		cm_err(r, "kernel arguments: %s%s", sysroot, path);
		goto out;
	}
	snprintf(why, sizeof(why), "%s: kernel arguments the cloud needs "
		 "(console, timeouts) added, others' removed", cloud);
	r = cm_rewrite_if_changed(plan, sysroot, "boot", path, &old, 1, &new, why);
out:
	cm_buf_free(&old);
	cm_buf_free(&new);
	return r;
}

int cm_kargs_plan(const char *sysroot, const struct cm_profile_rt *p,
		      struct cm_plan *plan, struct cm_adapt_report *rep)
{
	const char *add[CM_REWRITE_LIST_MAX], *rm[CM_REWRITE_LIST_MAX];
	struct cm_kargs_edit e;
	struct stat st;
	int r;

	e.add = add;
	e.n_add = cm_rewrite_items(&p->kargs_add, NULL, add);
	e.remove = rm;
	e.n_remove = cm_rewrite_items(&p->kargs_remove, NULL, rm);
	if (!e.n_add && !e.n_remove)
		return 0;
	if (cm_sysroot_lstat(sysroot, "/etc/default/grub", &st) < 0 &&
	    cm_sysroot_lstat(sysroot, "/boot/grub/grub.cfg", &st) < 0) {
		cm_adapt_note(rep, "boot: no GRUB configuration found; kernel arguments "
		     "not changed");
		return 0;
	}
	r = plan_kargs_file(sysroot, "/etc/default/grub", cm_kargs_grub_default,
			    &e, p->name, plan);
	if (r == 0)
		r = plan_kargs_file(sysroot, "/boot/grub/grub.cfg",
				    cm_kargs_grub_cfg, &e, p->name, plan);
	return r;
}
