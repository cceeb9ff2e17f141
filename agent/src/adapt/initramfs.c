#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../log.h"
#include "../util/buf.h"
#include "../util/chroot.h"
#include "initramfs.h"
#include "../util/sysroot.h"
#include "txn.h"

#define RECORD_MAX (64 * 1024)

/* Where distributions put the image of kernel KVER, in the order we
 * look: prefix KVER suffix. */
static const struct { const char *prefix, *suffix; } image_names[] = {
	{ "/boot/initrd.img-", "" },		/* Debian, Ubuntu */
	{ "/boot/initramfs-", ".img" },		/* RHEL, Fedora, Amazon Linux */
	{ "/boot/initrd-", "" },		/* SUSE */
	{ NULL, NULL },
};

static int is_root(const char *sysroot)
{
	return !sysroot || !*sysroot || !strcmp(sysroot, "/");
}

static int exists(const char *sysroot, const char *path)
{
	struct stat st;

	return cm_sysroot_lstat(sysroot, path, &st) == 0;
}

const char *cm_initramfs_tool(const char *sysroot)
{
	static const struct { const char *path, *tool; } tools[] = {
		{ "/usr/bin/dracut", "dracut" },
		{ "/usr/sbin/dracut", "dracut" },
		{ "/sbin/dracut", "dracut" },
		{ "/usr/sbin/update-initramfs", "update-initramfs" },
		{ "/sbin/update-initramfs", "update-initramfs" },
	};
	size_t i;

	for (i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
		if (exists(sysroot, tools[i].path))
			return tools[i].tool;
	return NULL;
}

static void image_of(const char *sysroot, const char *tool, struct cm_kernel *k)
{
	size_t i;

	for (i = 0; image_names[i].prefix; i++) {
		snprintf(k->image, sizeof(k->image), "%s%s%s", image_names[i].prefix,
			 k->kver, image_names[i].suffix);
		if (exists(sysroot, k->image)) {
			k->has_image = 1;
			return;
		}
	}
	/* None yet: where the root's generator would put it. */
	i = tool && !strcmp(tool, "dracut") &&
	    !exists(sysroot, "/etc/debian_version") ? 1 : 0;
	snprintf(k->image, sizeof(k->image), "%s%s%s", image_names[i].prefix,
		 k->kver, image_names[i].suffix);
}

static int cmp_kernels(const void *a, const void *b)
{
	return strcmp(((const struct cm_kernel *)a)->kver,
		      ((const struct cm_kernel *)b)->kver);
}

int cm_initramfs_kernels(const char *sysroot, struct cm_kernel *v, size_t max)
{
	const char *tool = cm_initramfs_tool(sysroot);
	char vmlinuz[CM_PATH_MAX];
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	int fd;

	fd = cm_sysroot_open(sysroot, "/lib/modules", O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd == -ENOENT ? 0 : cm_err(fd, "%s/lib/modules", sysroot);
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= CM_KVER_MAX)
			continue;
		snprintf(vmlinuz, sizeof(vmlinuz), "/boot/vmlinuz-%s", de->d_name);
		if (!exists(sysroot, vmlinuz))
			continue;	/* modules of a removed kernel */
		memset(&v[n], 0, sizeof(v[n]));
		memcpy(v[n].kver, de->d_name, strlen(de->d_name) + 1);
		image_of(sysroot, tool, &v[n]);
		n++;
	}
	closedir(d);
	qsort(v, n, sizeof(v[0]), cmp_kernels);
	return (int)n;
}

static int open_log(const char *sysroot, const char *id)
{
	char path[CM_PATH_MAX];

	snprintf(path, sizeof(path), CM_TXN_DIR "/%s/initramfs.log", id);
	return cm_sysroot_open(sysroot, path, O_WRONLY | O_CREAT | O_APPEND |
			       O_CLOEXEC | O_NOFOLLOW, 0600);
}

/* The generators' log says what ran. */
static int run_logged(const char *sysroot, char *const argv[], int logfd)
{
	int i;

	dprintf(logfd, "+");
	for (i = 0; argv[i]; i++)
		dprintf(logfd, " %s", argv[i]);
	dprintf(logfd, "\n");
	return cm_run_in_root(sysroot, argv, logfd, CM_INITRAMFS_TIMEOUT_S * 1000);
}

/* Appends one line to the transaction's record, durably, before the
 * image it names is replaced. */
static int record(const char *sysroot, const char *id, const char *image,
		  const char *kept)
{
	char path[CM_PATH_MAX];
	int fd, r = 0;

	snprintf(path, sizeof(path), CM_TXN_DIR "/%s/initramfs", id);
	fd = cm_sysroot_open(sysroot, path, O_WRONLY | O_CREAT | O_APPEND |
			     O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return fd;
	if (dprintf(fd, "%s %s\n", image, kept) < 0 || fsync(fd) < 0)
		r = -errno;
	close(fd);
	return r;
}

/* Older kept images of this image (another transaction's): removed, so
 * /boot holds at most one old image per kernel. */
static void drop_kept(int dirfd, const char *name)
{
	size_t nl = strlen(name);
	struct dirent *de;
	int fd = dup(dirfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, name, nl) &&
		    !strncmp(de->d_name + nl, ".cloudmove-", 11))
			unlinkat(dirfd, de->d_name, 0);
	closedir(d);
}

static int valid_image(int dirfd, const char *name)
{
	unsigned char m[6];
	int fd = cm_open_file_at(dirfd, name, O_NOFOLLOW);
	ssize_t n;
	int ok;

	if (fd < 0)
		return 0;
	n = read(fd, m, sizeof(m));
	/* cpio "0707", gzip, zstd, xz, lz4 legacy, bzip2 */
	ok = n == (ssize_t)sizeof(m) &&
	     (!memcmp(m, "0707", 4) || (m[0] == 0x1f && m[1] == 0x8b) ||
	      !memcmp(m, "\x28\xb5\x2f\xfd", 4) || !memcmp(m, "\xfd" "7zXZ", 5) ||
	      !memcmp(m, "\x02\x21\x4c\x18", 4) || !memcmp(m, "BZh", 3));
	ok = ok && fsync(fd) == 0;
	close(fd);
	return ok;
}

/* The image's directory as seen inside the root ("/boot/"). */
static void dir_of(const struct cm_kernel *k, const char *name, char *out,
		   size_t size)
{
	snprintf(out, size, "%.*s", (int)(strlen(k->image) - strlen(name)),
		 k->image);
}

/* The new image, built at tmp (name in dirfd), goes into place. */
static int install(const char *sysroot, const char *id, int dirfd,
		   const char *tmp, const struct cm_kernel *k, const char *name)
{
	char kept[CM_PATH_MAX], kept_name[CM_NAME_MAX + 1];
	int r;

	if (!valid_image(dirfd, tmp))
		return -EBADMSG;
	if (k->has_image) {
		drop_kept(dirfd, name);
		if (snprintf(kept_name, sizeof(kept_name), "%s.cloudmove-%s",
			     name, id) >= (int)sizeof(kept_name))
			return -ENAMETOOLONG;
		if (linkat(dirfd, name, dirfd, kept_name, 0) < 0 && errno != EEXIST)
			return -errno;
		dir_of(k, name, kept, sizeof(kept));
		if (strlen(kept) + strlen(kept_name) >= sizeof(kept))
			return -ENAMETOOLONG;
		strcat(kept, kept_name);
	} else {
		snprintf(kept, sizeof(kept), "-");
	}
	r = record(sysroot, id, k->image, kept);
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r == 0 && fsync(dirfd) < 0)
		r = -errno;
	return r;
}

static int build_one(const char *sysroot, const char *id, const char *tool,
		     const struct cm_kernel *k, int logfd)
{
	char name[CM_NAME_MAX + 1], tmp[CM_NAME_MAX + 1], dir[CM_PATH_MAX];
	char kver[CM_KVER_MAX], out[CM_PATH_MAX + CM_NAME_MAX + 32];
	char built[CM_NAME_MAX + 32];
	int dirfd, r;

	dirfd = cm_sysroot_open_parent(sysroot, k->image, name, sizeof(name));
	if (dirfd < 0)
		return dirfd;
	dir_of(k, name, dir, sizeof(dir));
	memcpy(kver, k->kver, sizeof(kver));
	snprintf(tmp, sizeof(tmp), ".cloudmove-new-%.200s", name);
	unlinkat(dirfd, tmp, 0);
	r = run_logged(sysroot, (char *[]){ "depmod", "-a", kver, NULL }, logfd);
	if (r == 0 && !strcmp(tool, "dracut")) {
		snprintf(out, sizeof(out), "%s%s", dir, tmp);
		r = run_logged(sysroot, (char *[]){ "dracut", "--force", "--quiet",
			out, kver, NULL }, logfd);
	} else if (r == 0) {
		/* update-initramfs writes <bootdir>/initrd.img-KVER: a
		 * directory of ours beside the image, same file system. */
		snprintf(out, sizeof(out), "%s.cloudmove-new.d", dir);
		snprintf(built, sizeof(built), ".cloudmove-new.d/initrd.img-%s", kver);
		mkdirat(dirfd, ".cloudmove-new.d", 0700);
		r = run_logged(sysroot, (char *[]){ "update-initramfs", "-c", "-k",
			kver, "-b", out, NULL }, logfd);
		if (r == 0 && renameat(dirfd, built, dirfd, tmp) < 0)
			r = -errno;
		unlinkat(dirfd, built, 0);
		unlinkat(dirfd, ".cloudmove-new.d", AT_REMOVEDIR);
	}
	if (r > 0)
		r = -EIO;	/* the generator failed: its log says why */
	if (r == 0)
		r = install(sysroot, id, dirfd, tmp, k, name);
	if (r < 0)
		unlinkat(dirfd, tmp, 0);
	close(dirfd);
	return r;
}

int cm_initramfs_regenerate(const char *sysroot, const char *txn_id,
			    struct cm_initramfs_report *rep)
{
	struct cm_kernel k[CM_KERNELS_MAX];
	struct timespec t0, t1;
	const char *tool;
	int n, i, r, err = 0, logfd;

	memset(rep, 0, sizeof(*rep));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = cm_initramfs_kernels(sysroot, k, CM_KERNELS_MAX);
	if (n <= 0)
		return n;
	tool = cm_initramfs_tool(sysroot);
	if (!tool)
		return cm_err(-ENOENT, "initramfs: %s has neither dracut nor "
			      "update-initramfs; images not rebuilt", sysroot);
	snprintf(rep->tool, sizeof(rep->tool), "%s", tool);
	logfd = open_log(sysroot, txn_id);
	if (logfd < 0)
		return cm_err(logfd, "initramfs: log in %s" CM_TXN_DIR "/%s",
			      sysroot, txn_id);
	for (i = 0; i < n; i++) {
		r = build_one(sysroot, txn_id, tool, &k[i], logfd);
		if (r < 0) {
			rep->failed++;
			err = cm_err(r, "initramfs: %s for %s (see %s" CM_TXN_DIR
				     "/%s/initramfs.log); the old image stays",
				     tool, k[i].kver, is_root(sysroot) ? "" : sysroot,
				     txn_id);
		} else {
			rep->built++;
		}
	}
	close(logfd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rep->seconds = (double)(t1.tv_sec - t0.tv_sec) +
		       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return err;
}

/* "IMAGE KEPT" -> IMAGE back from KEPT ("-": IMAGE did not exist). */
static int undo_line(const char *sysroot, char *line)
{
	char name[CM_NAME_MAX + 1], kname[CM_NAME_MAX + 1];
	char *sp = strchr(line, ' ');
	int dirfd, kfd, r = 0;

	if (!sp || line[0] != '/')
		return -EBADMSG;
	*sp = '\0';
	dirfd = cm_sysroot_open_parent(sysroot, line, name, sizeof(name));
	if (dirfd < 0)
		return dirfd;
	if (!strcmp(sp + 1, "-")) {
		if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			r = -errno;
	} else {
		kfd = cm_sysroot_open_parent(sysroot, sp + 1, kname, sizeof(kname));
		if (kfd < 0) {
			r = kfd;
		} else {
			if (renameat(kfd, kname, dirfd, name) < 0)
				r = errno == ENOENT ? 0 : -errno; /* done already */
			close(kfd);
		}
	}
	if (r == 0)
		fsync(dirfd);
	close(dirfd);
	return r;
}

int cm_initramfs_undo(const char *sysroot, const char *txn_id)
{
	char path[CM_PATH_MAX];
	struct cm_buf b;
	char *line, *save = NULL;
	int r;

	snprintf(path, sizeof(path), CM_TXN_DIR "/%s/initramfs", txn_id);
	cm_buf_init(&b, RECORD_MAX);
	r = cm_sysroot_read(sysroot, path, &b);
	if (r == -ENOENT) {
		r = 0;
		goto out;
	}
	if (r < 0 || cm_buf_add(&b, "", 1) < 0)
		goto out;
	for (line = strtok_r(b.data, "\n", &save); line && r >= 0;
	     line = strtok_r(NULL, "\n", &save))
		r = undo_line(sysroot, line);
	if (r < 0)
		cm_err(r, "initramfs: restoring the images of txn %s", txn_id);
	else if (b.len > 1)
		cm_info("txn %s: initramfs images restored", txn_id);
out:
	cm_buf_free(&b);
	return r;
}
