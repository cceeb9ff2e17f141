#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

/* In the child: the root entered, stdin /dev/null, stdout and stderr to
 * outfd, then argv[0]. */
static void __attribute__((noreturn))
exec_in_root(const char *sysroot, char *const argv[], int outfd)
{
	int devnull;

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

static int exit_status(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int cm_run_in_root(const char *sysroot, char *const argv[], int outfd,
		   unsigned timeout_ms)
{
	struct timespec tick = { 0, 50 * 1000 * 1000 };
	long waited_ms = 0;
	int status;
	pid_t pid, w;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		exec_in_root(sysroot, argv, outfd);
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
	return exit_status(status);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

static void write_all(int fd, const char *p, size_t n)
{
	ssize_t k;

	while (n) {
		k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;		/* a console gone: the output is lost, not us */
		p += k;
		n -= (size_t)k;
	}
}

/* What of p[0..n) fits in the cap goes to outfd; the rest is counted. */
static void pass_on(struct cm_out_cap *c, int outfd, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && c->shown < c->max_bytes && c->lines < c->max_lines) {
		if (p[i] == '\n')
			c->lines++;
		c->last = p[i];
		i++;
		c->shown++;
	}
	write_all(outfd, p, i);
	c->dropped += n - i;
}

/* Reads what the pipe holds now, at most 8 chunks (a writer faster than
 * us must not keep us here): 0 at EOF or on an error, 1 when it may hold
 * more. */
static int drain(int rfd, struct cm_out_cap *c, int outfd)
{
	char chunk[16384];
	ssize_t k;
	int n = 0;

	while (n < 8) {
		k = read(rfd, chunk, sizeof(chunk));
		if (k > 0) {
			pass_on(c, outfd, chunk, (size_t)k);
			n++;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		return k < 0 && errno == EAGAIN;
	}
	return 1;
}

int cm_run_in_root_capped(const char *sysroot, char *const argv[], int outfd,
			  unsigned timeout_ms, struct cm_out_cap *cap)
{
	struct timespec t0;
	int p[2], status, open_pipe = 1;
	pid_t pid, w;
	long left;

	cap->shown = cap->lines = 0;
	cap->dropped = 0;
	cap->last = '\n';
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close(p[0]);
		exec_in_root(sysroot, argv, p[1]);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	/* The pipe is read all along (a hook never blocks on a full pipe),
	 * and what is over the cap dropped; the process, not the pipe, says
	 * when it is done: a daemon it left behind may hold the pipe. */
	while ((w = waitpid(pid, &status, WNOHANG)) == 0) {
		left = (long)timeout_ms - ms_since(&t0);
		if (left <= 0) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			drain(p[0], cap, outfd);
			close(p[0]);
			return -ETIMEDOUT;
		}
		if (open_pipe) {
			struct pollfd pfd = { .fd = p[0], .events = POLLIN };

			if (poll(&pfd, 1, left < 50 ? (int)left : 50) > 0)
				open_pipe = drain(p[0], cap, outfd);
		} else {
			nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
		}
	}
	if (open_pipe)
		drain(p[0], cap, outfd);
	close(p[0]);
	if (w < 0)
		return -errno;
	return exit_status(status);
}
