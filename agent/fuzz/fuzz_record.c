/* libFuzzer: the hosting record parser, and format(parse(x)) must parse. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "record/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cm_record r, back;
	struct cm_buf b;

	if (cm_record_parse((const char *)data, size, &r) < 0)
		return 0;
	cm_buf_init(&b, CM_RECORD_MAX);
	if (cm_record_format(&r, &b) == 0 &&
	    cm_record_parse(b.data, b.len, &back) < 0)
		abort();	/* what we write, we must read back */
	cm_buf_free(&b);
	return 0;
}
