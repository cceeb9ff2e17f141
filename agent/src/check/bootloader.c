/* A boot loader the cloud's firmware can start, and the root= its kernel
 * command lines name.
 *
 * Looked for: GRUB 2 (/boot/grub/grub.cfg Debian, /boot/grub2/grub.cfg
 * RHEL/SUSE, EFI/<vendor>/grub.cfg on the ESP), GRUB legacy menu.lst
 * (old Xen PV images), Boot Loader Specification entries
 * (/boot/loader/entries/NAME.conf, read by GRUB's blscfg on RHEL/Fedora and
 * by systemd-boot), systemd-boot itself, extlinux/syslinux.  root= is
 * judged as fstab sources are (fstabref.c): a disk name the target will
 * not have is MISSING, the root is never optional. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "../util/sysroot.h"
#include "../limits.h"
#include "../log.h"
#include "../util/buf.h"
#include "bootloader.h"
#include "check.h"

#define ROOTS_MAX	8
#define ROOT_MAX	256
#define KERNELOPTS_MAX	4096

/* --- pure parsing ---------------------------------------------------------- */

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* The next word of p[0..end): *w, its length; p moves past it. */
static size_t word(const char **p, const char *end, const char **w)
{
	const char *s = *p;

	while (s < end && blank(*s))
		s++;
	*w = s;
	while (s < end && !blank(*s))
		s++;
	*p = s;
	return (size_t)(s - *w);
}

static bool is_word(const char *w, size_t n, const char *lit, bool nocase)
{
	return n == strlen(lit) && (nocase ? !strncasecmp(w, lit, n) : !memcmp(w, lit, n));
}

int cm_boot_cmdline_root(const char *args, size_t len, char *out, size_t size)
{
	const char *p = args, *end = args + len, *w, *last = NULL;
	size_t n, last_n = 0;

	while ((n = word(&p, end, &w)) > 0)
		if (n >= 5 && !memcmp(w, "root=", 5)) {
			last = w + 5;
			last_n = n - 5;
		}
	if (!last)
		return 0;
	if (last_n >= 2 && last[0] == '"' && last[last_n - 1] == '"') {
		last++;
		last_n -= 2;
	}
	if (last_n >= size)
		return -ENAMETOOLONG;
	memcpy(out, last, last_n);
	out[last_n] = '\0';
	return 1;
}

int cm_grubenv_get(const char *buf, size_t len, const char *key, char *out,
		   size_t size)
{
	const char *p = buf, *end = buf + len;
	size_t kl = strlen(key);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);

		if (n > kl && !memcmp(p, key, kl) && p[kl] == '=') {
			n -= kl + 1;
			if (n >= size)
				n = size - 1;
			memcpy(out, p + kl + 1, n);
			out[n] = '\0';
			return 1;
		}
		p += n + 1;
	}
	return 0;
}

/* BLS: "options" lines joined with spaces, $kernelopts expanded. */
static int bls_cmdline(const char *buf, size_t len, const char *kernelopts,
		       cm_boot_cmdline_fn fn, void *ctx)
{
	const char *p = buf, *end = buf + len, *w;
	struct cm_buf b;
	int r = 0;

	cm_buf_init(&b, CM_BLS_ENTRY_MAX + KERNELOPTS_MAX);
	while (r == 0 && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *q = p;
		size_t wn = word(&q, le, &w);

		if (is_word(w, wn, "options", false)) {
			while (r == 0 && (wn = word(&q, le, &w)) > 0) {
				if (is_word(w, wn, "$kernelopts", false) && kernelopts)
					r = cm_buf_printf(&b, "%s ", kernelopts);
				else
					r = cm_buf_printf(&b, "%.*s ", (int)wn, w);
			}
		}
		p = le + 1;
	}
	/* one entry, one command line (maybe empty) */
	if (r == 0)
		fn(ctx, b.data ? b.data : "", b.len);
	cm_buf_free(&b);
	return r < 0 ? r : 1;
}

int cm_boot_cfg_cmdlines(const char *buf, size_t len, enum cm_boot_cfg kind,
			 const char *kernelopts, int *blscfg,
			 cm_boot_cmdline_fn fn, void *ctx)
{
	const char *p = buf, *end = buf + len, *w;
	int n = 0;

	if (blscfg)
		*blscfg = 0;
	if (kind == CM_BOOT_BLS)
		return bls_cmdline(buf, len, kernelopts, fn, ctx);
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *q = p;
		size_t wn = word(&q, le, &w);
		bool hit;

		if (kind == CM_BOOT_GRUB) {
			hit = is_word(w, wn, "linux", false) ||
			      is_word(w, wn, "linuxefi", false) ||
			      is_word(w, wn, "linux16", false);
			if (blscfg && is_word(w, wn, "blscfg", false))
				*blscfg = 1;
		} else if (kind == CM_BOOT_GRUB_LEGACY) {
			hit = is_word(w, wn, "kernel", false);
		} else {
			hit = is_word(w, wn, "append", true);
		}
		if (hit) {
			if (kind != CM_BOOT_EXTLINUX)
				word(&q, le, &w);	/* the kernel's path */
			fn(ctx, q, (size_t)(le - q));
			n++;
		}
		p = le + 1;
	}
	return n;
}

/* --- finding them ------------------------------------------------------------ */

struct roots {
	unsigned entries, without;	/* command lines; those without root= */
	size_t n;
	struct {
		char value[ROOT_MAX];
		char where[128];
		unsigned count;
	} v[ROOTS_MAX];
	const char *where;		/* the file being read */
};

static void on_cmdline(void *ctx, const char *args, size_t len)
{
	struct roots *rs = ctx;
	char value[ROOT_MAX];
	size_t i;

	rs->entries++;
	if (cm_boot_cmdline_root(args, len, value, sizeof(value)) != 1) {
		rs->without++;
		return;
	}
	for (i = 0; i < rs->n; i++)
		if (!strcmp(rs->v[i].value, value)) {
			rs->v[i].count++;
			return;
		}
	if (rs->n == ROOTS_MAX)
		return;
	snprintf(rs->v[rs->n].value, sizeof(rs->v[0].value), "%s", value);
	snprintf(rs->v[rs->n].where, sizeof(rs->v[0].where), "%s", rs->where);
	rs->v[rs->n++].count = 1;
}

struct found {
	struct cm_check *c;
	struct roots roots;
	unsigned loaders;
	struct cm_buf buf;
	char kernelopts[KERNELOPTS_MAX];
	bool have_kernelopts;
};

/* Reads one configuration file: 1 read, 0 absent. */
static int read_cfg(struct found *f, const char *path, size_t max)
{
	int r;

	f->buf.max = max;
	r = cm_sysroot_read(f->c->root, path, &f->buf);
	if (r == -ENOENT || r == -ENOTDIR)
		return 0;
	if (r < 0) {
		cm_check_add(f->c->rep, CM_CHECK_WARN, "boot loader", "%s: %s", path,
			     cm_strerror(-r));
		return 0;
	}
	return 1;
}

static void grub_file(struct found *f, const char *path, enum cm_boot_cfg kind,
		      const char *label)
{
	int n, blscfg = 0;

	if (!read_cfg(f, path, CM_BOOT_CFG_MAX))
		return;
	f->loaders++;
	f->roots.where = path;
	n = cm_boot_cfg_cmdlines(f->buf.data ? f->buf.data : "", f->buf.len, kind,
				 NULL, &blscfg, on_cmdline, &f->roots);
	cm_check_add(f->c->rep, CM_CHECK_OK, "boot loader", "%s %s (%d kernel "
		     "entr%s%s)", label, path, n, n == 1 ? "y" : "ies",
		     blscfg ? ", and BLS entries through blscfg" : "");
}

/* EFI/<vendor>/grub.cfg on the ESP. */
static void grub_efi(struct found *f, const char *esp)
{
	char dir[64], path[CM_PATH_MAX];
	struct dirent *de;
	DIR *d;
	int fd;

	snprintf(dir, sizeof(dir), "%s/EFI", esp);
	fd = cm_sysroot_open(f->c->root, dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' &&
		    snprintf(path, sizeof(path), "%s/%s/grub.cfg", dir,
			     de->d_name) < (int)sizeof(path))
			grub_file(f, path, CM_BOOT_GRUB, "GRUB (EFI)");
	closedir(d);
}

static void load_kernelopts(struct found *f)
{
	static const char *const envs[] = {
		"/boot/grub2/grubenv", "/boot/grub/grubenv", NULL,
	};
	size_t i;

	for (i = 0; envs[i] && !f->have_kernelopts; i++)
		if (read_cfg(f, envs[i], 64 * 1024) && f->buf.data)
			f->have_kernelopts = cm_grubenv_get(f->buf.data, f->buf.len,
							    "kernelopts", f->kernelopts,
							    sizeof(f->kernelopts)) == 1;
}

/* <dir>/NAME.conf: Boot Loader Specification type #1 entries. */
static void bls_dir(struct found *f, const char *dir)
{
	char path[CM_PATH_MAX];
	struct dirent *de;
	unsigned n = 0;
	DIR *d;
	int fd;

	fd = cm_sysroot_open(f->c->root, dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	load_kernelopts(f);
	while ((de = readdir(d)) && n < CM_BLS_ENTRIES_MAX) {
		size_t l = strlen(de->d_name);

		if (l < 6 || strcmp(de->d_name + l - 5, ".conf") ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path) || !read_cfg(f, path, CM_BLS_ENTRY_MAX))
			continue;
		f->roots.where = dir;
		cm_boot_cfg_cmdlines(f->buf.data ? f->buf.data : "", f->buf.len,
				     CM_BOOT_BLS, f->have_kernelopts ? f->kernelopts
				     : NULL, NULL, on_cmdline, &f->roots);
		n++;
	}
	closedir(d);
	if (n) {
		f->loaders++;
		cm_check_add(f->c->rep, CM_CHECK_OK, "boot loader", "BLS entries %s "
			     "(%u entr%s)", dir, n, n == 1 ? "y" : "ies");
	}
}

static void systemd_boot(struct found *f, const char *esp)
{
	static const char *const names[] = { "systemd-bootx64.efi",
		"systemd-bootaa64.efi", NULL };
	char path[CM_PATH_MAX];
	size_t i;
	int fd;

	for (i = 0; names[i]; i++) {
		snprintf(path, sizeof(path), "%s/EFI/systemd/%s", esp, names[i]);
		fd = cm_sysroot_open_file(f->c->root, path);
		if (fd < 0)
			continue;
		close(fd);
		f->loaders++;
		cm_check_add(f->c->rep, CM_CHECK_OK, "boot loader", "systemd-boot %s",
			     path);
	}
}

static void judge_roots(struct found *f)
{
	const struct roots *rs = &f->roots;
	char why[192], what[CM_CHECK_WHAT_MAX];
	size_t i;

	for (i = 0; i < rs->n; i++) {
		enum cm_devref ref = cm_check_devref(rs->v[i].value, f->c->p->disk,
						     why, sizeof(why));
		enum cm_check_status st = ref == CM_DEVREF_GONE ? CM_CHECK_MISSING :
			ref == CM_DEVREF_SAME_SCHEME ? CM_CHECK_WARN : CM_CHECK_OK;

		cm_check_setf(what, sizeof(what), "root= %s", rs->v[i].value);
		cm_check_add(f->c->rep, st, what, "%s; %u entr%s, first in %s",
			     ref == CM_DEVREF_NOT_DEVICE ? "not a disk name" : why,
			     rs->v[i].count, rs->v[i].count == 1 ? "y" : "ies",
			     rs->v[i].where);
	}
	if (rs->entries && !rs->n)
		cm_check_add(f->c->rep, CM_CHECK_WARN, "root=", "no kernel command "
			     "line names the root: the initramfs must find it itself "
			     "(GPT partition type, systemd-gpt-auto-generator)");
	else if (f->loaders && !rs->entries)
		cm_check_add(f->c->rep, CM_CHECK_WARN, "root=", "no kernel command "
			     "line found in the boot loader configuration");
}

int cm_check_bootloader(struct cm_check *c)
{
	static const char *const esps[] = { "/boot/efi", "/efi", "/boot", NULL };
	static const char *const extlinux[] = { "/boot/extlinux/extlinux.conf",
		"/extlinux.conf", "/boot/syslinux/syslinux.cfg", NULL };
	struct found *f = calloc(1, sizeof(*f));
	size_t i;

	if (!f)
		return cm_err(-ENOMEM, "check");
	f->c = c;
	cm_buf_init(&f->buf, CM_BOOT_CFG_MAX);
	grub_file(f, "/boot/grub/grub.cfg", CM_BOOT_GRUB, "GRUB");
	grub_file(f, "/boot/grub2/grub.cfg", CM_BOOT_GRUB, "GRUB");
	grub_file(f, "/boot/grub/menu.lst", CM_BOOT_GRUB_LEGACY, "GRUB legacy");
	for (i = 0; esps[i]; i++) {
		grub_efi(f, esps[i]);
		systemd_boot(f, esps[i]);
	}
	bls_dir(f, "/boot/loader/entries");
	bls_dir(f, "/boot/efi/loader/entries");
	bls_dir(f, "/efi/loader/entries");
	for (i = 0; extlinux[i]; i++)
		grub_file(f, extlinux[i], CM_BOOT_EXTLINUX, "extlinux");
	if (!f->loaders)
		cm_check_add(c->rep, CM_CHECK_MISSING, "boot loader", "none found "
			     "(GRUB grub.cfg, BLS entries, systemd-boot, extlinux): "
			     "the cloud's firmware would have nothing to start");
	judge_roots(f);
	cm_buf_free(&f->buf);
	free(f);
	return 0;
}
