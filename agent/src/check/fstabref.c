/* fstab sources that name a disk the target will not have.
 *
 * systemd mounts every fstab entry at boot; an entry without nofail whose
 * device never appears fails local-fs.target and the boot ends in
 * emergency mode (systemd.mount(5), "nofail"): MISSING.  With nofail (or
 * noauto, or swap) the system boots without it: warn.  Entries are read
 * with libmount, as systemd-fstab-generator reads them.
 *
 * Device names: UUID=, LABEL=, PARTUUID=, PARTLABEL= and the udev links
 * by-uuid, by-label, ... are the same on every cloud; /dev/xvdX (Xen),
 * /dev/nvmeXnY, /dev/vdX (virtio-blk), /dev/sdX (SCSI: virtio-scsi,
 * storvsc) depend on the bus the cloud attaches disks with; by-path and
 * by-id name this machine's bus and disk serial. */
#include <errno.h>
#include <libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../adapt/fstab.h"
#include "../util/sysroot.h"
#include "../limits.h"
#include "../log.h"
#include "../util/buf.h"
#include "check.h"
#include "fstabref.h"

static const struct {
	const char *prefix;
	enum cm_disk_naming naming;
	const char *looks;
} schemes[] = {
	{ "/dev/nvme", CM_DISK_NVME, "/dev/nvmeXnY" },
	{ "/dev/xvd", CM_DISK_XVD, "/dev/xvdX" },
	{ "/dev/vd", CM_DISK_VD, "/dev/vdX" },
	{ "/dev/sd", CM_DISK_SD, "/dev/sdX" },
};

static const char *const tags[] = { "UUID=", "LABEL=", "PARTUUID=", "PARTLABEL=", NULL };

static const char *naming_looks(enum cm_disk_naming n)
{
	size_t i;

	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (schemes[i].naming == n)
			return schemes[i].looks;
	return "any name";
}

enum cm_devref cm_check_devref(const char *spec, enum cm_disk_naming target,
			       char *why, size_t why_size)
{
	size_t i;

	cm_check_setf(why, why_size, "stable on every cloud");
	for (i = 0; tags[i]; i++)
		if (!strncmp(spec, tags[i], strlen(tags[i])))
			return CM_DEVREF_STABLE;
	if (strncmp(spec, "/dev/", 5))
		return CM_DEVREF_NOT_DEVICE;
	if (!strncmp(spec, "/dev/disk/by-path/", 18) || !strncmp(spec, "/dev/disk/by-id/", 16)) {
		cm_check_setf(why, why_size, "names this machine's disk by its bus or "
			 "serial: no disk on the target has that name");
		return CM_DEVREF_GONE;
	}
	if (!strncmp(spec, "/dev/hd", 7)) {
		cm_check_setf(why, why_size, "IDE names (hdX) do not exist on kernels with "
			 "libata");
		return CM_DEVREF_GONE;
	}
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		if (strncmp(spec, schemes[i].prefix, strlen(schemes[i].prefix)))
			continue;
		if (target == CM_DISK_ANY) {
			cm_check_setf(why, why_size, "a %s name: depends on how the target "
				 "attaches disks and in which order", schemes[i].looks);
			return CM_DEVREF_SAME_SCHEME;
		}
		if (target == schemes[i].naming) {
			cm_check_setf(why, why_size, "the target's disks are %s too, but the "
				 "name depends on the order they appear in",
				 schemes[i].looks);
			return CM_DEVREF_SAME_SCHEME;
		}
		cm_check_setf(why, why_size, "the target's disks are %s: no %s there",
			 naming_looks(target), schemes[i].looks);
		return CM_DEVREF_GONE;
	}
	return CM_DEVREF_STABLE;	/* /dev/mapper/..., /dev/<vg>/<lv>, /dev/md0 */
}

static int count_bad_line(struct libmnt_table *tb, const char *filename, int line)
{
	unsigned *bad = mnt_table_get_userdata(tb);

	(void)filename;
	(void)line;
	(*bad)++;
	return 1;	/* a warning: parsing goes on, as for systemd */
}

static void check_entry(struct libmnt_fs *fs, const struct cm_fstabref_opts *o,
			struct cm_check_report *rep)
{
	const char *src = mnt_fs_get_source(fs), *tgt = mnt_fs_get_target(fs);
	char what[CM_CHECK_WHAT_MAX], why[192], stable[256], here[320] = "";
	bool swap = mnt_fs_is_swaparea(fs);
	bool optional = swap ||
		mnt_fs_get_option(fs, "nofail", NULL, NULL) == 0 ||
		mnt_fs_get_option(fs, "noauto", NULL, NULL) == 0;
	enum cm_devref ref;

	if (!src || !tgt || mnt_fs_is_pseudofs(fs) || mnt_fs_is_netfs(fs))
		return;
	ref = cm_check_devref(src, o->naming, why, sizeof(why));
	if (ref == CM_DEVREF_NOT_DEVICE)
		return;
	cm_check_setf(what, sizeof(what), "fstab %s", swap ? "swap" : tgt);
	if (ref == CM_DEVREF_STABLE) {
		cm_check_add(rep, CM_CHECK_OK, what, "%s", src);
		return;
	}
	/* the way out, when this machine can tell */
	if (o->resolve && o->resolve(o->resolve_ctx, src, stable, sizeof(stable)) == 0)
		cm_check_setf(here, sizeof(here), "; here it is %s (cloudmove adapt "
			 "--target %s rewrites it)", stable, o->cloud);
	if (ref == CM_DEVREF_SAME_SCHEME)
		cm_check_add(rep, CM_CHECK_WARN, what, "%s: %s%s", src, why, here);
	else
		cm_check_add(rep, optional ? CM_CHECK_WARN : CM_CHECK_MISSING, what,
			     "%s: %s%s%s", src, why, optional ? " (optional: boots "
			     "without it)" : " (not nofail: the boot stops in "
			     "emergency mode)", here);
}

int cm_fstabref_scan(const char *buf, size_t len, const struct cm_fstabref_opts *o,
		     struct cm_check_report *rep)
{
	struct libmnt_table *tb = NULL;
	struct libmnt_iter *itr = NULL;
	struct libmnt_fs *fs;
	unsigned bad = 0;
	FILE *f = NULL;
	int r = -ENOMEM;

	if (memchr(buf, '\0', len)) {
		cm_check_add(rep, CM_CHECK_MISSING, "fstab", "not a text file (NUL "
			     "bytes): systemd could not read it");
		return 0;
	}
	tb = mnt_new_table();
	itr = mnt_new_iter(MNT_ITER_FORWARD);
	if (!tb || !itr)
		goto out;
	if (len == 0) {
		r = 0;
		goto out;
	}
	f = fmemopen((void *)buf, len, "r");
	if (!f)
		goto out;
	mnt_table_set_userdata(tb, &bad);
	mnt_table_set_parser_errcb(tb, count_bad_line);
	r = mnt_table_parse_stream(tb, f, "fstab");
	if (r < 0) {
		cm_check_add(rep, CM_CHECK_MISSING, "fstab", "libmount cannot parse "
			     "it: %s", cm_strerror(-r));
		r = 0;
		goto out;
	}
	if (bad)
		cm_check_add(rep, CM_CHECK_WARN, "fstab", "%u line%s libmount cannot "
			     "parse (skipped, as systemd skips them)", bad,
			     bad == 1 ? "" : "s");
	while (mnt_table_next_fs(tb, itr, &fs) == 0)
		check_entry(fs, o, rep);
	r = 0;
out:
	if (f)
		fclose(f);
	mnt_free_iter(itr);
	mnt_unref_table(tb);
	return r;
}

int cm_check_fstab(struct cm_check *c)
{
	struct cm_fstabref_opts o = {
		.naming = c->p->disk, .cloud = c->p->name,
		.resolve = cm_fstab_resolve_blkid,
	};
	struct cm_buf b;
	int r;

	cm_buf_init(&b, CM_FSTAB_MAX);
	r = cm_sysroot_read(c->root, "/etc/fstab", &b);
	if (r == -ENOENT) {
		cm_check_add(c->rep, CM_CHECK_OK, "fstab", "no /etc/fstab: the root "
			     "is mounted from root= alone");
		r = 0;
	} else if (r < 0) {
		cm_check_add(c->rep, CM_CHECK_MISSING, "fstab", "%s/etc/fstab: %s",
			     c->root, cm_strerror(-r));
		r = 0;
	} else {
		r = cm_fstabref_scan(b.data ? b.data : "", b.len, &o, c->rep);
		if (r < 0)
			cm_err(r, "check: fstab");
	}
	cm_buf_free(&b);
	return r;
}
