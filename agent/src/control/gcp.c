/* The gcp control plane: a stub until its file lands (see control.h). */
#include <errno.h>
#include <stddef.h>

#include "control.h"

static const char *const keys[] = { NULL };

const struct cm_cloud_api cm_api_gcp = {
	.cloud = "gcp",
	.spec_keys = keys,
	.spec_required = keys,
};
