/* txn.c: apply / rollback round trips, ids, no-op plans, the journal
 * format, refusals. */
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "adapt/txn.h"
#include "log.h"
#include "test.h"

static const char *root(void)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/root", cm_test_tmpdir());
	return p;
}


/* ---- a small installed tree, a plan with every kind of change, and a
 * canonical description of the paths it touches ---- */

static void test_symlink(const char *target, const char *root_dir, const char *rel)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/%s", root_dir, rel);
	unlink(p);
	if (symlink(target, p) < 0)
		perror(p);
}

static void test_chown(const char *root_dir, const char *rel, mode_t mode,
		       uid_t uid, gid_t gid)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/%s", root_dir, rel);
	if (lchown(p, uid, gid) < 0 || (mode && chmod(p, mode) < 0))
		perror(p);
}

/* Under cm_test_tmpdir()/root (root_dir must be that). */
static void txn_tree(const char *root_dir)
{
	cm_test_write_str("root/etc/a.conf", "a old\n");
	test_chown(root_dir, "etc/a.conf", 0604, 1234, 5678);
	cm_test_write_str("root/etc/b.conf", "b old, setuid\n");
	test_chown(root_dir, "etc/b.conf", 04750, 0, 42);
	cm_test_write_str("root/etc/d.conf", "d will be deleted\n");
	test_chown(root_dir, "etc/d.conf", 0600, 7, 7);
	cm_test_write_str("root/etc/e.conf", "e becomes a symlink\n");
	test_symlink("../run/old-dest", root_dir, "etc/link");
	test_chown(root_dir, "etc/link", 0, 99, 98);
	test_symlink("/etc/a.conf", root_dir, "etc/to-file");
}

static int txn_plan(struct cm_plan *p)
{
	int r = 0;

	r |= cm_plan_write(p, "t", "/etc/a.conf", "a new\n", 6, 0600, "a");
	r |= cm_plan_write(p, "t", "/etc/new/deep/c.conf", "c\n", 2, 0640, "c");
	r |= cm_plan_symlink(p, "t", "/etc/link", "/new/dest", "link");
	r |= cm_plan_delete(p, "t", "/etc/d.conf", "d");
	r |= cm_plan_symlink(p, "t", "/etc/e.conf", "a.conf", "e");
	r |= cm_plan_write(p, "t", "/etc/b.conf", "b new\n", 6, 0644, "b");
	r |= cm_plan_write(p, "t", "/etc/to-file", "was a link\n", 11, 0644, "f");
	r |= cm_plan_write(p, "t", "/etc/empty", "", 0, 0644, "empty");
	return r;
}

static int describe(const char *root_dir, const char *rel, char *out, size_t size)
{
	char p[600], buf[256];
	struct stat st;
	ssize_t k;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", root_dir, rel);
	if (lstat(p, &st) < 0)
		return snprintf(out, size, "%s: absent\n", rel);
	if (S_ISLNK(st.st_mode)) {
		k = readlink(p, buf, sizeof(buf) - 1);
		buf[k > 0 ? k : 0] = '\0';
		return snprintf(out, size, "%s: link %u:%u -> %s\n", rel,
				(unsigned)st.st_uid, (unsigned)st.st_gid, buf);
	}
	if (S_ISDIR(st.st_mode))
		return snprintf(out, size, "%s: dir %04o\n", rel,
				(unsigned)(st.st_mode & 07777));
	fd = open(p, O_RDONLY);
	k = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	buf[k > 0 ? k : 0] = '\0';
	return snprintf(out, size, "%s: file %04o %u:%u [%s]\n", rel,
			(unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
			(unsigned)st.st_gid, buf);
}

static int txn_state(const char *root_dir, char *out, size_t size)
{
	static const char *const paths[] = {
		"etc/a.conf", "etc/b.conf", "etc/d.conf", "etc/e.conf",
		"etc/link", "etc/to-file", "etc/empty", "etc/new",
		"etc/new/deep", "etc/new/deep/c.conf",
	};
	size_t i, used = 0;
	int k;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		k = describe(root_dir, paths[i], out + used, size - used);
		if (k < 0 || (size_t)k >= size - used)
			return -1;
		used += (size_t)k;
	}
	return 0;
}

/* 1 when some ".cm-txn-*" temp file is left in root/etc */
static int txn_leftovers(const char *root_dir)
{
	char p[600];
	struct dirent *de;
	DIR *d;
	int found = 0;

	snprintf(p, sizeof(p), "%s/etc", root_dir);
	d = opendir(p);
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, ".cm-txn-", 8))
			found = 1;
	closedir(d);
	return found;
}

static int add_write(struct cm_plan *p, const char *path, const char *text)
{
	return cm_plan_write(p, "test", path, text, strlen(text), 0640,
			     "because the test says so");
}

/* Valgrind does not know openat2 and warns at every call: the walk it
 * would fall back to anyway, without the noise. */
__attribute__((constructor)) static void walk_under_valgrind(void)
{
	const char *pre = getenv("LD_PRELOAD");

	if (pre && strstr(pre, "vgpreload"))
		setenv("CM_SYSROOT_NO_OPENAT2", "1", 1);
}

static void roundtrip(void)
{
	char before[8192], after[8192], id[16];
	struct cm_plan p;
	struct stat st;
	char path[600], target[64];

	txn_tree(root());
	CHECK(txn_state(root(), before, sizeof(before)) == 0);
	cm_plan_init(&p);
	CHECK_INT(txn_plan(&p), 0);
	CHECK_INT(cm_txn_apply(root(), &p, "adapt test", id, sizeof(id)), 0);
	CHECK_STR(id, "0001");
	CHECK(txn_state(root(), after, sizeof(after)) == 0);
	CHECK(strcmp(before, after) != 0);
	/* the replaced file kept its mode and owner */
	snprintf(path, sizeof(path), "%s/etc/a.conf", root());
	CHECK(stat(path, &st) == 0);
	CHECK_INT(st.st_mode & 07777, 0604);
	CHECK_INT(st.st_uid, 1234);
	CHECK_INT(st.st_gid, 5678);
	/* a new file got the plan's mode, in its new directories */
	snprintf(path, sizeof(path), "%s/etc/new/deep/c.conf", root());
	CHECK(stat(path, &st) == 0);
	CHECK_INT(st.st_mode & 07777, 0640);
	snprintf(path, sizeof(path), "%s/etc/link", root());
	CHECK(readlink(path, target, sizeof(target)) == 9);
	CHECK(!memcmp(target, "/new/dest", 9));
	snprintf(path, sizeof(path), "%s/etc/d.conf", root());
	CHECK(lstat(path, &st) < 0 && errno == ENOENT);
	cm_plan_free(&p);

	CHECK_INT(cm_txn_rollback(root(), NULL), 1);
	CHECK(txn_state(root(), after, sizeof(after)) == 0);
	CHECK_STR(after, before);
	snprintf(path, sizeof(path), "%s/etc/new", root());
	CHECK(lstat(path, &st) < 0 && errno == ENOENT);	/* dirs it made: gone */
	CHECK_INT(cm_txn_rollback(root(), NULL), -ENOENT);	/* nothing left */
}

TEST(txn_roundtrip_restores_everything)
{
	roundtrip();
}

TEST(txn_roundtrip_through_the_walk)
{
	const char *was = getenv("CM_SYSROOT_NO_OPENAT2");

	setenv("CM_SYSROOT_NO_OPENAT2", "1", 1);
	roundtrip();
	if (!was)
		unsetenv("CM_SYSROOT_NO_OPENAT2");
}

TEST(txn_noop_plan_records_nothing)
{
	char id[16] = "x", path[600];
	struct cm_plan p;
	struct stat st;

	cm_test_write_str("root/etc/same", "same\n");
	cm_plan_init(&p);
	CHECK_INT(add_write(&p, "/etc/same", "same\n"), 0);
	CHECK_INT(cm_plan_delete(&p, "test", "/etc/never-was", "gone"), 0);
	CHECK_INT(cm_txn_apply(root(), &p, "noop", id, sizeof(id)), 0);
	CHECK_STR(id, "");
	snprintf(path, sizeof(path), "%s/var/lib/cloudmove/txn/0001", root());
	CHECK(lstat(path, &st) < 0);
	/* one real change among no-ops: only it is journalled */
	CHECK_INT(add_write(&p, "/etc/other", "new\n"), 0);
	CHECK_INT(cm_txn_apply(root(), &p, "one", id, sizeof(id)), 0);
	CHECK_STR(id, "0001");
	{
		struct cm_journal j;

		cm_journal_init(&j);
		CHECK_INT(cm_txn_load(root(), 1, &j), 0);
		CHECK_INT(j.n, 1);
		CHECK_STR(j.v[0].path, "/etc/other");
		CHECK_INT(j.state, CM_TXN_DONE);
		cm_journal_free(&j);
	}
	/* the same plan again is a no-op */
	CHECK_INT(cm_txn_apply(root(), &p, "again", id, sizeof(id)), 0);
	CHECK_STR(id, "");
	cm_plan_free(&p);
}

static int file_is(const char *rel, const char *want)
{
	char path[600], buf[256];
	ssize_t k;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", root(), rel);
	fd = open(path, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return want == NULL;
	k = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (k < 0 || !want)
		return 0;
	buf[k] = '\0';
	return !strcmp(buf, want);
}

TEST(txn_ids_increase_and_rollback_to)
{
	static const char *const v[] = { "v1\n", "v2\n", "v3\n" };
	char id[16], want[16];
	struct cm_txn_info *info;
	struct cm_plan p;
	size_t n, i;

	cm_test_write_str("root/etc/f", "v0\n");
	for (i = 0; i < 3; i++) {
		cm_plan_init(&p);
		CHECK_INT(add_write(&p, "/etc/f", v[i]), 0);
		if (i == 1)
			CHECK_INT(add_write(&p, "/etc/only-in-2", "x"), 0);
		CHECK_INT(cm_txn_apply(root(), &p, "step", id, sizeof(id)), 0);
		snprintf(want, sizeof(want), "%04zu", i + 1);
		CHECK_STR(id, want);
		cm_plan_free(&p);
	}
	CHECK(file_is("etc/f", "v3\n"));
	CHECK_INT(cm_txn_rollback(root(), "1"), 2);
	CHECK(file_is("etc/f", "v1\n"));
	CHECK(file_is("etc/only-in-2", NULL));
	CHECK_INT(cm_txn_rollback(root(), "0001"), 0);	/* already there */
	CHECK_INT(cm_txn_rollback(root(), "0042"), -ENOENT);
	CHECK_INT(cm_txn_list(root(), &info, &n), 0);
	CHECK_INT(n, 3);
	CHECK_INT(info[0].state, CM_TXN_DONE);
	CHECK_INT(info[1].state, CM_TXN_ROLLED_BACK);
	CHECK_INT(info[2].state, CM_TXN_ROLLED_BACK);
	CHECK_STR(info[0].label, "step");
	CHECK_INT(info[1].n_changes, 2);
	free(info);
	/* a new txn after rollbacks gets a new id, never a reused one */
	cm_plan_init(&p);
	CHECK_INT(add_write(&p, "/etc/f", "v4\n"), 0);
	CHECK_INT(cm_txn_apply(root(), &p, "after", id, sizeof(id)), 0);
	CHECK_STR(id, "0004");
	cm_plan_free(&p);
	CHECK_INT(cm_txn_rollback(root(), "0"), 2);	/* 0004 then 0001 */
	CHECK(file_is("etc/f", "v0\n"));
}

TEST(txn_rejects_bad_plans)
{
	char id[16], path[600];
	struct cm_plan p;
	struct stat st;

	cm_test_write_str("root/etc/dir/x", "x");
	cm_plan_init(&p);
	CHECK_INT(add_write(&p, "/etc/../etc/passwd", "x"), 0);
	CHECK_INT(cm_txn_apply(root(), &p, "bad", id, sizeof(id)), -EINVAL);
	cm_plan_free(&p);
	cm_plan_init(&p);
	CHECK_INT(add_write(&p, "/var/lib/cloudmove/txn/0001/journal", "x"), 0);
	CHECK_INT(cm_txn_apply(root(), &p, "bad", id, sizeof(id)), -EINVAL);
	cm_plan_free(&p);
	cm_plan_init(&p);
	CHECK_INT(add_write(&p, "/etc/dir", "x"), 0);
	CHECK_INT(cm_txn_apply(root(), &p, "bad", id, sizeof(id)), -EISDIR);
	cm_plan_free(&p);
	snprintf(path, sizeof(path), "%s/var/lib/cloudmove/txn/0001", root());
	CHECK(lstat(path, &st) < 0);	/* refused before anything was recorded */
}

TEST(txn_writes_never_escape)
{
	char host[256], id[16];
	struct cm_plan p;
	struct stat st;
	char path[600];

	snprintf(host, sizeof(host), "/tmp/cm-txn-escape-%ld", (long)getpid());
	unlink(host);
	cm_test_write_str("root/etc/.keep", "");
	snprintf(path, sizeof(path), "%s/evil", root());
	CHECK(symlink(host, path) == 0);
	snprintf(path, sizeof(path), "%s/up", root());
	CHECK(symlink("../../../../../..", path) == 0);
	cm_plan_init(&p);
	CHECK_INT(add_write(&p, "/evil", "pwned"), 0);	/* replaces the link */
	CHECK_INT(add_write(&p, "/up/tmp/cm-up", "inside"), 0);
	CHECK_INT(cm_txn_apply(root(), &p, "escape", id, sizeof(id)), 0);
	CHECK(lstat(host, &st) < 0);
	CHECK(file_is("evil", "pwned"));
	CHECK(file_is("tmp/cm-up", "inside"));
	CHECK_INT(cm_txn_rollback(root(), NULL), 1);
	snprintf(path, sizeof(path), "%s/evil", root());
	CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode));
	CHECK(file_is("tmp/cm-up", NULL));
	cm_plan_free(&p);
}

TEST(txn_busy_when_locked)
{
	char id[16], path[600];
	struct cm_plan p;
	int fd;

	cm_test_write_str("root/var/lib/cloudmove/txn/.keep", "");
	snprintf(path, sizeof(path), "%s/var/lib/cloudmove/txn", root());
	fd = open(path, O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	CHECK(flock(fd, LOCK_EX) == 0);
	cm_plan_init(&p);
	CHECK_INT(add_write(&p, "/etc/x", "x"), 0);
	CHECK_INT(cm_txn_apply(root(), &p, "busy", id, sizeof(id)), -EBUSY);
	close(fd);
	CHECK_INT(cm_txn_apply(root(), &p, "free", id, sizeof(id)), 0);
	cm_plan_free(&p);
}

TEST(txn_journal_roundtrip)
{
	static const char text[] =
		"cloudmove-txn 1\nid 7\nstate applying    \ntime 1764211495\n"
		"label adapt%20gcp\ndir /etc/new\n"
		"change write /etc/new/a%20b\nrewriter fstab\nwhy why%0Anot\n"
		"before absent\n"
		"change symlink /etc/l\nrewriter agents\nwhy x\ntarget /t\n"
		"before symlink 0777 0 0 ../run/x\n"
		"change delete /etc/d\nrewriter x\nwhy y\n"
		"before file 4755 1 2 30\nend\n";
	struct cm_journal j;
	struct cm_buf b;

	cm_journal_init(&j);
	CHECK_INT(cm_journal_parse(text, strlen(text), &j), 0);
	CHECK_INT(j.id, 7);
	CHECK_INT(j.state, CM_TXN_APPLYING);
	CHECK_STR(j.label, "adapt gcp");
	CHECK_INT(j.n, 3);
	CHECK_INT(j.n_dirs, 1);
	CHECK_STR(j.v[0].path, "/etc/new/a b");
	CHECK_STR(j.v[0].why, "why\nnot");
	CHECK_STR(j.v[1].old_target, "../run/x");
	CHECK_STR(j.v[1].target, "/t");
	CHECK_INT(j.v[2].mode, 04755);
	CHECK_INT(j.v[2].size, 30);
	cm_buf_init(&b, CM_TXN_JOURNAL_MAX);
	CHECK_INT(cm_journal_format(&j, &b), 0);
	CHECK_STR(b.data, text);
	cm_buf_free(&b);
	cm_journal_free(&j);
}

/* Journals written before the state was padded read the same, and are
 * written padded. */
TEST(txn_journal_reads_unpadded_state)
{
	static const char old[] =
		"cloudmove-txn 1\nid 2\nstate done\ntime 1\nlabel x\nend\n";
	static const char padded[] =
		"cloudmove-txn 1\nid 2\nstate done        \ntime 1\nlabel x\nend\n";
	struct cm_journal j;
	struct cm_buf b;

	cm_journal_init(&j);
	CHECK_INT(cm_journal_parse(old, strlen(old), &j), 0);
	CHECK_INT(j.state, CM_TXN_DONE);
	cm_buf_init(&b, CM_TXN_JOURNAL_MAX);
	CHECK_INT(cm_journal_format(&j, &b), 0);
	CHECK_STR(b.data, padded);
	CHECK_INT(cm_journal_parse(padded, strlen(padded), &j), 0);
	CHECK_INT(j.state, CM_TXN_DONE);
	cm_buf_free(&b);
	cm_journal_free(&j);
}

TEST(txn_journal_rejects_malformed)
{
	static const char *const bad[] = {
		"",
		"cloudmove-txn 1\nid 1\nstate done\ntime 1\nlabel x\n",	/* no end */
		"cloudmove-txn 1\nid 1\nstate done\ntime 1\nlabel x\nend",	/* no \n */
		"cloudmove-txn 2\nid 1\nstate done\ntime 1\nlabel x\nend\n",
		"cloudmove-txn 1\nid 0\nstate done\ntime 1\nlabel x\nend\n",
		"cloudmove-txn 1\nid 1\nstate bogus\ntime 1\nlabel x\nend\n",
		"cloudmove-txn 1\nid 1\nstate  \ntime 1\nlabel x\nend\n",
		"cloudmove-txn 1\nid 1\nstate done x\ntime 1\nlabel x\nend\n",
		"cloudmove-txn 1\nid 1\nid 2\nstate done\ntime 1\nlabel x\nend\n",
		"cloudmove-txn 1\nid 1\nstate done\ntime 1\nlabel a b\nend\n",
		"cloudmove-txn 1\nid 1\nstate done\ntime 1\nlabel %zz\nend\n",
		"cloudmove-txn 1\nid 1\nstate done\ntime 1\nlabel %00\nend\n",
		"cloudmove-txn 1\nid 1\nstate done\ntime 1\nlabel x\n"
		"change write /etc/../x\nrewriter r\nwhy w\nbefore absent\nend\n",
		"cloudmove-txn 1\nid 1\nstate done\ntime 1\nlabel x\n"
		"change write /etc/x\nrewriter r\nwhy w\nend\n",	/* no before */
		"cloudmove-txn 1\nid 1\nstate done\ntime 1\nlabel x\n"
		"change write /etc/x\nbefore file 10000 0 0 1\nend\n",
		"cloudmove-txn 1\nid 1\nstate done\ntime 1\nlabel x\n"
		"change symlink /etc/x\nbefore absent\nend\n",	/* no target */
		"cloudmove-txn 1\nid 1\nstate done\ntime 1\nlabel x\n"
		"change write /etc/x\nbefore absent\nend\njunk\n",
		"cloudmove-txn 1\nid 1\nstate done\ntime 1\nlabel x\n"
		"change write /etc/x\nbefore file 0644 0 0 99999999999999\nend\n",
	};
	struct cm_journal j;
	size_t i;

	cm_journal_init(&j);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (cm_journal_parse(bad[i], strlen(bad[i]), &j) != -EBADMSG) {
			cm_test_fail(__FILE__, __LINE__, "bad journal %zu accepted", i);
			cm_journal_free(&j);
			return;
		}
	}
}

TEST(txn_recover_closes_prepared_and_ignores_empty_dirs)
{
	static const char prepared[] =
		"cloudmove-txn 1\nid 1\nstate prepared\ntime 1\nlabel x\n"
		"change write /etc/x\nrewriter r\nwhy w\nbefore absent\nend\n";
	struct cm_journal j;

	cm_test_write_str("root/var/lib/cloudmove/txn/0001/journal", prepared);
	cm_test_write_str("root/var/lib/cloudmove/txn/0002/.keep", "");
	cm_test_write_str("root/etc/x", "not ours to delete");
	{
		char p[600];

		snprintf(p, sizeof(p), "%s/var/lib/cloudmove/txn/0003", root());
		CHECK(mkdir(p, 0700) == 0);	/* crashed before its journal */
		CHECK_INT(cm_txn_recover(root()), 1);
		CHECK(access(p, F_OK) < 0);	/* removed: it touched nothing */
	}
	CHECK(file_is("etc/x", "not ours to delete"));
	cm_journal_init(&j);
	CHECK_INT(cm_txn_load(root(), 1, &j), 0);
	CHECK_INT(j.state, CM_TXN_ROLLED_BACK);
	cm_journal_free(&j);
	CHECK_INT(cm_txn_recover(root()), 0);
}

static int exists(const char *rel)
{
	char p[600];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", cm_test_tmpdir(), rel);
	return lstat(p, &st) == 0;
}

static ino_t inode_of(const char *rel)
{
	char p[600];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", root(), rel);
	return lstat(p, &st) == 0 ? st.st_ino : 0;
}

/* After "applying", each state change overwrites the padded state field
 * of the same journal file (a full disk cannot stop it); a rollback drops
 * the backups and keeps the journal. */
TEST(txn_states_change_in_place_and_undone_backups_go)
{
	static const char journal[] = "var/lib/cloudmove/txn/0001/journal";
	struct cm_journal j;
	struct cm_plan p;
	char id[16];
	ino_t ino;

	txn_tree(root());
	cm_plan_init(&p);
	CHECK_INT(txn_plan(&p), 0);
	CHECK_INT(cm_txn_apply(root(), &p, "in place", id, sizeof(id)), 0);
	cm_plan_free(&p);
	CHECK(exists("root/var/lib/cloudmove/txn/0001/backup-0"));
	ino = inode_of(journal);
	CHECK(ino != 0);
	CHECK_INT(cm_txn_rollback(root(), NULL), 1);
	CHECK(inode_of(journal) == ino);
	cm_journal_init(&j);
	CHECK_INT(cm_txn_load(root(), 1, &j), 0);
	CHECK_INT(j.state, CM_TXN_ROLLED_BACK);
	cm_journal_free(&j);
	CHECK(!exists("root/var/lib/cloudmove/txn/0001/backup-0"));
	CHECK(!exists("root/var/lib/cloudmove/txn/0001/backup-1"));
}

/* An interrupted transaction whose change was never made: recovery leaves
 * the file alone (not even rewritten: its directory may be read-only),
 * closes the transaction, drops its backup; and backups an older version
 * left in a rolled-back transaction go too. */
TEST(txn_recover_leaves_alone_what_was_never_changed)
{
	static const char applying[] =
		"cloudmove-txn 1\nid 1\nstate applying\ntime 1\nlabel x\n"
		"change write /etc/keep\nrewriter r\nwhy w\n"
		"before file 0644 0 0 5\nend\n";
	static const char undone[] =
		"cloudmove-txn 1\nid 2\nstate rolled-back\ntime 1\nlabel x\n"
		"change write /etc/keep\nrewriter r\nwhy w\n"
		"before file 0644 0 0 5\nend\n";
	struct cm_journal j;
	char p[600];
	ino_t ino;

	cm_test_write_str("root/etc/keep", "kept\n");
	snprintf(p, sizeof(p), "%s/etc/keep", root());
	CHECK(chown(p, 0, 0) == 0 && chmod(p, 0644) == 0);
	cm_test_write_str("root/var/lib/cloudmove/txn/0001/journal", applying);
	cm_test_write_str("root/var/lib/cloudmove/txn/0001/backup-0", "kept\n");
	cm_test_write_str("root/var/lib/cloudmove/txn/0002/journal", undone);
	cm_test_write_str("root/var/lib/cloudmove/txn/0002/backup-0", "kept\n");
	ino = inode_of("etc/keep");
	CHECK_INT(cm_txn_recover(root()), 1);
	CHECK(inode_of("etc/keep") == ino);
	CHECK(file_is("etc/keep", "kept\n"));
	cm_journal_init(&j);
	CHECK_INT(cm_txn_load(root(), 1, &j), 0);
	CHECK_INT(j.state, CM_TXN_ROLLED_BACK);
	cm_journal_free(&j);
	CHECK(!exists("root/var/lib/cloudmove/txn/0001/backup-0"));
	CHECK(!exists("root/var/lib/cloudmove/txn/0002/backup-0"));
	CHECK(exists("root/var/lib/cloudmove/txn/0002/journal"));
}

/* ---- crashes: CM_TXN_CRASH_AT=N stops a child right after its Nth
 * durable step; recovery must then put back the entire old state ---- */

static int rm_entry(const char *path, const struct stat *st, int flag,
		    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void fresh_tree(void)
{
	nftw(root(), rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	txn_tree(root());
}

/* Transaction id reached "done" (then the crash came after the commit). */
static int committed(unsigned id)
{
	struct cm_journal j;
	int done;

	cm_journal_init(&j);
	done = cm_txn_load(root(), id, &j) == 0 && j.state == CM_TXN_DONE;
	cm_journal_free(&j);
	return done;
}

/* cm_txn_recover with its (expected) warnings kept out of the output. */
static int recover_quietly(void)
{
	int saved, devnull, r;

	fflush(stderr);
	saved = dup(2);
	devnull = open("/dev/null", O_WRONLY);
	if (saved >= 0 && devnull >= 0)
		dup2(devnull, 2);
	r = cm_txn_recover(root());
	if (saved >= 0) {
		dup2(saved, 2);
		close(saved);
	}
	if (devnull >= 0)
		close(devnull);
	return r;
}

enum { OP_APPLY, OP_ROLLBACK, OP_RECOVER };

/* 1 the child crashed at step n, 0 it finished, -1 it failed. */
static int run_crashing(int op, long n)
{
	struct cm_plan p;
	char v[32];
	pid_t pid;
	int st, r;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		snprintf(v, sizeof(v), "%ld", n);
		if (!freopen("/dev/null", "w", stderr))
			_exit(2);
		setenv("CM_TXN_CRASH_AT", v, 1);
		if (op == OP_APPLY) {
			cm_plan_init(&p);
			r = txn_plan(&p);
			if (r == 0)
				r = cm_txn_apply(root(), &p, "crash", NULL, 0);
			cm_plan_free(&p);
		} else if (op == OP_ROLLBACK) {
			r = cm_txn_rollback(root(), NULL);
		} else {
			r = cm_txn_recover(root());
		}
		_exit(r < 0 ? 1 : 0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	if (WEXITSTATUS(st) == CM_TXN_CRASH_EXIT)
		return 1;
	return WEXITSTATUS(st) == 0 ? 0 : -1;
}

TEST(txn_crash_during_apply_at_every_step)
{
	char old[8192], new_[8192], now[8192];
	long n, crashes = 0;
	int res;

	fresh_tree();
	CHECK_INT(txn_state(root(), old, sizeof(old)), 0);
	CHECK_INT(run_crashing(OP_APPLY, 0), 0);
	CHECK_INT(txn_state(root(), new_, sizeof(new_)), 0);
	CHECK(strcmp(old, new_) != 0);
	for (n = 1; n < 1000; n++) {
		fresh_tree();
		res = run_crashing(OP_APPLY, n);
		CHECK(res >= 0);
		if (res == 0) {		/* past its last step: done */
			CHECK_INT(txn_state(root(), now, sizeof(now)), 0);
			CHECK_STR(now, new_);
			break;
		}
		crashes++;
		CHECK(recover_quietly() >= 0);
		CHECK_INT(txn_state(root(), now, sizeof(now)), 0);
		if (committed(1)) {	/* crashed after writing "done" */
			CHECK_STR(now, new_);
			continue;
		}
		if (strcmp(now, old)) {
			cm_test_fail(__FILE__, __LINE__, "crash at step %ld: not the old "
				     "state after recovery:\n%s", n, now);
			return;
		}
		CHECK(!txn_leftovers(root()));
		CHECK_INT(recover_quietly(), 0);	/* nothing left to do */
	}
	CHECK(crashes >= 12);	/* ids, journal x3, backups, dirs, changes */
}

TEST(txn_crash_during_rollback_at_every_step)
{
	char old[8192], now[8192];
	long n, crashes = 0;
	int res;

	for (n = 1; n < 1000; n++) {
		fresh_tree();
		CHECK_INT(txn_state(root(), old, sizeof(old)), 0);
		CHECK_INT(run_crashing(OP_APPLY, 0), 0);
		res = run_crashing(OP_ROLLBACK, n);
		CHECK(res >= 0);
		if (res == 1) {
			crashes++;
			CHECK(recover_quietly() >= 0);
		}
		CHECK_INT(txn_state(root(), now, sizeof(now)), 0);
		if (strcmp(now, old)) {
			cm_test_fail(__FILE__, __LINE__, "rollback crash at step %ld:\n%s",
				     n, now);
			return;
		}
		CHECK(!txn_leftovers(root()));
		if (res == 0)
			break;
	}
	CHECK(crashes >= 8);
}

TEST(txn_crash_during_recovery)
{
	char old[8192], now[8192];
	long n, m;
	int res;

	for (n = 4; n < 40; n += 3) {
		for (m = 1; m < 100; m++) {
			fresh_tree();
			CHECK_INT(txn_state(root(), old, sizeof(old)), 0);
			res = run_crashing(OP_APPLY, n);
			if (res == 0)
				return;		/* n is past the last step */
			CHECK_INT(res, 1);
			res = run_crashing(OP_RECOVER, m);
			CHECK(res >= 0);
			CHECK(recover_quietly() >= 0);
			CHECK_INT(txn_state(root(), now, sizeof(now)), 0);
			if (committed(1))
				return;		/* n is the "done" step */
			if (strcmp(now, old)) {
				cm_test_fail(__FILE__, __LINE__, "apply crash %ld, recovery "
					     "crash %ld:\n%s", n, m, now);
				return;
			}
			if (res == 0)
				break;
		}
	}
}
