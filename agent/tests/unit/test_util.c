#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "log.h"
#include "test.h"
#include "util/atomic.h"
#include "util/buf.h"
#include "util/file.h"
#include "util/rootrw.h"

TEST(buf_add_within_cap)
{
	struct cm_buf b;

	cm_buf_init(&b, 8);
	CHECK_INT(cm_buf_add(&b, "abcd", 4), 0);
	CHECK_INT(cm_buf_addstr(&b, "efgh"), 0);
	CHECK_STR(b.data, "abcdefgh");
	CHECK_INT(b.len, 8);
	cm_buf_free(&b);
}

TEST(buf_over_cap_fails_closed)
{
	struct cm_buf b;

	cm_buf_init(&b, 8);
	CHECK_INT(cm_buf_add(&b, "abcdef", 6), 0);
	CHECK_INT(cm_buf_add(&b, "xyz", 3), -EMSGSIZE);
	CHECK(b.data == NULL);
	CHECK_INT(b.len, 0);
}

TEST(buf_printf_long)
{
	struct cm_buf b;
	char big[1000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cm_buf_init(&b, 4096);
	CHECK_INT(cm_buf_printf(&b, "<%s>%d", big, 42), 0);
	CHECK_INT(b.len, 1003);
	CHECK(!strcmp(b.data + 1000, ">42"));
	cm_buf_free(&b);
}

TEST(path_join)
{
	char out[32];

	CHECK_INT(cm_path_join(out, sizeof(out), NULL, "/sys/x"), 0);
	CHECK_STR(out, "/sys/x");
	CHECK_INT(cm_path_join(out, sizeof(out), "/", "/sys/x"), 0);
	CHECK_STR(out, "/sys/x");
	CHECK_INT(cm_path_join(out, sizeof(out), "/r", "/sys/x"), 0);
	CHECK_STR(out, "/r/sys/x");
	CHECK_INT(cm_path_join(out, 8, "/root", "/sys/x"), -ENAMETOOLONG);
}

static void path_in_tmp(char *out, size_t size, const char *rel)
{
	snprintf(out, size, "%s/%s", cm_test_tmpdir(), rel);
}

TEST(read_small_sizes)
{
	char path[512], out[8];
	size_t len = 99;

	cm_test_write_str("seven", "1234567");
	cm_test_write_str("eight", "12345678");
	cm_test_write_str("empty", "");
	path_in_tmp(path, sizeof(path), "seven");
	CHECK_INT(cm_file_read_small(path, out, sizeof(out), &len), 0);
	CHECK_STR(out, "1234567");
	CHECK_INT(len, 7);
	path_in_tmp(path, sizeof(path), "eight");
	CHECK_INT(cm_file_read_small(path, out, sizeof(out), &len), -EMSGSIZE);
	CHECK_INT(len, 0);
	CHECK_STR(out, "");
	path_in_tmp(path, sizeof(path), "empty");
	CHECK_INT(cm_file_read_small(path, out, sizeof(out), &len), 0);
	CHECK_INT(len, 0);
	path_in_tmp(path, sizeof(path), "missing");
	CHECK_INT(cm_file_read_small(path, out, sizeof(out), &len), -ENOENT);
}

TEST(read_small_directory_and_fifo)
{
	char path[512], out[64];
	size_t len;

	path_in_tmp(path, sizeof(path), "dir");
	CHECK_INT(mkdir(path, 0755), 0);
	CHECK_INT(cm_file_read_small(path, out, sizeof(out), &len), -EISDIR);
	/* A FIFO with no writer must not hang detection: not a regular
	 * file, so unreadable. */
	path_in_tmp(path, sizeof(path), "fifo");
	CHECK_INT(mkfifo(path, 0644), 0);
	CHECK_INT(cm_file_read_small(path, out, sizeof(out), &len), -CM_ENOTREG);
	CHECK_INT(len, 0);
}

TEST(read_capped_buffer)
{
	struct cm_buf b;
	char path[512], data[10000];

	memset(data, 'a', sizeof(data));
	cm_test_write("big", data, sizeof(data));
	path_in_tmp(path, sizeof(path), "big");
	cm_buf_init(&b, sizeof(data));
	CHECK_INT(cm_file_read(path, &b), 0);
	CHECK_INT(b.len, sizeof(data));
	cm_buf_free(&b);
	cm_buf_init(&b, sizeof(data) - 1);
	CHECK_INT(cm_file_read(path, &b), -EMSGSIZE);
	CHECK(b.data == NULL);
	cm_test_write_str("empty", "");
	path_in_tmp(path, sizeof(path), "empty");
	CHECK_INT(cm_file_read(path, &b), 0);
	CHECK_STR(b.data, "");
	cm_buf_free(&b);
}

TEST(rootrw_remounts_and_restores)
{
	struct cm_rootrw st;
	struct statvfs sv;
	char dir[512], file[600];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/mnt", cm_test_tmpdir());
	CHECK_INT(mkdir(dir, 0755), 0);
	if (mount("cmtest", dir, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV,
		  "size=1m") < 0) {
		printf("     (skipped: cannot mount tmpfs here: %s)\n", strerror(errno));
		return;
	}
	CHECK_INT(cm_rootrw_begin(&st, dir), 0);
	CHECK_INT(st.remounted, CM_ROOTRW_FS);	/* the file system was read-only */
	snprintf(file, sizeof(file), "%s/x", dir);
	f = fopen(file, "w");
	CHECK(f != NULL);
	fclose(f);
	CHECK_INT(cm_rootrw_end(&st), 0);
	CHECK_INT(statvfs(dir, &sv), 0);
	CHECK(sv.f_flag & ST_RDONLY);
	CHECK(sv.f_flag & ST_NOSUID);	/* other flags kept */
	CHECK(fopen(file, "a") == NULL);
	/* already writable: nothing to do, nothing undone */
	umount(dir);
	CHECK_INT(mount("cmtest", dir, "tmpfs", 0, "size=1m"), 0);
	CHECK_INT(cm_rootrw_begin(&st, dir), 0);
	CHECK_INT(st.remounted, 0);
	CHECK_INT(cm_rootrw_end(&st), 0);
	CHECK_INT(statvfs(dir, &sv), 0);
	CHECK(!(sv.f_flag & ST_RDONLY));
	/* a read-only bind mount of a writable file system: only the mount
	 * changes, the file system (mounted at dir too) stays writable */
	snprintf(file, sizeof(file), "%s/bind", cm_test_tmpdir());
	CHECK_INT(mkdir(file, 0755), 0);
	CHECK_INT(mount(dir, file, "none", MS_BIND, NULL), 0);
	CHECK_INT(mount("none", file, "none", MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	CHECK_INT(cm_rootrw_begin(&st, file), 0);
	CHECK_INT(st.remounted, CM_ROOTRW_MOUNT);
	CHECK_INT(cm_rootrw_end(&st), 0);
	CHECK_INT(statvfs(file, &sv), 0);
	CHECK(sv.f_flag & ST_RDONLY);
	CHECK_INT(statvfs(dir, &sv), 0);
	CHECK(!(sv.f_flag & ST_RDONLY));
	umount(file);
	umount(dir);
}

/* What others could plant at the old, predictable temp name (PATH.tmp-PID)
 * in a directory they can write: a file of theirs (which would have become
 * PATH, still theirs) and a link (which made the write fail).  Neither is
 * opened: PATH is a new file of ours, the planted ones are as they were. */
TEST(atomic_write_ignores_planted_tmp)
{
	char path[512], planted[600], victim[600], got[16];
	size_t len = 0;
	struct stat st;

	snprintf(path, sizeof(path), "%s/state", cm_test_tmpdir());
	snprintf(planted, sizeof(planted), "%s.tmp-%ld", path, (long)getpid());
	cm_test_write_str("state.tmp-planted", "planted");
	snprintf(victim, sizeof(victim), "%s/state.tmp-planted", cm_test_tmpdir());
	CHECK_INT(rename(victim, planted), 0);
	CHECK_INT(chown(planted, 65534, 65534), 0);
	CHECK_INT(cm_atomic_write(path, "ours\n", 5, 0600), 0);
	CHECK_INT(cm_file_read_small(path, got, sizeof(got), &len), 0);
	CHECK_STR(got, "ours\n");
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_uid, geteuid());
	CHECK_INT(st.st_mode & 07777, 0600);
	CHECK_INT(cm_file_read_small(planted, got, sizeof(got), &len), 0);
	CHECK_STR(got, "planted");

	/* a link there to a victim file */
	CHECK_INT(unlink(planted), 0);
	snprintf(victim, sizeof(victim), "%s/victim", cm_test_tmpdir());
	cm_test_write_str("victim", "victim");
	CHECK_INT(symlink(victim, planted), 0);
	CHECK_INT(cm_atomic_write(path, "again\n", 6, 0600), 0);
	CHECK_INT(cm_file_read_small(path, got, sizeof(got), &len), 0);
	CHECK_STR(got, "again\n");
	CHECK_INT(cm_file_read_small(victim, got, sizeof(got), &len), 0);
	CHECK_STR(got, "victim");
	CHECK_INT(lstat(planted, &st), 0);
	CHECK(S_ISLNK(st.st_mode));
}
