/* The move's last step (cloudmove.after=retire, migrate --after retire):
 * the source asks its own cloud to stop (or delete) it, and only once the
 * target has arrived.
 *
 * The order is the move's:
 *   stream → import → launch → arrival seen → record and events written
 *   → retire
 * The seam with the launch step (cloudmove.launch=, migrate --launch):
 * that step returns whether it saw this move's arrival line on the
 * target's console, having noted the arrival in the hosting record (its
 * event spooled) before it returns; it hands that answer to
 * cm_move_retire, which asks the cloud for nothing unless it is "arrived"
 * (1).  A move without a launch step has no arrival to see: after=retire
 * without launch= is refused before the move starts
 * (cm_move_retire_needs_launch).
 *
 * Whatever happens, one line says it (the caller prints it):
 *   not arrived   nothing retired, the source boots as itself;
 *   retired       stopped/deleted through the cloud's API; the machine
 *                 powers off (its cloud is stopping it anyway);
 *   not retired   the cloud refused (no role, no permission, no identity)
 *                 or we speak no API there: it powers off as before, the
 *                 line names what is still provisioned and billed and
 *                 the one command to finish.
 * The outcome goes to the hosting record and the move's CloudEvents
 * (io.cloudmove.move.retired with the mode, io.cloudmove.move.failed
 * with step "retire" and the reason). */
#ifndef CM_MOVE_RETIRE_H
#define CM_MOVE_RETIRE_H

#include <stddef.h>

#include "../control/retire.h"

struct cm_move_retire {
	const char *root;		/* the installed system: its record */
	const char *cloud;		/* where the source is (detected) */
	int in_cloud;			/* detection says a cloud */
	const char *instance_id;	/* detected, or "" */
	const char *region;		/* detected, or "" */
	const char *api_endpoint;	/* the source cloud's API, for tests */
	const char *metadata_endpoint;	/* HOST:PORT, for tests; NULL: the
					 * cloud's own */
	const char *md_host;		/* the cloud's metadata address: the
					 * network is brought up to it (and to
					 * an api_endpoint by address) when
					 * there is no route, taken back after */
	int bring_up_network;
	int delete;			/* cloudmove.retire=delete, asked by name */
};

enum cm_move_end {
	CM_MOVE_END_BOOT = 0,	/* not arrived: nothing retired, boot the source */
	CM_MOVE_END_RETIRED,	/* retired through the API: power off */
	CM_MOVE_END_POWEROFF,	/* not retired: power off as before */
};

struct cm_verdict;

/* Who the source is, from detection's verdict: cloud, in_cloud,
 * instance_id, region (gcp: the zone, which its API names), md_host. */
void cm_move_retire_from_verdict(struct cm_move_retire *o, const struct cm_verdict *v);

/* The step.  arrived: the launch step's answer (1 arrived; 0 not, or no
 * launch; < 0 it could not tell).  line gets the one line, without
 * "cloudmove: ".  ops: the source cloud's API, NULL when we speak none. */
enum cm_move_end cm_move_retire(const struct cm_cloud_api *ops,
				const struct cm_move_retire *o, int arrived,
				char *line, size_t size);

/* after=retire needs a launch to have arrived: 0 fine, else -EINVAL and
 * why in one line ("... needs ...launch=: nothing can have arrived").
 * after_retire: retire asked; launch: the launch spec given ("" or NULL
 * not); launch_key: how the caller names it ("--launch",
 * "cloudmove.launch="). */
int cm_move_retire_needs_launch(int after_retire, const char *launch,
				const char *retire_key, const char *launch_key,
				char *why, size_t size);

#endif
