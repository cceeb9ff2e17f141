#include "adapt/drivers.h"
#include "test.h"

static const char *const nitro[] = { "nvme", "ena", "xen-blkfront" };
static struct cm_buf out;

TEST(drivers_dracut_conf)
{
	cm_buf_init(&out, 4096);
	CHECK_INT(cm_drivers_dracut_conf("aws", nitro, 3, &out), 0);
	CHECK(strstr(out.data, "add_drivers+=\" nvme ena xen-blkfront \"\n"));
	cm_buf_free(&out);
}

TEST(drivers_initramfs_tools_appends_missing)
{
	const char *in = "# List of modules\nena\nxen_blkfront # same module\n";

	cm_buf_init(&out, 4096);
	CHECK_INT(cm_drivers_initramfs_tools(in, strlen(in), nitro, 3, &out), 1);
	CHECK_STR(out.data, "# List of modules\nena\nxen_blkfront # same module\n"
		  "# added by cloudmove: drivers the target cloud boots from\nnvme\n");
	{
		struct cm_buf again;

		cm_buf_init(&again, 4096);
		CHECK_INT(cm_drivers_initramfs_tools(out.data, out.len, nitro, 3, &again), 0);
		CHECK_STR(again.data, out.data);
		cm_buf_free(&again);
	}
	cm_buf_free(&out);
}

TEST(drivers_unblacklist)
{
	const char *in = "blacklist floppy\nblacklist nvme\n  install ena /bin/false\n"
			 "install xen_blkfront /sbin/modprobe --ignore-install xen_blkfront\n";

	cm_buf_init(&out, 4096);
	CHECK_INT(cm_drivers_unblacklist(in, strlen(in), nitro, 3, &out), 2);
	CHECK_STR(out.data, "blacklist floppy\n"
		  "# cloudmove: the target cloud boots from this driver: blacklist nvme\n"
		  "# cloudmove: the target cloud boots from this driver:   install ena /bin/false\n"
		  "install xen_blkfront /sbin/modprobe --ignore-install xen_blkfront\n");
	cm_buf_free(&out);
}
