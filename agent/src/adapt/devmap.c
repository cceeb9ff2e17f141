#include <blkid.h>
#include <ctype.h>
#include <errno.h>
#include <libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../limits.h"
#include "devmap.h"
#include "fstab.h"
#include "kargs.h"
#include "../util/sysroot.h"

static const char *const stable_prefixes[] = {
	"UUID=", "LABEL=", "PARTUUID=", "PARTLABEL=", "/dev/disk/by-uuid/",
	"/dev/disk/by-label/", "/dev/disk/by-partuuid/",
	"/dev/disk/by-partlabel/", "/dev/mapper/", NULL,
};

int cm_devmap_stable(const char *spec)
{
	size_t i;

	for (i = 0; stable_prefixes[i]; i++)
		if (!strncmp(spec, stable_prefixes[i], strlen(stable_prefixes[i])))
			return 1;
	/* /dev/<vg>/<lv>: LVM names do not change with the bus. */
	return !strncmp(spec, "/dev/", 5) && strchr(spec + 5, '/') &&
	       strncmp(spec, "/dev/disk/", 10);
}

static void add(struct cm_devmap *m, const char *dev, size_t dlen,
		const char *stable, size_t slen)
{
	size_t i;

	if (!dlen || !slen || dlen >= CM_DEVMAP_NAME_MAX ||
	    slen >= CM_DEVMAP_NAME_MAX)
		return;
	for (i = 0; i < m->n; i++)
		if (strlen(m->v[i].dev) == dlen && !memcmp(m->v[i].dev, dev, dlen))
			return;		/* the first (most trusted) source wins */
	if (m->n == CM_DEVMAP_MAX)
		return;
	memcpy(m->v[m->n].dev, dev, dlen);
	m->v[m->n].dev[dlen] = '\0';
	memcpy(m->v[m->n].stable, stable, slen);
	m->v[m->n].stable[slen] = '\0';
	m->n++;
}

static void set_root(struct cm_devmap *m, const char *stable, size_t len,
		     const char *from)
{
	if (m->root[0] || !len || len >= sizeof(m->root))
		return;
	memcpy(m->root, stable, len);
	m->root[len] = '\0';
	snprintf(m->root_from, sizeof(m->root_from), "%s", from);
}

/* "# / was on /dev/sda1 during installation": the device of the entry
 * under it, as Debian's installer (partman) writes it. */
static void learn_comment(struct cm_devmap *m, const char *comment,
			  const char *source)
{
	const char *p = comment, *on, *dev, *end;

	/* What fstab.c itself leaves above an entry it renamed. */
	if ((on = strstr(p, "# cloudmove: was /dev/"))) {
		dev = on + 17;
		end = dev;
		while (*end && !isspace((unsigned char)*end))
			end++;
		add(m, dev, (size_t)(end - dev), source, strlen(source));
	}
	while ((on = strstr(p, " was on /dev/"))) {
		dev = on + 8;
		end = dev;
		while (*end && !isspace((unsigned char)*end))
			end++;
		if (!strncmp(end, " during installation", 20))
			add(m, dev, (size_t)(end - dev), source, strlen(source));
		p = end;
	}
}

void cm_devmap_learn_fstab(struct cm_devmap *m, const char *buf, size_t len)
{
	struct libmnt_table *tb;
	struct libmnt_iter *it;
	struct libmnt_fs *fs;
	FILE *f;

	if (!len || !(f = fmemopen((void *)buf, len, "r")))
		return;
	tb = mnt_new_table();
	it = mnt_new_iter(MNT_ITER_FORWARD);
	if (tb && it) {
		mnt_table_enable_comments(tb, 1);
		/* Bad lines are skipped: this only learns; fstab.c judges. */
		mnt_table_parse_stream(tb, f, "fstab");
		const char *intro = mnt_table_get_intro_comment(tb);
		int first = 1;

		while (mnt_table_next_fs(tb, it, &fs) == 0) {
			const char *src = mnt_fs_get_source(fs);
			const char *tgt = mnt_fs_get_target(fs);
			const char *com = mnt_fs_get_comment(fs);

			if (!src || !cm_devmap_stable(src)) {
				first = 0;
				continue;
			}
			/* libmount keeps the comments above the first entry
			 * as the file's "intro". */
			if (first && intro)
				learn_comment(m, intro, src);
			first = 0;
			if (com)
				learn_comment(m, com, src);
			if (tgt && !strcmp(tgt, "/") && strncmp(src, "/dev/mapper/", 12))
				set_root(m, src, strlen(src), "fstab");
		}
	}
	mnt_free_iter(it);
	mnt_unref_table(tb);
	fclose(f);
}

void cm_devmap_learn_kargs(struct cm_devmap *m, const char *args, size_t len,
			   const char *from)
{
	size_t i = 0;

	while (i < len) {
		size_t start;

		while (i < len && isspace((unsigned char)args[i]))
			i++;
		start = i;
		while (i < len && !isspace((unsigned char)args[i]))
			i++;
		if (i - start > 5 && !memcmp(args + start, "root=", 5)) {
			char v[CM_DEVMAP_NAME_MAX];
			size_t vl = i - start - 5;

			if (vl >= sizeof(v))
				continue;
			memcpy(v, args + start + 5, vl);
			v[vl] = '\0';
			if (cm_devmap_stable(v) && strncmp(v, "/dev/mapper/", 12))
				set_root(m, v, vl, from);
		}
	}
}

/* <device DEVNO="0x0801" UUID="1234" TYPE="ext4">/dev/sda1</device> */
static int tag_value(const char *s, const char *end, const char *tag,
		     const char **v, size_t *vl)
{
	size_t tl = strlen(tag);
	const char *p = s;

	while ((p = memmem(p, (size_t)(end - p), tag, tl))) {
		const char *q;

		if (p > s && p[-1] == ' ' && p + tl < end && p[tl] == '"' &&
		    (q = memchr(p + tl + 1, '"', (size_t)(end - p - tl - 1)))) {
			*v = p + tl + 1;
			*vl = (size_t)(q - *v);
			return 1;
		}
		p += tl;
	}
	return 0;
}

void cm_devmap_learn_blkid_tab(struct cm_devmap *m, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end, *gt, *lt, *v;
		char stable[CM_DEVMAP_NAME_MAX];
		size_t vl;

		if ((size_t)(le - p) > 8 && !memcmp(p, "<device ", 8) &&
		    (gt = memchr(p, '>', (size_t)(le - p))) &&
		    (lt = memmem(gt, (size_t)(le - gt), "</device>", 9)) &&
		    tag_value(p, gt, "UUID=", &v, &vl) && vl + 6 < sizeof(stable)) {
			snprintf(stable, sizeof(stable), "UUID=%.*s", (int)vl, v);
			add(m, gt + 1, (size_t)(lt - gt - 1), stable, strlen(stable));
		}
		p = le + 1;
	}
}

/* The sysroot's own device when it is a mount point here. */
static void learn_live_root(const char *sysroot, struct cm_devmap *m)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_fs *fs;
	char stable[CM_DEVMAP_NAME_MAX], *real;
	const char *src;

	real = realpath(sysroot && *sysroot ? sysroot : "/", NULL);
	if (tb && real && mnt_table_parse_mtab(tb, NULL) == 0 &&
	    (fs = mnt_table_find_target(tb, real, MNT_ITER_BACKWARD)) &&
	    (src = mnt_fs_get_srcpath(fs)) && !strncmp(src, "/dev/", 5)) {
		m->live = 1;
		if (cm_fstab_resolve_blkid(NULL, src, stable, sizeof(stable)) == 0)
			set_root(m, stable, strlen(stable), "the mounted root");
	}
	free(real);
	mnt_unref_table(tb);
}

static void learn_file(const char *sysroot, const char *path, struct cm_devmap *m,
		       void (*fn)(struct cm_devmap *, const char *, size_t))
{
	struct cm_buf b;

	cm_buf_init(&b, CM_GRUB_CFG_MAX);
	if (cm_sysroot_read(sysroot, path, &b) == 0 && b.len)
		fn(m, b.data, b.len);
	cm_buf_free(&b);
}

static void learn_kargs_file(struct cm_devmap *m, const char *buf, size_t len)
{
	cm_devmap_learn_kargs(m, buf, len, "the boot loader");
}

/* BLS entries: their "options" lines (scanned whole: only root= counts). */
static void learn_bls(const char *sysroot, struct cm_devmap *m)
{
	static char names[64][CM_SYSROOT_FNAME_MAX];
	char path[CM_PATH_MAX];
	int n, i;

	n = cm_sysroot_list(sysroot, "/boot/loader/entries", "*.conf", names, 64);
	for (i = 0; i < n; i++)
		if (snprintf(path, sizeof(path), "/boot/loader/entries/%.255s",
			     names[i]) < (int)sizeof(path))
			learn_file(sysroot, path, m, learn_kargs_file);
}

void cm_devmap_load(const char *sysroot, struct cm_devmap *m)
{
	memset(m, 0, sizeof(*m));
	learn_live_root(sysroot, m);
	learn_file(sysroot, "/etc/fstab", m, cm_devmap_learn_fstab);
	learn_file(sysroot, "/etc/kernel/cmdline", m, learn_kargs_file);
	learn_bls(sysroot, m);
	learn_file(sysroot, "/boot/grub/grub.cfg", m, learn_kargs_file);
	learn_file(sysroot, "/boot/grub2/grub.cfg", m, learn_kargs_file);
	learn_file(sysroot, "/etc/blkid.tab", m, cm_devmap_learn_blkid_tab);
	learn_file(sysroot, "/etc/blkid/blkid.tab", m, cm_devmap_learn_blkid_tab);
}

/* Whether dev is the source of the "/" entry of the root's fstab is
 * decided by the caller (fstab.c knows the mount point): here, only the
 * recorded names and, when live, the devices themselves. */
int cm_devmap_resolve(void *ctx, const char *dev, char *out, size_t size)
{
	const struct cm_devmap *m = ctx;
	size_t i;

	for (i = 0; m && i < m->n; i++)
		if (!strcmp(m->v[i].dev, dev)) {
			snprintf(out, size, "%s", m->v[i].stable);
			return 0;
		}
	if (m && m->live)
		return cm_fstab_resolve_blkid(NULL, dev, out, size);
	return -ENOENT;
}
