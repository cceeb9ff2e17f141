#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../limits.h"
#include "chroot.h"

static int is_root(const char *sysroot)
{
	return !sysroot || !*sysroot || !strcmp(sysroot, "/");
}

/* In the child: the root's /dev, /proc and /sys, in a mount namespace of
 * our own (they vanish with the child, whatever happens), then chroot. */
static void enter_root(const char *sysroot)
{
	static const char *const binds[] = { "dev", "sys", NULL };
	char path[CM_PATH_MAX];
	size_t i;

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		_exit(126);
	/* a root without the mount point (a partial copy) goes without */
	for (i = 0; binds[i]; i++) {
		snprintf(path, sizeof(path), "%s/%s", sysroot, binds[i]);
		if (access(path, F_OK) == 0 &&
		    mount(binds[i][0] == 'd' ? "/dev" : "/sys", path, NULL,
			  MS_BIND | MS_REC, NULL) < 0)
			_exit(126);
	}
	snprintf(path, sizeof(path), "%s/proc", sysroot);
	if (access(path, F_OK) == 0 &&
	    mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		_exit(126);
	if (chroot(sysroot) < 0 || chdir("/") < 0)
		_exit(126);
}

int cm_run_in_root(const char *sysroot, char *const argv[], int outfd,
		   unsigned timeout_ms)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	long waited_ms = 0;
	int status, devnull;
	pid_t pid, w;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		setpgid(0, 0);
		if (!is_root(sysroot))
			enter_root(sysroot);
		devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(outfd, 1);
		dup2(outfd, 2);
		setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
		unsetenv("TMPDIR");
		execvp(argv[0], argv);
		_exit(127);
	}
	while ((w = waitpid(pid, &status, WNOHANG)) == 0) {
		if (waited_ms >= (long)timeout_ms) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		nanosleep(&tick, NULL);
		waited_ms += 50;
	}
	if (w < 0)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
