/* sysroot.c: every path resolved inside the sysroot, through openat2 and
 * through the user-space walk, on hostile trees. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/sysroot.h"
#include "test.h"

static const char *root_path(void)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/root", cm_test_tmpdir());
	return p;
}

static void mklink(const char *target, const char *rel)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/root/%s", cm_test_tmpdir(), rel);
	if (symlink(target, p) < 0)
		perror(p);
}

/* Reads path inside the root both ways: the results must agree. */
static int read_both(const char *path, char *out, size_t size)
{
	char via_walk[256];
	int rootfd, fd, r1, r2;
	ssize_t k;

	struct cm_buf b;

	cm_buf_init(&b, 1024);
	r1 = cm_sysroot_read(root_path(), path, &b);
	if (r1 == 0)
		snprintf(out, size, "%s", b.data);
	cm_buf_free(&b);
	rootfd = open(root_path(), O_PATH | O_DIRECTORY);
	fd = cm_sysroot_open_walk(rootfd, path, O_RDONLY, 0);
	close(rootfd);
	if (fd < 0) {
		r2 = fd;
	} else {
		k = read(fd, via_walk, sizeof(via_walk) - 1);
		via_walk[k > 0 ? k : 0] = '\0';
		close(fd);
		r2 = 0;
		if (r1 == 0 && strcmp(out, via_walk))
			return -1000;	/* the two disagree */
	}
	if (r1 != r2)
		return -2000;
	return r1;
}

static void hostile_tree(void)
{
	cm_test_write_str("root/etc/passwd", "inside\n");
	cm_test_write_str("root/run/resolv.conf", "nameserver 10.0.0.1\n");
	cm_test_write_str("root/usr/lib/os-release", "ID=test\n");
	mklink("/etc/passwd", "etc/abs-passwd");
	mklink("../../../../../../../../etc/passwd", "etc/up-passwd");
	mklink("/run/resolv.conf", "etc/resolv.conf");
	mklink("usr/lib", "lib");
	mklink("/usr/lib/../../../../usr/lib", "etc/libdir");
	mklink("loop-b", "etc/loop-a");
	mklink("loop-a", "etc/loop-b");
	mklink("self", "etc/self");
	mklink("/proc/self/root/etc/passwd", "etc/magic");
}

TEST(sysroot_absolute_symlink_rerooted)
{
	char out[256];

	hostile_tree();
	CHECK_INT(read_both("/etc/abs-passwd", out, sizeof(out)), 0);
	CHECK_STR(out, "inside\n");
	CHECK_INT(read_both("/etc/resolv.conf", out, sizeof(out)), 0);
	CHECK_STR(out, "nameserver 10.0.0.1\n");
}

TEST(sysroot_dotdot_clamped)
{
	char out[256];

	hostile_tree();
	CHECK_INT(read_both("/etc/up-passwd", out, sizeof(out)), 0);
	CHECK_STR(out, "inside\n");
	CHECK_INT(read_both("/../../../../etc/passwd", out, sizeof(out)), 0);
	CHECK_STR(out, "inside\n");
	CHECK_INT(read_both("../etc/../../etc/./passwd", out, sizeof(out)), 0);
	CHECK_STR(out, "inside\n");
	CHECK_INT(read_both("/etc/libdir/os-release", out, sizeof(out)), 0);
	CHECK_STR(out, "ID=test\n");
	/* ".." after a symlink is its target's parent, as in the kernel */
	CHECK_INT(read_both("/lib/../etc/passwd", out, sizeof(out)), -ENOENT);
	CHECK_INT(read_both("/lib/../lib/os-release", out, sizeof(out)), 0);
	CHECK_STR(out, "ID=test\n");
}

TEST(sysroot_loops)
{
	char out[256];

	hostile_tree();
	CHECK_INT(read_both("/etc/loop-a", out, sizeof(out)), -ELOOP);
	CHECK_INT(read_both("/etc/self/x", out, sizeof(out)), -ELOOP);
	CHECK_INT(read_both("/etc/missing", out, sizeof(out)), -ENOENT);
	CHECK_INT(read_both("/etc/passwd/x", out, sizeof(out)), -ENOTDIR);
}

TEST(sysroot_magic_link_stays_inside)
{
	char out[256];
	int r;

	hostile_tree();
	/* /proc/self/root inside the root is just a path that does not exist */
	r = read_both("/etc/magic", out, sizeof(out));
	CHECK(r == -ENOENT);
}

TEST(sysroot_create_through_dangling_symlink_stays_inside)
{
	char host[256], inside[512];
	struct stat st;
	int fd;

	snprintf(host, sizeof(host), "/tmp/cm-escape-%ld", (long)getpid());
	unlink(host);
	cm_test_write_str("root/tmp/.keep", "");
	mklink(host, "evil");
	fd = cm_sysroot_open(root_path(), "/evil", O_WRONLY | O_CREAT, 0644);
	CHECK(fd >= 0);
	close(fd);
	CHECK(lstat(host, &st) < 0 && errno == ENOENT);
	snprintf(inside, sizeof(inside), "%s%s", root_path(), host);
	CHECK(lstat(inside, &st) == 0 && S_ISREG(st.st_mode));
	/* the walk does the same */
	unlink(inside);
	fd = open(root_path(), O_PATH | O_DIRECTORY);
	CHECK(fd >= 0);
	{
		int f = cm_sysroot_open_walk(fd, "/evil", O_WRONLY | O_CREAT, 0644);

		close(fd);
		CHECK(f >= 0);
		close(f);
	}
	CHECK(lstat(host, &st) < 0 && errno == ENOENT);
	CHECK(lstat(inside, &st) == 0 && S_ISREG(st.st_mode));
}

TEST(sysroot_nofollow_and_excl)
{
	int rootfd, fd;

	hostile_tree();
	rootfd = open(root_path(), O_PATH | O_DIRECTORY);
	CHECK(rootfd >= 0);
	fd = cm_sysroot_open_walk(rootfd, "/etc/abs-passwd", O_RDONLY | O_NOFOLLOW, 0);
	CHECK_INT(fd, -ELOOP);
	fd = cm_sysroot_open_walk(rootfd, "/etc/abs-passwd",
				  O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK_INT(fd, -EEXIST);
	fd = cm_sysroot_open_walk(rootfd, "/", O_RDONLY | O_DIRECTORY, 0);
	CHECK(fd >= 0);
	close(fd);
	fd = cm_sysroot_open_walk(rootfd, "", O_RDONLY, 0);
	CHECK_INT(fd, -ENOENT);
	close(rootfd);
	fd = cm_sysroot_open(root_path(), "/etc/abs-passwd", O_RDONLY | O_NOFOLLOW, 0);
	CHECK_INT(fd, -ELOOP);
}

TEST(sysroot_parent_lstat_readlink)
{
	char name[CM_NAME_MAX + 1], target[256];
	struct stat st;
	int fd;

	hostile_tree();
	fd = cm_sysroot_open_parent(root_path(), "/lib/os-release", name, sizeof(name));
	CHECK(fd >= 0);
	CHECK_STR(name, "os-release");
	CHECK(fstatat(fd, name, &st, 0) == 0 && S_ISREG(st.st_mode));
	close(fd);
	CHECK_INT(cm_sysroot_open_parent(root_path(), "/etc/..", name, sizeof(name)),
		  -EINVAL);
	CHECK_INT(cm_sysroot_open_parent(root_path(), "/", name, sizeof(name)),
		  -EINVAL);
	CHECK_INT(cm_sysroot_lstat(root_path(), "/etc/abs-passwd", &st), 0);
	CHECK(S_ISLNK(st.st_mode));
	CHECK_INT(cm_sysroot_lstat(root_path(), "/", &st), 0);
	CHECK(S_ISDIR(st.st_mode));
	CHECK_INT(cm_sysroot_readlink(root_path(), "/etc/abs-passwd", target,
				      sizeof(target)), (int)strlen("/etc/passwd"));
	CHECK_STR(target, "/etc/passwd");
	CHECK_INT(cm_sysroot_readlink(root_path(), "/etc/abs-passwd", target, 5),
		  -ENAMETOOLONG);
}

TEST(sysroot_read_capped)
{
	struct cm_buf b;

	cm_test_write_str("root/big", "0123456789");
	cm_buf_init(&b, 4);
	CHECK_INT(cm_sysroot_read(root_path(), "/big", &b), -EMSGSIZE);
	cm_buf_free(&b);
	cm_test_write_str("root/empty", "");
	cm_buf_init(&b, 4);
	CHECK_INT(cm_sysroot_read(root_path(), "/empty", &b), 0);
	CHECK_STR(b.data, "");
	cm_buf_free(&b);
}

TEST(sysroot_mkdirs_through_symlink_stays_inside)
{
	char p[512];
	struct stat st;

	cm_test_write_str("root/usr/.keep", "");
	mklink("/usr", "abs-usr");
	mklink("../../..", "up");
	CHECK_INT(cm_sysroot_mkdirs(root_path(), "/abs-usr/share/x"), 0);
	snprintf(p, sizeof(p), "%s/usr/share/x", root_path());
	CHECK(stat(p, &st) == 0 && S_ISDIR(st.st_mode));
	CHECK_INT(cm_sysroot_mkdirs(root_path(), "/up/cm-made-here"), 0);
	snprintf(p, sizeof(p), "%s/cm-made-here", root_path());
	CHECK(stat(p, &st) == 0);
	snprintf(p, sizeof(p), "%s/cm-made-here", cm_test_tmpdir());
	CHECK(stat(p, &st) < 0);
}
