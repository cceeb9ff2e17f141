/* The move: the installed system, adapted for the target cloud, streamed
 * to the target's storage in its image format, the source left as it was.
 *
 *   preflight (target profile, destination, credentials, source disk, a
 *   read-only root) → move marker → adapt for the target in a transaction
 *   (no initramfs rebuild: every cloudmove initramfs carries every cloud's
 *   drivers) → stream the disk → roll the transaction back → marker off →
 *   the move noted in /var/lib/cloudmove/moves.log.
 *
 * The stream reads the disk while the root is mounted read-only, so the
 * disk is still.  Whatever fails after the adaptation (the stream, the
 * destination, the agent killed, power), the source ends as it was: at
 * once, or on its next boot through the marker (move/marker.h). */
#ifndef CM_MOVE_MIGRATE_H
#define CM_MOVE_MIGRATE_H

#include "../stream/progress.h"

struct cm_migrate_opts {
	const char *root;		/* installed root, mounted read-only */
	const char *target;		/* cloud id */
	const char *dest;		/* URL */
	const char *source;		/* NULL: the root's whole disk */
	const char *format;		/* NULL: the target's image format */
	const char *creds;
	enum cm_progress_mode progress;
	int resume;
	int skip_free;			/* stream --skip-free */
	int precopy;			/* --precopy: the live disk, no move */
	unsigned long long max_rate;	/* --precopy: bytes/s, 0 no limit */
	const char *cloud;		/* where we are (for the marker), or "" */
	const char *instance_id;	/* or "" */
	const char *detect_root;	/* where the machine's SMBIOS UUID is
					   read: NULL the live machine, a
					   fixture in tests (--detect-root) */
	const char *target_facts;	/* what the target's API said of the
					   instance type, as one short string
					   (record/requirements.h), or NULL:
					   carried by the marker into the
					   image's record */
	char *move_id;			/* out, or NULL: the move's id
					   (CM_MOVE_ID_LEN + 1 bytes), set
					   once the move has started */
	char *made;			/* out, or NULL: what the stream made
					   (CM_URL_MAX bytes): dest without
					   its query, or the object dest does
					   not name (ebs://REGION/snap-ID,
					   what the launch imports) */
};

struct cm_profile_rt;

/* The image format the target's profile imports (its image_format:
 * gce for gcp, vhd for azure), else raw. */
const char *cm_migrate_default_format(const struct cm_profile_rt *p);

/* 0 moved (the image is whole at dest, the source as it was), -errno
 * not (one line says why; the source as it was).  o->root must be a
 * directory (the caller checks it).  The steps: preflight (nothing
 * written) → mark → adapt → stream (the root read-only) → restore; the
 * root is made writable once in each of mark, adapt and restore. */
int cm_migrate(const struct cm_migrate_opts *o);

/* The pre-copy's block map for dest (without its query): root +
 * /var/lib/cloudmove/precopy/<the first 16 hex of its SHA-256>.map; with
 * root "/run" as the cut-over writes it.  0 or -ENAMETOOLONG. */
#define CM_PRECOPY_DIR	"/var/lib/cloudmove/precopy"
int cm_precopy_map_path(const char *root, const char *dest, char *out, size_t size);

/* migrate --precopy: the whole disk under the running root streamed live
 * (inconsistent is fine: the cut-over compares every block again), niced
 * (CPU 19, I/O idle class) and at most o->max_rate bytes/s, with the map
 * kept on the root (cm_precopy_map_path): each run sends only what changed
 * since the last.  No marker, no adaptation.  0 or -errno (said). */
int cm_precopy(const struct cm_migrate_opts *o);

/* A boot that finds a move marker: on the source machine, undoes the
 * move's transactions (an adaptation interrupted with it was the move's,
 * already undone first: nothing to finish); elsewhere (the image's first
 * boot), drops the marker.  This machine is cloud, instance_id and the
 * SMBIOS UUID under detect_root (NULL: the live machine).  CM_MOVE_UNDONE
 * or CM_MOVE_DROPPED (said holds the line to print), 0 no marker, -errno. */
#define CM_MOVE_DROPPED	1
#define CM_MOVE_UNDONE	2
struct cm_move_marker;
/* found (may be NULL) gets the marker when there was one.  The line of
 * CM_MOVE_DROPPED is the arrival line, "arrived in CLOUD from CLOUD (move
 * ID)" (an older marker, without a move id: "first boot of an image moved
 * from CLOUD (...)"): printed once per move, as the marker goes with it. */
int cm_move_settle(const char *root, const char *detect_root, const char *cloud,
		   const char *instance_id, char *said, size_t said_size,
		   struct cm_move_marker *found);

#endif
