#include <string.h>

#include "adapt/devmap.h"
#include "test.h"

static int resolve(struct cm_devmap *m, const char *dev, char *o)
{
	return cm_devmap_resolve(m, dev, o, 192);
}

TEST(devmap_installer_comments_and_root)
{
	static const char fstab[] =
		"# <file system> <mount point> <type> <options> <dump> <pass>\n"
		"# / was on /dev/sda1 during installation\n"
		"UUID=aaaa-1 / ext4 errors=remount-ro 0 1\n"
		"# swap was on /dev/sda5 during installation\n"
		"UUID=bbbb-5 none swap sw 0 0\n"
		"# cloudmove: was /dev/xvdf\n"
		"LABEL=data /srv xfs defaults,nofail 0 2\n"
		"/dev/xvdg /x ext4 defaults 0 2\n";
	struct cm_devmap m;
	char o[192];

	memset(&m, 0, sizeof(m));
	cm_devmap_learn_fstab(&m, fstab, sizeof(fstab) - 1);
	CHECK_STR(m.root, "UUID=aaaa-1");
	CHECK_INT(resolve(&m, "/dev/sda1", o), 0);
	CHECK_STR(o, "UUID=aaaa-1");
	CHECK_INT(resolve(&m, "/dev/sda5", o), 0);
	CHECK_STR(o, "UUID=bbbb-5");
	CHECK_INT(resolve(&m, "/dev/xvdf", o), 0);
	CHECK_STR(o, "LABEL=data");
	CHECK(resolve(&m, "/dev/xvdg", o) < 0);
}

TEST(devmap_root_from_kargs_first_source_wins)
{
	static const char cfg[] = "linux /vmlinuz root=/dev/xvda1 ro\n"
				  "linux /vmlinuz root=UUID=cafe ro\n"
				  "linux /vmlinuz root=UUID=later ro\n";
	struct cm_devmap m;

	memset(&m, 0, sizeof(m));
	cm_devmap_learn_kargs(&m, cfg, sizeof(cfg) - 1, "grub.cfg");
	CHECK_STR(m.root, "UUID=cafe");
	CHECK_STR(m.root_from, "grub.cfg");
	memset(&m, 0, sizeof(m));
	cm_devmap_learn_kargs(&m, "root=/dev/mapper/vg-root", 24, "x");
	CHECK_STR(m.root, "");
}

TEST(devmap_blkid_cache)
{
	static const char tab[] =
		"<device DEVNO=\"0xca01\" TIME=\"1\" UUID=\"1111\" TYPE=\"ext4\">/dev/xvda1</device>\n"
		"<device DEVNO=\"0xca02\" LABEL=\"x\" TYPE=\"swap\">/dev/xvda2</device>\n"
		"<device broken UUID=\"2\">/dev/xvda3\n";
	struct cm_devmap m;
	char o[192];

	memset(&m, 0, sizeof(m));
	cm_devmap_learn_blkid_tab(&m, tab, sizeof(tab) - 1);
	CHECK_INT((int)m.n, 1);
	CHECK_INT(resolve(&m, "/dev/xvda1", o), 0);
	CHECK_STR(o, "UUID=1111");
}

TEST(devmap_stable_names)
{
	CHECK(cm_devmap_stable("UUID=1"));
	CHECK(cm_devmap_stable("/dev/mapper/vg-root"));
	CHECK(cm_devmap_stable("/dev/vg0/root"));
	CHECK(!cm_devmap_stable("/dev/sda1"));
	CHECK(!cm_devmap_stable("/dev/disk/by-path/pci-0000:00:04.0-scsi-0:0:1:0"));
}
