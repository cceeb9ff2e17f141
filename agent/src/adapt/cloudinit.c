#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../log.h"
#include "cloudinit.h"
#include "rewrite.h"
#include "../util/sysroot.h"

#define CFG_FILES_MAX 64

static int dsname_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9')))
			return 0;
	return 1;
}

int cm_cloudinit_pin(const char *cloud, const char *const *ds, size_t n,
		     struct cm_buf *out)
{
	size_t i, used = 0;
	int r;

	for (i = 0; i < n; i++)
		if (!dsname_ok(ds[i]))
			return -EINVAL;
	cm_buf_reset(out);
	/* No "datasource_list" in the comment: ds-identify greps for it. */
	r = cm_buf_printf(out, "# Written by cloudmove: the cloud-init datasource "
			  "of %s, so that cloud-init\n# looks for that cloud "
			  "only.  Regenerated on every adapt; this file name\n"
			  "# sorts last to win over the distribution's "
			  "(90_dpkg.cfg, ...).\ndatasource_list: [", cloud);
	for (i = 0; !r && i < n; i++) {
		if (!strcmp(ds[i], "None"))
			continue;
		r = cm_buf_printf(out, " %s,", ds[i]);
		used++;
	}
	if (!r && !used)
		return -EINVAL;
	return r ? r : cm_buf_addstr(out, " None ]\n");
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* "datasource_list: [ a, b ]" at the top level (the key may be quoted):
 * the bounds of "a, b", trimmed.  1, or 0 for any other line. */
static int list_line(const char *l, size_t len, size_t *s, size_t *e)
{
	static const char key[] = "datasource_list";
	const char *hash = memchr(l, '#', len);
	size_t i = 0, k = sizeof(key) - 1;

	if (hash)
		len = (size_t)(hash - l);
	if (i < len && (l[i] == '"' || l[i] == '\''))
		i++;
	if (len - i < k || memcmp(l + i, key, k))
		return 0;
	i += k;
	if (i < len && (l[i] == '"' || l[i] == '\''))
		i++;
	while (i < len && is_blank(l[i]))
		i++;
	if (i == len || l[i] != ':')
		return 0;
	i++;
	while (i < len && is_blank(l[i]))
		i++;
	while (len > i && (is_blank(l[len - 1]) || l[len - 1] == '\r'))
		len--;
	if (len - i < 2 || l[i] != '[' || l[len - 1] != ']')
		return 0;
	i++;
	len--;
	while (i < len && is_blank(l[i]))
		i++;
	while (len > i && is_blank(l[len - 1]))
		len--;
	*s = i;
	*e = len;
	return 1;
}

int cm_cloudinit_find_list(const char *buf, size_t len, char *out,
			   size_t size)
{
	const char *p = buf, *end = buf + len, *eol;
	size_t n, s, e;
	int found = 0;

	if (len > CM_CLOUDINIT_MAX)
		return -EMSGSIZE;
	if (len && memchr(buf, '\0', len))
		return -EBADMSG;
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		n = eol ? (size_t)(eol - p) : (size_t)(end - p);
		if (list_line(p, n, &s, &e)) {
			if (e - s >= size)
				return -EMSGSIZE;
			memcpy(out, p + s, e - s);
			out[e - s] = '\0';
			found = 1;
		}
		p += n + (eol ? 1 : 0);
	}
	return found;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The datasource_list cloud-init would use without our pin, and the file
 * that sets it; a note when a file sorting after ours sets one too. */
static void note_current(const char *sysroot, const char *ours,
			 struct cm_adapt_report *rep)
{
	char (*names)[CM_NAME_MAX + 1] = NULL, path[CM_PATH_MAX];
	char list[CM_CLOUDINIT_LIST_MAX], was[CM_CLOUDINIT_LIST_MAX];
	char from[CM_PATH_MAX] = CM_CLOUDINIT_CFG;
	const char *pin = strrchr(CM_CLOUDINIT_PIN, '/') + 1;
	struct cm_buf b;
	struct dirent *de;
	size_t n = 0, i;
	DIR *d = NULL;
	int fd, after = 0;

	cm_buf_init(&b, CM_CLOUDINIT_MAX);
	was[0] = '\0';
	if (cm_sysroot_read(sysroot, CM_CLOUDINIT_CFG, &b) == 0 &&
	    cm_cloudinit_find_list(b.data, b.len, list, sizeof(list)) > 0)
		snprintf(was, sizeof(was), "%s", list);
	fd = cm_sysroot_open(sysroot, CM_CLOUDINIT_DIR, O_RDONLY | O_DIRECTORY, 0);
	if (fd >= 0 && !(d = fdopendir(fd)))
		close(fd);
	names = d ? malloc(CFG_FILES_MAX * sizeof(*names)) : NULL;
	while (names && n < CFG_FILES_MAX && (de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l > 4 && !strcmp(de->d_name + l - 4, ".cfg") &&
		    strcmp(de->d_name, pin))
			snprintf(names[n++], CM_NAME_MAX + 1, "%s", de->d_name);
	}
	if (d)
		closedir(d);
	if (names)
		qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), CM_CLOUDINIT_DIR "/%s", names[i]);
		if (cm_sysroot_read(sysroot, path, &b) < 0 ||
		    cm_cloudinit_find_list(b.data, b.len, list, sizeof(list)) <= 0)
			continue;
		snprintf(was, sizeof(was), "%s", list);
		snprintf(from, sizeof(from), "%s", path);
		after = strcmp(names[i], pin) > 0;
	}
	if (after)
		cm_adapt_note(rep, "cloudinit: %s sorts after our pin and sets "
			      "datasource_list [ %.60s ]: it wins; left as it is",
			      from, was);
	else if (was[0] && strcmp(was, ours))
		cm_adapt_note(rep, "cloudinit: datasource_list [ %.60s ] of %s "
			      "overridden by %s", was, from, CM_CLOUDINIT_PIN);
	free(names);
	cm_buf_free(&b);
}

int cm_cloudinit_plan(const char *sysroot, const struct cm_profile_rt *p,
		      struct cm_plan *plan, struct cm_adapt_report *rep)
{
	const char *ds[CM_PROFILE_LIST_MAX];
	char list[CM_CLOUDINIT_LIST_MAX];
	struct cm_buf old, new;
	struct stat st;
	char why[192];
	size_t n;
	int r, existed;

	if (cm_sysroot_lstat(sysroot, CM_CLOUDINIT_CFG, &st) < 0)
		return 0;	/* no cloud-init */
	n = cm_rewrite_items(&p->cloudinit_datasource, NULL, ds);
	if (!n) {
		snprintf(why, sizeof(why), "%s: no datasource to pin; cloud-init "
			 "detects the cloud itself", p->name);
		if (cm_sysroot_lstat(sysroot, CM_CLOUDINIT_PIN, &st) == 0)
			return cm_plan_delete(plan, "cloudinit", CM_CLOUDINIT_PIN, why);
		return 0;
	}
	snprintf(why, sizeof(why), "%s: cloud-init looks for its datasource "
		 "(%s%s) only", p->name, ds[0], n > 1 ? ", ..." : "");
	cm_buf_init(&old, CM_CLOUDINIT_MAX);
	cm_buf_init(&new, CM_CLOUDINIT_MAX);
	r = cm_cloudinit_pin(p->name, ds, n, &new);
	if (r < 0)
		r = cm_err(r, "cloudinit: %s: datasource names", p->name);
	existed = r < 0 ? r : cm_rewrite_read(sysroot, CM_CLOUDINIT_PIN, &old);
	if (existed >= 0)
		r = cm_rewrite_if_changed(plan, sysroot, "cloudinit", CM_CLOUDINIT_PIN,
					  &old, existed, &new, why);
	else
		r = existed;
	if (r >= 0 && cm_cloudinit_find_list(new.data, new.len, list,
					     sizeof(list)) > 0)
		note_current(sysroot, list, rep);
	cm_buf_free(&old);
	cm_buf_free(&new);
	return r < 0 ? r : 0;
}
