/* Installed kernels and the target's drivers in each one's module tree.
 *
 * A kernel is /boot/vmlinuz-<ver> (Debian, RHEL, SUSE) or
 * /usr/lib/modules/<ver>/vmlinuz (Fedora's kernel-install layout); its
 * modules are in /lib/modules/<ver> or /usr/lib/modules/<ver> (merged
 * /usr: /lib is a symlink inside the root, followed inside it).
 *
 * A driver is there when modules.builtin lists it (built in) or
 * modules.dep lists a module file for it whose file, and whose
 * dependencies' files, exist (what modprobe needs; kmod(8), depmod(8)).
 * Policy: every storage driver of the profile must be there (which one
 * the root disk hangs off depends on the instance type, which check
 * cannot know); a missing network driver is a warning (the system boots,
 * and the cloud uses one of several), but none of them at all is MISSING:
 * the instance would boot unreachable. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/sysroot.h"
#include "../limits.h"
#include "../log.h"
#include "../util/buf.h"
#include "check.h"

#define MODULES_DEP_MAX		(16 * 1024 * 1024)
#define MODULES_BUILTIN_MAX	(2 * 1024 * 1024)
#define MODPATH_MAX		256
#define MODDEPS_MAX		4096

static const char *const module_exts[] = { ".ko", ".ko.xz", ".ko.zst", ".ko.gz", NULL };

bool cm_module_same(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (alen != strlen(b))
		return false;
	for (i = 0; i < alen; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return false;
	}
	return true;
}

size_t cm_module_name(const char *path, size_t len, const char **name)
{
	const char *base = path, *p;
	size_t i, blen;

	for (p = path; p < path + len; p++)
		if (*p == '/')
			base = p + 1;
	blen = len - (size_t)(base - path);
	for (i = 0; module_exts[i]; i++) {
		size_t el = strlen(module_exts[i]);

		if (blen > el && !memcmp(base + blen - el, module_exts[i], el)) {
			*name = base;
			return blen - el;
		}
	}
	return 0;
}

/* Calls back each line of buf[0..len): 1 stops with 1. */
static int each_line(const char *buf, size_t len,
		     int (*fn)(const char *line, size_t n, void *ctx), void *ctx)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		int r = fn(p, n, ctx);

		if (r)
			return r;
		p += n + 1;
	}
	return 0;
}

struct find {
	const char *module;
	const char *line;
	size_t colon, n;
};

static int builtin_line(const char *line, size_t n, void *ctx)
{
	struct find *f = ctx;
	const char *name;
	size_t nl = cm_module_name(line, n, &name);

	return nl && cm_module_same(name, nl, f->module);
}

bool cm_modules_builtin_has(const char *buf, size_t len, const char *module)
{
	struct find f = { .module = module };

	return each_line(buf, len, builtin_line, &f) == 1;
}

static int dep_line(const char *line, size_t n, void *ctx)
{
	struct find *f = ctx;
	const char *colon = memchr(line, ':', n), *name;
	size_t nl;

	if (!colon)
		return 0;
	nl = cm_module_name(line, (size_t)(colon - line), &name);
	if (!nl || !cm_module_same(name, nl, f->module))
		return 0;
	f->line = line;
	f->colon = (size_t)(colon - line);
	f->n = n;
	return 1;
}

static int copy_trimmed(const char *s, size_t n, char *out, size_t size)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(out, s, n);
	out[n] = '\0';
	return 0;
}

int cm_modules_dep_find(const char *buf, size_t len, const char *module,
			char *path, size_t path_size, char *deps,
			size_t deps_size)
{
	struct find f = { .module = module };

	if (each_line(buf, len, dep_line, &f) != 1)
		return 0;
	if (copy_trimmed(f.line, f.colon, path, path_size) < 0 ||
	    copy_trimmed(f.line + f.colon + 1, f.n - f.colon - 1, deps, deps_size) < 0)
		return -ENAMETOOLONG;
	return 1;
}

/* --- discovery ------------------------------------------------------------ */

/* A version we can put in a path and a report line. */
static bool good_version(const char *v)
{
	size_t i, n = strlen(v);

	if (!n || n >= CM_KVER_MAX || !strcmp(v, ".") || !strcmp(v, ".."))
		return false;
	for (i = 0; i < n; i++)
		if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		      (v[i] >= '0' && v[i] <= '9') || strchr("._+-~", v[i])))
			return false;
	return true;
}

static bool exists(const char *root, const char *path, int flags)
{
	/* O_PATH: there, without opening it (a FIFO would wait for a writer) */
	int fd = cm_sysroot_open(root, path, O_PATH | flags, 0);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static struct cm_kernel *kernel_of(struct cm_kernels *ks, const char *ver)
{
	size_t i;

	for (i = 0; i < ks->n; i++)
		if (!strcmp(ks->v[i].ver, ver))
			return &ks->v[i];
	if (ks->n == CM_KERNELS_MAX)
		return NULL;
	memset(&ks->v[ks->n], 0, sizeof(ks->v[0]));
	snprintf(ks->v[ks->n].ver, sizeof(ks->v[0].ver), "%s", ver);
	return &ks->v[ks->n++];
}

/* /boot/vmlinuz-<ver> */
static void scan_boot(const char *root, struct cm_kernels *ks)
{
	int fd = cm_sysroot_open(root, "/boot", O_RDONLY | O_DIRECTORY, 0);
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		const char *v = de->d_name + strlen("vmlinuz-");
		struct cm_kernel *k;

		if (strncmp(de->d_name, "vmlinuz-", 8) || !good_version(v))
			continue;
		k = kernel_of(ks, v);
		if (k && snprintf(k->image, sizeof(k->image), "/boot/%s",
				  de->d_name) >= (int)sizeof(k->image))
			k->image[0] = '\0';
	}
	closedir(d);
}

/* <dir>/<ver>/vmlinuz (Fedora) */
static void scan_modules(const char *root, const char *dir, struct cm_kernels *ks)
{
	int fd = cm_sysroot_open(root, dir, O_RDONLY | O_DIRECTORY, 0);
	char path[CM_PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		struct cm_kernel *k;

		if (!good_version(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s/vmlinuz", dir, de->d_name);
		if (!exists(root, path, 0))
			continue;
		k = kernel_of(ks, de->d_name);
		if (k && !k->image[0] &&
		    snprintf(k->image, sizeof(k->image), "%s", path) >= (int)sizeof(k->image))
			k->image[0] = '\0';
	}
	closedir(d);
}

static int by_version(const void *a, const void *b)
{
	return strverscmp(((const struct cm_kernel *)a)->ver,
			  ((const struct cm_kernel *)b)->ver);
}

static void find_kernels(const char *root, struct cm_kernels *ks)
{
	static const char *const moddirs[] = { "/lib/modules", "/usr/lib/modules", NULL };
	char path[CM_PATH_MAX];
	size_t i, j;

	ks->n = 0;
	scan_boot(root, ks);
	for (j = 0; moddirs[j]; j++)
		scan_modules(root, moddirs[j], ks);
	qsort(ks->v, ks->n, sizeof(ks->v[0]), by_version);
	for (i = 0; i < ks->n; i++) {
		struct cm_kernel *k = &ks->v[i];

		k->rescue = strstr(k->ver, "rescue") != NULL;
		for (j = 0; moddirs[j] && !k->moddir[0]; j++) {
			snprintf(path, sizeof(path), "%s/%s", moddirs[j], k->ver);
			if (exists(root, path, O_DIRECTORY) &&
			    snprintf(k->moddir, sizeof(k->moddir), "%s", path) >=
			    (int)sizeof(k->moddir))
				k->moddir[0] = '\0';
		}
	}
}

/* --- drivers of one kernel ------------------------------------------------- */

struct modtree {
	const char *root;
	const struct cm_kernel *k;
	struct cm_buf dep, builtin;
	bool have_dep;
};

/* A path of modules.dep (relative to the tree; old depmod wrote them
 * absolute) exists in the root. */
static bool module_file(const struct modtree *t, const char *rel)
{
	char path[CM_PATH_MAX];

	if (rel[0] == '/')
		snprintf(path, sizeof(path), "%s", rel);
	else
		snprintf(path, sizeof(path), "%s/%s", t->k->moddir, rel);
	return exists(t->root, path, 0);
}

/* Where module is; detail says how (or why not). */
static enum cm_drv_where locate(const struct modtree *t, const char *module,
				char *detail, size_t size)
{
	char path[MODPATH_MAX], deps[MODDEPS_MAX], *save = NULL, *dep;
	int r;

	if (t->builtin.data && cm_modules_builtin_has(t->builtin.data,
						      t->builtin.len, module)) {
		cm_check_setf(detail, size, "built into the kernel");
		return CM_DRV_BUILTIN;
	}
	if (!t->have_dep) {
		cm_check_setf(detail, size, "not built in, and %s/modules.dep is missing "
			 "(depmod never ran)", t->k->moddir);
		return CM_DRV_ABSENT;
	}
	r = cm_modules_dep_find(t->dep.data, t->dep.len, module, path, sizeof(path),
				deps, sizeof(deps));
	if (r <= 0) {
		cm_check_setf(detail, size, "not built in, no module in modules.dep of %s",
			 t->k->ver);
		return CM_DRV_ABSENT;
	}
	if (!module_file(t, path)) {
		cm_check_setf(detail, size, "modules.dep lists %s, the file is not there",
			 path);
		return CM_DRV_ABSENT;
	}
	for (dep = strtok_r(deps, " \t", &save); dep; dep = strtok_r(NULL, " \t", &save))
		if (!module_file(t, dep)) {
			cm_check_setf(detail, size, "module %s is there, but %s it needs is "
				 "not", path, dep);
			return CM_DRV_ABSENT;
		}
	cm_check_setf(detail, size, "module %s", path);
	return CM_DRV_MODULE;
}

static int load_tree(struct modtree *t)
{
	char path[CM_PATH_MAX];
	int r;

	snprintf(path, sizeof(path), "%s/modules.builtin", t->k->moddir);
	r = cm_sysroot_read(t->root, path, &t->builtin);
	if (r < 0 && r != -ENOENT)
		return cm_err(r, "check: %s%s", t->root, path);
	snprintf(path, sizeof(path), "%s/modules.dep", t->k->moddir);
	r = cm_sysroot_read(t->root, path, &t->dep);
	if (r < 0 && r != -ENOENT)
		return cm_err(r, "check: %s%s", t->root, path);
	t->have_dep = r == 0;
	return 0;
}

static void check_storage(struct cm_check *c, struct modtree *t,
			  struct cm_kernel *k)
{
	char what[CM_CHECK_WHAT_MAX], detail[CM_CHECK_DETAIL_MAX];
	unsigned i;

	for (i = 0; i < c->p->storage_drivers.n; i++) {
		const char *m = c->p->storage_drivers.v[i];

		k->storage[i] = locate(t, m, detail, sizeof(detail));
		cm_check_setf(what, sizeof(what), "storage driver %s (%s)", m, k->ver);
		cm_check_add(c->rep, k->storage[i] ? CM_CHECK_OK : CM_CHECK_MISSING,
			     what, "%s", detail);
	}
}

static void check_net(struct cm_check *c, const struct modtree *t,
		      const struct cm_kernel *k)
{
	char what[CM_CHECK_WHAT_MAX], detail[CM_CHECK_DETAIL_MAX];
	unsigned i, found = 0;

	for (i = 0; i < c->p->net_drivers.n; i++) {
		const char *m = c->p->net_drivers.v[i];
		enum cm_drv_where w = locate(t, m, detail, sizeof(detail));

		found += w != CM_DRV_ABSENT;
		cm_check_setf(what, sizeof(what), "network driver %s (%s)", m, k->ver);
		cm_check_add(c->rep, w ? CM_CHECK_OK : CM_CHECK_WARN, what, "%s", detail);
	}
	if (c->p->net_drivers.n && !found) {
		cm_check_setf(what, sizeof(what), "network (%s)", k->ver);
		cm_check_add(c->rep, CM_CHECK_MISSING, what, "none of %s's network "
			     "drivers is in this kernel: the instance would boot "
			     "unreachable", c->p->name);
	}
}

static int check_one(struct cm_check *c, struct cm_kernel *k)
{
	char what[CM_CHECK_WHAT_MAX];
	struct modtree t = { .root = c->root, .k = k };
	int r;

	cm_check_setf(what, sizeof(what), "kernel %s", k->ver);
	if (k->rescue) {
		cm_check_add(c->rep, CM_CHECK_OK, what, "%s: a rescue kernel, not "
			     "checked", k->image);
		return 0;
	}
	if (!k->image[0]) {
		/* a module tree with no kernel: left behind by a removal */
		return 0;
	}
	if (!k->moddir[0]) {
		cm_check_add(c->rep, CM_CHECK_MISSING, what, "%s has no module tree "
			     "(/lib/modules/%s or /usr/lib/modules/%s)", k->image,
			     k->ver, k->ver);
		return 0;
	}
	cm_check_add(c->rep, CM_CHECK_OK, what, "%s, modules in %s", k->image,
		     k->moddir);
	cm_buf_init(&t.dep, MODULES_DEP_MAX);
	cm_buf_init(&t.builtin, MODULES_BUILTIN_MAX);
	r = load_tree(&t);
	if (r == 0) {
		check_storage(c, &t, k);
		check_net(c, &t, k);
	}
	cm_buf_free(&t.dep);
	cm_buf_free(&t.builtin);
	return r;
}

int cm_check_kernels(struct cm_check *c)
{
	size_t i, seen = 0;
	int r;

	find_kernels(c->root, &c->kernels);
	for (i = 0; i < c->kernels.n; i++) {
		seen += c->kernels.v[i].image[0] != 0;
		r = check_one(c, &c->kernels.v[i]);
		if (r < 0)
			return r;
	}
	if (!seen)
		cm_check_add(c->rep, CM_CHECK_MISSING, "kernel", "no kernel installed "
			     "(no /boot/vmlinuz-*, no /usr/lib/modules/*/vmlinuz)");
	return 0;
}
