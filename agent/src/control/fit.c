/* The fit check (fit.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <stdlib.h>

#include "../check/check.h"
#include "../limits.h"
#include "../log.h"
#include "../util/buf.h"
#include "../profiles/profile.h"
#include "../util/sysroot.h"
#include "fit.h"

#define DEP_MAX		(16 * 1024 * 1024)
#define BUILTIN_MAX	(2 * 1024 * 1024)

const char *cm_boot_modes_name(unsigned modes)
{
	switch (modes & (CM_BOOT_BIOS | CM_BOOT_UEFI)) {
	case CM_BOOT_BIOS: return "bios";
	case CM_BOOT_UEFI: return "uefi";
	case CM_BOOT_BIOS | CM_BOOT_UEFI: return "bios+uefi";
	}
	return "none";
}

/* "aarch64" and "arm64" are one architecture, so are "amd64" and "x86_64". */
static const char *arch_norm(const char *a)
{
	if (!strcmp(a, "aarch64"))
		return "arm64";
	if (!strcmp(a, "amd64") || !strcmp(a, "x86-64"))
		return "x86_64";
	if (!strcmp(a, "i686") || !strcmp(a, "x86"))
		return "i386";
	return a;
}

static const char *type_of(const struct cm_target_facts *t)
{
	return t->instance_type[0] ? t->instance_type : "the instance type";
}

static void eval_boot(const struct cm_target_facts *t, const struct cm_image_facts *img,
		      struct cm_fit *fit)
{
	if (!t->boot_modes || !img->firmware) {
		fit->boot = CM_FIT_UNKNOWN;
		snprintf(fit->boot_why, sizeof(fit->boot_why), "the disk boots with %s, %s with %s",
			 img->firmware ? cm_boot_modes_name(img->firmware) : "(not known)",
			 type_of(t), t->boot_modes ? cm_boot_modes_name(t->boot_modes) :
			 "(not known)");
		return;
	}
	fit->boot = img->firmware & t->boot_modes ? CM_FIT_YES : CM_FIT_NO;
	snprintf(fit->boot_why, sizeof(fit->boot_why), "the disk boots with %s%s, %s with %s%s",
		 cm_boot_modes_name(img->firmware), fit->boot ? "" : " only", type_of(t),
		 cm_boot_modes_name(t->boot_modes), fit->boot ? "" : " only");
}

static void eval_arch(const struct cm_target_facts *t, const struct cm_image_facts *img,
		      struct cm_fit *fit)
{
	if (!t->arch[0] || !img->arch[0]) {
		fit->arch = CM_FIT_UNKNOWN;
		snprintf(fit->arch_why, sizeof(fit->arch_why), "the disk is %s, %s %s",
			 img->arch[0] ? img->arch : "(architecture not known)", type_of(t),
			 t->arch[0] ? t->arch : "(architecture not known)");
		return;
	}
	fit->arch = strcmp(arch_norm(t->arch), arch_norm(img->arch)) ? CM_FIT_NO : CM_FIT_YES;
	snprintf(fit->arch_why, sizeof(fit->arch_why), "the disk is %s, %s %s", img->arch,
		 type_of(t), t->arch);
}

void cm_fit_eval(const struct cm_target_facts *t, const struct cm_image_facts *img,
		 const char *missing, struct cm_fit *fit)
{
	memset(fit, 0, sizeof(*fit));
	eval_boot(t, img, fit);
	eval_arch(t, img, fit);
	if (!t->drivers[0]) {
		fit->drivers = CM_FIT_YES;
		snprintf(fit->drivers_why, sizeof(fit->drivers_why), "%s needs no driver by name",
			 type_of(t));
	} else if (!missing) {
		fit->drivers = CM_FIT_UNKNOWN;
		snprintf(fit->drivers_why, sizeof(fit->drivers_why),
			 "%s needs %s; the root was not looked at", type_of(t), t->drivers);
	} else if (*missing) {
		fit->drivers = CM_FIT_NO;
		snprintf(fit->drivers_why, sizeof(fit->drivers_why),
			 "%s needs %s; the root lacks %s", type_of(t), t->drivers,
			 missing);
	} else {
		fit->drivers = CM_FIT_YES;
		snprintf(fit->drivers_why, sizeof(fit->drivers_why),
			 "%s needs %s; the root's kernel has them", type_of(t), t->drivers);
	}
}

__attribute__((format(printf, 3, 4)))
static void append(char *out, size_t size, const char *fmt, ...)
{
	size_t len = strlen(out);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(out + len, size - len, fmt, ap);
	va_end(ap);
}

int cm_fit_refusal(const struct cm_fit *fit, char *out, size_t size)
{
	out[0] = '\0';
	if (fit->boot == CM_FIT_NO)
		append(out, size, "%s", fit->boot_why);
	if (fit->arch == CM_FIT_NO)
		append(out, size, "%s%s", out[0] ? "; " : "", fit->arch_why);
	if (fit->drivers == CM_FIT_NO)
		append(out, size, "%s%s", out[0] ? "; " : "", fit->drivers_why);
	return out[0] ? -ENOTSUP : 0;
}

/* --- the root's drivers ----------------------------------------------------- */

/* The newest kernel version with a module tree, its directory into dir. */
static int newest_moddir(const char *root, char *dir, size_t size)
{
	static const char *const moddirs[] = { "/usr/lib/modules", "/lib/modules" };
	char best[CM_PATH_MAX] = "", best_ver[256] = "";
	size_t i;

	for (i = 0; i < sizeof(moddirs) / sizeof(moddirs[0]); i++) {
		int fd = cm_sysroot_open(root, moddirs[i], O_RDONLY | O_DIRECTORY, 0);
		struct dirent *de;
		DIR *d;

		if (fd < 0)
			continue;
		d = fdopendir(fd);
		if (!d) {
			close(fd);
			continue;
		}
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' || strstr(de->d_name, "rescue") ||
			    strlen(de->d_name) >= sizeof(best_ver) ||
			    (best_ver[0] && strverscmp(de->d_name, best_ver) <= 0))
				continue;
			snprintf(best_ver, sizeof(best_ver), "%s", de->d_name);
			snprintf(best, sizeof(best), "%s/%s", moddirs[i], de->d_name);
		}
		closedir(d);
	}
	if (!best[0])
		return -ENOENT;
	snprintf(dir, size, "%s", best);
	return 0;
}

static void add_word(char *out, size_t size, const char *w, size_t n)
{
	append(out, size, "%s%.*s", out[0] ? " " : "", (int)n, w);
}

/* Of the wanted storage drivers (cm_fit_fold's list), those the initramfs
 * of root's newest kernel lacks, as check's kernels and initramfs checks
 * see them with a profile of only those drivers.  Appended to missing as
 * "nvme (not in the initramfs)".  0, or -errno. */
static int initramfs_drivers(const char *root, const char *wanted, char *missing,
			     size_t size)
{
	struct cm_profile_rt *p = calloc(1, sizeof(*p));
	struct cm_check_report *rep = calloc(1, sizeof(*rep));
	struct cm_check c = { .root = root, .p = p, .rep = rep };
	const struct cm_kernel *newest = NULL;
	struct cm_target_facts t;
	char tail[CM_KVER_MAX + 4];
	size_t i;
	int r = -ENOMEM;

	if (!p || !rep)
		goto out;
	memset(&t, 0, sizeof(t));
	snprintf(t.drivers, sizeof(t.drivers), "%s", wanted);
	r = cm_fit_fold(p, &t);
	if (r < 0 || !p->storage_drivers.n)
		goto out;
	p->net_drivers.n = 0;	/* network drivers load after the pivot */
	r = cm_check_kernels(&c);
	if (r == 0)
		r = cm_check_initramfs(&c);
	if (r < 0)
		goto out;
	for (i = 0; i < c.kernels.n; i++)
		if (c.kernels.v[i].image[0] && c.kernels.v[i].moddir[0] && !c.kernels.v[i].rescue)
			newest = &c.kernels.v[i];	/* sorted oldest first */
	if (!newest)
		goto out;
	snprintf(tail, sizeof(tail), " (%s)", newest->ver);
	for (i = 0; i < rep->n; i++) {
		const struct cm_check_item *it = &rep->v[i];
		size_t wl = strlen(it->what), tl = strlen(tail);
		const char *m = it->what + strlen("initramfs driver ");

		if (it->status != CM_CHECK_MISSING || strncmp(it->what, "initramfs driver ", 17) ||
		    wl < tl + 17 || strcmp(it->what + wl - tl, tail))
			continue;
		append(missing, size, "%s%.*s (not in the initramfs)", missing[0] ? " " : "",
		       (int)(it->what + wl - tl - m), m);
	}
out:
	free(p);
	free(rep);
	return r;
}

int cm_root_drivers(const char *root, const char *wanted, char *have, size_t have_size,
		    char *missing, size_t missing_size)
{
	struct cm_buf dep, builtin;
	char dir[CM_PATH_MAX], path[CM_PATH_MAX + 32], mod[64], p[CM_PATH_MAX];
	char deps[CM_PATH_MAX];
	const char *w = wanted;
	int r;

	have[0] = missing[0] = '\0';
	r = newest_moddir(root, dir, sizeof(dir));
	if (r < 0)
		return r;
	cm_buf_init(&dep, DEP_MAX);
	cm_buf_init(&builtin, BUILTIN_MAX);
	snprintf(path, sizeof(path), "%s/modules.dep", dir);
	r = cm_sysroot_read(root, path, &dep);
	snprintf(path, sizeof(path), "%s/modules.builtin", dir);
	if (r == 0 || r == -ENOENT)
		r = cm_sysroot_read(root, path, &builtin);
	if (r == -ENOENT)
		r = 0;
	while (r == 0 && *w) {
		size_t n;

		w += strspn(w, " ");
		n = strcspn(w, " ");
		if (!n)
			break;
		snprintf(mod, sizeof(mod), "%.*s", (int)(n < sizeof(mod) ? n : sizeof(mod) - 1), w);
		if ((builtin.data && cm_modules_builtin_has(builtin.data, builtin.len, mod)) ||
		    (dep.data && cm_modules_dep_find(dep.data, dep.len, mod, p, sizeof(p),
						     deps, sizeof(deps)) != 0))
			add_word(have, have_size, w, n);
		else
			add_word(missing, missing_size, w, n);
		w += n;
	}
	cm_buf_free(&dep);
	cm_buf_free(&builtin);
	if (r == 0)
		r = initramfs_drivers(root, have, missing, missing_size);
	return r;
}

static int storage_driver(const char *m, size_t n)
{
	static const char *const storage[] = {
		"nvme", "nvme_core", "virtio_blk", "virtio_scsi", "xen_blkfront",
		"hv_storvsc", "sd_mod", NULL,
	};
	size_t i;

	for (i = 0; storage[i]; i++)
		if (cm_module_same(m, n, storage[i]))
			return 1;
	return 0;
}

int cm_fit_fold(struct cm_profile_rt *p, const struct cm_target_facts *t)
{
	const char *w = t->drivers;

	while (*w) {
		struct cm_plist *l;
		char item[64];
		size_t n;
		int r;

		w += strspn(w, " ");
		n = strcspn(w, " ");
		if (!n)
			break;
		l = storage_driver(w, n) ? &p->storage_drivers : &p->net_drivers;
		snprintf(item, sizeof(item), "%.*s", (int)(n < sizeof(item) ? n : sizeof(item) - 1), w);
		if (!cm_plist_has(l, item)) {
			r = cm_plist_add(l, item, strlen(item));
			if (r < 0)
				return r;
		}
		w += n;
	}
	return 0;
}
