/* Sinks: where an image goes.  One file per destination kind, each
 * exporting one const struct cm_sink_ops, listed in sinks/sink.c.
 *
 * Contract (every sink keeps it):
 *   open(size)       size is the image's, or CM_SIZE_UNKNOWN (gce);
 *                    with a resume state, continue that upload
 *   write(off, buf)  bytes at off; offsets only grow (a network sink may
 *                    then stream), except that an encoder may write a
 *                    trailer last (VHD footer) at the highest offset
 *   skip(off, len)   a range of zeros: a sparse sink leaves it out, a
 *                    block device or a byte stream writes the zeros
 *   finish()         make the image whole and visible (rename, complete
 *                    the multipart upload, commit the block list)
 *   abort()          give up for good: leave nothing that claims to be
 *                    the image (delete the part file, abort the multipart
 *                    upload, delete the blob), free priv
 *   release()        (CM_SINK_RESUME sinks) the stream was interrupted by
 *                    a transport failure: free priv but keep the remote
 *                    session for --resume
 * Each returns 0 or -errno, logged once by the sink ("dest URL: why").
 *
 * Resume: a CM_SINK_RESUME sink calls cm_sink_checkpoint() each time more
 * of the image is stored for sure (a part's ETag came back, a 308 said the
 * bytes are there), with the session string it needs to continue (upload
 * id, resumable-session URL; never a secret).  open() given a resume state
 * asks the server what it really holds and sets s->resume_from to a point
 * at or below it: the encoder runs again from the start, and everything
 * below resume_from is dropped in sink.c before it reaches the sink, so
 * nothing stored is sent again.  Offsets at or above resume_from come in
 * the same order as in the first run.
 *
 * Delta (CM_SINK_DELTA, cloudmove stream --delta-map): identity() names
 * what the destination holds now (a file's dev/ino/size/mtime, a blob's
 * ETag, the snapshot made), kept in the block map.  A stream whose map
 * matches opens the sink with s->delta set and s->prev_id the map's
 * identity: the sink updates that destination (in place: a file, a page
 * blob; or as a new object built on it: an EBS child snapshot) instead of
 * making a new one.  Blocks still come in growing order; write() is a
 * changed block, skip() one that is (now) zero, which the sink must clear
 * (it may hold data), and keep(off, len) one the destination already
 * holds (nothing to send, or a server-side copy).  A CM_SINK_IN_PLACE
 * sink changes the destination the map describes as it goes: the map is
 * removed before, so that a run killed midway falls back to a full
 * stream. */
#ifndef CM_STREAM_SINK_H
#define CM_STREAM_SINK_H

#include <stddef.h>
#include <stdint.h>

#include "../url.h"

#define CM_SINK_SPARSE	0x1	/* skip() costs nothing */
#define CM_SINK_RESUME	0x2	/* can continue an interrupted upload */
#define CM_SINK_DELTA	0x4	/* sends only changed blocks (--delta-map) */
#define CM_SINK_IN_PLACE 0x8	/* ... by changing the destination itself */

/* What a resumable sink records to continue after a kill or a network cut
 * (kept in a small state file next to the source; later issues fill it):
 * the session (upload id, resumable-session URL, blob), the bytes known to
 * be stored, and per-part checksums to compare on resume. */
#define CM_STATE_SESSION_MAX	2048
struct cm_stream_state {
	char dest[CM_URL_MAX];			/* the URL it is for */
	char format[16];
	uint64_t size;				/* the image's, if known */
	int64_t mtime;				/* the archive's (gce): the same
						 * bytes again on resume */
	uint64_t committed;			/* bytes stored for sure */
	char session[CM_STATE_SESSION_MAX];	/* sink-specific */
};

struct cm_sink;

struct cm_sink_ops {
	const char *scheme;
	unsigned caps;
	int (*open)(struct cm_sink *s, const struct cm_stream_state *resume);
	int (*write)(struct cm_sink *s, uint64_t off, const void *buf, size_t len);
	int (*skip)(struct cm_sink *s, uint64_t off, uint64_t len);
	int (*finish)(struct cm_sink *s);
	void (*abort)(struct cm_sink *s);
	void (*release)(struct cm_sink *s);
	/* CM_SINK_DELTA: */
	int (*keep)(struct cm_sink *s, uint64_t off, uint64_t len);	/* or NULL */
	/* what proves the destination is the one a map describes, one token
	 * (no space), into out: 0, -ENOENT (there is none), -errno (said);
	 * called before open() and after finish() (s->result set) */
	int (*identity)(const struct cm_sink *s, char *out, size_t size);
};

struct cm_sink {
	const struct cm_sink_ops *ops;
	const struct cm_url *url;
	const char *dest;		/* the URL as given, for messages */
	uint64_t size;			/* or CM_SIZE_UNKNOWN */
	uint64_t written;		/* bytes written (not skipped) */
	uint64_t skipped;		/* bytes skipped (zeros) */
	int64_t sent;			/* bytes that went out, when a sink
					 * knows better than written (ebs: its
					 * non-zero blocks), else -1 */
	char result[CM_URL_MAX];	/* after finish: what was made, when
					 * the dest does not name it (ebs:
					 * ebs://REGION/snap-ID), else "" */
	uint64_t resume_from;		/* drop what lies below (resume) */
	uint64_t kept;			/* bytes kept (delta: unchanged) */
	int delta;			/* update the destination prev_id names */
	const char *prev_id;		/* the map's identity (delta) */
	const char *creds;		/* --creds PATH, or NULL */
	const char *state_path;		/* resume state file, or NULL */
	struct cm_stream_state *state;	/* what goes in it */
	void *priv;			/* the sink's own state */
};

extern const struct cm_sink_ops cm_sink_file;
extern const struct cm_sink_ops cm_sink_gcs;
extern const struct cm_sink_ops cm_sink_s3;
extern const struct cm_sink_ops cm_sink_put;	/* http(s):// plain PUT */
extern const struct cm_sink_ops cm_sink_azure;
extern const struct cm_sink_ops cm_sink_ebs;

/* Is an http(s) URL an Azure page blob one: host *.blob.core.windows.net,
 * a SAS query (sv= and sig=), or azure_account_key in the creds file? */
int cm_sink_azure_match(const struct cm_url *url, const char *creds);

/* The sink for url (creds: the --creds file or NULL, which can decide
 * between sinks of one scheme).  Every scheme cm_url_parse() accepts has
 * one (a unit test holds it), so a parsed URL never gets NULL. */
const struct cm_sink_ops *cm_sink_find(const struct cm_url *url, const char *creds);

/* Opens s with ops; the caller has set s->url, dest, size, creds and, for
 * a resumable stream, state_path and state (dest, format, size, mtime
 * filled in).  resume: the loaded state of an interrupted stream, or NULL
 * to start anew.  0 or -errno (logged). */
int cm_sink_open(struct cm_sink *s, const struct cm_sink_ops *ops,
		 const struct cm_stream_state *resume);
/* The sink has bytes [0, committed) stored for sure, in session: saves
 * the resume state.  0 or -errno (logged). */
int cm_sink_checkpoint(struct cm_sink *s, uint64_t committed, const char *session);
/* After a failure: abort, or (a resumable sink that saved a state and
 * failed on the transport, r == -EIO or -ETIMEDOUT) release and say how to
 * resume. */
void cm_sink_fail(struct cm_sink *s, int r);
int cm_sink_write(struct cm_sink *s, uint64_t off, const void *buf, size_t len);
int cm_sink_skip(struct cm_sink *s, uint64_t off, uint64_t len);
int cm_sink_finish(struct cm_sink *s);
/* Delta: [off, off+len) is the same as what the destination holds. */
int cm_sink_keep(struct cm_sink *s, uint64_t off, uint64_t len);
void cm_sink_abort(struct cm_sink *s);

#endif
