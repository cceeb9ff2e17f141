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

#endif
