/* libFuzzer: raw SMBIOS entry point + table, then the verdict on them.
 * Input: 1 byte entry-point length n (mod 64), n bytes entry point, the
 * rest is the structure table. */
#include <stddef.h>
#include <stdint.h>

#include "detect/detect.h"
#include "detect/smbios.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cm_facts facts = { 0 };
	struct cm_verdict v;
	size_t ep_len;

	if (size < 1)
		return 0;
	ep_len = data[0] % 64;
	if (ep_len > size - 1)
		ep_len = size - 1;
	cm_smbios_parse(data + 1, ep_len, data + 1 + ep_len, size - 1 - ep_len,
			&facts);
	cm_detect_from_facts(&facts, &v);
	return 0;
}
