/* The root's disk, from sysfs: /sys/dev/block/MAJ:MIN is the partition
 * (or the disk itself); a partition's directory sits inside its disk's
 * and has a "partition" file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../limits.h"
#include "../log.h"
#include "disk.h"

static int sys_block_dir(dev_t dev, char *out, size_t size)
{
	char link[64];

	snprintf(link, sizeof(link), "/sys/dev/block/%u:%u", major(dev), minor(dev));
	if (!realpath(link, out))
		return -errno;
	(void)size;
	return 0;
}

int cm_root_disk(const char *root, char *out, size_t size)
{
	char dir[CM_PATH_MAX], probe[CM_PATH_MAX + 16];
	const char *name;
	struct stat st;
	int r, n;

	if (stat(root, &st) < 0)
		return cm_err(-errno, "migrate: %s", root);
	if (major(st.st_dev) == 0)
		return cm_err(-ENODEV, "migrate: %s is not on a block device (pass --source)",
			      root);
	r = sys_block_dir(st.st_dev, dir, sizeof(dir));
	if (r < 0)
		return cm_err(r, "migrate: the disk of %s (pass --source)", root);
	snprintf(probe, sizeof(probe), "%s/partition", dir);
	if (access(probe, F_OK) == 0)
		*strrchr(dir, '/') = '\0';	/* the partition's disk */
	name = strrchr(dir, '/') + 1;
	if (!strncmp(name, "dm-", 3) || !strncmp(name, "md", 2))
		return cm_err(-ENOTSUP, "migrate: %s is on /dev/%s, not one disk (pass --source)",
			      root, name);
	n = snprintf(out, size, "/dev/%s", name);
	return n < 0 || (size_t)n >= size ? cm_err(-ENAMETOOLONG, "migrate: /dev/%s", name) : 0;
}
