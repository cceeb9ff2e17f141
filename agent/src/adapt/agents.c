#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../log.h"
#include "agents.h"
#include "rewrite.h"
#include "../util/sysroot.h"

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static size_t trim(const char **p, size_t n)
{
	while (n && blank(**p)) {
		(*p)++;
		n--;
	}
	while (n && blank((*p)[n - 1]))
		n--;
	return n;
}

/* A unit name we can turn into a path: no '/' and nothing odd. */
static int unit_name_ok(const char *s, size_t n)
{
	size_t i;

	if (!n || n >= CM_UNIT_NAME_MAX || s[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || strchr(":-_.@\\", c)))
			return 0;
	}
	return 1;
}

static int add_words(const char *v, size_t n, char kind,
		     char out[][CM_UNIT_NAME_MAX], char *kinds, size_t max,
		     size_t *count)
{
	size_t i = 0;

	while (i < n) {
		size_t s;

		while (i < n && blank(v[i]))
			i++;
		s = i;
		while (i < n && !blank(v[i]))
			i++;
		if (i == s)
			break;
		if (!unit_name_ok(v + s, i - s))
			return -EBADMSG;
		if (*count == max)
			return -EMSGSIZE;
		memcpy(out[*count], v + s, i - s);
		out[*count][i - s] = '\0';
		kinds[(*count)++] = kind;
	}
	return 0;
}

static void reset_kind(char out[][CM_UNIT_NAME_MAX], char *kinds, size_t *count,
		       char kind)
{
	size_t i, k = 0;

	for (i = 0; i < *count; i++)
		if (kinds[i] != kind) {
			if (k != i)
				memcpy(out[k], out[i], CM_UNIT_NAME_MAX);
			kinds[k++] = kinds[i];
		}
	*count = k;
}

int cm_unit_install_targets(const char *buf, size_t len,
			    char out[][CM_UNIT_NAME_MAX], char *kind, size_t max)
{
	const char *p = buf, *end = buf + len;
	size_t count = 0;
	int install = 0, r;

	if (len > CM_UNIT_MAX)
		return -EMSGSIZE;
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p)), *line = p, *eq;
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);

		p += n + (eol ? 1 : 0);
		n = trim(&line, n);
		if (!n || line[0] == '#' || line[0] == ';')
			continue;
		if (line[0] == '[') {
			install = n == 9 && !memcmp(line, "[Install]", 9);
			continue;
		}
		if (!install || !(eq = memchr(line, '=', n)))
			continue;
		{
			const char *key = line, *val = eq + 1;
			size_t kl = trim(&key, (size_t)(eq - line));
			size_t vl = trim(&val, n - (size_t)(val - line));
			char k = kl == 8 && !memcmp(key, "WantedBy", 8) ? 'w' :
				 kl == 10 && !memcmp(key, "RequiredBy", 10) ? 'r' : 0;

			if (!k)
				continue;
			if (!vl) {
				reset_kind(out, kind, &count, k);
				continue;
			}
			r = add_words(val, vl, k, out, kind, max, &count);
			if (r < 0)
				return r;
		}
	}
	return (int)count;
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

/* /lib/systemd/... and /usr/lib/systemd/... are one file on merged-/usr
 * systems (Debian 12, Ubuntu): a link to either is already right. */
static int same_unit_path(const char *a, const char *b)
{
	if (!strncmp(a, "/usr/lib/", 9))
		a += 4;
	if (!strncmp(b, "/usr/lib/", 9))
		b += 4;
	return !strcmp(a, b);
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
		cm_adapt_note(rep, "agents: %s is not installed; not enabled", name);
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
		cm_adapt_note(rep, "agents: %s%s: cannot read its [Install] section (%s)",
		     sysroot, path, cm_strerror(-n));
		return 0;
	}
	for (i = 0; r >= 0 && i < n; i++) {
		snprintf(link, sizeof(link), "/etc/systemd/system/%s.%s/%s",
			 targets[i], kinds[i] == 'r' ? "requires" : "wants", name);
		if (cm_sysroot_readlink(sysroot, link, have, sizeof(have)) >= 0 &&
		    same_unit_path(have, path))
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

/* "a|b": alternatives, newest first (a package that replaced its old
 * unit, like google-guest-agent-manager): the first one installed is
 * enabled, the others left as they are. */
static int enable_first(const char *sysroot, const char *item, const char *cloud,
			struct cm_plan *plan, struct cm_adapt_report *rep)
{
	char unit[CM_UNIT_NAME_MAX], name[CM_UNIT_NAME_MAX + 8], path[CM_PATH_MAX];
	const char *p = item, *bar;
	int masked;

	while ((bar = strchr(p, '|'))) {
		snprintf(unit, sizeof(unit), "%.*s", (int)(bar - p), p);
		snprintf(name, sizeof(name), "%s.service", unit);
		if (find_unit(sysroot, name, path, sizeof(path), &masked) == 0 || masked)
			return enable_unit(sysroot, unit, cloud, plan, rep);
		p = bar + 1;
	}
	return enable_unit(sysroot, p, cloud, plan, rep);
}

int cm_agents_plan(const char *sysroot, const struct cm_profile_rt *p,
		       struct cm_plan *plan, struct cm_adapt_report *rep)
{
	unsigned i;
	int r = 0;

	for (i = 0; r >= 0 && i < p->agents_disable.n; i++)
		r = disable_unit(sysroot, p->agents_disable.v[i], p->name, plan);
	for (i = 0; r >= 0 && i < p->agents_enable.n; i++)
		r = enable_first(sysroot, p->agents_enable.v[i], p->name, plan, rep);
	if (r < 0)
		cm_err(r, "agents: %s/etc/systemd/system", sysroot);
	return r < 0 ? r : 0;
}
