/* Retire: the running machine asks its own cloud to stop or delete it,
 * with the identity the cloud gives it (no credentials file): the cloud's
 * self_login, then retire_self (control.h).  What `cloudmove retire` and
 * the move's after=retire run.
 *
 * Whatever happens, the caller gets one line that says it: retired (how),
 * or not, and then what is still provisioned and billed and the one
 * command that finishes by hand (the cloud's retire_hint).  Clouds whose
 * API we do not speak (cm_cloud_api_find NULL, or a stub without the
 * retire ops) are told so, with the same billing words. */
#ifndef CM_CONTROL_RETIRE_H
#define CM_CONTROL_RETIRE_H

#include <stddef.h>

#include "control.h"

struct cm_retire_opts {
	const char *cloud;		/* the detected cloud id ("unknown", ...) */
	int in_cloud;			/* detection says a cloud (not a
					 * hypervisor, baremetal, unknown) */
	const char *instance_id;	/* detected, or "": for the line when
					 * self_login learns nothing */
	const char *region;		/* detected region/zone, or "" */
	const char *api_endpoint;	/* --api-endpoint URL, or NULL */
	const char *metadata_endpoint;	/* --metadata-endpoint HOST:PORT, or NULL */
	int delete;			/* only when asked by name */
	int powering_off;		/* the caller powers the machine off from
					 * inside when retire fails (the move):
					 * the billing words say what that leaves */
};

#define CM_RETIRE_LINE_MAX	2048

struct cm_retire_result {
	int retired;
	const char *step;		/* where it stopped: "api" (none we
					 * speak), "identity", "stop", "delete";
					 * NULL when retired */
	char instance[CM_API_ID_MAX];	/* as far as known */
	char region[128];
	char reason[256];		/* why not, in words ("" when retired) */
	char billed[768];		/* what stays provisioned and billed */
	char finish[512];		/* the command that finishes by hand */
	char line[CM_RETIRE_LINE_MAX];	/* the one line, without "cloudmove: " */
};

/* The flow for ops (NULL: no API we speak).  0 retired; -ENOTSUP no API
 * (ops NULL or without self_login/retire_self); other -errno: the cloud
 * refused or could not be asked (the op logged its own line).  res is
 * filled in every case. */
int cm_retire_run(const struct cm_cloud_api *ops, const struct cm_retire_opts *o,
		  struct cm_retire_result *res);

/* "stop" or "delete", as the option and the kernel command line say it. */
const char *cm_retire_mode_name(int delete);
/* 0 and *delete, or -EINVAL: only the words "stop" and "delete". */
int cm_retire_mode_parse(const char *s, int *delete);

#endif
