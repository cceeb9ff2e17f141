/* The transaction journal: a pure text format (no I/O), written and read
 * by txn.c, fuzzed by agent/fuzz/fuzz_journal.c.
 *
 * One "key value" per line; strings %XX-escaped: every byte <= 0x20,
 * >= 0x7f and '%':
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
 *   end */
#ifndef CM_JOURNAL_H
#define CM_JOURNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../limits.h"
#include "../util/buf.h"
#include "plan.h"

#define CM_TXN_JOURNAL_MAX	(4 * 1024 * 1024)	/* bytes of one journal */
#define CM_TXN_CHANGES_MAX	CM_PLAN_CHANGES_MAX	/* changes in one txn */
#define CM_TXN_DIRS_MAX		64	/* directories one txn may create */
#define CM_TXN_BACKUP_MAX	(64 * 1024 * 1024)	/* all backups of one txn */
#define CM_TXN_ID_MAX		99999999u
#define CM_TXN_LABEL_MAX	128
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
const char *cm_txn_kind_name(enum cm_change_kind k);

/* Makes room for one more entry (dir 0) or directory (dir 1): 0,
 * -E2BIG at the cap, -ENOMEM.  The arrays are allocated whole, once. */
int cm_journal_grow(struct cm_journal *j, int dir);

/* A plan or journal path: absolute, no empty, "." or ".." component,
 * within CM_PATH_MAX and CM_NAME_MAX.  1 or 0. */
int cm_journal_path_ok(const char *path);

/* A transaction id's directory name ("0003"), and back: 0 or -EINVAL. */
void cm_journal_id_name(unsigned id, char *out, size_t size);
int cm_journal_id_parse(const char *s, unsigned *id);

#endif
