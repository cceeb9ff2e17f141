#include <errno.h>
#include <stdio.h>

#include "adapt/fstab.h"
#include "test.h"

/* Devices this fake system knows. */
static int resolve(void *ctx, const char *dev, char *out, size_t size)
{
	(void)ctx;
	if (!strcmp(dev, "/dev/xvda1") || !strcmp(dev, "/dev/nvme0n1p1"))
		snprintf(out, size, "UUID=c10d0e00-5a7c-4e1d-8d2b-6f6f7e5a0001");
	else if (!strcmp(dev, "/dev/xvdb"))
		snprintf(out, size, "LABEL=data");
	else
		return -ENOENT;
	return 0;
}

static const struct cm_fstab_opts azure_like = {
	.data_nofail = 1, .device_timeout_s = 10, .swap = 0,
};

static struct cm_buf out;
static struct cm_fstab_result res;

static int rewrite(const char *in, const struct cm_fstab_opts *o)
{
	cm_buf_free(&out);
	cm_buf_init(&out, CM_FSTAB_MAX * 2);
	return cm_fstab_rewrite(in, strlen(in), o, resolve, NULL, &out, &res);
}

TEST(fstab_renames_unstable_devices_keeps_the_rest)
{
	const char *in =
		"# /etc/fstab: static file system information.\n"
		"/dev/xvda1\t/\text4\tdefaults,discard\t0 1\n"
		"\n"
		"UUID=1234-ABCD  /boot/efi  vfat  umask=0077  0  1\n"
		"proc /proc proc defaults 0 0\n";

	CHECK_INT(rewrite(in, &(struct cm_fstab_opts){ .swap = 1 }), 0);
	CHECK_STR(out.data,
		  "# /etc/fstab: static file system information.\n"
		  "# cloudmove: was /dev/xvda1\n"
		  "UUID=c10d0e00-5a7c-4e1d-8d2b-6f6f7e5a0001\t/\text4\tdefaults,discard\t0 1\n"
		  "\n"
		  "UUID=1234-ABCD  /boot/efi  vfat  umask=0077  0  1\n"
		  "proc /proc proc defaults 0 0\n");
	CHECK_INT(res.renamed, 1);
	cm_buf_free(&out);
}

TEST(fstab_data_disks_nofail_swap_off)
{
	const char *in =
		"UUID=c10d /  ext4 errors=remount-ro 0 1\n"
		"/dev/xvdb /data xfs defaults 0 2\n"
		"LABEL=logs /var/log ext4 noatime,nofail 0 2\n"
		"/dev/xvdc none swap sw 0 0\n"
		"tmpfs /tmp tmpfs size=1g 0 0\n"
		"server:/export /mnt/nfs nfs ro 0 0";

	CHECK_INT(rewrite(in, &azure_like), 0);
	CHECK_STR(out.data,
		  "UUID=c10d /  ext4 errors=remount-ro 0 1\n"
		  "# cloudmove: was /dev/xvdb\n"
		  "LABEL=data /data xfs defaults,nofail,x-systemd.device-timeout=10s 0 2\n"
		  "LABEL=logs /var/log ext4 noatime,nofail,x-systemd.device-timeout=10s 0 2\n"
		  "#cloudmove-swap-off# /dev/xvdc none swap sw 0 0\n"
		  "tmpfs /tmp tmpfs size=1g 0 0\n"
		  "server:/export /mnt/nfs nfs ro 0 0");
	CHECK_INT(res.nofail, 2);
	CHECK_INT(res.swap_off, 1);
	CHECK_INT(res.renamed, 1);
	cm_buf_free(&out);
}

TEST(fstab_idempotent)
{
	const char *in = "/dev/xvdb /data xfs defaults 0 2\n/dev/xvdc none swap sw 0 0\n";
	char first[512];

	CHECK_INT(rewrite(in, &azure_like), 0);
	snprintf(first, sizeof(first), "%s", out.data);
	CHECK_INT(rewrite(first, &azure_like), 0);
	CHECK_STR(out.data, first);
	CHECK_INT(res.renamed + res.nofail + res.swap_off, 0);
	cm_buf_free(&out);
}

TEST(fstab_unresolved_kept_and_reported)
{
	CHECK_INT(rewrite("/dev/sdz9 /srv ext4 defaults 0 2\n",
			  &(struct cm_fstab_opts){ .swap = 1 }), 0);
	CHECK_STR(out.data, "/dev/sdz9 /srv ext4 defaults 0 2\n");
	CHECK_INT(res.unresolved, 1);
	CHECK_STR(res.unresolved_dev[0], "/dev/sdz9");
	cm_buf_free(&out);
}

TEST(fstab_rejects_what_is_no_fstab)
{
	CHECK_INT(rewrite("justoneword\n", &azure_like), -EBADMSG);
	CHECK_INT(cm_fstab_rewrite("a b c\0d", 7, &azure_like, resolve, NULL, &out, &res),
		  -EBADMSG);
	CHECK_INT(rewrite("", &azure_like), 0);
	CHECK_STR(out.data, "");
	CHECK(cm_fstab_unstable_device("/dev/disk/by-path/pci-0000:00:04.0-part1"));
	CHECK(!cm_fstab_unstable_device("/dev/mapper/vg-root"));
	cm_buf_free(&out);
}
