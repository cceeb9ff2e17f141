/* The ESP's removable-media loader (see esp.h). */
#include <blkid.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../log.h"
#include "../util/buf.h"
#include "../util/sysroot.h"
#include "esp.h"

/* The loaders a distro installs under EFI/<vendor>/, per architecture,
 * and the removable path the firmware of that architecture tries. */
struct esp_arch {
	const char *boot;	/* BOOTX64.EFI */
	const char *shim, *grub, *mm, *sdboot;
};

static const struct esp_arch arches[] = {
	{ "BOOTX64.EFI", "shimx64.efi", "grubx64.efi", "mmx64.efi", "systemd-bootx64.efi" },
	{ "BOOTAA64.EFI", "shimaa64.efi", "grubaa64.efi", "mmaa64.efi", "systemd-bootaa64.efi" },
};

/* Vendors looked at first (the distros whose roots we adapt), then the
 * others in name order. */
static const char *const first_vendors[] = { "debian", "ubuntu", "fedora", "redhat",
					     "centos", "rocky", "almalinux", "opensuse", "sles" };

#define ESP_NAMES_MAX 64

int cm_esp_path(const char *path)
{
	size_t n = strlen(CM_ESP_DIR);

	return !strncmp(path, CM_ESP_DIR, n) && path[n] == '/';
}

/* The entries of dir inside root (files and directories, FAT's own case),
 * at most max; sorted.  The count, 0 when dir is absent. */
static int list_dir(const char *root, const char *dir, char (*names)[CM_NAME_MAX + 1],
		    size_t max)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;
	int fd = cm_sysroot_open(root, dir, O_RDONLY | O_DIRECTORY, 0);

	if (fd < 0)
		return fd == -ENOENT || fd == -ENOTDIR ? 0 : fd;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.' || strlen(de->d_name) > CM_NAME_MAX)
			continue;
		snprintf(names[n++], CM_NAME_MAX + 1, "%s", de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	return (int)n;
}

/* The name of dir's entry equal to want but for case (FAT compares names
 * so), into out: 1 found, 0 not, -errno. */
static int find_ci(const char *root, const char *dir, const char *want, int want_dir,
		   char *out, size_t size)
{
	char (*names)[CM_NAME_MAX + 1] = malloc(ESP_NAMES_MAX * sizeof(*names));
	char path[CM_PATH_MAX];
	struct stat st;
	int n, i, found = 0;

	if (!names)
		return -ENOMEM;
	n = list_dir(root, dir, names, ESP_NAMES_MAX);
	for (i = 0; i < n && !found; i++) {
		if (strcasecmp(names[i], want))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (cm_sysroot_lstat(root, path, &st) == 0 &&
		    (want_dir ? S_ISDIR(st.st_mode) : S_ISREG(st.st_mode))) {
			snprintf(out, size, "%s", names[i]);
			found = 1;
		}
	}
	free(names);
	return n < 0 ? n : found;
}

/* Plans dst (under EFI/BOOT) as a copy of root's src.  0 or -errno. */
static int plan_copy(const char *root, struct cm_plan *plan, const char *src,
		     const char *dst, const char *why)
{
	struct cm_buf b;
	struct stat st;
	int r;

	cm_buf_init(&b, CM_ESP_LOADER_MAX);
	r = cm_sysroot_read(root, src, &b);
	if (r < 0) {
		cm_buf_free(&b);
		return cm_err(r, "esp: read %s%s", root, src);
	}
	/* the mode the ESP shows its files with (its mount's fmask): vfat
	 * refuses a chmod to anything else */
	if (cm_sysroot_lstat(root, src, &st) < 0)
		st.st_mode = 0644;
	r = cm_plan_write(plan, "esp", dst, b.data ? b.data : "", b.len,
			  st.st_mode & 07777, why);
	cm_buf_free(&b);
	return r;
}

/* The vendor directory holding arch a's best loader into vendor, and which
 * loader (a->shim, ->grub or ->sdboot, ESP's case) into loader: 1 found. */
static int find_loader(const char *root, const struct esp_arch *a, char *vendor,
		       size_t vsize, char *loader, size_t lsize)
{
	char (*names)[CM_NAME_MAX + 1] = malloc(ESP_NAMES_MAX * sizeof(*names));
	const char *kinds[3] = { a->shim, a->grub, a->sdboot };
	char order[ESP_NAMES_MAX + 16][CM_NAME_MAX + 1];
	char dir[CM_PATH_MAX];
	size_t no = 0, k;
	int n, i, j, r = 0;

	if (!names)
		return -ENOMEM;
	n = list_dir(root, CM_ESP_DIR "/EFI", names, ESP_NAMES_MAX);
	for (k = 0; k < sizeof(first_vendors) / sizeof(first_vendors[0]); k++)
		for (i = 0; i < n; i++)
			if (!strcasecmp(names[i], first_vendors[k]))
				snprintf(order[no++], CM_NAME_MAX + 1, "%s", names[i]);
	for (i = 0; i < n; i++) {
		int seen = !strcasecmp(names[i], "BOOT");

		for (k = 0; k < no && !seen; k++)
			seen = !strcmp(order[k], names[i]);
		if (!seen)
			snprintf(order[no++], CM_NAME_MAX + 1, "%s", names[i]);
	}
	free(names);
	/* shim first wherever it is (the root boots through it: secure boot),
	 * then GRUB, then systemd-boot */
	for (j = 0; j < 3 && r == 0; j++)
		for (k = 0; k < no && r == 0; k++) {
			snprintf(dir, sizeof(dir), CM_ESP_DIR "/EFI/%s", order[k]);
			r = find_ci(root, dir, kinds[j], 0, loader, lsize);
			if (r == 1)
				snprintf(vendor, vsize, "%s", order[k]);
		}
	return n < 0 ? n : r;
}

static int plan_arch(const char *root, const struct esp_arch *a, struct cm_plan *plan)
{
	char vendor[CM_NAME_MAX + 1], loader[CM_NAME_MAX + 1], boot[CM_NAME_MAX + 1];
	char name[CM_NAME_MAX + 1], src[CM_PATH_MAX], dst[CM_PATH_MAX], why[192];
	char bootdir[CM_NAME_MAX + 32] = CM_ESP_DIR "/EFI/BOOT";
	int r, added = 0;

	r = find_ci(root, CM_ESP_DIR "/EFI", "BOOT", 1, boot, sizeof(boot));
	if (r < 0)
		return r;
	if (r == 1) {
		snprintf(bootdir, sizeof(bootdir), CM_ESP_DIR "/EFI/%s", boot);
		r = find_ci(root, bootdir, a->boot, 0, name, sizeof(name));
		if (r != 0)
			return r < 0 ? r : 0;	/* there already */
	}
	r = find_loader(root, a, vendor, sizeof(vendor), loader, sizeof(loader));
	if (r <= 0)
		return r;
	snprintf(src, sizeof(src), CM_ESP_DIR "/EFI/%s/%s", vendor, loader);
	snprintf(dst, sizeof(dst), "%s/%s", bootdir, a->boot);
	snprintf(why, sizeof(why), "copy of EFI/%.40s/%.40s: firmware that has never seen "
		 "this disk boots it", vendor, loader);
	r = plan_copy(root, plan, src, dst, why);
	if (r < 0)
		return r;
	added++;
	/* What the copied loader loads from its own directory: shim, its
	 * second stage and MokManager; GRUB, the stub config of its vendor
	 * directory (Debian's signed GRUB looks beside itself first). */
	const char *beside[3] = { NULL, NULL, "grub.cfg" };

	if (!strcasecmp(loader, a->shim)) {
		beside[0] = a->grub;
		beside[1] = a->mm;
	} else if (strcasecmp(loader, a->grub)) {
		beside[2] = NULL;	/* systemd-boot: its entries are elsewhere */
	}
	for (int i = 0; i < 3; i++) {
		char there[CM_NAME_MAX + 1];

		if (!beside[i])
			continue;
		snprintf(dst, sizeof(dst), CM_ESP_DIR "/EFI/%s", vendor);
		r = find_ci(root, dst, beside[i], 0, name, sizeof(name));
		if (r < 0)
			return r;
		if (r == 0)
			continue;
		r = find_ci(root, bootdir, beside[i], 0, there, sizeof(there));
		if (r < 0)
			return r;
		if (r == 1)
			continue;	/* there already: left as it is */
		snprintf(src, sizeof(src), CM_ESP_DIR "/EFI/%s/%s", vendor, name);
		snprintf(dst, sizeof(dst), "%s/%s", bootdir, name);
		snprintf(why, sizeof(why), "copy of EFI/%.40s/%.40s: what EFI/BOOT/%s loads "
			 "from beside itself", vendor, name, a->boot);
		r = plan_copy(root, plan, src, dst, why);
		if (r < 0)
			return r;
		added++;
	}
	return added;
}

int cm_esp_removable_plan(const char *root, struct cm_plan *plan)
{
	size_t i;
	int r, n = 0;

	for (i = 0; i < sizeof(arches) / sizeof(arches[0]); i++) {
		r = plan_arch(root, &arches[i], plan);
		if (r < 0)
			return r;
		n += r;
	}
	return n;
}

/* The device of root's fstab /boot/efi entry (a UUID=, PARTUUID=, LABEL=
 * or a path) into dev: 1, 0 no such entry, -errno. */
static int fstab_esp(const char *root, char *dev, size_t size)
{
	struct cm_buf b;
	char *line, *save = NULL, spec[512], mnt[512];
	int r, found = 0;

	cm_buf_init(&b, 256 * 1024);
	r = cm_sysroot_read(root, "/etc/fstab", &b);
	if (r < 0 || cm_buf_addstr(&b, "") < 0) {
		cm_buf_free(&b);
		return r == -ENOENT ? 0 : r < 0 ? r : -ENOMEM;
	}
	for (line = strtok_r(b.data, "\n", &save); line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, " %511s %511s", spec, mnt) != 2 || spec[0] == '#')
			continue;
		if (!strcmp(mnt, CM_ESP_DIR) || !strcmp(mnt, CM_ESP_DIR "/")) {
			char *d = blkid_evaluate_spec(spec, NULL);

			if (d) {
				snprintf(dev, size, "%s", d);
				free(d);
				found = 1;
			} else {
				snprintf(dev, size, "%s", spec);
				found = -ENODEV;
			}
		}
	}
	cm_buf_free(&b);
	return found;
}

/* The whole disk under block device dev ("nvme0n1" for nvme0n1p15 and
 * for nvme0n1 itself) into out, from sysfs: 0 or -errno. */
static int whole_disk(dev_t dev, char *out, size_t size)
{
	char path[96], link[CM_PATH_MAX], *slash;
	struct stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u", major(dev), minor(dev));
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = 0;
	snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/partition", major(dev), minor(dev));
	if (stat(path, &st) == 0 && (slash = strrchr(link, '/')))
		*slash = 0;		/* a partition: its parent is the disk */
	slash = strrchr(link, '/');
	slash = slash ? slash + 1 : link;
	if (strlen(slash) >= size)
		return -ENAMETOOLONG;
	memcpy(out, slash, strlen(slash) + 1);
	return 0;
}

/* 1 when the block device at dev is on the disk holding root_dev's file
 * system: a fstab UUID that another disk also carries (a clone, a test
 * image) must not be taken for this root's ESP. */
static int same_disk(const char *dev, dev_t root_dev)
{
	char a[CM_NAME_MAX + 1], b[CM_NAME_MAX + 1];
	struct stat st;

	if (stat(dev, &st) < 0 || !S_ISBLK(st.st_mode))
		return 0;
	return whole_disk(st.st_rdev, a, sizeof(a)) == 0 &&
	       whole_disk(root_dev, b, sizeof(b)) == 0 && !strcmp(a, b);
}

int cm_esp_begin(const char *root, struct cm_esp *e)
{
	char fdpath[64];
	struct stat st, rst;
	int fd, r;

	memset(e, 0, sizeof(*e));
	fd = cm_sysroot_open(root, CM_ESP_DIR, O_PATH | O_DIRECTORY, 0);
	if (fd < 0)
		return fd == -ENOENT || fd == -ENOTDIR ? 0 : cm_err(fd, "esp: %s%s", root, CM_ESP_DIR);
	if (fstat(fd, &st) < 0 || stat(root && *root ? root : "/", &rst) < 0) {
		r = -errno;
		close(fd);
		return cm_err(r, "esp: %s%s", root, CM_ESP_DIR);
	}
	if (st.st_dev != rst.st_dev) {
		close(fd);
		return 0;		/* mounted already: used as it is */
	}
	r = fstab_esp(root, e->dev, sizeof(e->dev));
	if (r <= 0) {
		close(fd);
		if (r == -ENODEV)
			cm_warn("esp: %s (fstab %s) not found: the ESP is left alone",
				e->dev, CM_ESP_DIR);
		return r == -ENODEV ? 0 : r;
	}
	if (!same_disk(e->dev, rst.st_dev)) {
		close(fd);
		cm_warn("esp: %s (fstab %s) is not on the root's disk: the ESP is left alone",
			e->dev, CM_ESP_DIR);
		return 0;
	}
	/* Mounted through the fd: the directory checked above, whatever a
	 * symlink in the root says.  "quiet": a mode vfat cannot keep is not
	 * an error (the transaction sets the copied loader's). */
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	snprintf(e->target, sizeof(e->target), "%s%s", root && *root ? root : "", CM_ESP_DIR);
	if (mount(e->dev, fdpath, "vfat", MS_NOSUID | MS_NODEV | MS_NOEXEC, "quiet") < 0) {
		r = -errno;
		close(fd);
		return cm_err(r, "esp: mount %s at %s", e->dev, e->target);
	}
	close(fd);
	e->mounted = 1;
	return 1;
}

int cm_esp_end(struct cm_esp *e)
{
	int fd;

	if (!e->mounted)
		return 0;
	fd = open(e->target, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		syncfs(fd);
		close(fd);
	}
	if (umount2(e->target, UMOUNT_NOFOLLOW) < 0)
		return cm_err(-errno, "esp: umount %s", e->target);
	e->mounted = 0;
	return 0;
}
