/* The resume state of a stream: a small file that says which upload
 * session an interrupted stream was using and how far it had got, so that
 * `cloudmove stream --resume` continues it without sending again what the
 * destination already holds.
 *
 * Where: next to a source that is a file (SOURCE.cloudmove-stream); for a
 * block device in /run/cloudmove/stream/<device name>.state (the root is
 * read-only before the pivot; a resume after a power cut starts over).
 *
 * Trust: a state file is read only when it is a regular file (not a
 * link) of the effective user's, writable by no one else; --resume
 * refuses any other, a stream without it starts over and replaces it.
 *
 * Format: one "key value" per line (dest, format, size, mtime, committed,
 * session), written atomically (util/atomic.c) each time the sink has more
 * stored for sure.  It holds no secret: a SAS URL's query or a signature
 * never goes in (sinks keep only session ids and URLs the server gave). */
#ifndef CM_STREAM_STATE_H
#define CM_STREAM_STATE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "sinks/sink.h"

/* The state file's path for source into out: 0 or -ENAMETOOLONG. */
int cm_state_path(const char *source, char *out, size_t out_size);

/* Parses a state file's bytes: 0, or -EINVAL (*why says what). Pure. */
int cm_state_parse(const char *buf, size_t len, struct cm_stream_state *st,
		   const char **why);

/* A state names where the disk goes: it is read only when it is a
 * regular file of the effective user's that no one else can write (one
 * planted by another user could send the disk to their upload).  0, or
 * -EPERM with why ("owned by uid 65534, not 0").  Pure. */
int cm_state_trust(const struct stat *st, uid_t euid, char *why, size_t size);

/* Opened O_NOFOLLOW and checked by cm_state_trust().  0 loaded, -ENOENT
 * none, -EPERM not to be trusted (why: a symbolic link, not a regular
 * file, another owner, writable by others; not logged: the caller says
 * what it does about it), other -errno (logged). */
int cm_state_load(const char *path, struct cm_stream_state *st, char *why, size_t why_size);
/* 0 or -errno (logged). */
int cm_state_save(const char *path, const struct cm_stream_state *st);
void cm_state_remove(const char *path);

#endif
