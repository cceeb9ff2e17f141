/* The block loop of a delta stream (cloudmove stream --delta-map): the disk
 * read once, block by block (CM_DELTAMAP_BLOCK), each block hashed and
 * compared with the old map's entry; a block that differs is written to
 * the sink (a block that became zero is a skip: the sink clears it), one
 * that does not is kept (cm_sink_keep: nothing sent, or a server-side
 * copy).  Each block's entry goes to the new map as it is met: memory is
 * two buffers, whatever the size of the disk. */
#ifndef CM_STREAM_DELTA_H
#define CM_STREAM_DELTA_H

#include <stdint.h>

#include "deltamap.h"
#include "stream.h"

struct cm_delta_stats {
	uint64_t blocks;		/* blocks of the disk */
	uint64_t changed;		/* written (data) */
	uint64_t zeroed;		/* became (or are, first run) zero */
	uint64_t kept;			/* the same as the map says */
};

/* old: the matching map (or NULL: every block is sent); w: the new map;
 * max_rate: bytes/s read at most (0: no limit; migrate --precopy on a
 * live system).  0 or -errno (logged). */
int cm_delta_copy(struct cm_stream *st, struct cm_deltamap_reader *old,
		  struct cm_deltamap_writer *w, uint64_t max_rate,
		  struct cm_delta_stats *stats);

#endif
