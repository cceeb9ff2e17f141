/* The cloudmove.* keys of the kernel command line (DESIGN.md), parsed
 * once, here.  Unknown keys and bad values are warnings and leave the
 * default: the boot always goes on. */
#ifndef CM_CMDLINE_H
#define CM_CMDLINE_H

#include <stddef.h>

#define CM_CMDLINE_WARN_MAX 8
#define CM_CMDLINE_WORD_MAX 2048	/* a longer word is cut, and ignored */

enum cm_boot_mode { CM_MODE_ADAPT = 0, CM_MODE_DETECT };
/* retire: the source asks its own cloud to stop (or delete) it once the
 * target has arrived (move/retire.h); needs a launch */
enum cm_boot_after { CM_AFTER_CONTINUE = 0, CM_AFTER_REBOOT, CM_AFTER_POWEROFF,
		     CM_AFTER_RETIRE };
/* cloudmove.retire=: delete only when asked by name */
enum cm_boot_retire { CM_RETIRE_STOP = 0, CM_RETIRE_DELETE };
/* a move asked on the command line that fails: the rescue shell (DESIGN.md),
 * or straight on into the source (unattended machines) */
enum cm_boot_onfail { CM_ONFAIL_SHELL = 0, CM_ONFAIL_BOOT };

struct cm_boot_opts {
	int disabled;			/* cloudmove=0, or no command line */
	int unreadable;			/* -errno: it could not be read */
	int far;			/* words past CM_CMDLINE_MAX seen */
	enum cm_boot_mode mode;
	char target[32];		/* a cloud id, validated */
	char dest[1024];
	char format[8];			/* raw, gce, vhd */
	char creds[512];
	enum cm_boot_after after;
	enum cm_boot_retire retire;
	enum cm_boot_onfail onfail;
	char metering[1024];
	char launch[512];		/* cloudmove.launch: a spec on the root */
	long wait_s;			/* cloudmove.wait: seconds for the arrival */
	char api_endpoint[1024];	/* rd.cloudmove.api_endpoint (tests) */
	char retire_api[1024];		/* rd.cloudmove.retire_api_endpoint (tests):
					 * the source cloud's API for retire */
	long timeout_ms;		/* rd.cloudmove.timeout */
	int debug;			/* rd.cloudmove.debug */
	long crash_at;			/* rd.cloudmove.crash_at (tests) */
	char warnings[CM_CMDLINE_WARN_MAX][192];
	size_t n_warnings;
};

/* Pure: buf[0..len) is /proc/cmdline's text (not NUL-terminated).  Always
 * fills o (defaults where keys are absent or bad); returns the number of
 * warnings. */
int cm_cmdline_parse(const char *buf, size_t len, struct cm_boot_opts *o);

/* Reads and parses path (/proc/cmdline), whatever its length: the first
 * CM_CMDLINE_MAX bytes whole, past them cloudmove=0 and
 * cloudmove.mode=detect only.  A file that cannot be read (or is not a
 * regular file) is disabled and unreadable set: the agent does nothing.
 * Returns the number of warnings. */
int cm_cmdline_read(const char *path, struct cm_boot_opts *o);

#endif
