/* Guest agents: the target's enabled, other clouds' disabled, the way
 * `systemctl enable/disable` would, as symlinks in the root's
 * /etc/systemd/system/<target>.wants/ (no systemctl, no running systemd:
 * the root is not booted).  A unit the system does not have is skipped. */
#ifndef CM_ADAPT_AGENTS_H
#define CM_ADAPT_AGENTS_H

#include <stddef.h>

#define CM_UNIT_MAX (64 * 1024)
#define CM_UNIT_TARGETS_MAX 8
#define CM_UNIT_NAME_MAX 128

/* Pure: the WantedBy=/RequiredBy= targets of a unit file's [Install]
 * section ("multi-user.target"), systemd's rules (an empty assignment
 * resets the list).  kind[i] is 'w' (wants) or 'r' (requires).  Returns
 * the count, or -EBADMSG / -EMSGSIZE. */
int cm_unit_install_targets(const char *buf, size_t len,
			    char out[][CM_UNIT_NAME_MAX], char *kind, size_t max);

struct cm_profile_rt;
struct cm_plan;
struct cm_adapt_report;

/* The rewriter (see rewrite.h): adds what profile p needs to plan. */
int cm_agents_plan(const char *sysroot, const struct cm_profile_rt *p,
		  struct cm_plan *plan, struct cm_adapt_report *rep);

#endif
