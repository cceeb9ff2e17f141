/* User hooks: the executables in the installed root's
 * /etc/cloudmove/hooks.d/, run in name order (run-parts rules: names of
 * letters, digits, "_" and "-" only; others skipped) at documented points
 * of a boot: "detected" (after detection and the record), "adapted"
 * (after an adaptation changed the root).  Each runs as the root would
 * run it (chrooted into it before the pivot), bounded to
 * CM_HOOK_TIMEOUT_S each and CM_HOOKS_BUDGET_S for all of one event (the
 * whole agent is bounded to 25 s by its hook: hooks must leave room for
 * detection and the adaptation), stdin /dev/null, output on the console
 * up to CM_HOOK_SHOW_LINES lines or CM_HOOK_SHOW_BYTES bytes (the rest is
 * read and dropped, counted in one line: a chatty hook neither fills the
 * serial console nor blocks on its pipe; a process it leaves running
 * that writes after it ended gets EPIPE), with
 *   CLOUDMOVE_EVENT     detected | adapted
 *   CLOUDMOVE_CLOUD     the detected cloud
 *   CLOUDMOVE_PREVIOUS  the cloud of the last stay before this boot ("")
 *   CLOUDMOVE_TARGET    the cloud adapted for ("" when none)
 *   CLOUDMOVE_TXN       the transaction of the adaptation ("" when none)
 *   CLOUDMOVE_CHANGES   how many files it changed
 * A hook that fails or hangs is reported and boot goes on. */
#ifndef CM_BOOT_HOOKS_H
#define CM_BOOT_HOOKS_H

#define CM_HOOKS_DIR "/etc/cloudmove/hooks.d"
#define CM_HOOK_TIMEOUT_S 5
#define CM_HOOKS_BUDGET_S 8
#define CM_HOOKS_MAX 32
#define CM_HOOK_SHOW_LINES 64
#define CM_HOOK_SHOW_BYTES 8192

struct cm_hook_env {
	const char *event, *cloud, *previous, *target, *txn;
	unsigned changes;
};

/* Runs every hook for env->event; the number that ran (each one's
 * failure is one console line), or 0 when there is no hooks.d. */
int cm_hooks_run(const char *root, const struct cm_hook_env *env);

#endif
