/* The subcommands; each returns the process exit status:
 * 0 success, 1 failed (one line on stderr), 2 bad usage. */
#ifndef CM_CMD_H
#define CM_CMD_H

#define CM_EXIT_OK	0
#define CM_EXIT_FAIL	1
#define CM_EXIT_USAGE	2

int cm_cmd_detect(int argc, char **argv);
int cm_cmd_version(int argc, char **argv);

/* Shared by commands: prints "cloudmove: <cmd>: <msg>" and the usage
 * hint, returns CM_EXIT_USAGE. */
int cm_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
