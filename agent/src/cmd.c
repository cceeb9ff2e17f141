/* Helpers shared by the subcommands. */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "cmd.h"

int cm_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "cloudmove: %s: %s\nusage: %s\n", cmd, msg, usage);
	return CM_EXIT_USAGE;
}

const char *cm_installed_root(void)
{
	if (access("/etc/initrd-release", F_OK) == 0 &&
	    access("/sysroot/etc", F_OK) == 0)
		return "/sysroot";
	return "/";
}
