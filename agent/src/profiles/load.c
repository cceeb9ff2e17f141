/* profiles.d: reads SYSROOT/etc/cloudmove/profiles.d/<name>.conf in name
 * order and applies each to the profiles, all or nothing per file. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile.h"
#include "../limits.h"
#include "../log.h"
#include "../util/file.h"

#define PROFILES_DIR "/etc/cloudmove/profiles.d"

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int conf_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len > 5 && len < CM_PROFILE_ITEM_MAX - 12 &&
	       !strcmp(n + len - 5, ".conf");
}

/* A regular file, not a symlink (which would resolve outside a --root):
 * at most CM_PROFILE_CONF_MAX bytes into buf. */
static int read_conf(int dirfd, const char *name, char *buf, size_t *len)
{
	struct stat st;
	size_t got = 0;
	ssize_t k;
	int fd, r = 0;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK |
		    O_NOCTTY);
	if (fd < 0)
		return errno == ELOOP ? -ELOOP : -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = -EINVAL;
		goto out;
	}
	for (;;) {
		k = read(fd, buf + got, CM_PROFILE_CONF_MAX + 1 - got);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			goto out;
		}
		if (k == 0)
			break;
		got += (size_t)k;
		if (got > CM_PROFILE_CONF_MAX) {
			r = -EMSGSIZE;
			goto out;
		}
	}
	*len = got;
out:
	close(fd);
	return r;
}

int cm_profiles_load(const char *root, struct cm_profiles *set)
{
	char dir[CM_PATH_MAX], fname[CM_PROFILE_ITEM_MAX], err[CM_PROFILE_ERR_MAX];
	char *names[CM_PROFILE_FILES_MAX];
	struct cm_profiles *scratch = NULL;
	size_t n = 0, i, len = 0;
	struct dirent *de;
	char *buf = NULL;
	int skipped = 0, r, dfd;
	DIR *d;

	if (cm_path_join(dir, sizeof(dir), root, PROFILES_DIR) < 0) {
		cm_warn("profiles: %s%s: path too long; user profiles ignored",
			root ? root : "", PROFILES_DIR);
		return 1;
	}
	d = opendir(dir);
	if (!d) {
		if (errno != ENOENT && errno != ENOTDIR)
			cm_warn("profiles: open %s: %s; user profiles ignored",
				dir, strerror(errno));
		return errno == ENOENT || errno == ENOTDIR ? 0 : 1;
	}
	while ((de = readdir(d))) {
		if (!conf_name(de->d_name))
			continue;
		if (n >= CM_PROFILE_FILES_MAX) {
			cm_warn("profiles: %s: more than %d files; the rest "
				"ignored", dir, CM_PROFILE_FILES_MAX);
			skipped++;
			break;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			skipped = -ENOMEM;
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(names[0]), name_cmp);
	buf = malloc(CM_PROFILE_CONF_MAX + 1);
	scratch = malloc(sizeof(*scratch));
	if (!buf || !scratch) {
		skipped = -ENOMEM;
		goto out;
	}
	dfd = dirfd(d);
	for (i = 0; i < n; i++) {
		snprintf(fname, sizeof(fname), "profiles.d/%s", names[i]);
		r = read_conf(dfd, names[i], buf, &len);
		if (r < 0) {
			cm_warn("profiles: %s: %s; file skipped", fname,
				r == -EMSGSIZE ? "larger than 64 KiB" :
				r == -ELOOP ? "a symlink" :
				r == -EINVAL ? "not a regular file" : strerror(-r));
			skipped++;
			continue;
		}
		memcpy(scratch, set, sizeof(*scratch));
		r = cm_profile_conf_parse(buf, len, fname, scratch, err, sizeof(err));
		if (r < 0) {
			cm_warn("profiles: %s; file skipped", err);
			skipped++;
			continue;
		}
		memcpy(set, scratch, sizeof(*set));
	}
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(buf);
	free(scratch);
	closedir(d);
	return skipped;
}
