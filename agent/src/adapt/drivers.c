#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../log.h"
#include "drivers.h"
#include "rewrite.h"
#include "../util/sysroot.h"

/* Module names: dashes and underscores are the same to modprobe. */
static int same_module(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (alen != strlen(b))
		return 0;
	for (i = 0; i < alen; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return 0;
	}
	return 1;
}

static int wanted(const char *name, size_t len, const char *const *drivers,
		  size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (same_module(name, len, drivers[i]))
			return 1;
	return 0;
}

int cm_drivers_dracut_conf(const char *cloud, const char *const *drivers,
			   size_t n, struct cm_buf *out)
{
	size_t i;
	int r;

	cm_buf_reset(out);
	r = cm_buf_printf(out, "# Written by cloudmove: drivers %s needs to boot "
			  "(storage, network).\n# Regenerated on every adapt; "
			  "put your own settings in another file.\nadd_drivers+=\" ",
			  cloud);
	for (i = 0; r == 0 && i < n; i++)
		r = cm_buf_printf(out, "%s ", drivers[i]);
	if (r == 0)
		r = cm_buf_addstr(out, "\"\n");
	return r;
}

static void next_line(const char **p, const char *end, const char **line,
		      size_t *len, int *nl)
{
	const char *eol = memchr(*p, '\n', (size_t)(end - *p));

	*line = *p;
	*len = eol ? (size_t)(eol - *p) : (size_t)(end - *p);
	*nl = eol != NULL;
	*p += *len + (eol ? 1 : 0);
}

/* First word of a line (after blanks), or 0 for comments and blanks. */
static size_t first_word(const char *l, size_t len, const char **w)
{
	size_t i = 0, s;

	while (i < len && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (i == len || l[i] == '#')
		return 0;
	s = i;
	while (i < len && l[i] != ' ' && l[i] != '\t')
		i++;
	*w = l + s;
	return i - s;
}

int cm_drivers_initramfs_tools(const char *buf, size_t len,
			       const char *const *drivers, size_t n,
			       struct cm_buf *out)
{
	const char *p = buf, *end = buf + len, *line, *w;
	size_t i, l, wl;
	int nl, added = 0, r;
	unsigned char have[64] = { 0 };

	if (len > CM_MODPROBE_MAX)
		return -EMSGSIZE;
	if (memchr(buf, '\0', len) || n > sizeof(have))
		return -EBADMSG;
	while (p < end) {
		next_line(&p, end, &line, &l, &nl);
		wl = first_word(line, l, &w);
		for (i = 0; wl && i < n; i++)
			if (same_module(w, wl, drivers[i]))
				have[i] = 1;
	}
	cm_buf_reset(out);
	r = cm_buf_add(out, buf, len);
	for (i = 0; r == 0 && i < n; i++) {
		if (have[i])
			continue;
		if (!added && len && buf[len - 1] != '\n')
			r = cm_buf_add(out, "\n", 1);
		if (r == 0 && !added)
			r = cm_buf_addstr(out, "# added by cloudmove: drivers the "
					  "target cloud boots from\n");
		if (r == 0)
			r = cm_buf_printf(out, "%s\n", drivers[i]);
		added++;
	}
	if (r == 0 && !out->data)
		r = cm_buf_add(out, "", 0);
	return r < 0 ? r : added;
}

/* "blacklist nvme" or "install nvme /bin/false": the module it names. */
static int blocks(const char *l, size_t len, const char *const *drivers,
		  size_t n)
{
	const char *w, *rest;
	size_t wl, ml;

	wl = first_word(l, len, &w);
	if (!wl)
		return 0;
	if (!(wl == 9 && !memcmp(w, "blacklist", 9)) &&
	    !(wl == 7 && !memcmp(w, "install", 7)))
		return 0;
	rest = w + wl;
	ml = first_word(rest, len - (size_t)(rest - l), &w);
	if (!ml || !wanted(w, ml, drivers, n))
		return 0;
	if (wl == 7) {	/* install: only the ones that disable the module */
		const char *cmd = w + ml;
		size_t cl = len - (size_t)(cmd - l);

		return (cl && (memmem(cmd, cl, "/bin/false", 10) ||
			       memmem(cmd, cl, "/bin/true", 9)));
	}
	return 1;
}

int cm_drivers_unblacklist(const char *buf, size_t len,
			   const char *const *drivers, size_t n,
			   struct cm_buf *out)
{
	const char *p = buf, *end = buf + len, *line;
	size_t l;
	int nl, count = 0, r = 0;

	if (len > CM_MODPROBE_MAX)
		return -EMSGSIZE;
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	cm_buf_reset(out);
	while (r == 0 && p < end) {
		next_line(&p, end, &line, &l, &nl);
		if (blocks(line, l, drivers, n)) {
			r = cm_buf_addstr(out, "# cloudmove: the target cloud boots "
					  "from this driver: ");
			count++;
		}
		if (r == 0)
			r = cm_buf_add(out, line, l);
		if (r == 0 && nl)
			r = cm_buf_add(out, "\n", 1);
	}
	if (r == 0 && !out->data)
		r = cm_buf_add(out, "", 0);
	return r < 0 ? r : count;
}

static int plan_modprobe_dir(const char *sysroot, const char *const *drv,
			     size_t n, const char *cloud, struct cm_plan *plan)
{
	static char names[CM_MODPROBE_FILES_MAX][CM_SYSROOT_FNAME_MAX];
	char path[CM_PATH_MAX], why[192];
	struct cm_buf old, new;
	int i, count, r = 0;

	count = cm_sysroot_list(sysroot, "/etc/modprobe.d", "*.conf", names,
				CM_MODPROBE_FILES_MAX);
	if (count <= 0)
		return count;
	cm_buf_init(&old, CM_MODPROBE_MAX);
	cm_buf_init(&new, 2 * CM_MODPROBE_MAX);
	snprintf(why, sizeof(why), "%s boots from these drivers: not blacklisted",
		 cloud);
	for (i = 0; r >= 0 && i < count; i++) {
		snprintf(path, sizeof(path), "/etc/modprobe.d/%.255s", names[i]);
		if (cm_rewrite_read(sysroot, path, &old) <= 0)
			continue;
		r = cm_drivers_unblacklist(old.data, old.len, drv, n, &new);
		if (r > 0)
			r = cm_rewrite_if_changed(plan, sysroot, "drivers", path, &old,
						  1, &new, why);
	}
	cm_buf_free(&old);
	cm_buf_free(&new);
	return r < 0 ? r : 0;
}

int cm_drivers_plan(const char *sysroot, const struct cm_profile_rt *p,
			struct cm_plan *plan, struct cm_adapt_report *rep)
{
	const char *drv[CM_REWRITE_LIST_MAX];
	struct cm_buf old, new;
	struct stat st;
	size_t n = cm_rewrite_items(&p->storage_drivers, &p->net_drivers, drv);
	char why[192];
	int r = 0, existed;

	if (!n)
		return 0;
	cm_buf_init(&old, CM_MODPROBE_MAX);
	cm_buf_init(&new, 2 * CM_MODPROBE_MAX);
	snprintf(why, sizeof(why), "%s: its storage and network drivers in "
		 "every initramfs", p->name);
	if (cm_sysroot_lstat(sysroot, "/etc/dracut.conf.d", &st) == 0) {
		existed = cm_rewrite_read(sysroot, CM_DRIVERS_CONF, &old);
		r = existed < 0 ? existed :
		    cm_drivers_dracut_conf(p->name, drv, n, &new);
		if (r >= 0)
			r = cm_rewrite_if_changed(plan, sysroot, "drivers", CM_DRIVERS_CONF,
					    &old, existed, &new, why);
	}
	if (r >= 0 && cm_rewrite_read(sysroot, "/etc/initramfs-tools/modules", &old) > 0) {
		r = cm_drivers_initramfs_tools(old.data, old.len, drv, n, &new);
		if (r > 0)
			r = cm_rewrite_if_changed(plan, sysroot, "drivers",
					    "/etc/initramfs-tools/modules", &old, 1,
					    &new, why);
	}
	if (r >= 0)
		r = plan_modprobe_dir(sysroot, drv, n, p->name, plan);
	if (r >= 0)
		cm_adapt_note(rep, "drivers: adapt then rebuilds every installed "
			      "kernel's initramfs with the root's own generator "
			      "(not with --no-initramfs)");
	cm_buf_free(&old);
	cm_buf_free(&new);
	return r < 0 ? r : 0;
}
