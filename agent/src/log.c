#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static enum cm_log_level log_level = CM_LOG_WARN;

void cm_log_set_level(enum cm_log_level level)
{
	log_level = level;
}

int cm_log_enabled(enum cm_log_level level)
{
	return level <= log_level;
}

const char *cm_strerror(int e)
{
	return e == CM_ENOTREG ? "not a regular file" : strerror(e);
}

static void log_line(const char *prefix, const char *fmt, va_list ap, int r)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (r < 0)
		fprintf(stderr, "cloudmove: %s%s: %s\n", prefix, msg, cm_strerror(-r));
	else
		fprintf(stderr, "cloudmove: %s%s\n", prefix, msg);
}

void cm_log(enum cm_log_level level, const char *fmt, ...)
{
	static const char *const prefixes[] = {
		[CM_LOG_ERR] = "", [CM_LOG_WARN] = "warning: ",
		[CM_LOG_INFO] = "", [CM_LOG_DEBUG] = "debug: ",
	};
	va_list ap;

	if (!cm_log_enabled(level))
		return;
	va_start(ap, fmt);
	log_line(prefixes[level], fmt, ap, 0);
	va_end(ap);
}

int cm_err(int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("", fmt, ap, r < 0 ? r : -EIO);
	va_end(ap);
	return r;
}
