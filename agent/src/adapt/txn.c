/* Transactional edits inside a sysroot: journal, backups, atomic
 * renames, rollback (see txn.h for the layout and protocol,
 * journal.h for the journal's format). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../log.h"
#include "../util/atomic.h"
#include "../util/sysroot.h"
#include "initramfs.h"
#include "txn.h"

/* ---- I/O helpers --------------------------------------------------------- */

struct txn {
	const char *sysroot;
	struct cm_sysroot root;
	int txnfd;		/* <sysroot>/var/lib/cloudmove/txn, locked */
	int idfd;		/* .../<id>, or -1 */
	char id[16];
	struct cm_journal j;
	long crash_at;		/* CM_TXN_CRASH_AT, 0: off */
	long steps;
};

static void txn_init(struct txn *t, const char *sysroot)
{
	const char *s = getenv("CM_TXN_CRASH_AT");

	memset(t, 0, sizeof(*t));
	t->sysroot = sysroot;
	t->root.fd = -1;
	t->txnfd = -1;
	t->idfd = -1;
	cm_journal_init(&t->j);
	t->crash_at = s ? strtol(s, NULL, 10) : 0;
}

static void txn_close_id(struct txn *t)
{
	if (t->idfd >= 0)
		close(t->idfd);
	t->idfd = -1;
	cm_journal_free(&t->j);
}

static void txn_done(struct txn *t)
{
	txn_close_id(t);
	if (t->txnfd >= 0)
		close(t->txnfd);	/* drops the lock */
	t->txnfd = -1;
	cm_sysroot_close(&t->root);
}

/* After each durable step: the crash test hook (txn.h). */
static void durable(struct txn *t)
{
	if (t->crash_at > 0 && ++t->steps == t->crash_at)
		_exit(CM_TXN_CRASH_EXIT);
}

static int fsync_fd(int fd)
{
	return fsync(fd) < 0 ? -errno : 0;
}


/* The journal: formatted, written to a temp file, fsync'ed, renamed over
 * "journal", the directory fsync'ed.  One durable step. */
static int journal_save(struct txn *t)
{
	struct cm_buf b;
	int fd, r;

	cm_buf_init(&b, CM_TXN_JOURNAL_MAX);
	r = cm_journal_format(&t->j, &b);
	if (r < 0)
		goto out;
	fd = openat(t->idfd, "journal.tmp", O_WRONLY | O_CREAT | O_TRUNC |
		    O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = cm_write_all(fd, b.data, b.len);
	if (r == 0)
		r = fsync_fd(fd);
	close(fd);
	if (r == 0 && renameat(t->idfd, "journal.tmp", t->idfd, "journal") < 0)
		r = -errno;
	if (r < 0)
		unlinkat(t->idfd, "journal.tmp", 0);	/* a full disk: no debris */
	if (r == 0)
		r = fsync_fd(t->idfd);
out:
	cm_buf_free(&b);
	if (r < 0)
		return cm_err(r, "txn %s: write journal", t->id);
	durable(t);
	return 0;
}

/* Reads the journal file of the open transaction into b (capped). */
static int read_journal_text(int idfd, struct cm_buf *b)
{
	char chunk[8192];
	ssize_t k;
	int fd, r = 0;

	fd = openat(idfd, "journal", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		k = read(fd, chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r = k < 0 ? -errno : 0;
			break;
		}
		r = cm_buf_add(b, chunk, (size_t)k);
		if (r < 0)
			break;
	}
	close(fd);
	return r;
}

/* The state changed and nothing else: its field overwritten in place.
 * The field is padded to one width (cm_journal_format), so the write
 * lands in blocks the journal already has: it needs no free space (a
 * full disk cannot stop a commit or an undo), and the 12 bytes lie in
 * the file's first 512-byte sector, written whole or not at all.  1 when
 * the file differs in more than the state (not written yet, an older
 * unpadded journal, other content): journal_save then. */
static int state_in_place(struct txn *t)
{
	static const char key[] = "\nstate ";
	struct cm_buf want, cur;
	const char *at;
	size_t off, end;
	int fd, r;

	cm_buf_init(&want, CM_TXN_JOURNAL_MAX);
	cm_buf_init(&cur, CM_TXN_JOURNAL_MAX);
	r = cm_journal_format(&t->j, &want);
	if (r == 0)
		r = read_journal_text(t->idfd, &cur);
	if (r < 0) {
		r = 1;
		goto out;
	}
	at = memmem(want.data, want.len, key, sizeof(key) - 1);
	off = at ? (size_t)(at - want.data) + sizeof(key) - 1 : 0;
	end = off + CM_TXN_STATE_WIDTH;
	if (!at || end > 512 || cur.len != want.len ||
	    memcmp(cur.data, want.data, off) ||
	    memcmp(cur.data + end, want.data + end, want.len - end)) {
		r = 1;
		goto out;
	}
	fd = openat(t->idfd, "journal", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = pwrite(fd, want.data + off, CM_TXN_STATE_WIDTH, (off_t)off) ==
		CM_TXN_STATE_WIDTH ? 0 : errno ? -errno : -EIO;
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	close(fd);
out:
	cm_buf_free(&want);
	cm_buf_free(&cur);
	return r;
}

static int set_state(struct txn *t, enum cm_txn_state s)
{
	int r;

	t->j.state = s;
	r = state_in_place(t);
	if (r > 0)
		return journal_save(t);
	if (r < 0)
		return cm_err(r, "txn %s: write journal", t->id);
	durable(t);
	return 0;
}

/* The backups of a transaction undone (or never applied): no longer
 * needed, and on a full disk their space is what the next adaptation
 * needs.  The journal stays, as the record. */
static void drop_backups(struct txn *t)
{
	char bname[32];
	size_t i, n = 0;

	for (i = 0; i < t->j.n; i++) {
		if (t->j.v[i].before != CM_TXN_FILE)
			continue;
		snprintf(bname, sizeof(bname), "backup-%zu", i);
		if (unlinkat(t->idfd, bname, 0) == 0)
			n++;
	}
	if (n)
		fsync(t->idfd);
}

/* A transaction undone: closed as "rolled-back", its backups dropped. */
static int close_undone(struct txn *t)
{
	int r = set_state(t, CM_TXN_ROLLED_BACK);

	if (r == 0)
		drop_backups(t);
	return r;
}

static int read_journal(int idfd, struct cm_journal *j)
{
	struct cm_buf b;
	int r;

	cm_buf_init(&b, CM_TXN_JOURNAL_MAX);
	r = read_journal_text(idfd, &b);
	if (r == 0)
		r = cm_journal_parse(b.data ? b.data : "", b.len, j);
	cm_buf_free(&b);
	return r;
}

/* Opens the sysroot (into s) and its transaction directory (into *fd). */
static int open_txn_dir(struct cm_sysroot *s, const char *sysroot, int create,
			int *fd)
{
	int r;

	*fd = -1;
	r = cm_sysroot_init(s, sysroot);
	if (r < 0)
		return cm_err(r, "open %s", sysroot ? sysroot : "/");
	if (create) {
		r = cm_sysroot_mkdirsat(s, CM_TXN_DIR);
		if (r < 0)
			return cm_err(r, "create %s in %s", CM_TXN_DIR, sysroot);
	}
	*fd = cm_sysroot_openat(s, CM_TXN_DIR, O_RDONLY | O_DIRECTORY, 0);
	if (*fd < 0) {
		r = *fd;
		*fd = -1;
		return r == -ENOENT && !create ? -ENOENT :
			cm_err(r, "open %s in %s", CM_TXN_DIR, sysroot);
	}
	return 0;
}

static int lock_txn_dir(int fd)
{
	if (flock(fd, LOCK_EX | LOCK_NB) < 0)
		return errno == EWOULDBLOCK ?
			cm_err(-EBUSY, "txn: another cloudmove is changing this root") :
			cm_err(-errno, "txn: lock");
	return 0;
}

static int cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* The ids present (every all-digit directory name), ascending. */
static int list_ids(int txnfd, unsigned **ids, size_t *n)
{
	struct dirent *de;
	unsigned *v, id;
	DIR *d;
	int fd;

	*ids = NULL;
	*n = 0;
	v = malloc(CM_TXN_LIST_MAX * sizeof(*v));
	if (!v)
		return -ENOMEM;
	fd = openat(txnfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		int r = -errno;

		if (fd >= 0)
			close(fd);
		free(v);
		return r;
	}
	while ((de = readdir(d))) {
		if (cm_journal_id_parse(de->d_name, &id) < 0 || !id)
			continue;
		if (*n == CM_TXN_LIST_MAX) {
			closedir(d);
			free(v);
			return -E2BIG;
		}
		v[(*n)++] = id;
	}
	closedir(d);
	qsort(v, *n, sizeof(*v), cmp_unsigned);
	*ids = v;
	return 0;
}

static int open_id(struct txn *t, unsigned id)
{
	cm_journal_id_name(id, t->id, sizeof(t->id));
	t->idfd = openat(t->txnfd, t->id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			 O_CLOEXEC);
	if (t->idfd < 0)
		return -errno;
	return 0;
}

/* ---- restoring and applying one path ------------------------------------- */

static void tmp_name(const struct txn *t, size_t i, char *out, size_t size)
{
	snprintf(out, size, ".cm-txn-%s-%zu", t->id, i);
}

/* The parent directory of path inside the sysroot, created when missing
 * (a restore puts a file back where it was). */
static int open_parent(struct txn *t, const char *path, char *name, int create)
{
	char dir[CM_PATH_MAX];
	int fd, r;

	fd = cm_sysroot_parentat(&t->root, path, name, CM_NAME_MAX + 1);
	if (fd != -ENOENT || !create)
		return fd;
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	r = cm_sysroot_mkdirsat(&t->root, dir);
	if (r < 0)
		return r;
	return cm_sysroot_parentat(&t->root, path, name, CM_NAME_MAX + 1);
}

/* 1 when the files open as a and b hold the same bytes. */
static int same_bytes(int a, int b)
{
	char x[8192], y[8192];
	ssize_t k, m;

	for (;;) {
		k = read(a, x, sizeof(x));
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return 0;
		for (m = 0; m < k;) {	/* the same count from b */
			ssize_t got = read(b, y + m, (size_t)(k - m));

			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				return 0;
			m += got;
		}
		if (memcmp(x, y, (size_t)k))
			return 0;
		if (k == 0)
			return read(b, y, 1) == 0;
	}
}

/* fchmod only when the mode differs: a file system without modes (the
 * ESP's FAT, esp.h) shows every file with its mount's mode, which a copied
 * loader is planned with, and may refuse any chmod (fusefat: ENOSYS). */
static int set_mode(int fd, mode_t want)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && (st.st_mode & 07777) == (want & 07777))
		return 0;
	return fchmod(fd, want) < 0 ? -errno : 0;
}

/* 1 when entry i's path is already exactly as before the transaction
 * (content, mode, owner) and no temp file of it is left: a change never
 * made, or one undone already.  Restoring it would write nothing, and
 * must not try to: its directory may be read-only (a bind mount). */
static int as_before(struct txn *t, size_t i, int dfd, const char *name,
		     const char *tmp)
{
	const struct cm_txn_entry *e = &t->j.v[i];
	char bname[32], link[CM_PATH_MAX];
	struct stat st, bst;
	ssize_t k;
	int fd, bfd, same;

	if (fstatat(dfd, tmp, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
		return 0;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT && e->before == CM_TXN_ABSENT;
	if (e->before == CM_TXN_ABSENT || st.st_uid != e->uid ||
	    st.st_gid != e->gid)
		return 0;
	if (e->before == CM_TXN_SYMLINK) {
		if (!S_ISLNK(st.st_mode))
			return 0;
		k = readlinkat(dfd, name, link, sizeof(link));
		return k >= 0 && (size_t)k < sizeof(link) &&
			(size_t)k == strlen(e->old_target) &&
			!memcmp(link, e->old_target, (size_t)k);
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 07777) != e->mode ||
	    (uint64_t)st.st_size != e->size)
		return 0;
	snprintf(bname, sizeof(bname), "backup-%zu", i);
	if (fstatat(t->idfd, bname, &bst, AT_SYMLINK_NOFOLLOW) < 0)
		return 0;
	if (bst.st_dev == st.st_dev && bst.st_ino == st.st_ino)
		return 1;		/* restored as a link to its backup */
	fd = cm_open_file_at(dfd, name, O_NOFOLLOW);	/* no FIFO swapped in */
	bfd = openat(t->idfd, bname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	same = fd >= 0 && bfd >= 0 && same_bytes(fd, bfd);
	if (fd >= 0)
		close(fd);
	if (bfd >= 0)
		close(bfd);
	return same;
}

/* The temp file tmp in dfd made the backup of entry i: a hard link to
 * the backup when both are on one file system (no data to write: an
 * undo on a full disk works), else a copy.  The fd of tmp, or -errno. */
static int backup_to_tmp(struct txn *t, size_t i, int dfd, const char *tmp)
{
	const struct cm_txn_entry *e = &t->j.v[i];
	char bname[32];
	uint64_t copied;
	struct stat st;
	int in, fd, r;

	snprintf(bname, sizeof(bname), "backup-%zu", i);
	if (linkat(t->idfd, bname, dfd, tmp, 0) == 0) {
		fd = openat(dfd, tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (fstat(fd, &st) < 0 || (uint64_t)st.st_size != e->size) {
			close(fd);
			return -EBADMSG;	/* not what was saved */
		}
		return fd;
	}
	if (errno == ENOENT)
		return -ENOENT;		/* no backup */
	in = openat(t->idfd, bname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -errno;
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0) {
		r = -errno;
		close(in);
		return r;
	}
	r = cm_copy_fd(in, fd, e->size, &copied);
	if (r == 0 && copied != e->size)
		r = -EBADMSG;	/* the backup is not what was saved */
	close(in);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* Puts entry i back as it was before the transaction.  Idempotent; a
 * path already as it was is not written to. */
/* The end of restoring or applying one path: on success the directory
 * fsync'ed (a durable step), on failure the temp file removed; fd (or
 * -1) and dfd closed.  r, or the fsync's error. */
static int end_one(struct txn *t, int dfd, int fd, const char *tmp, int r)
{
	if (r == 0)
		r = fsync_fd(dfd);
	if (fd >= 0)
		close(fd);
	if (r < 0)
		unlinkat(dfd, tmp, 0);
	close(dfd);
	if (r == 0)
		durable(t);
	return r;
}

static int restore_one(struct txn *t, size_t i)
{
	const struct cm_txn_entry *e = &t->j.v[i];
	char name[CM_NAME_MAX + 1], tmp[64];
	struct stat st;
	int dfd, fd = -1, r = 0;

	dfd = open_parent(t, e->path, name, e->before != CM_TXN_ABSENT);
	if (dfd == -ENOENT && e->before == CM_TXN_ABSENT)
		return 0;		/* neither it nor its directory exist */
	if (dfd < 0)
		return cm_err(dfd, "txn %s: restore %s", t->id, e->path);
	tmp_name(t, i, tmp, sizeof(tmp));
	if (as_before(t, i, dfd, name, tmp)) {
		close(dfd);
		return 0;
	}
	if (unlinkat(dfd, tmp, 0) < 0 && errno != ENOENT) {
		r = -errno;
		goto out;
	}
	switch (e->before) {
	case CM_TXN_ABSENT:
		if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode)) {
			r = -EISDIR;
			break;
		}
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			r = -errno;
		break;
	case CM_TXN_FILE:
		fd = backup_to_tmp(t, i, dfd, tmp);
		if (fd < 0) {
			r = fd;
			break;
		}
		if (fchown(fd, e->uid, e->gid) < 0)
			r = -errno;
		if (r == 0)
			r = set_mode(fd, e->mode);
		if (r == 0)
			r = fsync_fd(fd);
		if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
			r = -errno;
		/* when name was already a link to the backup, rename(2) did
		 * nothing and left tmp */
		if (r == 0 && unlinkat(dfd, tmp, 0) < 0 && errno != ENOENT)
			r = -errno;
		break;
	case CM_TXN_SYMLINK:
		if (symlinkat(e->old_target, dfd, tmp) < 0) {
			r = -errno;
			break;
		}
		if (fchownat(dfd, tmp, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
		if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
			r = -errno;
		break;
	}
out:
	r = end_one(t, dfd, fd, tmp, r);
	return r < 0 ? cm_err(r, "txn %s: restore %s", t->id, e->path) : 0;
}

/* Every change undone, newest first, then the directories the txn made
 * (when empty).  Goes on past a failure so as much as possible is back;
 * returns the first error. */
static int restore_all(struct txn *t)
{
	char name[CM_NAME_MAX + 1];
	size_t i;
	int r, first = 0, dfd;

	for (i = t->j.n; i-- > 0;) {
		r = restore_one(t, i);
		if (r < 0 && !first)
			first = r;
	}
	for (i = t->j.n_dirs; i-- > 0;) {
		dfd = cm_sysroot_parentat(&t->root, t->j.dirs[i], name,
					     sizeof(name));
		if (dfd < 0)
			continue;
		if (unlinkat(dfd, name, AT_REMOVEDIR) == 0)
			fsync(dfd);
		close(dfd);
		durable(t);
	}
	return first;
}

static int apply_one(struct txn *t, const struct cm_change *c, size_t i)
{
	const struct cm_txn_entry *e = &t->j.v[i];
	char name[CM_NAME_MAX + 1], tmp[64];
	int dfd, fd = -1, r = 0;

	dfd = cm_sysroot_parentat(&t->root, e->path, name, sizeof(name));
	if (dfd < 0)
		return cm_err(dfd, "txn %s: %s", t->id, e->path);
	tmp_name(t, i, tmp, sizeof(tmp));
	if (unlinkat(dfd, tmp, 0) < 0 && errno != ENOENT) {
		r = -errno;
		goto out;
	}
	switch (c->kind) {
	case CM_CHANGE_WRITE:
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_CLOEXEC, 0600);
		if (fd < 0) {
			r = -errno;
			break;
		}
		r = cm_write_all(fd, c->content.data ? c->content.data : "",
			      c->content.len);
		if (r == 0 && e->before == CM_TXN_FILE &&
		    fchown(fd, e->uid, e->gid) < 0)
			r = -errno;
		if (r == 0)
			r = set_mode(fd, e->before == CM_TXN_FILE ? e->mode :
				     (c->mode & 07777) ? (c->mode & 07777) : 0644);
		if (r == 0)
			r = fsync_fd(fd);
		break;
	case CM_CHANGE_SYMLINK:
		if (symlinkat(c->target, dfd, tmp) < 0)
			r = -errno;
		else if (e->before != CM_TXN_ABSENT &&
			 fchownat(dfd, tmp, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
			r = -errno;
		break;
	case CM_CHANGE_DELETE:
		if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT)
			r = -errno;
		goto out;
	}
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
out:
	r = end_one(t, dfd, fd, tmp, r);
	return r < 0 ? cm_err(r, "txn %s: %s %s", t->id, cm_txn_kind_name(c->kind),
			      e->path) : 0;
}

/* ---- recover, prepare, apply, rollback ---------------------------------- */

static int recover_locked(struct txn *t)
{
	unsigned *ids;
	size_t n, i;
	int r, count = 0, first = 0;

	r = list_ids(t->txnfd, &ids, &n);
	if (r < 0)
		return cm_err(r, "txn: list %s", CM_TXN_DIR);
	for (i = 0; i < n; i++) {
		txn_close_id(t);
		r = open_id(t, ids[i]);
		if (r == 0)
			r = read_journal(t->idfd, &t->j);
		if (r == -ENOENT && t->idfd >= 0) {
			/* crashed before its first journal: touched nothing */
			unlinkat(t->idfd, "journal.tmp", 0);
			unlinkat(t->txnfd, t->id, AT_REMOVEDIR);
			continue;
		}
		if (r < 0) {
			cm_warn("txn %s: journal unreadable (%s); left alone",
				t->id, strerror(-r));
			continue;
		}
		if (t->j.state == CM_TXN_ROLLED_BACK)
			drop_backups(t);	/* undone by an older cloudmove */
		if (t->j.state == CM_TXN_DONE || t->j.state == CM_TXN_ROLLED_BACK)
			continue;
		if (t->j.state != CM_TXN_PREPARED) {
			cm_warn("txn %s: interrupted while %s; rolling it back",
				t->id, cm_txn_state_name(t->j.state));
			r = restore_all(t);
			if (r < 0) {
				if (!first)
					first = r;
				continue;	/* stays interrupted: retried next time */
			}
		}
		r = close_undone(t);
		if (r < 0 && !first)
			first = r;
		count++;
	}
	txn_close_id(t);
	free(ids);
	return first ? first : count;
}

int cm_txn_recover(const char *sysroot)
{
	struct txn t;
	int r;

	txn_init(&t, sysroot);
	r = open_txn_dir(&t.root, sysroot, 0, &t.txnfd);
	if (r == -ENOENT)
		return 0;
	if (r == 0)
		r = lock_txn_dir(t.txnfd);
	if (r == 0)
		r = recover_locked(&t);
	txn_done(&t);
	return r;
}

static int same_content(int dfd, const char *name, const struct cm_buf *want)
{
	char chunk[8192];
	size_t off = 0;
	ssize_t k;
	int fd, same = 1;

	fd = cm_open_file_at(dfd, name, O_NOFOLLOW);
	if (fd < 0)
		return 0;
	while (same) {
		k = read(fd, chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			same = k == 0 && off == want->len;
			break;
		}
		if ((size_t)k > want->len - off ||
		    memcmp(chunk, want->data + off, (size_t)k))
			same = 0;
		off += (size_t)k;
	}
	close(fd);
	return same;
}

static int add_dir(struct cm_journal *j, const char *dir)
{
	size_t i;
	int r;

	for (i = 0; i < j->n_dirs; i++)
		if (!strcmp(j->dirs[i], dir))
			return 0;
	r = cm_journal_grow(j, 1);
	if (r < 0)
		return r;
	snprintf(j->dirs[j->n_dirs++], CM_PATH_MAX, "%s", dir);
	return 0;
}

/* The missing directories above path, outermost first. */
static int missing_dirs(struct txn *t, const char *path)
{
	char prefix[CM_PATH_MAX];
	size_t len = strrchr(path, '/') - path, i;
	int fd, r, missing = 0;

	for (i = 1; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		memcpy(prefix, path, i);
		prefix[i] = '\0';
		if (!missing) {
			fd = cm_sysroot_openat(&t->root, prefix, O_PATH | O_DIRECTORY, 0);
			if (fd >= 0) {
				close(fd);
				continue;
			}
			if (fd != -ENOENT)
				return cm_err(fd, "txn: %s", prefix);
			missing = 1;
		}
		r = add_dir(&t->j, prefix);
		if (r < 0)
			return cm_err(r, "txn: directories to create");
	}
	return 0;
}

/* Fills entry i from change c and the current state of its path; *noop
 * when the change would change nothing. */
static int prepare_one(struct txn *t, const struct cm_change *c,
		       struct cm_txn_entry *e, uint64_t *backup, int *noop)
{
	char name[CM_NAME_MAX + 1];
	struct stat st;
	ssize_t k;
	int dfd, r = 0;

	*noop = 0;
	memset(e, 0, sizeof(*e));
	e->kind = c->kind;
	snprintf(e->path, sizeof(e->path), "%s", c->path);
	snprintf(e->rewriter, sizeof(e->rewriter), "%s", c->rewriter);
	snprintf(e->why, sizeof(e->why), "%s", c->why);
	if (c->kind == CM_CHANGE_SYMLINK) {
		if (!c->target[0] || strlen(c->target) >= sizeof(e->target))
			return cm_err(-EINVAL, "txn: symlink %s: bad target", c->path);
		snprintf(e->target, sizeof(e->target), "%s", c->target);
	}
	e->before = CM_TXN_ABSENT;
	dfd = cm_sysroot_parentat(&t->root, c->path, name, sizeof(name));
	if (dfd == -ENOENT) {
		*noop = c->kind == CM_CHANGE_DELETE;
		return *noop ? 0 : missing_dirs(t, c->path);
	}
	if (dfd < 0)
		return cm_err(dfd, "txn: %s", c->path);
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT)
			r = cm_err(-errno, "txn: stat %s", c->path);
		*noop = c->kind == CM_CHANGE_DELETE;
		goto out;
	}
	e->mode = st.st_mode & 07777;
	e->uid = st.st_uid;
	e->gid = st.st_gid;
	if (S_ISREG(st.st_mode)) {
		e->before = CM_TXN_FILE;
		e->size = (uint64_t)st.st_size;
		if ((uint64_t)st.st_size > CM_TXN_BACKUP_MAX - *backup) {
			r = cm_err(-EFBIG, "txn: backups of this plan are over %d MiB",
				   CM_TXN_BACKUP_MAX >> 20);
			goto out;
		}
		*backup += (uint64_t)st.st_size;
		*noop = c->kind == CM_CHANGE_WRITE &&
			(uint64_t)st.st_size == c->content.len &&
			same_content(dfd, name, &c->content);
	} else if (S_ISLNK(st.st_mode)) {
		e->before = CM_TXN_SYMLINK;
		k = readlinkat(dfd, name, e->old_target, sizeof(e->old_target));
		if (k < 0 || (size_t)k >= sizeof(e->old_target)) {
			r = cm_err(k < 0 ? -errno : -ENAMETOOLONG,
				   "txn: readlink %s", c->path);
			goto out;
		}
		e->old_target[k] = '\0';
		*noop = c->kind == CM_CHANGE_SYMLINK &&
			!strcmp(e->old_target, c->target);
	} else {
		r = cm_err(S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL,
			   "txn: %s is not a regular file or a symlink", c->path);
	}
out:
	close(dfd);
	return r;
}

/* Saves the previous content of each file entry; the mode, owner and
 * size recorded are those of the file actually copied. */
static int backup_all(struct txn *t)
{
	char name[CM_NAME_MAX + 1], bname[32];
	struct cm_txn_entry *e;
	struct stat st;
	uint64_t copied, total = 0;
	size_t i;
	int dfd, in, out, r;

	for (i = 0; i < t->j.n; i++) {
		e = &t->j.v[i];
		if (e->before != CM_TXN_FILE)
			continue;
		dfd = cm_sysroot_parentat(&t->root, e->path, name, sizeof(name));
		if (dfd < 0)
			return cm_err(dfd, "txn %s: back up %s", t->id, e->path);
		in = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			    O_CLOEXEC);	/* a FIFO swapped in must not hang us */
		close(dfd);
		if (in < 0)
			return cm_err(-errno, "txn %s: back up %s", t->id, e->path);
		snprintf(bname, sizeof(bname), "backup-%zu", i);
		out = openat(t->idfd, bname, O_WRONLY | O_CREAT | O_TRUNC |
			     O_NOFOLLOW | O_CLOEXEC, 0600);
		if (out < 0) {
			r = -errno;
			close(in);
			return cm_err(r, "txn %s: create %s", t->id, bname);
		}
		r = fstat(in, &st) < 0 ? -errno : 0;
		if (r == 0 && !S_ISREG(st.st_mode))
			r = -EINVAL;
		if (r == 0)
			r = cm_copy_fd(in, out, CM_TXN_BACKUP_MAX - total, &copied);
		if (r == 0)
			r = fsync_fd(out);
		close(in);
		close(out);
		if (r < 0)
			return cm_err(r, "txn %s: back up %s", t->id, e->path);
		e->mode = st.st_mode & 07777;
		e->uid = st.st_uid;
		e->gid = st.st_gid;
		e->size = copied;
		total += copied;
		durable(t);
	}
	r = fsync_fd(t->idfd);
	return r < 0 ? cm_err(r, "txn %s: fsync", t->id) : 0;
}

static int plan_ok(const struct cm_plan *plan)
{
	static const char txn_dir[] = CM_TXN_DIR "/";
	size_t i;

	if (plan->n > CM_TXN_CHANGES_MAX)
		return cm_err(-E2BIG, "txn: %zu changes, at most %d", plan->n,
			      CM_TXN_CHANGES_MAX);
	for (i = 0; i < plan->n; i++) {
		const struct cm_change *c = &plan->v[i];

		if (c->kind < CM_CHANGE_WRITE || c->kind > CM_CHANGE_SYMLINK ||
		    !cm_journal_path_ok(c->path) ||
		    !strncmp(c->path, txn_dir, sizeof(txn_dir) - 1) ||
		    !strcmp(c->path, CM_TXN_DIR))
			return cm_err(-EINVAL, "txn: bad change path '%s'", c->path);
	}
	return 0;
}

/* Creates the next id's directory (ids are never reused). */
static int new_id(struct txn *t)
{
	unsigned *ids, id;
	size_t n;
	int r;

	r = list_ids(t->txnfd, &ids, &n);
	if (r < 0)
		return cm_err(r, "txn: list %s", CM_TXN_DIR);
	id = n ? ids[n - 1] + 1 : 1;
	free(ids);
	if (id > CM_TXN_ID_MAX)
		return cm_err(-E2BIG, "txn: ids exhausted");
	cm_journal_id_name(id, t->id, sizeof(t->id));
	if (mkdirat(t->txnfd, t->id, 0700) < 0)
		return cm_err(-errno, "txn: create %s/%s", CM_TXN_DIR, t->id);
	r = fsync_fd(t->txnfd);
	if (r == 0)
		r = open_id(t, id);
	if (r < 0)
		return cm_err(r, "txn: %s/%s", CM_TXN_DIR, t->id);
	t->j.id = id;
	durable(t);
	return 0;
}

/* A failure before the commit was durable, after changes began: every
 * change undone (those never made are left alone), the transaction
 * closed "rolled-back".  Returns err when the root is as it was again,
 * -ENOTRECOVERABLE when it is not (the journal still says "applying":
 * the next recovery tries again). */
static int undo_failed(struct txn *t, int err)
{
	int r;

	cm_warn("txn %s: failed before its commit; undoing it", t->id);
	r = restore_all(t);
	if (r == 0)
		r = close_undone(t);
	if (r == 0) {
		cm_info("txn %s: undone; the root is as it was", t->id);
		return err;
	}
	cm_err(r, "txn %s: could not be undone; the next start tries again",
	       t->id);
	return -ENOTRECOVERABLE;
}

static int apply_locked(struct txn *t, const struct cm_plan *plan,
			const char *label, char *id, size_t id_size)
{
	const struct cm_change **eff = NULL;
	struct cm_journal *j = &t->j;
	uint64_t backup = 0;
	size_t i, n = 0;
	int r, noop;

	r = cm_journal_grow(j, 0);
	if (r < 0)
		return cm_err(r, "txn");
	eff = calloc(plan->n ? plan->n : 1, sizeof(*eff));
	if (!eff)
		return cm_err(-ENOMEM, "txn");
	for (i = 0; i < plan->n; i++) {
		r = prepare_one(t, &plan->v[i], &j->v[n], &backup, &noop);
		if (r < 0)
			goto out;
		if (!noop)
			eff[n++] = &plan->v[i];
	}
	j->n = n;
	if (!n) {
		cm_info("txn: nothing to change");
		goto out;
	}
	r = new_id(t);
	if (r < 0)
		goto out;
	j->time = (long long)time(NULL);
	snprintf(j->label, sizeof(j->label), "%s", label ? label : "");
	for (i = 0; j->label[i]; i++)
		if (j->label[i] == '\n')
			j->label[i] = ' ';
	r = set_state(t, CM_TXN_PREPARED);
	if (r < 0) {		/* no journal: no transaction (as recovery would) */
		unlinkat(t->txnfd, t->id, AT_REMOVEDIR);
		fsync(t->txnfd);
		goto out;
	}
	r = backup_all(t);
	if (r == 0)
		r = set_state(t, CM_TXN_APPLYING);
	if (r < 0) {
		/* nothing touched yet: "prepared" (or "applying") closed in
		 * place; failing that, recovery closes it */
		if (close_undone(t) == 0)
			cm_info("txn %s: nothing was changed", t->id);
		goto out;
	}
	for (i = 0; r == 0 && i < j->n_dirs; i++) {
		char name[CM_NAME_MAX + 1];
		int dfd = cm_sysroot_parentat(&t->root, j->dirs[i], name,
						 sizeof(name));

		if (dfd < 0) {
			r = cm_err(dfd, "txn %s: mkdir %s", t->id, j->dirs[i]);
			break;
		}
		if (mkdirat(dfd, name, 0755) < 0 && errno != EEXIST)
			r = cm_err(-errno, "txn %s: mkdir %s", t->id, j->dirs[i]);
		else if (fsync(dfd) < 0)
			r = cm_err(-errno, "txn %s: fsync", t->id);
		close(dfd);
		if (r == 0)
			durable(t);
	}
	for (i = 0; r == 0 && i < n; i++)
		r = apply_one(t, eff[i], i);
	/* the commit: "done" written in place, in the journal's own blocks */
	if (r == 0)
		r = set_state(t, CM_TXN_DONE);
	if (r < 0)
		r = undo_failed(t, r);
out:
	free(eff);
	if (r == 0 && id && id_size)
		snprintf(id, id_size, "%s", n ? t->id : "");
	return r;
}

int cm_txn_apply(const char *sysroot, const struct cm_plan *plan,
		 const char *label, char *id, size_t id_size)
{
	struct txn t;
	int r;

	if (id && id_size)
		id[0] = '\0';
	r = plan_ok(plan);
	if (r < 0 || !plan->n)
		return r;	/* an empty plan touches nothing, not even txn/ */
	txn_init(&t, sysroot);
	r = open_txn_dir(&t.root, sysroot, 1, &t.txnfd);
	if (r == 0)
		r = lock_txn_dir(t.txnfd);
	if (r == 0) {
		r = recover_locked(&t);
		if (r > 0)
			r = 0;
	}
	if (r == 0)
		r = apply_locked(&t, plan, label, id, id_size);
	txn_done(&t);
	return r;
}

static int undo(struct txn *t, unsigned id)
{
	int r;

	r = open_id(t, id);
	if (r == 0)
		r = read_journal(t->idfd, &t->j);
	if (r < 0)
		return cm_err(r, "txn %s: journal", t->id);
	r = set_state(t, CM_TXN_ROLLING_BACK);
	if (r == 0)
		r = restore_all(t);
	if (r == 0)
		r = cm_initramfs_undo(t->sysroot, t->id);
	if (r == 0)
		r = close_undone(t);
	if (r == 0)
		cm_info("txn %s: rolled back", t->id);
	return r;
}

int cm_txn_rollback(const char *sysroot, const char *to_id)
{
	unsigned *ids = NULL, to = 0, *done;
	size_t n = 0, i, n_done = 0;
	int r, count = 0;
	struct txn t;

	if (to_id && cm_journal_id_parse(to_id, &to) < 0)
		return cm_err(-EINVAL, "rollback: bad transaction id '%s'", to_id);
	txn_init(&t, sysroot);
	r = open_txn_dir(&t.root, sysroot, 0, &t.txnfd);
	if (r == -ENOENT) {
		r = to_id && !to ? 0 :
			cm_err(-ENOENT, "rollback: no transaction in %s", sysroot);
		goto out;
	}
	if (r == 0)
		r = lock_txn_dir(t.txnfd);
	if (r == 0)
		r = recover_locked(&t);
	if (r >= 0)
		r = list_ids(t.txnfd, &ids, &n);
	if (r < 0)
		goto out;
	if (to) {
		for (i = 0; i < n && ids[i] != to; i++)
			;
		if (i == n) {
			r = cm_err(-ENOENT, "rollback: no transaction %s", to_id);
			goto out;
		}
	}
	done = ids;		/* the "done" ones, filtered in place */
	for (i = 0; i < n; i++) {
		txn_close_id(&t);
		if (open_id(&t, ids[i]) < 0 || read_journal(t.idfd, &t.j) < 0)
			continue;
		if (t.j.state == CM_TXN_DONE)
			done[n_done++] = ids[i];
	}
	txn_close_id(&t);
	if (!to_id && !n_done) {
		r = cm_err(-ENOENT, "rollback: no transaction to roll back");
		goto out;
	}
	for (i = n_done; i-- > 0;) {
		if (to_id ? done[i] <= to : i != n_done - 1)
			break;
		r = undo(&t, done[i]);
		txn_close_id(&t);
		if (r < 0)
			goto out;
		count++;
	}
	r = count;
out:
	free(ids);
	txn_done(&t);
	return r;
}

int cm_txn_load(const char *sysroot, unsigned id, struct cm_journal *j)
{
	struct cm_sysroot root;
	char nm[16];
	int txnfd, idfd, r;

	r = open_txn_dir(&root, sysroot, 0, &txnfd);
	if (r < 0) {
		cm_sysroot_close(&root);
		return r;
	}
	cm_journal_id_name(id, nm, sizeof(nm));
	idfd = openat(txnfd, nm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	r = idfd < 0 ? -errno : read_journal(idfd, j);
	if (idfd >= 0)
		close(idfd);
	close(txnfd);
	cm_sysroot_close(&root);
	return r;
}

int cm_txn_list(const char *sysroot, struct cm_txn_info **v, size_t *n)
{
	struct cm_sysroot root;
	struct cm_journal j;
	unsigned *ids;
	size_t i, count;
	int txnfd, idfd, r;
	char nm[16];

	*v = NULL;
	*n = 0;
	r = open_txn_dir(&root, sysroot, 0, &txnfd);
	cm_sysroot_close(&root);	/* txnfd is all it needs */
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	r = list_ids(txnfd, &ids, &count);
	if (r < 0) {
		close(txnfd);
		return cm_err(r, "txn: list %s", CM_TXN_DIR);
	}
	*v = calloc(count ? count : 1, sizeof(**v));
	if (!*v) {
		free(ids);
		close(txnfd);
		return -ENOMEM;
	}
	cm_journal_init(&j);
	for (i = 0; i < count; i++) {
		struct cm_txn_info *info = &(*v)[i];

		info->id = ids[i];
		cm_journal_id_name(ids[i], nm, sizeof(nm));
		idfd = openat(txnfd, nm, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			      O_CLOEXEC);
		if (idfd < 0)
			continue;
		if (read_journal(idfd, &j) == 0) {
			info->ok = 1;
			info->state = j.state;
			info->time = j.time;
			info->n_changes = j.n;
			snprintf(info->label, sizeof(info->label), "%s", j.label);
		}
		cm_journal_free(&j);
		close(idfd);
	}
	*n = count;
	free(ids);
	close(txnfd);
	return 0;
}
