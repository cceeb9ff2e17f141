/* Each kernel's initramfs: there, readable, and holding the target's
 * storage drivers that are not built into the kernel (the root disk must
 * be found before the root is mounted).
 *
 * Names: /boot/initrd.img-<ver> (Debian, Ubuntu: initramfs-tools and
 * dracut), /boot/initramfs-<ver>.img (RHEL, Fedora, SUSE, Amazon Linux:
 * dracut), /boot/initrd-<ver> (SUSE).  The image is read as the kernel
 * unpacks it (util/initrd.c); only module file names under
 * lib/modules/<ver>/ or usr/lib/modules/<ver>/ are looked at.  Network
 * drivers are not needed there: the installed system loads them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../util/sysroot.h"
#include "../log.h"
#include "../limits.h"
#include "../util/initrd.h"
#include "check.h"

static const struct {
	const char *before, *after;	/* around the version */
} image_names[] = {
	{ "/boot/initrd.img-", "" }, { "/boot/initramfs-", ".img" },
	{ "/boot/initrd-", "" }, { NULL, NULL },
};

struct seen {
	const struct cm_kernel *k;
	const struct cm_plist *drivers;
	bool found[CM_PROFILE_LIST_MAX];
	unsigned long modules;		/* of this kernel's version */
	unsigned long other_modules;	/* of another version */
	char other_ver[CM_KVER_MAX];
};

/* "usr/lib/modules/<ver>/..." or "lib/modules/<ver>/...", with or without
 * a leading "./" or "/": the version and the rest, or NULL. */
static const char *module_ver(const char *name, size_t *ver_len)
{
	const char *v, *slash;

	if (!strncmp(name, "./", 2))
		name += 2;
	while (*name == '/')
		name++;
	if (!strncmp(name, "usr/", 4))
		name += 4;
	if (strncmp(name, "lib/modules/", 12))
		return NULL;
	v = name + 12;
	slash = strchr(v, '/');
	if (!slash)
		return NULL;
	*ver_len = (size_t)(slash - v);
	return v;
}

static int on_entry(void *ctx, const struct cm_cpio_entry *e)
{
	struct seen *s = ctx;
	const char *v, *mod;
	size_t vl, ml;
	unsigned i;

	v = module_ver(e->name, &vl);
	if (!v)
		return 0;
	ml = cm_module_name(e->name, strlen(e->name), &mod);
	if (!ml)
		return 0;
	if (vl != strlen(s->k->ver) || memcmp(v, s->k->ver, vl)) {
		if (!s->other_modules++ && vl < sizeof(s->other_ver)) {
			memcpy(s->other_ver, v, vl);
			s->other_ver[vl] = '\0';
		}
		return 0;
	}
	s->modules++;
	for (i = 0; i < s->drivers->n; i++)
		if (cm_module_same(mod, ml, s->drivers->v[i]))
			s->found[i] = true;
	return 0;
}

static ssize_t read_fd(void *ctx, void *buf, size_t size)
{
	int fd = *(int *)ctx;
	ssize_t n;

	do
		n = read(fd, buf, size);
	while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

/* The first image name that exists: an fd, or -ENOENT. */
static int open_image(const char *root, const char *ver, char *path, size_t size)
{
	size_t i;
	int fd;

	for (i = 0; image_names[i].before; i++) {
		snprintf(path, size, "%s%s%s", image_names[i].before, ver,
			 image_names[i].after);
		fd = cm_sysroot_open_file(root, path);
		if (fd >= 0 || fd == -CM_ENOTREG)
			return fd;	/* a FIFO there is unreadable, not absent */
	}
	return -ENOENT;
}

static void report_drivers(struct cm_check *c, const struct cm_kernel *k,
			   const struct seen *s, const char *path)
{
	char what[CM_CHECK_WHAT_MAX];
	unsigned i;

	for (i = 0; i < c->p->storage_drivers.n; i++) {
		const char *m = c->p->storage_drivers.v[i];

		cm_check_setf(what, sizeof(what), "initramfs driver %s (%s)", m, k->ver);
		if (k->storage[i] == CM_DRV_BUILTIN)
			cm_check_add(c->rep, CM_CHECK_OK, what, "built into the kernel");
		else if (s->found[i])
			cm_check_add(c->rep, CM_CHECK_OK, what, "in %s", path);
		else
			cm_check_add(c->rep, CM_CHECK_MISSING, what, "not in %s, not built "
				     "in: a root disk behind it would not be found%s%s",
				     path, s->other_modules ? "; the image holds modules "
				     "of " : "", s->other_modules ? s->other_ver : "");
	}
}

static void check_one(struct cm_check *c, const struct cm_kernel *k)
{
	struct seen s = { .k = k, .drivers = &c->p->storage_drivers };
	char what[CM_CHECK_WHAT_MAX], path[CM_PATH_MAX];
	struct cm_initrd_info info;
	int fd, r;

	cm_check_setf(what, sizeof(what), "initramfs %s", k->ver);
	fd = open_image(c->root, k->ver, path, sizeof(path));
	if (fd == -CM_ENOTREG) {
		cm_check_add(c->rep, CM_CHECK_MISSING, what, "%s: %s", path,
			     cm_strerror(-fd));
		return;
	}
	if (fd < 0) {
		cm_check_add(c->rep, CM_CHECK_MISSING, what, "none of "
			     "/boot/initrd.img-%s, /boot/initramfs-%s.img, "
			     "/boot/initrd-%s", k->ver, k->ver, k->ver);
		return;
	}
	r = cm_initrd_list(read_fd, &fd, on_entry, &s, &info);
	close(fd);
	if (r < 0) {
		cm_check_add(c->rep, CM_CHECK_MISSING, what, "%s: %s", path,
			     info.why[0] ? info.why : cm_strerror(-r));
		return;
	}
	if (r == 1) {
		cm_check_add(c->rep, CM_CHECK_WARN, what, "%s: cannot inspect (%s): "
			     "its drivers are not checked", path,
			     cm_initrd_comp_name(info.unreadable));
		return;
	}
	cm_check_add(c->rep, CM_CHECK_OK, what, "%s (%s, %llu files, %lu modules "
		     "of %s)", path, info.layout, (unsigned long long)info.entries,
		     s.modules, k->ver);
	report_drivers(c, k, &s, path);
}

int cm_check_initramfs(struct cm_check *c)
{
	size_t i;

	for (i = 0; i < c->kernels.n; i++) {
		const struct cm_kernel *k = &c->kernels.v[i];

		/* no image, no tree or a rescue kernel: said by kernels.c */
		if (k->image[0] && k->moddir[0] && !k->rescue)
			check_one(c, k);
	}
	return 0;
}
