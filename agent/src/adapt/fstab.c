#include <blkid.h>
#include <errno.h>
#include <libmount.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../log.h"
#include "devmap.h"
#include "fstab.h"
#include "rewrite.h"
#include "../util/sysroot.h"

#define FSTAB_FIELDS 6

/* A field of a line: where it is, so the rest keeps its bytes. */
struct span {
	size_t off, len;
};

static const char *const unstable_prefixes[] = {
	"/dev/sd", "/dev/vd", "/dev/xvd", "/dev/hd", "/dev/nvme",
	"/dev/disk/by-path/", "/dev/disk/by-id/", NULL,
};

/* Mount points of the system itself: never nofail (a missing one is a
 * broken system, better seen at once). */
static const char *const system_mounts[] = {
	"/", "/usr", "/var", "/boot", "/boot/efi", "/efi", NULL,
};

/* by-id names that the kernel's device mapper and md derive from
 * their own UUIDs: as stable as UUID=. */
static const char *const stable_by_id[] = {
	"/dev/disk/by-id/dm-uuid-", "/dev/disk/by-id/dm-name-",
	"/dev/disk/by-id/lvm-pv-uuid-", "/dev/disk/by-id/md-uuid-",
	"/dev/disk/by-id/md-name-", NULL,
};

int cm_fstab_unstable_device(const char *spec)
{
	size_t i;

	for (i = 0; stable_by_id[i]; i++)
		if (!strncmp(spec, stable_by_id[i], strlen(stable_by_id[i])))
			return 0;
	for (i = 0; unstable_prefixes[i]; i++)
		if (!strncmp(spec, unstable_prefixes[i], strlen(unstable_prefixes[i])))
			return 1;
	return 0;
}

static int in_list(const char *s, const char *const *list)
{
	size_t i;

	for (i = 0; list[i]; i++)
		if (!strcmp(s, list[i]))
			return 1;
	return 0;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static size_t split_fields(const char *line, size_t len, struct span *f)
{
	size_t i = 0, n = 0;

	while (i < len && n < FSTAB_FIELDS) {
		while (i < len && is_blank(line[i]))
			i++;
		if (i == len)
			break;
		f[n].off = i;
		while (i < len && !is_blank(line[i]))
			i++;
		f[n].len = i - f[n].off;
		n++;
	}
	return n;
}

static int add_span(struct cm_buf *out, const char *line, size_t from, size_t to)
{
	return cm_buf_add(out, line + from, to - from);
}

static void field_copy(const char *line, const struct span *f, char *out,
		       size_t size)
{
	size_t n = f->len < size - 1 ? f->len : size - 1;

	memcpy(out, line + f->off, n);
	out[n] = '\0';
}

/* The options with nofail and the device timeout added (libmount's own
 * option-string editing, so quoting and commas are right). */
static int data_options(const char *opts, const struct cm_fstab_opts *o,
			char **out)
{
	char *s = strdup(opts), tmo[32];

	if (!s)
		return -ENOMEM;
	if (mnt_optstr_get_option(s, "nofail", NULL, NULL) != 0 &&
	    mnt_optstr_append_option(&s, "nofail", NULL) < 0)
		goto fail;
	if (o->device_timeout_s > 0 &&
	    mnt_optstr_get_option(s, "x-systemd.device-timeout", NULL, NULL) != 0) {
		snprintf(tmo, sizeof(tmo), "%ds", o->device_timeout_s);
		if (mnt_optstr_append_option(&s, "x-systemd.device-timeout", tmo) < 0)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	free(s);
	return -ENOMEM;
}

static int rewrite_entry(const char *line, size_t len, const struct span *f,
			 size_t nf, const struct cm_fstab_opts *o,
			 cm_fstab_resolve_fn resolve, void *ctx,
			 struct cm_buf *out, struct cm_fstab_result *res)
{
	char spec[512], file[512], type[64], opts[1024], stable[256];
	char *new_opts = NULL;
	int rename_it = 0, nofail_it = 0, r = 0;

	field_copy(line, &f[0], spec, sizeof(spec));
	field_copy(line, &f[1], file, sizeof(file));
	field_copy(line, &f[2], type, sizeof(type));
	if (nf > 3)
		field_copy(line, &f[3], opts, sizeof(opts));
	else
		snprintf(opts, sizeof(opts), "defaults");
	if (!strcmp(type, "swap") && !o->swap) {
		res->swap_off++;
		r = cm_buf_addstr(out, "#cloudmove-swap-off# ");
		return r < 0 ? r : add_span(out, line, 0, len);
	}
	if (cm_fstab_unstable_device(spec)) {
		if (o->root && o->root[0] && !strcmp(file, "/")) {
			snprintf(stable, sizeof(stable), "%s", o->root);
			rename_it = 1;
		} else if (resolve && resolve(ctx, spec, stable, sizeof(stable)) == 0) {
			rename_it = 1;
		} else {
			if (res->unresolved < 4)
				snprintf(res->unresolved_dev[res->unresolved],
					 sizeof(res->unresolved_dev[0]), "%s", spec);
			res->unresolved++;
		}
	}
	/* Quotes in options are libmount's to interpret and rare in fstab:
	 * such an entry is left exactly as it is. */
	/* The root file system's other mounts (btrfs subvolumes) are the
	 * system itself: never nofail. */
	if (o->data_nofail && nf > 3 && strcmp(type, "swap") && !strchr(opts, '"') &&
	    !(o->root && o->root[0] && !strcmp(spec, o->root)) &&
	    !in_list(file, system_mounts) && file[0] == '/' &&
	    (mnt_optstr_get_option(opts, "nofail", NULL, NULL) != 0 ||
	     (o->device_timeout_s > 0 &&
	      mnt_optstr_get_option(opts, "x-systemd.device-timeout", NULL, NULL) != 0))) {
		/* only for things on a block device */
		if (!strncmp(spec, "/dev/", 5) || !strncmp(spec, "UUID=", 5) ||
		    !strncmp(spec, "LABEL=", 6) || !strncmp(spec, "PARTUUID=", 9)) {
			r = data_options(opts, o, &new_opts);
			if (r < 0)
				return r;
			nofail_it = 1;
		}
	}
	if (!rename_it && !nofail_it)
		return add_span(out, line, 0, len);
	if (rename_it) {
		res->renamed++;
		r = cm_buf_printf(out, "# cloudmove: was %s\n", spec);
	}
	if (r == 0)
		r = add_span(out, line, 0, f[0].off);
	if (r == 0)
		r = cm_buf_addstr(out, rename_it ? stable : spec);
	if (r == 0)
		r = add_span(out, line, f[0].off + f[0].len,
			     nofail_it ? f[3].off : len);
	if (r == 0 && nofail_it) {
		res->nofail++;
		r = cm_buf_addstr(out, new_opts);
		if (r == 0)
			r = add_span(out, line, f[3].off + f[3].len, len);
	}
	free(new_opts);
	return r;
}

int cm_fstab_rewrite(const char *buf, size_t len, const struct cm_fstab_opts *o,
		     cm_fstab_resolve_fn resolve, void *ctx, struct cm_buf *out,
		     struct cm_fstab_result *res)
{
	const char *p = buf, *end = buf + len;
	int r = 0;

	memset(res, 0, sizeof(*res));
	cm_buf_reset(out);
	if (len > CM_FSTAB_MAX)
		return -EMSGSIZE;
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	while (r == 0 && p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		struct span f[FSTAB_FIELDS];
		size_t nf = split_fields(p, n, f);

		if (nf == 0 || p[f[0].off] == '#')
			r = add_span(out, p, 0, n);
		else if (nf < 2)
			r = -EBADMSG;
		else if (nf < 3)
			r = add_span(out, p, 0, n);	/* odd, but not ours to fix */
		else
			r = rewrite_entry(p, n, f, nf, o, resolve, ctx, out, res);
		if (r == 0 && eol)
			r = cm_buf_add(out, "\n", 1);
		p += n + (eol ? 1 : 0);
	}
	if (r == 0 && !out->data)
		r = cm_buf_add(out, "", 0);
	return r;
}

int cm_fstab_resolve_blkid(void *ctx, const char *dev, char *out, size_t size)
{
	char *v;

	(void)ctx;
	v = blkid_get_tag_value(NULL, "UUID", dev);
	if (v) {
		snprintf(out, size, "UUID=%s", v);
		free(v);
		return 0;
	}
	v = blkid_get_tag_value(NULL, "LABEL", dev);
	if (v) {
		snprintf(out, size, "LABEL=%s", v);
		free(v);
		return 0;
	}
	return -ENOENT;
}

int cm_fstab_plan(const char *sysroot, const struct cm_profile_rt *p,
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

	o.root = rep->devmap->root;
	cm_buf_init(&old, CM_FSTAB_MAX);
	cm_buf_init(&new, 2 * CM_FSTAB_MAX);
	r = cm_rewrite_read(sysroot, "/etc/fstab", &old);
	if (r <= 0) {
		if (r == 0)
			cm_adapt_note(rep, "fstab: the root has no /etc/fstab");
		goto out;
	}
	r = cm_fstab_rewrite(old.data, old.len, &o,
			     p->fstab_by_uuid ? cm_devmap_resolve : NULL,
			     (void *)rep->devmap, &new, &res);
	if (r < 0) {
		cm_err(r, "fstab: %s/etc/fstab", sysroot);
		goto out;
	}
	if (res.unresolved)
		cm_adapt_note(rep, "fstab: %u device name(s) not known by UUID or "
			      "LABEL (first: %s: not present here, not recorded "
			      "in the root); left as they are", res.unresolved,
			      res.unresolved_dev[0]);
	snprintf(why, sizeof(why), "%s: %u device name(s) to UUID/LABEL, %u data "
		 "mount(s) nofail, %u swap entr%s off", p->name, res.renamed,
		 res.nofail, res.swap_off, res.swap_off == 1 ? "y" : "ies");
	r = cm_rewrite_if_changed(plan, sysroot, "fstab", "/etc/fstab", &old, 1, &new, why);
out:
	cm_buf_free(&old);
	cm_buf_free(&new);
	return r;
}
