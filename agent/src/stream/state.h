/* The resume state of a stream: a small file that says which upload
 * session an interrupted stream was using and how far it had got, so that
 * `cloudmove stream --resume` continues it without sending again what the
 * destination already holds.
 *
 * Where: next to a source that is a file (SOURCE.cloudmove-stream); for a
 * block device in /run/cloudmove/stream/<device name>.state (the root is
 * read-only before the pivot; a resume after a power cut starts over).
 *
 * Format: one "key value" per line (dest, format, size, mtime, committed,
 * session), written atomically (util/atomic.c) each time the sink has more
 * stored for sure.  It holds no secret: a SAS URL's query or a signature
 * never goes in (sinks keep only session ids and URLs the server gave). */
#ifndef CM_STREAM_STATE_H
#define CM_STREAM_STATE_H

#include <stddef.h>

#include "sinks/sink.h"

/* The state file's path for source into out: 0 or -ENAMETOOLONG. */
int cm_state_path(const char *source, char *out, size_t out_size);

/* Parses a state file's bytes: 0, or -EINVAL (*why says what). Pure. */
int cm_state_parse(const char *buf, size_t len, struct cm_stream_state *st,
		   const char **why);

/* 0 loaded, -ENOENT none, other -errno (logged). */
int cm_state_load(const char *path, struct cm_stream_state *st);
/* 0 or -errno (logged). */
int cm_state_save(const char *path, const struct cm_stream_state *st);
void cm_state_remove(const char *path);

#endif
