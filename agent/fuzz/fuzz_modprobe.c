/* libFuzzer: modprobe.d and initramfs-tools modules rewriting; a second
 * pass must change nothing. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/drivers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const d[] = { "nvme", "ena", "xen-blkfront", "virtio_net" };
	struct cm_buf a, b;
	int r;

	cm_buf_init(&a, CM_MODPROBE_MAX * 2);
	cm_buf_init(&b, CM_MODPROBE_MAX * 2);
	r = cm_drivers_unblacklist((const char *)data, size, d, 4, &a);
	if (r >= 0 && a.len <= CM_MODPROBE_MAX &&
	    cm_drivers_unblacklist(a.data, a.len, d, 4, &b) != 0)
		abort();
	r = cm_drivers_initramfs_tools((const char *)data, size, d, 4, &a);
	if (r >= 0 && a.len <= CM_MODPROBE_MAX &&
	    cm_drivers_initramfs_tools(a.data, a.len, d, 4, &b) != 0)
		abort();
	cm_buf_free(&a);
	cm_buf_free(&b);
	return 0;
}
