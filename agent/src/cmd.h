/* The subcommands; each returns the process exit status:
 * 0 success, 1 failed (one line on stderr), 2 bad usage. */
#ifndef CM_CMD_H
#define CM_CMD_H

#include <getopt.h>

#define CM_EXIT_OK	0
#define CM_EXIT_FAIL	1
#define CM_EXIT_USAGE	2

int cm_cmd_adapt(int argc, char **argv);
int cm_cmd_boot(int argc, char **argv);
int cm_cmd_check(int argc, char **argv);
int cm_cmd_detect(int argc, char **argv);
int cm_cmd_launch(int argc, char **argv);
int cm_cmd_plan(int argc, char **argv);
int cm_cmd_profiles(int argc, char **argv);
int cm_cmd_record(int argc, char **argv);
int cm_cmd_retire(int argc, char **argv);
int cm_cmd_rollback(int argc, char **argv);
int cm_cmd_stream(int argc, char **argv);
int cm_cmd_migrate(int argc, char **argv);
/* After a move: "reboot" or "poweroff" stops the machine now; else returns. */
void cm_migrate_after(const char *after);
int cm_cmd_version(int argc, char **argv);

struct cm_detect_opts;

/* Detection options shared by detect and record update: c is the short
 * code of --root (r), --no-metadata (n), --timeout (t),
 * --metadata-endpoint (e), --debug (d), --network (N).  0 taken, 1 not ours,
 * CM_EXIT_USAGE after printing the error. */
int cm_detect_option(const char *cmd, const char *usage, int c,
		     const char *arg, struct cm_detect_opts *o);
int cm_parse_timeout(const char *s, long *out);

/* --detect-root DIR (boot, migrate; for tests): the machine's detection
 * evidence (sys/class/dmi/id, sys/firmware/dmi/tables, sys/hypervisor,
 * proc/cpuinfo) read under DIR, as detect --root reads it, CPUID not at
 * all.  *out is DIR, or NULL (the live machine) for "/" and "".  0, or
 * CM_EXIT_USAGE after printing the error (DIR not a directory). */
int cm_detect_root_option(const char *cmd, const char *usage, const char *arg,
			  const char **out);

/* Their getopt_long entries, for the commands' option tables. */
#define CM_DETECT_LONGOPTS \
	{ "root", required_argument, NULL, 'r' }, \
	{ "no-metadata", no_argument, NULL, 'n' }, \
	{ "timeout", required_argument, NULL, 't' }, \
	{ "metadata-endpoint", required_argument, NULL, 'e' }, \
	{ "network", required_argument, NULL, 'N' }, \
	{ "debug", no_argument, NULL, 'd' }
/* The installed system: /sysroot in the initramfs (once the root is
 * mounted there), / elsewhere. */
const char *cm_installed_root(void);

/* A --root must be a directory: 0 or -errno (logged). */
int cm_check_root(const char *cmd, const char *root);

/* Shared by commands: prints "cloudmove: <cmd>: <msg>" and the usage
 * hint, returns CM_EXIT_USAGE. */
int cm_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
