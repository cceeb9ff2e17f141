/* The move marker: what makes a move safe for the source.
 *
 * A move adapts the installed root in place, inside a transaction, streams
 * the disk, then rolls the transaction back.  Before anything is changed
 * the marker is written to the root (/var/lib/cloudmove/move.pending,
 * atomically): the last transaction before the move and who the source
 * machine is.  If the machine dies anywhere in the move, the next boot
 * finds the marker and, on the source machine, rolls back every
 * transaction after "before" — before anything else reads the root — so
 * the source boots as itself.  The image carries the marker too (it was
 * on the disk while it streamed): booted on another machine (its first
 * boot in the target cloud) the marker is not its own, and it is just
 * removed, keeping the adaptation.
 *
 * Which machine is the source: the SMBIOS system UUID when both sides have
 * one (it is per VM on every cloud and in QEMU with -uuid), else the
 * instance id the cloud's metadata gave, else the cloud.  When in doubt
 * the marker is treated as the source's: an image rolled back by mistake
 * adapts itself again on that same boot, so that error is harmless. */
#ifndef CM_MOVE_MARKER_H
#define CM_MOVE_MARKER_H

#include <stddef.h>

#include "../record/record.h"

#define CM_MOVE_MARKER_PATH	"/var/lib/cloudmove/move.pending"

struct cm_move_marker {
	unsigned before;		/* last transaction id before the move (0: none) */
	char uuid[64];			/* SMBIOS system UUID, "" unknown */
	char instance_id[128];		/* from metadata, "" unknown */
	char cloud[32];			/* the source's cloud */
	char target[32];
	long long time;			/* when the move started */
	/* Later additions, each optional (a marker an older agent wrote has
	 * none of them): */
	char move_id[CM_MOVE_ID_LEN + 1];	/* "" unknown */
	char dest[512];			/* the stream's destination, no query */
	char profile[80];		/* the target profile's version the
					   image was adapted to */
	char facts[256];		/* the target's facts it was adapted to */
};

/* Pure: 0 or -EBADMSG. */
int cm_move_marker_parse(const char *buf, size_t len, struct cm_move_marker *m);
/* 0 or -errno (logged). */
int cm_move_marker_write(const char *root, const struct cm_move_marker *m);
/* 1 loaded, 0 none, -errno (logged; a corrupt marker is -EBADMSG). */
int cm_move_marker_load(const char *root, struct cm_move_marker *m);
/* 0 or -errno (logged). */
int cm_move_marker_remove(const char *root);

/* This machine's SMBIOS UUID into out ("" when absent, all zeros or all
 * ones, which firmware uses for "not set"), from sysfs under detect_root
 * (NULL: the live machine; a fixture in tests). */
void cm_machine_uuid(const char *detect_root, char *out, size_t size);

/* Is this boot the source machine's?  (see above) */
int cm_move_marker_is_source(const struct cm_move_marker *m, const char *uuid,
			     const char *instance_id, const char *cloud);

#endif
