/* Running a program of an installed root, as that root: in a chroot of
 * it with its /dev, /proc and /sys, in a mount namespace of its own (the
 * mounts vanish with the process, whatever happens to it), bounded in
 * time.  For the root's own tools (dracut, depmod) and the user's hooks:
 * they are linked against the root's libraries, not the initramfs'. */
#ifndef CM_UTIL_CHROOT_H
#define CM_UTIL_CHROOT_H

/* Runs argv[0] (searched in the root's PATH) inside sysroot ("/" or NULL:
 * no chroot), stdout and stderr to outfd, stdin /dev/null, environment
 * ours plus PATH; killed (its whole process group) after timeout_ms.  The
 * exit status (128 + signal when killed by one), or -errno: -ETIMEDOUT,
 * or the fork's. */
int cm_run_in_root(const char *sysroot, char *const argv[], int outfd,
		   unsigned timeout_ms);

/* What of a program's output is passed on: at most max_bytes and
 * max_lines; the rest is read (the program never blocks on it) and
 * counted in dropped. */
struct cm_out_cap {
	size_t max_bytes, max_lines;
	size_t shown, lines;		/* passed on */
	unsigned long long dropped;	/* read and not passed on */
	char last;			/* the last byte passed on ('\n' if none) */
};

/* cm_run_in_root with the program's stdout and stderr on a pipe of ours:
 * what fits the cap goes on to outfd, the rest is drained and counted.
 * Bounded by timeout_ms as cm_run_in_root, whatever the output. */
int cm_run_in_root_capped(const char *sysroot, char *const argv[], int outfd,
			  unsigned timeout_ms, struct cm_out_cap *cap);

#endif
