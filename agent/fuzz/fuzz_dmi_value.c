/* libFuzzer: sysfs dmi/id attribute contents.  Input: 1 byte field
 * selector, the rest is the file content.  Each value is stored, matched
 * against every signature and turned into a verdict. */
#include <stddef.h>
#include <stdint.h>

#include "detect/detect.h"
#include "detect/facts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cm_facts facts = { 0 };
	struct cm_verdict v;
	size_t i, start = 1;

	if (size < 1)
		return 0;
	/* Split the rest at '|' into several fields, starting at the one
	 * the first byte names: rules with more than one fact get a chance. */
	for (i = 1; i <= size; i++) {
		if (i < size && data[i] != '|')
			continue;
		cm_facts_set(&facts, (enum cm_fact)(1 + (data[0] + start) % (CM_FACT__MAX - 1)),
			     (const char *)data + start, i - start, CM_SRC_SYSFS);
		start = i + 1;
	}
	cm_detect_from_facts(&facts, &v);
	return 0;
}
