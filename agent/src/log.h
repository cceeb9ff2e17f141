/* Logging: one-line messages on stderr, "cloudmove: <what>: <why>".
 * Errors are logged once, where they are understood, and the -errno is
 * passed on: return cm_err(r, "open %s", path); */
#ifndef CM_LOG_H
#define CM_LOG_H

#include <errno.h>

enum cm_log_level { CM_LOG_ERR, CM_LOG_WARN, CM_LOG_INFO, CM_LOG_DEBUG };

/* The level is process-wide configuration set once by main(); it is the
 * only mutable global and nothing but the logger reads it. */
void cm_log_set_level(enum cm_log_level level);
int cm_log_enabled(enum cm_log_level level);

void cm_log(enum cm_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* "Not a regular file" (a FIFO, a device, a socket or a directory where a
 * file is read): an errno nothing else of ours returns, so cm_strerror
 * can name it; plain strerror says "Wrong medium type". */
#define CM_ENOTREG		EMEDIUMTYPE

/* strerror, with CM_ENOTREG named. */
const char *cm_strerror(int e);

/* Logs "cloudmove: <fmt>: cm_strerror(-r)" and returns r (r < 0). */
int cm_err(int r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define cm_debug(...) \
	do { if (cm_log_enabled(CM_LOG_DEBUG)) cm_log(CM_LOG_DEBUG, __VA_ARGS__); } while (0)
#define cm_warn(...) cm_log(CM_LOG_WARN, __VA_ARGS__)
#define cm_info(...) cm_log(CM_LOG_INFO, __VA_ARGS__)

#endif
