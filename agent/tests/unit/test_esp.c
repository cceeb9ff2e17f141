/* esp.c: the removable-media loader a move adds to the ESP — which loader
 * is copied (shim first, then GRUB, then systemd-boot; distro vendors
 * first), what goes beside it, nothing when the fallback path is there,
 * and a round trip through the transaction (txn.h) that leaves the tree
 * as it was.  Plain directories stand for the mounted FAT here (FAT's
 * case-insensitive names are matched as FAT would); run-esp.sh does it on
 * a real vfat. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapt/esp.h"
#include "adapt/plan.h"
#include "adapt/txn.h"
#include "test.h"

static const char *esp_root(void)
{
	static char p[512];

	snprintf(p, sizeof(p), "%s/root", cm_test_tmpdir());
	return p;
}

static const struct cm_change *find(const struct cm_plan *p, const char *path)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].path, path))
			return &p->v[i];
	return NULL;
}

static int exists(const char *rel)
{
	char p[700];
	struct stat st;

	snprintf(p, sizeof(p), "%s/%s", esp_root(), rel);
	return lstat(p, &st) == 0;
}

TEST(esp_shim_is_copied_with_its_second_stage)
{
	struct cm_plan plan;
	const struct cm_change *c;

	cm_test_write_str("root/boot/efi/EFI/debian/shimx64.efi", "MZ shim\n");
	cm_test_write_str("root/boot/efi/EFI/debian/grubx64.efi", "MZ grub\n");
	cm_test_write_str("root/boot/efi/EFI/debian/mmx64.efi", "MZ mokmanager\n");
	cm_test_write_str("root/boot/efi/EFI/debian/grub.cfg", "search.fs_uuid x root\n");
	cm_test_write_str("root/boot/efi/EFI/debian/BOOTX64.CSV", "shimx64.efi,debian\n");
	cm_plan_init(&plan);
	CHECK_INT(cm_esp_removable_plan(esp_root(), &plan), 4);
	CHECK_INT(plan.n, 4);
	c = find(&plan, "/boot/efi/EFI/BOOT/BOOTX64.EFI");
	CHECK(c != NULL);
	CHECK_STR(c->rewriter, "esp");
	CHECK_STR(c->content.data, "MZ shim\n");
	CHECK_STR(c->why, "copy of EFI/debian/shimx64.efi: firmware that has never seen "
		  "this disk boots it");
	c = find(&plan, "/boot/efi/EFI/BOOT/grubx64.efi");
	CHECK(c != NULL);
	CHECK_STR(c->content.data, "MZ grub\n");
	CHECK_STR(c->why, "copy of EFI/debian/grubx64.efi: what EFI/BOOT/BOOTX64.EFI loads "
		  "from beside itself");
	CHECK(find(&plan, "/boot/efi/EFI/BOOT/mmx64.efi") != NULL);
	CHECK(find(&plan, "/boot/efi/EFI/BOOT/grub.cfg") != NULL);
	CHECK(find(&plan, "/boot/efi/EFI/BOOT/BOOTX64.CSV") == NULL);	/* shim's fallback's */
	cm_plan_free(&plan);
}

TEST(esp_grub_alone_is_copied_with_its_config)
{
	struct cm_plan plan;
	const struct cm_change *c;

	cm_test_write_str("root/boot/efi/EFI/debian/grubx64.efi", "MZ grub\n");
	cm_test_write_str("root/boot/efi/EFI/debian/grub.cfg", "cfg\n");
	cm_plan_init(&plan);
	CHECK_INT(cm_esp_removable_plan(esp_root(), &plan), 2);
	c = find(&plan, "/boot/efi/EFI/BOOT/BOOTX64.EFI");
	CHECK(c != NULL);
	CHECK_STR(c->content.data, "MZ grub\n");
	CHECK_STR(c->why, "copy of EFI/debian/grubx64.efi: firmware that has never seen "
		  "this disk boots it");
	CHECK(find(&plan, "/boot/efi/EFI/BOOT/grub.cfg") != NULL);
	cm_plan_free(&plan);
}

TEST(esp_systemd_boot_alone)
{
	struct cm_plan plan;
	const struct cm_change *c;

	cm_test_write_str("root/boot/efi/EFI/systemd/systemd-bootx64.efi", "MZ sd-boot\n");
	cm_plan_init(&plan);
	CHECK_INT(cm_esp_removable_plan(esp_root(), &plan), 1);
	c = find(&plan, "/boot/efi/EFI/BOOT/BOOTX64.EFI");
	CHECK(c != NULL);
	CHECK_STR(c->content.data, "MZ sd-boot\n");
	cm_plan_free(&plan);
}

/* FAT matches names without case: an existing "EFI/Boot/bootx64.efi" is
 * the removable loader, whatever the case it was written with. */
TEST(esp_fallback_there_already_changes_nothing)
{
	struct cm_plan plan;

	cm_test_write_str("root/boot/efi/EFI/debian/shimx64.efi", "MZ shim\n");
	cm_test_write_str("root/boot/efi/EFI/Boot/bootx64.efi", "MZ other\n");
	cm_plan_init(&plan);
	CHECK_INT(cm_esp_removable_plan(esp_root(), &plan), 0);
	CHECK_INT(plan.n, 0);
	cm_plan_free(&plan);
}

/* An EFI/boot directory without the loader (fbx64.efi alone): the loader
 * goes into that directory, under the case it has. */
TEST(esp_existing_boot_directory_is_used)
{
	struct cm_plan plan;

	cm_test_write_str("root/boot/efi/EFI/debian/grubx64.efi", "MZ grub\n");
	cm_test_write_str("root/boot/efi/EFI/boot/fbx64.efi", "MZ fallback\n");
	cm_plan_init(&plan);
	CHECK_INT(cm_esp_removable_plan(esp_root(), &plan), 1);
	CHECK(find(&plan, "/boot/efi/EFI/boot/BOOTX64.EFI") != NULL);
	cm_plan_free(&plan);
}

TEST(esp_no_esp_or_no_loader_changes_nothing)
{
	struct cm_plan plan;

	cm_plan_init(&plan);
	CHECK_INT(cm_esp_removable_plan(esp_root(), &plan), 0);	/* no /boot/efi */
	cm_test_write_str("root/boot/efi/EFI/debian/README", "no loader here\n");
	CHECK_INT(cm_esp_removable_plan(esp_root(), &plan), 0);
	CHECK_INT(plan.n, 0);
	cm_plan_free(&plan);
}

/* Distro vendors first; shim anywhere before GRUB anywhere. */
TEST(esp_vendor_order)
{
	struct cm_plan plan;
	const struct cm_change *c;

	cm_test_write_str("root/boot/efi/EFI/acme/grubx64.efi", "MZ acme grub\n");
	cm_test_write_str("root/boot/efi/EFI/debian/grubx64.efi", "MZ debian grub\n");
	cm_plan_init(&plan);
	CHECK_INT(cm_esp_removable_plan(esp_root(), &plan), 1);
	c = find(&plan, "/boot/efi/EFI/BOOT/BOOTX64.EFI");
	CHECK(c != NULL);
	CHECK_STR(c->content.data, "MZ debian grub\n");
	cm_plan_free(&plan);

	cm_test_write_str("root/boot/efi/EFI/zz/shimx64.efi", "MZ zz shim\n");
	cm_plan_init(&plan);
	CHECK(cm_esp_removable_plan(esp_root(), &plan) >= 1);
	c = find(&plan, "/boot/efi/EFI/BOOT/BOOTX64.EFI");
	CHECK(c != NULL);
	CHECK_STR(c->content.data, "MZ zz shim\n");
	cm_plan_free(&plan);
}

TEST(esp_arm64)
{
	struct cm_plan plan;

	cm_test_write_str("root/boot/efi/EFI/debian/shimaa64.efi", "MZ shim arm\n");
	cm_test_write_str("root/boot/efi/EFI/debian/grubaa64.efi", "MZ grub arm\n");
	cm_plan_init(&plan);
	CHECK_INT(cm_esp_removable_plan(esp_root(), &plan), 2);
	CHECK(find(&plan, "/boot/efi/EFI/BOOT/BOOTAA64.EFI") != NULL);
	CHECK(find(&plan, "/boot/efi/EFI/BOOT/grubaa64.efi") != NULL);
	cm_plan_free(&plan);
}

/* The change is a transaction's like any other: applied, then undone,
 * the ESP's tree is as it was (EFI/BOOT, which the transaction made,
 * removed). */
TEST(esp_round_trip_through_the_transaction)
{
	struct cm_plan plan;
	char id[16], p[700];
	FILE *f;
	char buf[64] = "";

	cm_test_write_str("root/boot/efi/EFI/debian/shimx64.efi", "MZ shim\n");
	cm_test_write_str("root/boot/efi/EFI/debian/grubx64.efi", "MZ grub\n");
	cm_test_write_str("root/etc/fstab", "UUID=x / ext4 defaults 0 1\n");
	cm_plan_init(&plan);
	CHECK_INT(cm_esp_removable_plan(esp_root(), &plan), 2);
	CHECK_INT(cm_txn_apply(esp_root(), &plan, "move: adapt for gcp", id, sizeof(id)), 0);
	CHECK_STR(id, "0001");
	snprintf(p, sizeof(p), "%s/boot/efi/EFI/BOOT/BOOTX64.EFI", esp_root());
	f = fopen(p, "r");
	CHECK(f != NULL);
	CHECK(fgets(buf, sizeof(buf), f) != NULL);
	fclose(f);
	CHECK_STR(buf, "MZ shim\n");
	CHECK(exists("boot/efi/EFI/BOOT/grubx64.efi"));
	CHECK_INT(cm_txn_rollback(esp_root(), NULL), 1);
	CHECK(!exists("boot/efi/EFI/BOOT/BOOTX64.EFI"));
	CHECK(!exists("boot/efi/EFI/BOOT"));
	CHECK(exists("boot/efi/EFI/debian/shimx64.efi"));
	cm_plan_free(&plan);
}

TEST(esp_path)
{
	CHECK(cm_esp_path("/boot/efi/EFI/BOOT/BOOTX64.EFI"));
	CHECK(!cm_esp_path("/boot/efi"));
	CHECK(!cm_esp_path("/boot/efix/a"));
	CHECK(!cm_esp_path("/etc/fstab"));
}

/* No /boot/efi in the root: nothing to mount, nothing mounted. */
TEST(esp_begin_without_boot_efi)
{
	struct cm_esp e;

	cm_test_write_str("root/etc/fstab", "UUID=x / ext4 defaults 0 1\n");
	CHECK_INT(cm_esp_begin(esp_root(), &e), 0);
	CHECK_INT(e.mounted, 0);
	CHECK_INT(cm_esp_end(&e), 0);
}

/* /boot/efi there but no fstab entry for it: left alone. */
TEST(esp_begin_without_fstab_entry)
{
	struct cm_esp e;

	cm_test_write_str("root/etc/fstab", "UUID=x / ext4 defaults 0 1\n");
	cm_test_write_str("root/boot/efi/.keep", "");
	CHECK_INT(cm_esp_begin(esp_root(), &e), 0);
	CHECK_INT(e.mounted, 0);
	CHECK_STR(e.dev, "");
}

/* An fstab entry naming a device nobody has: a warning, not a failure. */
TEST(esp_begin_device_not_found)
{
	struct cm_esp e;

	cm_test_write_str("root/etc/fstab", "UUID=x / ext4 defaults 0 1\n"
			  "UUID=FFFF-0E15 /boot/efi vfat umask=0077 0 1\n");
	cm_test_write_str("root/boot/efi/.keep", "");
	CHECK_INT(cm_esp_begin(esp_root(), &e), 0);
	CHECK_INT(e.mounted, 0);
}
