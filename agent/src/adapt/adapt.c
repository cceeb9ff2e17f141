#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../log.h"
#include "../profiles/profile.h"
#include "adapt.h"
#include "agents.h"
#include "drivers.h"
#include "fstab.h"
#include "kargs.h"
#include "sysroot.h"

#define LIST_MAX (2 * CM_PROFILE_LIST_MAX)

static void note(struct cm_adapt_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note(struct cm_adapt_report *rep, const char *fmt, ...)
{
	va_list ap;

	if (rep->n_notes >= CM_ADAPT_NOTES_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(rep->notes[rep->n_notes++], sizeof(rep->notes[0]), fmt, ap);
	va_end(ap);
}

/* The items of runtime lists as a plain array of strings. */
static size_t items(const struct cm_plist *a, const struct cm_plist *b,
		    const char **out)
{
	size_t n = 0;
	unsigned i;

	for (i = 0; a && i < a->n && n < LIST_MAX; i++)
		out[n++] = a->v[i];
	for (i = 0; b && i < b->n && n < LIST_MAX; i++)
		out[n++] = b->v[i];
	return n;
}

/* Reads path of the root into b; 1 read, 0 absent, -errno. */
static int read_root_file(const char *sysroot, const char *path,
			  struct cm_buf *b)
{
	int r = cm_sysroot_read(sysroot, path, b);

	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return cm_err(r, "read %s%s", sysroot, path);
	return 1;
}

static mode_t mode_of(const char *sysroot, const char *path, mode_t dflt)
{
	struct stat st;

	if (cm_sysroot_lstat(sysroot, path, &st) == 0 && S_ISREG(st.st_mode))
		return st.st_mode & 07777;
	return dflt;
}

static int plan_if_changed(struct cm_plan *plan, const char *sysroot,
			   const char *rewriter, const char *path,
			   const struct cm_buf *old, int existed,
			   const struct cm_buf *new, const char *why)
{
	if (existed && old->len == new->len &&
	    !memcmp(old->data, new->data, new->len))
		return 0;
	return cm_plan_write(plan, rewriter, path, new->data, new->len,
			     mode_of(sysroot, path, 0644), why);
}

static int plan_fstab(const char *sysroot, const struct cm_profile_rt *p,
		      struct cm_plan *plan, struct cm_adapt_report *rep)
{
	struct cm_fstab_opts o = {
		.data_nofail = p->fstab_nofail,
		.device_timeout_s = (int)p->fstab_device_timeout,
		.swap = !p->no_swap_on_os_disk,
	};
	struct cm_fstab_result res;
	struct cm_buf old, new;
	char why[192];
	int r;

	cm_buf_init(&old, CM_FSTAB_MAX);
	cm_buf_init(&new, 2 * CM_FSTAB_MAX);
	r = read_root_file(sysroot, "/etc/fstab", &old);
	if (r <= 0) {
		if (r == 0)
			note(rep, "fstab: the root has no /etc/fstab");
		goto out;
	}
	r = cm_fstab_rewrite(old.data, old.len, &o,
			     p->fstab_by_uuid ? cm_fstab_resolve_blkid : NULL,
			     NULL, &new, &res);
	if (r < 0) {
		cm_err(r, "fstab: %s/etc/fstab", sysroot);
		goto out;
	}
	if (res.unresolved)
		note(rep, "fstab: %u device name(s) could not be resolved to a "
		     "UUID here (first: %s); left as they are", res.unresolved,
		     res.unresolved_dev[0]);
	snprintf(why, sizeof(why), "%s: %u device name(s) to UUID/LABEL, %u data "
		 "mount(s) nofail, %u swap entr%s off", p->name, res.renamed,
		 res.nofail, res.swap_off, res.swap_off == 1 ? "y" : "ies");
	r = plan_if_changed(plan, sysroot, "fstab", "/etc/fstab", &old, 1, &new, why);
out:
	cm_buf_free(&old);
	cm_buf_free(&new);
	return r;
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
	r = read_root_file(sysroot, path, &old);
	if (r <= 0)
		goto out;
	r = f(old.data, old.len, e, &new);
	if (r < 0) {
		cm_err(r, "kernel arguments: %s%s", sysroot, path);
		goto out;
	}
	snprintf(why, sizeof(why), "%s: kernel arguments the cloud needs "
		 "(console, timeouts) added, others' removed", cloud);
	r = plan_if_changed(plan, sysroot, "boot", path, &old, 1, &new, why);
out:
	cm_buf_free(&old);
	cm_buf_free(&new);
	return r;
}

static int plan_kargs(const char *sysroot, const struct cm_profile_rt *p,
		      struct cm_plan *plan, struct cm_adapt_report *rep)
{
	const char *add[LIST_MAX], *rm[LIST_MAX];
	struct cm_kargs_edit e;
	struct stat st;
	int r;

	e.add = add;
	e.n_add = items(&p->kargs_add, NULL, add);
	e.remove = rm;
	e.n_remove = items(&p->kargs_remove, NULL, rm);
	if (!e.n_add && !e.n_remove)
		return 0;
	if (cm_sysroot_lstat(sysroot, "/etc/default/grub", &st) < 0 &&
	    cm_sysroot_lstat(sysroot, "/boot/grub/grub.cfg", &st) < 0) {
		note(rep, "boot: no GRUB configuration found; kernel arguments "
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

static int plan_modprobe_dir(const char *sysroot, const char *const *drv,
			     size_t n, const char *cloud, struct cm_plan *plan)
{
	char path[CM_PATH_MAX], why[192];
	struct cm_buf old, new;
	struct dirent *de;
	DIR *d;
	int fd, r = 0;

	fd = cm_sysroot_open(sysroot, "/etc/modprobe.d", O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd == -ENOENT ? 0 : cm_err(fd, "open %s/etc/modprobe.d", sysroot);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return cm_err(-errno, "read %s/etc/modprobe.d", sysroot);
	}
	cm_buf_init(&old, CM_MODPROBE_MAX);
	cm_buf_init(&new, 2 * CM_MODPROBE_MAX);
	snprintf(why, sizeof(why), "%s boots from these drivers: not blacklisted",
		 cloud);
	while (r >= 0 && (de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l < 6 || strcmp(de->d_name + l - 5, ".conf"))
			continue;
		if (snprintf(path, sizeof(path), "/etc/modprobe.d/%s",
			     de->d_name) >= (int)sizeof(path))
			continue;
		if (read_root_file(sysroot, path, &old) <= 0)
			continue;
		r = cm_drivers_unblacklist(old.data, old.len, drv, n, &new);
		if (r > 0)
			r = plan_if_changed(plan, sysroot, "drivers", path, &old,
					    1, &new, why);
	}
	closedir(d);
	cm_buf_free(&old);
	cm_buf_free(&new);
	return r < 0 ? r : 0;
}

static int plan_drivers(const char *sysroot, const struct cm_profile_rt *p,
			struct cm_plan *plan, struct cm_adapt_report *rep)
{
	const char *drv[LIST_MAX];
	struct cm_buf old, new;
	struct stat st;
	size_t n = items(&p->storage_drivers, &p->net_drivers, drv);
	char why[192];
	int r = 0, existed;

	if (!n)
		return 0;
	cm_buf_init(&old, CM_MODPROBE_MAX);
	cm_buf_init(&new, 2 * CM_MODPROBE_MAX);
	snprintf(why, sizeof(why), "%s: its storage and network drivers in "
		 "every initramfs", p->name);
	if (cm_sysroot_lstat(sysroot, "/etc/dracut.conf.d", &st) == 0) {
		existed = read_root_file(sysroot, CM_DRIVERS_CONF, &old);
		r = existed < 0 ? existed :
		    cm_drivers_dracut_conf(p->name, drv, n, &new);
		if (r >= 0)
			r = plan_if_changed(plan, sysroot, "drivers", CM_DRIVERS_CONF,
					    &old, existed, &new, why);
	}
	if (r >= 0 && read_root_file(sysroot, "/etc/initramfs-tools/modules", &old) > 0) {
		r = cm_drivers_initramfs_tools(old.data, old.len, drv, n, &new);
		if (r > 0)
			r = plan_if_changed(plan, sysroot, "drivers",
					    "/etc/initramfs-tools/modules", &old, 1,
					    &new, why);
	}
	if (r >= 0)
		r = plan_modprobe_dir(sysroot, drv, n, p->name, plan);
	if (r >= 0)
		note(rep, "drivers: the initramfs images themselves are rebuilt by "
		     "the boot integration (not by adapt yet)");
	cm_buf_free(&old);
	cm_buf_free(&new);
	return r < 0 ? r : 0;
}

static const char *const unit_dirs[] = {
	"/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system",
	NULL,
};

/* Where the unit's file is (a mask, /etc -> /dev/null, is reported in
 * *masked); 0 found, -ENOENT not installed. */
static int find_unit(const char *sysroot, const char *name, char *path,
		     size_t size, int *masked)
{
	char link[CM_PATH_MAX];
	struct stat st;
	size_t i;

	*masked = 0;
	for (i = 0; unit_dirs[i]; i++) {
		snprintf(path, size, "%s/%s", unit_dirs[i], name);
		if (cm_sysroot_lstat(sysroot, path, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode) &&
		    cm_sysroot_readlink(sysroot, path, link, sizeof(link)) >= 0 &&
		    !strcmp(link, "/dev/null")) {
			*masked = 1;
			continue;
		}
		if (S_ISREG(st.st_mode))
			return 0;
	}
	return -ENOENT;
}

static int enable_unit(const char *sysroot, const char *unit, const char *cloud,
		       struct cm_plan *plan, struct cm_adapt_report *rep)
{
	char name[CM_UNIT_NAME_MAX], path[CM_PATH_MAX], link[CM_PATH_MAX];
	char have[CM_PATH_MAX], why[192];
	char targets[CM_UNIT_TARGETS_MAX][CM_UNIT_NAME_MAX];
	char kinds[CM_UNIT_TARGETS_MAX];
	struct cm_buf b;
	int i, n, masked, r = 0;

	snprintf(name, sizeof(name), "%s.service", unit);
	if (find_unit(sysroot, name, path, sizeof(path), &masked) < 0) {
		note(rep, "agents: %s is not installed; not enabled", name);
		return 0;
	}
	snprintf(why, sizeof(why), "%s: its guest agent %s enabled", cloud, name);
	if (masked) {
		snprintf(link, sizeof(link), "/etc/systemd/system/%s", name);
		r = cm_plan_delete(plan, "agents", link, why);
		if (r < 0)
			return r;
	}
	cm_buf_init(&b, CM_UNIT_MAX);
	r = cm_sysroot_read(sysroot, path, &b);
	n = r < 0 ? r : cm_unit_install_targets(b.data, b.len, targets, kinds,
						  CM_UNIT_TARGETS_MAX);
	cm_buf_free(&b);
	if (n < 0) {
		note(rep, "agents: %s%s: cannot read its [Install] section (%s)",
		     sysroot, path, strerror(-n));
		return 0;
	}
	for (i = 0; r >= 0 && i < n; i++) {
		snprintf(link, sizeof(link), "/etc/systemd/system/%s.%s/%s",
			 targets[i], kinds[i] == 'r' ? "requires" : "wants", name);
		if (cm_sysroot_readlink(sysroot, link, have, sizeof(have)) >= 0 &&
		    !strcmp(have, path))
			continue;
		r = cm_plan_symlink(plan, "agents", link, path, why);
	}
	return r < 0 ? r : 0;
}

static int disable_unit(const char *sysroot, const char *unit, const char *cloud,
			struct cm_plan *plan)
{
	char name[CM_UNIT_NAME_MAX], link[CM_PATH_MAX], why[192];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, r = 0;

	snprintf(name, sizeof(name), "%s.service", unit);
	fd = cm_sysroot_open(sysroot, "/etc/systemd/system", O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	snprintf(why, sizeof(why), "%s: another cloud's agent %s disabled", cloud,
		 name);
	while (r >= 0 && (de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (!((l > 6 && !strcmp(de->d_name + l - 6, ".wants")) ||
		      (l > 9 && !strcmp(de->d_name + l - 9, ".requires"))))
			continue;
		if (snprintf(link, sizeof(link), "/etc/systemd/system/%s/%s",
			     de->d_name, name) >= (int)sizeof(link))
			continue;
		if (cm_sysroot_lstat(sysroot, link, &st) == 0 && S_ISLNK(st.st_mode))
			r = cm_plan_delete(plan, "agents", link, why);
	}
	closedir(d);
	return r;
}

static int plan_agents(const char *sysroot, const struct cm_profile_rt *p,
		       struct cm_plan *plan, struct cm_adapt_report *rep)
{
	unsigned i;
	int r = 0;

	for (i = 0; r >= 0 && i < p->agents_disable.n; i++)
		r = disable_unit(sysroot, p->agents_disable.v[i], p->name, plan);
	for (i = 0; r >= 0 && i < p->agents_enable.n; i++)
		r = enable_unit(sysroot, p->agents_enable.v[i], p->name, plan, rep);
	if (r < 0)
		cm_err(r, "agents: %s/etc/systemd/system", sysroot);
	return r < 0 ? r : 0;
}

int cm_adapt_plan(const char *sysroot, const struct cm_profile_rt *p,
		  struct cm_plan *plan, struct cm_adapt_report *rep)
{
	int r;

	memset(rep, 0, sizeof(*rep));
	r = plan_fstab(sysroot, p, plan, rep);
	if (r >= 0)
		r = plan_kargs(sysroot, p, plan, rep);
	if (r >= 0)
		r = plan_drivers(sysroot, p, plan, rep);
	if (r >= 0)
		r = plan_agents(sysroot, p, plan, rep);
	return r < 0 ? r : 0;
}
