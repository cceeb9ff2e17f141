/* One stream of a disk to a destination (see run.c). */
#ifndef CM_STREAM_RUN_H
#define CM_STREAM_RUN_H

#include <stdint.h>

#include "progress.h"
#include "url.h"

struct cm_stream_args {
	const char *source;		/* device or file */
	const char *dest;		/* URL */
	const char *format;		/* raw, vhd, gce; NULL: raw */
	const char *creds;		/* credentials file, or NULL */
	enum cm_progress_mode progress;
	int resume;			/* continue an interrupted upload */
	int threads;			/* 0: one per CPU */
	int skip_free;			/* ext2/3/4, XFS free blocks not read */
	const char *delta_map;		/* block map: send only what changed */
	const char *delta_map_out;	/* where the new map goes: NULL the
					 * same path (migrate's cut-over: the
					 * root's map read, /run's written) */
	uint64_t max_rate;		/* bytes/s read, 0: no limit */
};

struct cm_stream_result {
	uint64_t read_bytes;		/* read from the source */
	uint64_t zero_bytes;		/* of which all zero */
	uint64_t free_bytes;		/* free space, not read (--skip-free) */
	uint64_t written;		/* handed to the sink */
	uint64_t image_size;		/* or CM_SIZE_UNKNOWN (gce) */
	int resumed;
	int delta;			/* only changed blocks were sent */
	uint64_t sent;			/* bytes that went out */
	char dest[CM_URL_MAX];		/* what was made: ebs://REGION/snap-ID,
					 * else the dest without its query */
};

/* 0: the image is whole at dest; -errno not (said on stderr).  res may
 * be NULL. */
int cm_stream_exec(const struct cm_stream_args *a, struct cm_stream_result *res);

#endif
