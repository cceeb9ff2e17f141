/* check/: the pure helpers (module names, modules.dep/.builtin, device
 * names per target, kernel command lines of boot loaders, fstab). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "check/bootloader.h"
#include "check/check.h"
#include "check/fstabref.h"
#include "test.h"

TEST(check_module_names)
{
	const char *name;
	size_t n;

	n = cm_module_name("kernel/drivers/scsi/virtio_scsi.ko.xz", 37, &name);
	CHECK_INT(n, 11);
	CHECK(!strncmp(name, "virtio_scsi", n));
	CHECK_INT(cm_module_name("a/b/nvme.ko", 11, &name), 4);
	CHECK_INT(cm_module_name("a/b/gve.ko.gz", 13, &name), 3);
	CHECK_INT(cm_module_name("a/b/x.ko.zst", 12, &name), 1);
	CHECK_INT(cm_module_name("a/b/modules.dep", 15, &name), 0);
	CHECK_INT(cm_module_name("a/b/.ko", 7, &name), 0);
	CHECK(cm_module_same("xen_blkfront", 12, "xen-blkfront"));
	CHECK(!cm_module_same("xen_blkfron", 11, "xen-blkfront"));
}

TEST(check_modules_dep_and_builtin)
{
	const char *dep =
		"kernel/drivers/virtio/virtio.ko.xz:\n"
		"kernel/drivers/scsi/virtio_scsi.ko.xz: kernel/drivers/virtio/virtio.ko.xz "
		"kernel/drivers/virtio/virtio_ring.ko.xz\n"
		"kernel/drivers/block/xen-blkfront.ko:\n"
		"kernel/drivers/nvme/host/nvme.ko";	/* no final newline */
	const char *builtin = "kernel/drivers/scsi/sd_mod.ko\nkernel/fs/ext4/ext4.ko\n";
	char path[256], deps[512];

	CHECK_INT(cm_modules_dep_find(dep, strlen(dep), "virtio_scsi", path,
				      sizeof(path), deps, sizeof(deps)), 1);
	CHECK_STR(path, "kernel/drivers/scsi/virtio_scsi.ko.xz");
	CHECK_STR(deps, "kernel/drivers/virtio/virtio.ko.xz kernel/drivers/virtio/virtio_ring.ko.xz");
	CHECK_INT(cm_modules_dep_find(dep, strlen(dep), "xen_blkfront", path,
				      sizeof(path), deps, sizeof(deps)), 1);
	CHECK_STR(deps, "");
	/* a line without ':' is no entry */
	CHECK_INT(cm_modules_dep_find(dep, strlen(dep), "nvme", path, sizeof(path),
				      deps, sizeof(deps)), 0);
	CHECK_INT(cm_modules_dep_find(dep, strlen(dep), "virtio_s", path,
				      sizeof(path), deps, sizeof(deps)), 0);
	CHECK_INT(cm_modules_dep_find(dep, strlen(dep), "virtio_scsi", path, 8,
				      deps, sizeof(deps)), -ENAMETOOLONG);
	CHECK(cm_modules_builtin_has(builtin, strlen(builtin), "sd_mod"));
	CHECK(cm_modules_builtin_has(builtin, strlen(builtin), "ext4"));
	CHECK(!cm_modules_builtin_has(builtin, strlen(builtin), "nvme"));
}

TEST(check_device_names_per_target)
{
	char why[192];

	CHECK_INT(cm_check_devref("UUID=abcd", CM_DISK_SD, why, sizeof(why)), CM_DEVREF_STABLE);
	CHECK_INT(cm_check_devref("PARTUUID=ab-01", CM_DISK_NVME, why, sizeof(why)), CM_DEVREF_STABLE);
	CHECK_INT(cm_check_devref("/dev/disk/by-uuid/ab", CM_DISK_SD, why, sizeof(why)), CM_DEVREF_STABLE);
	CHECK_INT(cm_check_devref("/dev/mapper/vg-root", CM_DISK_SD, why, sizeof(why)), CM_DEVREF_STABLE);
	CHECK_INT(cm_check_devref("/dev/xvda1", CM_DISK_SD, why, sizeof(why)), CM_DEVREF_GONE);
	CHECK(strstr(why, "/dev/sdX") && strstr(why, "/dev/xvdX"));
	CHECK_INT(cm_check_devref("/dev/xvda1", CM_DISK_XVD, why, sizeof(why)), CM_DEVREF_SAME_SCHEME);
	CHECK_INT(cm_check_devref("/dev/nvme0n1p1", CM_DISK_NVME, why, sizeof(why)), CM_DEVREF_SAME_SCHEME);
	CHECK_INT(cm_check_devref("/dev/nvme0n1p1", CM_DISK_VD, why, sizeof(why)), CM_DEVREF_GONE);
	CHECK_INT(cm_check_devref("/dev/vda1", CM_DISK_NVME, why, sizeof(why)), CM_DEVREF_GONE);
	CHECK_INT(cm_check_devref("/dev/sda1", CM_DISK_ANY, why, sizeof(why)), CM_DEVREF_SAME_SCHEME);
	CHECK_INT(cm_check_devref("/dev/hda1", CM_DISK_ANY, why, sizeof(why)), CM_DEVREF_GONE);
	CHECK_INT(cm_check_devref("/dev/disk/by-path/pci-0000:00:04.0-part1", CM_DISK_SD,
				  why, sizeof(why)), CM_DEVREF_GONE);
	CHECK_INT(cm_check_devref("tmpfs", CM_DISK_SD, why, sizeof(why)), CM_DEVREF_NOT_DEVICE);
	CHECK_INT(cm_check_devref("server:/export", CM_DISK_SD, why, sizeof(why)), CM_DEVREF_NOT_DEVICE);
}

struct lines {
	char all[1024];
	int n;
};

static void on_line(void *ctx, const char *args, size_t len)
{
	struct lines *l = ctx;
	size_t o = strlen(l->all);

	snprintf(l->all + o, sizeof(l->all) - o, "%s[%.*s]", o ? " " : "", (int)len, args);
	l->n++;
}

TEST(check_boot_loader_command_lines)
{
	const char *grub =
		"set root='hd0,msdos1'\n"
		"menuentry 'Debian' {\n"
		"\tlinux\t/boot/vmlinuz-6.1 root=UUID=ab ro quiet\n"
		"\tinitrd\t/boot/initrd.img-6.1\n"
		"}\n"
		"  linuxefi /vmlinuz root=/dev/sda1 root=/dev/xvda1\n"
		"# linux /commented root=x\n"
		"linuxish /x root=y\n";
	const char *bls = "title RHEL\nlinux /vmlinuz\noptions $kernelopts\noptions quiet\n";
	const char *ext = "LABEL l\n  KERNEL /vmlinuz\n  APPEND root=LABEL=r console=ttyS0\n";
	const char *env = "# GRUB Environment Block\nsaved_entry=x\nkernelopts=root=UUID=cd ro\n####\n";
	struct lines l = { "", 0 };
	char root[64], v[128];
	int blscfg = 7;

	CHECK_INT(cm_boot_cfg_cmdlines(grub, strlen(grub), CM_BOOT_GRUB, NULL, &blscfg,
				       on_line, &l), 2);
	CHECK_INT(blscfg, 0);
	CHECK_STR(l.all, "[ root=UUID=ab ro quiet] [ root=/dev/sda1 root=/dev/xvda1]");
	CHECK_INT(cm_boot_cmdline_root(" root=/dev/sda1 root=/dev/xvda1", 31, root,
				       sizeof(root)), 1);
	CHECK_STR(root, "/dev/xvda1");	/* the kernel takes the last */
	CHECK_INT(cm_boot_cmdline_root("ro quiet", 8, root, sizeof(root)), 0);
	CHECK_INT(cm_boot_cmdline_root("root=\"UUID=x\"", 13, root, sizeof(root)), 1);
	CHECK_STR(root, "UUID=x");

	CHECK_INT(cm_grubenv_get(env, strlen(env), "kernelopts", v, sizeof(v)), 1);
	CHECK_STR(v, "root=UUID=cd ro");
	CHECK_INT(cm_grubenv_get(env, strlen(env), "nope", v, sizeof(v)), 0);
	memset(&l, 0, sizeof(l));
	CHECK_INT(cm_boot_cfg_cmdlines(bls, strlen(bls), CM_BOOT_BLS, v, NULL, on_line, &l), 1);
	CHECK_STR(l.all, "[root=UUID=cd ro quiet ]");
	memset(&l, 0, sizeof(l));
	CHECK_INT(cm_boot_cfg_cmdlines(ext, strlen(ext), CM_BOOT_EXTLINUX, NULL, NULL,
				       on_line, &l), 1);
	CHECK_STR(l.all, "[ root=LABEL=r console=ttyS0]");
	memset(&l, 0, sizeof(l));
	CHECK_INT(cm_boot_cfg_cmdlines("insmod blscfg\nblscfg\n", 21, CM_BOOT_GRUB, NULL,
				       &blscfg, on_line, &l), 0);
	CHECK_INT(blscfg, 1);
}

static int resolve(void *ctx, const char *dev, char *out, size_t size)
{
	(void)ctx;
	if (strcmp(dev, "/dev/xvda1"))
		return -ENOENT;
	snprintf(out, size, "UUID=feed");
	return 0;
}

TEST(check_fstab_references)
{
	const char *fstab =
		"# comment\n"
		"/dev/xvda1 / ext4 defaults 0 1\n"
		"UUID=ab /boot ext4 defaults 0 2\n"
		"/dev/xvdb /data xfs defaults,nofail 0 2\n"
		"/dev/xvdc none swap sw 0 0\n"
		"/dev/sdb1 /srv ext4 defaults 0 2\n"
		"proc /proc proc defaults 0 0\n"
		"server:/export /mnt/nfs nfs defaults 0 0\n";
	struct cm_fstabref_opts o = { .naming = CM_DISK_SD, .cloud = "gcp",
				      .resolve = resolve };
	struct cm_check_report *rep = calloc(1, sizeof(*rep));

	CHECK(rep);
	CHECK_INT(cm_fstabref_scan(fstab, strlen(fstab), &o, rep), 0);
	CHECK_INT(rep->n, 5);
	CHECK_INT(rep->missing, 1);
	CHECK_INT(rep->warnings, 3);
	CHECK_STR(rep->v[0].what, "fstab /");
	CHECK_INT(rep->v[0].status, CM_CHECK_MISSING);
	CHECK(strstr(rep->v[0].detail, "here it is UUID=feed"));
	CHECK(strstr(rep->v[0].detail, "emergency mode"));
	CHECK_INT(rep->v[1].status, CM_CHECK_OK);
	CHECK_INT(rep->v[2].status, CM_CHECK_WARN);
	CHECK_STR(rep->v[3].what, "fstab swap");
	CHECK_INT(rep->v[3].status, CM_CHECK_WARN);
	CHECK_INT(rep->v[4].status, CM_CHECK_WARN);	/* sdb1 on an sd cloud */
	CHECK(!cm_check_bootable(rep));

	memset(rep, 0, sizeof(*rep));
	CHECK_INT(cm_fstabref_scan("a\0b", 3, &o, rep), 0);
	CHECK_INT(rep->missing, 1);
	memset(rep, 0, sizeof(*rep));
	CHECK_INT(cm_fstabref_scan("", 0, &o, rep), 0);
	CHECK_INT(rep->n, 0);
	free(rep);
}

TEST(check_report_caps_and_formats)
{
	struct cm_check_report *rep = calloc(1, sizeof(*rep));
	struct cm_buf b;
	size_t i;

	CHECK(rep);
	for (i = 0; i < CM_CHECK_ITEMS_MAX + 3; i++)
		cm_check_add(rep, i == CM_CHECK_ITEMS_MAX + 2 ? CM_CHECK_MISSING :
			     CM_CHECK_OK, "x", "%zu", i);
	CHECK_INT(rep->n, CM_CHECK_ITEMS_MAX);
	CHECK_INT(rep->dropped, 3);
	CHECK(!cm_check_bootable(rep));		/* counted though not kept */
	cm_buf_init(&b, 1 << 20);
	CHECK_INT(cm_check_format_text(rep, "gcp", &b), 0);
	CHECK(strstr(b.data, "verdict: NOT bootable on gcp (1 missing, 0 warnings)\n"));
	CHECK_INT(cm_check_format_json(rep, "gcp", "/r", &b), 0);
	CHECK(strstr(b.data, "\"bootable\": false"));
	cm_buf_free(&b);
	free(rep);
}
