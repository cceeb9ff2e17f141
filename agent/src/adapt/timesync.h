/* timesync rewriter: the target cloud's time source in whichever time
 * daemons the root has (chrony, systemd-timesyncd, ntpd/ntpsec), other
 * clouds' time sources taken out, everything else left byte for byte.
 *
 * Where a daemon reads drop-ins (chrony confdir/sourcedir/include,
 * timesyncd.conf.d) the target's source goes in a file of ours, rewritten
 * on every adapt; otherwise the main file gets it, before its first time
 * source.  Another cloud's source is commented out with CM_TIMESYNC_OFF in
 * front of the line, so that a later move back can bring it back.
 *
 * The text functions are pure (buffer in, cm_buf out) for the unit tests
 * and the fuzzer; cm_timesync_plan does the reading and planning. */
#ifndef CM_ADAPT_TIMESYNC_H
#define CM_ADAPT_TIMESYNC_H

#include <stddef.h>

#include "../profiles/profile.h"
#include "../util/buf.h"

#define CM_TIMESYNC_MAX		(256 * 1024)	/* one configuration file */
#define CM_TIMESYNC_HOSTS_MAX	64	/* servers and devices in a set */
#define CM_TIMESYNC_DIRS_MAX	16	/* chrony confdir/sourcedir/include */
#define CM_TIMESYNC_DIR_MAX	256	/* one such path, NUL included */

/* In front of a source line that adapt turned off. */
#define CM_TIMESYNC_OFF "#cloudmove: another cloud's time source: "

enum cm_timesync_syntax {
	CM_TS_CHRONY = 1,	/* chrony.conf and its .conf/.sources files */
	CM_TS_NTPD,		/* ntp.conf of ntpd and ntpsec */
	CM_TS_TIMESYNCD,	/* timesyncd.conf and its drop-ins */
};

/* Which time sources are whose: servers (host names compare without
 * case) and PTP clock devices. */
struct cm_timesync_sources {
	const char *other[CM_TIMESYNC_HOSTS_MAX];	/* other clouds' */
	size_t n_other;
	const char *mine[CM_TIMESYNC_HOSTS_MAX];	/* the target's */
	size_t n_mine;
};

/* Lines naming one of s->other are commented out (timesyncd: NTP= and
 * FallbackNTP= lose those servers: the old line is kept commented out,
 * the rest follows on a line of its own); chrony and ntpd lines that
 * CM_TIMESYNC_OFF turned off and that name one of s->mine are turned
 * back on.  *have is set to 1 when an active line (timesyncd: NTP=)
 * names one of s->mine.  The number of lines changed, or -errno
 * (-EMSGSIZE over CM_TIMESYNC_MAX, -EBADMSG for a NUL byte). */
int cm_timesync_scrub(enum cm_timesync_syntax syn, const char *buf, size_t len,
		      const struct cm_timesync_sources *s, struct cm_buf *out,
		      int *have);

/* block (whole lines) inserted into a chrony or ntpd file before its
 * first time source, above the comment lines that introduce it, and a
 * blank line after it; at the end when it has none. */
int cm_timesync_insert(enum cm_timesync_syntax syn, const char *buf,
		       size_t len, const char *block, struct cm_buf *out);

/* The target's lines in syntax syn, each source after a comment citing
 * p->time_doc: chrony "server 169.254.169.123 prefer iburst minpoll 4
 * maxpoll 4" or "refclock PHC /dev/ptp_hyperv ..." (p->time_options
 * after each source), ntpd the same servers, timesyncd "[Time]" and
 * "NTP=...".  Nothing (an empty buffer) when syn cannot use that source
 * (a PTP clock in ntpd or timesyncd) or there is none (the
 * distribution's own pool).  0 or -errno. */
int cm_timesync_lines(enum cm_timesync_syntax syn, const struct cm_profile_rt *p,
		      struct cm_buf *out);

/* The files a chrony.conf pulls in: kind 'c' confdir (*.conf), 's'
 * sourcedir (*.sources), 'i' include (path is a glob).  Relative paths
 * and ones longer than CM_TIMESYNC_DIR_MAX are skipped.  The count, at
 * most max, or -errno. */
struct cm_chrony_dir {
	char kind;
	char path[CM_TIMESYNC_DIR_MAX];
};
int cm_timesync_chrony_dirs(const char *buf, size_t len,
			    struct cm_chrony_dir *out, size_t max);

struct cm_plan;
struct cm_adapt_report;

/* The rewriter (see rewrite.h). */
int cm_timesync_plan(const char *sysroot, const struct cm_profile_rt *p,
		     struct cm_plan *plan, struct cm_adapt_report *rep);

#endif
