/* Asks the metadata services of candidate clouds, all at once (curl
 * multi), under one time budget; the first candidate (registry order)
 * whose answer proves it is the cloud wins. */
#ifndef CM_METADATA_H
#define CM_METADATA_H

#include <stddef.h>

#include "mdspec.h"

struct cm_cloud;

#define CM_MD_NOTES_MAX 20
#define CM_MD_NOTE_MAX 160

struct cm_md_opts {
	long timeout_ms;	/* the whole budget */
	const char *endpoint;	/* HOST:PORT: every probe goes there instead */
};

struct cm_md_outcome {
	const struct cm_cloud *cloud;	/* confirmed; NULL when none */
	struct cm_instance inst;
	char how[CM_MD_NOTE_MAX];	/* what confirmed it */
	char notes[CM_MD_NOTES_MAX][CM_MD_NOTE_MAX];	/* why others did not */
	size_t n_notes;
	long elapsed_ms;
};

/* Probes candidates (those with a metadata spec).  Returns 0 (whether or
 * not a cloud was confirmed), -EINVAL for a bad endpoint, -ENOMEM. */
int cm_metadata_probe(const struct cm_md_opts *opts,
		      const struct cm_cloud *const *candidates, size_t n,
		      struct cm_md_outcome *out);

/* Checks and splits "HOST:PORT" (also "[v6]:PORT"); 0 or -EINVAL. */
int cm_md_endpoint_parse(const char *s, char *host, size_t host_size,
			 unsigned *port);

#endif
