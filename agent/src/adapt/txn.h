/* Transactional edits inside a sysroot: a plan (plan.h) is applied with a
 * journal and backups, so that a crash at any instant leaves each file
 * old or new, recovery puts the whole old configuration back, and any
 * earlier state can be restored later.
 *
 * On the installed system, /var/lib/cloudmove/txn/<id>/ (id: 0001,
 * 0002, ... increasing, never reused) holds:
 *   journal      the text below: written whole (temp file, rename) when
 *                the transaction is prepared and when it starts applying;
 *                every later state change overwrites the state field in
 *                place (see below)
 *   backup-<i>   the previous content of change i, when it was a regular
 *                file (a symlink's target and "absent" are in the journal);
 *                removed once the transaction is rolled back
 *
 * Journal: the text format of journal.h.
 *
 * Apply: state prepared -> backups written and fsync'ed -> applying ->
 * missing parent directories, then each change (temp file in the same
 * directory ".cm-txn-<id>-<i>", fsync, rename, fsync of the directory;
 * the replaced file's mode and owner kept) -> done.  Rollback: state
 * rolling-back -> every change restored, newest first, then the
 * directories it created removed (when empty) -> rolled-back, backups
 * removed.  A txn found "applying" or "rolling-back" was interrupted:
 * cm_txn_recover restores it completely (restoring is idempotent, so a
 * crash during recovery is recovered again); "prepared" touched nothing.
 *
 * A full disk: "done", "rolling-back" and "rolled-back" are written over
 * the padded state field of the "applying" journal, in blocks it already
 * has (fdatasync; the field lies in the first 512-byte sector), and a
 * file is restored as a hard link to its backup (a copy only across file
 * systems): neither the commit nor an undo needs free space, so a full
 * disk stops an adaptation before its commit or not at all, and any
 * failure before the commit is durable is undone like one midway.  (On a
 * copy-on-write file system, btrfs, an overwrite does need space.)
 * Restoring leaves alone a path already as it was: a change never made,
 * e.g. under a read-only mount, does not stop the undo.
 *
 * Test hook: CM_TXN_CRASH_AT=N in the environment makes the process
 * _exit(CM_TXN_CRASH_EXIT) right after its Nth durable step (each
 * fsync'ed journal state, backup, directory and change), counted from
 * the start of each cm_txn_apply / cm_txn_rollback / cm_txn_recover.
 * Unset (the normal case) it costs one getenv per call.
 *
 * A plan that changes nothing (every file already as planned) records
 * no transaction: cm_txn_apply returns 0 with id "". */
#ifndef CM_TXN_H
#define CM_TXN_H

#include <stddef.h>

#include "journal.h"

#define CM_TXN_DIR		"/var/lib/cloudmove/txn"
#define CM_TXN_LIST_MAX		4096	/* transactions kept */
#define CM_TXN_CRASH_EXIT	77

/* Applies plan to sysroot in a new transaction labelled label (one line,
 * e.g. "adapt gcp"), after recovering any interrupted one; the new id
 * ("0003") goes to id ("" when the plan changes nothing).  On any
 * failure before the commit is durable the changes made are undone
 * before returning: the root is as it was.  0 or -errno (logged):
 * -EINVAL bad path in the plan, -E2BIG / -EFBIG over a cap, -EISDIR a
 * change on a directory, -EBUSY another cloudmove is at it,
 * -ENOTRECOVERABLE failed and could not be undone (the transaction stays
 * "applying"; the next recovery undoes it). */
int cm_txn_apply(const char *sysroot, const struct cm_plan *plan,
		 const char *label, char *id, size_t id_size);

/* Rolls back interrupted transactions ("applying", "rolling-back") and
 * closes "prepared" ones.  The number recovered, or -errno. */
int cm_txn_recover(const char *sysroot);

/* to_id NULL: undoes the newest "done" transaction (-ENOENT when there is
 * none).  to_id "ID": restores the state right after transaction ID by
 * undoing every later "done" one, newest first; "0" undoes them all.
 * The number undone (0: already there), -ENOENT unknown ID, -errno. */
int cm_txn_rollback(const char *sysroot, const char *to_id);

struct cm_txn_info {
	unsigned id;
	int ok;				/* 0: the journal is missing or corrupt */
	enum cm_txn_state state;
	long long time;
	char label[CM_TXN_LABEL_MAX];
	size_t n_changes;
};

/* Every transaction under sysroot, oldest first, into a malloc'ed *v
 * (the caller frees).  No transaction directory: 0 with *n = 0. */
int cm_txn_list(const char *sysroot, struct cm_txn_info **v, size_t *n);

/* The journal of transaction id (cm_journal_free it). */
int cm_txn_load(const char *sysroot, unsigned id, struct cm_journal *j);

#endif
