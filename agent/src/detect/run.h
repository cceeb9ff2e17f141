/* The whole detection, as commands use it: facts, DMI verdict, metadata
 * confirmation, public/private. */
#ifndef CM_DETECT_RUN_H
#define CM_DETECT_RUN_H

#include "detect.h"

#define CM_DETECT_TIMEOUT_DEFAULT_MS 2000
#define CM_DETECT_TIMEOUT_MAX_MS 600000

struct cm_detect_opts {
	const char *root;	/* NULL: the live system */
	int no_metadata;
	long timeout_ms;
	const char *endpoint;	/* HOST:PORT for every metadata probe */
	int bring_up_network;	/* when metadata is unreachable: DHCP on
				   the first NIC for the probe, undone after */
};

/* Defaults, with CLOUDMOVE_METADATA_ENDPOINT from the environment. */
void cm_detect_opts_init(struct cm_detect_opts *o);

/* 0, or -errno when metadata probing could not run at all (the verdict
 * then still holds the DMI answer). */
int cm_detect_run(const struct cm_detect_opts *o, struct cm_verdict *v);

#endif
