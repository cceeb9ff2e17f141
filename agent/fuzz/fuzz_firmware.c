/* libFuzzer: a disk's boot firmware from its bytes (move/firmware.c): the
 * MBR, the GPT and its entries, the FAT of an EFI system partition (boot
 * sector, FAT chains, directories) and the loader's PE header.  Any bytes:
 * no crash, no read past the input, no endless chain; the facts name only
 * the two firmware bits, an architecture we know or none, and the
 * evidence line ends within its buffer. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "move/firmware.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cm_mem_disk m = { data, size };
	struct cm_disk_reader d;
	struct cm_image_facts f;
	char evidence[256];
	int r;

	cm_mem_disk_reader(&m, &d);
	r = cm_firmware_probe(&d, &f, evidence, sizeof(evidence));
	if (r != 0 && r != -EIO)
		abort();
	if (f.firmware & ~3u)
		abort();
	if (f.arch[0] && strcmp(f.arch, "x86_64") && strcmp(f.arch, "arm64") &&
	    strcmp(f.arch, "i386"))
		abort();
	if (!memchr(evidence, '\0', sizeof(evidence)))
		abort();
	return 0;
}
