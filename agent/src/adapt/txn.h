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
 * Journal (one "key value" per line; strings %XX-escaped: every byte
 * <= 0x20, >= 0x7f and '%'):
 *   cloudmove-txn 1
 *   id 3
 *   state prepared|applying|done|rolling-back|rolled-back
 *                                        (padded with spaces to 12 bytes;
 *                                        unpadded journals are read too)
 *   time 1764211495                      (seconds since the epoch)
 *   label adapt%20gcp
 *   dir /etc/foo                         (created by this txn; 0..n)
 *   change write|delete|symlink /etc/fstab
 *   rewriter fstab
 *   why one%20line
 *   target /new/target                   (symlink changes only)
 *   before absent
 *   before file MODE UID GID SIZE        (MODE octal, 4 digits)
 *   before symlink MODE UID GID TARGET
 *   end
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
#include <stdint.h>
#include <sys/types.h>

#include "../limits.h"
#include "../util/buf.h"
#include "plan.h"

#define CM_TXN_DIR		"/var/lib/cloudmove/txn"
#define CM_TXN_JOURNAL_MAX	(4 * 1024 * 1024)	/* bytes of one journal */
#define CM_TXN_CHANGES_MAX	CM_PLAN_CHANGES_MAX	/* changes in one txn */
#define CM_TXN_DIRS_MAX		64	/* directories one txn may create */
#define CM_TXN_BACKUP_MAX	(64 * 1024 * 1024)	/* all backups of one txn */
#define CM_TXN_ID_MAX		99999999u
#define CM_TXN_LIST_MAX		4096	/* transactions kept */
#define CM_TXN_LABEL_MAX	128
#define CM_TXN_CRASH_EXIT	77
#define CM_TXN_STATE_WIDTH	12	/* strlen("rolling-back") */

enum cm_txn_state {
	CM_TXN_PREPARED = 1,
	CM_TXN_APPLYING,
	CM_TXN_DONE,
	CM_TXN_ROLLING_BACK,
	CM_TXN_ROLLED_BACK,
};

enum cm_txn_before {
	CM_TXN_ABSENT = 1,
	CM_TXN_FILE,
	CM_TXN_SYMLINK,
};

struct cm_txn_entry {
	enum cm_change_kind kind;
	char path[CM_PATH_MAX];
	char rewriter[16];
	char why[192];
	char target[CM_PATH_MAX];	/* the new target of a symlink change */
	enum cm_txn_before before;
	mode_t mode;			/* permission bits (07777) */
	uid_t uid;
	gid_t gid;
	uint64_t size;			/* CM_TXN_FILE: the backup's size */
	char old_target[CM_PATH_MAX];	/* CM_TXN_SYMLINK */
};

struct cm_journal {
	unsigned id;
	enum cm_txn_state state;
	long long time;
	char label[CM_TXN_LABEL_MAX];
	struct cm_txn_entry *v;
	size_t n;
	char (*dirs)[CM_PATH_MAX];
	size_t n_dirs;
};

void cm_journal_init(struct cm_journal *j);
void cm_journal_free(struct cm_journal *j);
/* Pure: no I/O, buf need not be NUL-terminated.  0, -EBADMSG malformed,
 * -E2BIG over a cap, -ENOMEM.  j is freed and re-filled. */
int cm_journal_parse(const char *buf, size_t len, struct cm_journal *j);
/* 0, -EMSGSIZE over b->max, -ENOMEM. */
int cm_journal_format(const struct cm_journal *j, struct cm_buf *b);
const char *cm_txn_state_name(enum cm_txn_state s);

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
