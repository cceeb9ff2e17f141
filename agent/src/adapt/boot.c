#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../log.h"
#include "boot.h"
#include "devmap.h"
#include "kargs.h"
#include "rewrite.h"
#include "../util/sysroot.h"

#define DIR_FILES_MAX 64

typedef int (*edit_fn)(const char *, size_t, const struct cm_kargs_edit *,
		       struct cm_buf *);

struct boot_ctx {
	const char *sysroot;
	const char *cloud;
	struct cm_kargs_edit e;
	struct cm_plan *plan;
	struct cm_adapt_report *rep;
	unsigned files;		/* boot configuration files found */
};

/* Reads path, edits it with f, plans the result: 1 found, 0 absent. */
static int edit_file(struct boot_ctx *c, const char *path, edit_fn f,
		     const struct cm_kargs_edit *e)
{
	struct cm_buf old, new;
	char why[192];
	int r;

	cm_buf_init(&old, CM_GRUB_CFG_MAX);
	cm_buf_init(&new, 2 * CM_GRUB_CFG_MAX);
	r = cm_rewrite_read(c->sysroot, path, &old);
	if (r <= 0)
		goto out;
	c->files++;
	r = f(old.data, old.len, e, &new);
	if (r < 0) {
		cm_err(r, "boot: %s%s", c->sysroot, path);
		goto out;
	}
	snprintf(why, sizeof(why), "%s: kernel arguments the cloud needs "
		 "(console, timeouts, root by UUID) added, others' removed",
		 c->cloud);
	r = cm_rewrite_if_changed(c->plan, c->sysroot, "boot", path, &old, 1,
				  &new, why);
	r = r < 0 ? r : 1;
out:
	cm_buf_free(&old);
	cm_buf_free(&new);
	return r;
}

static int grub_vars_add(const char *b, size_t l, const struct cm_kargs_edit *e,
			 struct cm_buf *o)
{
	return cm_kargs_grub_vars(b, l, e, 1, o);
}

static int grub_vars_keep(const char *b, size_t l, const struct cm_kargs_edit *e,
			  struct cm_buf *o)
{
	return cm_kargs_grub_vars(b, l, e, 0, o);
}

static int sets_default(const char *sysroot, const char *path)
{
	struct cm_buf b;
	int r;

	cm_buf_init(&b, CM_GRUB_CFG_MAX);
	r = cm_sysroot_read(sysroot, path, &b) == 0 &&
	    cm_kargs_grub_sets_default(b.data, b.len);
	cm_buf_free(&b);
	return r;
}

/* /etc/default/grub then grub.d/NN-*.cfg, as grub-mkconfig sources them:
 * additions go to the last file that sets GRUB_CMDLINE_LINUX_DEFAULT
 * (Ubuntu's cloud images set it in grub.d/50-cloudimg-settings.cfg, which
 * overrides the main file), or to the main file. */
static int plan_grub_defaults(struct boot_ctx *c)
{
	static char names[DIR_FILES_MAX][CM_SYSROOT_FNAME_MAX];
	char path[DIR_FILES_MAX + 1][CM_PATH_MAX];
	int n, i, last = 0, r = 0;

	n = cm_sysroot_list(c->sysroot, "/etc/default/grub.d", "*.cfg", names,
			    DIR_FILES_MAX);
	if (n < 0)
		return n;
	snprintf(path[0], sizeof(path[0]), "/etc/default/grub");
	for (i = 0; i < n; i++)
		if (snprintf(path[i + 1], sizeof(path[0]), "/etc/default/grub.d/%s",
			     names[i]) >= (int)sizeof(path[0]))
			return cm_err(-ENAMETOOLONG, "boot: %s", names[i]);
	for (i = n; i > 0; i--)
		if (sets_default(c->sysroot, path[i])) {
			last = i;
			break;
		}
	for (i = 0; r >= 0 && i <= n; i++)
		r = edit_file(c, path[i], i == last ? grub_vars_add : grub_vars_keep,
			      &c->e);
	return r < 0 ? r : 0;
}

static int plan_bls(struct boot_ctx *c, const char *dir)
{
	static char names[DIR_FILES_MAX][CM_SYSROOT_FNAME_MAX];
	char path[CM_PATH_MAX];
	int n, i, r = 0;

	n = cm_sysroot_list(c->sysroot, dir, "*.conf", names, DIR_FILES_MAX);
	if (n < 0)
		return n;
	for (i = 0; r >= 0 && i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >=
		    (int)sizeof(path))
			return cm_err(-ENAMETOOLONG, "boot: %s", names[i]);
		r = edit_file(c, path, cm_kargs_bls_entry, &c->e);
	}
	return r < 0 ? r : 0;
}

/* grubenv's kernelopts is rewritten only when the root has one (RHEL 8,
 * early 9): a grubenv without it is left byte-identical. */
static int plan_grubenv(struct boot_ctx *c, const char *path)
{
	int r = edit_file(c, path, cm_kargs_grubenv, &c->e);

	if (r == -EMSGSIZE)
		cm_adapt_note(c->rep, "boot: %s: kernelopts would not fit the "
			      "1024-byte block; left as it is", path);
	return r == -EMSGSIZE || r == -EBADMSG ? 0 : r;
}

int cm_boot_plan(const char *sysroot, const struct cm_profile_rt *p,
		 struct cm_plan *plan, struct cm_adapt_report *rep)
{
	static const char *const grub_cfgs[] = {
		"/boot/grub/grub.cfg", "/boot/grub2/grub.cfg", NULL,
	};
	const char *add[CM_REWRITE_LIST_MAX], *rm[CM_REWRITE_LIST_MAX];
	struct boot_ctx c = { .sysroot = sysroot, .cloud = p->name,
			      .plan = plan, .rep = rep };
	const struct cm_devmap *map = rep->devmap;
	int i, r;

	c.e.add = add;
	c.e.n_add = cm_rewrite_items(&p->kargs_add, NULL, add);
	c.e.remove = rm;
	c.e.n_remove = cm_rewrite_items(&p->kargs_remove, NULL, rm);
	c.e.root = map->root[0] ? map->root : NULL;
	c.e.resolve = cm_devmap_resolve;
	c.e.ctx = (void *)map;
	r = plan_grub_defaults(&c);
	for (i = 0; r >= 0 && grub_cfgs[i]; i++)
		r = edit_file(&c, grub_cfgs[i], cm_kargs_grub_cfg, &c.e);
	if (r >= 0)
		r = plan_bls(&c, "/boot/loader/entries");
	if (r >= 0)
		r = plan_grubenv(&c, "/boot/grub2/grubenv");
	if (r >= 0)
		r = edit_file(&c, "/etc/kernel/cmdline", cm_kargs_cmdline_file, &c.e);
	if (r < 0)
		return r;
	if (!c.files)
		cm_adapt_note(rep, "boot: no boot loader configuration found "
			      "(GRUB, BLS entries, /etc/kernel/cmdline); kernel "
			      "arguments not changed");
	return 0;
}
