/* libFuzzer: the profiles.d parser, applied to the built-in profiles. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profiles/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cm_profiles *set;	/* the harness's scratch, reused */
	char err[CM_PROFILE_ERR_MAX];
	size_t i;
	int r;

	if (!set && !(set = malloc(sizeof(*set))))
		return 0;
	if (cm_profiles_init(set) < 0)
		abort();
	r = cm_profile_conf_parse((const char *)data, size, "profiles.d/fuzz.conf",
				  set, err, sizeof(err));
	/* An error is one line; success leaves every string terminated and
	 * every list within its cap. */
	if (r < 0 && (!err[0] || strchr(err, '\n')))
		abort();
	if (set->n > CM_PROFILES_MAX)
		abort();
	for (i = 0; i < set->n; i++) {
		const struct cm_profile_rt *p = &set->v[i];

		if (strlen(p->name) >= sizeof(p->name) ||
		    strlen(p->title) >= sizeof(p->title) ||
		    p->kargs_add.n > CM_PROFILE_LIST_MAX ||
		    p->agents_enable.n > CM_PROFILE_LIST_MAX ||
		    p->time_servers.n > CM_PROFILE_LIST_MAX ||
		    (p->mtu && (p->mtu < CM_PROFILE_MTU_MIN ||
				p->mtu > CM_PROFILE_MTU_MAX)))
			abort();
	}
	return 0;
}
