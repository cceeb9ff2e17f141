#include <string.h>

#include "adapt.h"
#include "agents.h"
#include "boot.h"
#include "cloudinit.h"
#include "drivers.h"
#include "fstab.h"
#include "netrules.h"
#include "network.h"
#include "rewrite.h"
#include "timesync.h"

/* Every rewriter, in the order their changes appear in a plan. */
static const cm_rewriter_fn rewriters[] = {
	cm_fstab_plan,
	cm_boot_plan,
	cm_network_plan,
	cm_drivers_plan,
	cm_timesync_plan,
	cm_cloudinit_plan,
	cm_netrules_plan,
	cm_agents_plan,
};

int cm_adapt_plan(const char *sysroot, const struct cm_profile_rt *p,
		  struct cm_plan *plan, struct cm_adapt_report *rep)
{
	size_t i;
	int r = 0;

	memset(rep, 0, sizeof(*rep));
	for (i = 0; r >= 0 && i < sizeof(rewriters) / sizeof(rewriters[0]); i++)
		r = rewriters[i](sysroot, p, plan, rep);
	return r < 0 ? r : 0;
}
