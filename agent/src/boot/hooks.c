#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../util/sysroot.h"
#include "../limits.h"
#include "../util/chroot.h"
#include "hooks.h"

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* run-parts: letters, digits, '_' and '-' (no dotfiles, no "x.dpkg-old",
 * no editor backups "x~"). */
static int hook_name(const char *n)
{
	if (!*n)
		return 0;
	for (; *n; n++)
		if (!((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') ||
		      (*n >= '0' && *n <= '9') || *n == '_' || *n == '-'))
			return 0;
	return 1;
}

static int list_hooks(const char *root, char names[][CM_NAME_MAX + 1])
{
	struct dirent *de;
	struct stat st;
	size_t n = 0;
	DIR *d;
	int fd;

	fd = cm_sysroot_open(root, CM_HOOKS_DIR, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return 0;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	while ((de = readdir(d)) && n < CM_HOOKS_MAX) {
		if (!hook_name(de->d_name))
			continue;
		/* a regular file (symlinks followed inside the root), executable */
		if (fstatat(fd, de->d_name, &st, 0) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 0111))
			snprintf(names[n++], CM_NAME_MAX + 1, "%s", de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	return (int)n;
}

static void set_env(const struct cm_hook_env *e)
{
	char n[16];

	snprintf(n, sizeof(n), "%u", e->changes);
	setenv("CLOUDMOVE_EVENT", e->event, 1);
	setenv("CLOUDMOVE_CLOUD", e->cloud ? e->cloud : "", 1);
	setenv("CLOUDMOVE_PREVIOUS", e->previous ? e->previous : "", 1);
	setenv("CLOUDMOVE_TARGET", e->target ? e->target : "", 1);
	setenv("CLOUDMOVE_TXN", e->txn ? e->txn : "", 1);
	setenv("CLOUDMOVE_CHANGES", n, 1);
}

static void clear_env(void)
{
	static const char *const vars[] = {
		"CLOUDMOVE_EVENT", "CLOUDMOVE_CLOUD", "CLOUDMOVE_PREVIOUS",
		"CLOUDMOVE_TARGET", "CLOUDMOVE_TXN", "CLOUDMOVE_CHANGES", NULL,
	};
	size_t i;

	for (i = 0; vars[i]; i++)
		unsetenv(vars[i]);
}

int cm_hooks_run(const char *root, const struct cm_hook_env *env)
{
	static char names[CM_HOOKS_MAX][CM_NAME_MAX + 1];
	char path[CM_PATH_MAX];
	struct cm_out_cap cap = { .max_bytes = CM_HOOK_SHOW_BYTES,
				  .max_lines = CM_HOOK_SHOW_LINES };
	struct timespec t0, t;
	int n, i, r;
	long left;

	n = list_hooks(root, names);
	if (n <= 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	set_env(env);
	fflush(stdout);
	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t);
		left = CM_HOOKS_BUDGET_S * 1000L - ((t.tv_sec - t0.tv_sec) * 1000L +
			(t.tv_nsec - t0.tv_nsec) / 1000000L);
		if (left <= 0) {
			printf("cloudmove: hooks (%s): %d s budget spent; %s and later "
			       "not run\n", env->event, CM_HOOKS_BUDGET_S, names[i]);
			break;
		}
		if (left > CM_HOOK_TIMEOUT_S * 1000L)
			left = CM_HOOK_TIMEOUT_S * 1000L;
		snprintf(path, sizeof(path), CM_HOOKS_DIR "/%.255s", names[i]);
		r = cm_run_in_root_capped(root, (char *[]){ path,
					  (char *)env->event, NULL }, 1,
					  (unsigned)left, &cap);
		if (cap.dropped)
			printf("%scloudmove: hook %s (%s): output truncated (%llu "
			       "bytes more)\n", cap.last == '\n' ? "" : "\n",
			       names[i], env->event, cap.dropped);
		if (r == -ETIMEDOUT)
			printf("cloudmove: hook %s (%s): killed at its time limit "
			       "(%ld ms); boot goes on\n", names[i], env->event, left);
		else if (r != 0)
			printf("cloudmove: hook %s (%s): exit %d; boot goes on\n",
			       names[i], env->event, r);
		fflush(stdout);
	}
	clear_env();
	return n;
}
