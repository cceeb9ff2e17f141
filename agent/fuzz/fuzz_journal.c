/* libFuzzer: the transaction journal parser (adapt/txn.c), and
 * format(parse(x)) must parse back to the same text.
 *
 * The journal parser lives in txn.c with the I/O it serves; until the
 * Makefile's FUZZ_SRCS lists agent/src/adapt/txn.c and util/sysroot.c, the
 * harness compiles them in itself (define CM_FUZZ_LINKED_TXN when they
 * are listed). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/txn.h"
#ifndef CM_FUZZ_LINKED_TXN
#include "adapt/txn.c"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cm_journal j, back;
	struct cm_buf b, b2;

	cm_journal_init(&j);
	cm_journal_init(&back);
	if (cm_journal_parse((const char *)data, size, &j) < 0)
		return 0;
	cm_buf_init(&b, CM_TXN_JOURNAL_MAX);
	cm_buf_init(&b2, CM_TXN_JOURNAL_MAX);
	if (cm_journal_format(&j, &b) < 0)
		abort();	/* what we read, we can write */
	if (cm_journal_parse(b.data, b.len, &back) < 0)
		abort();	/* what we write, we must read back */
	if (cm_journal_format(&back, &b2) < 0 || b.len != b2.len ||
	    memcmp(b.data, b2.data, b.len))
		abort();	/* and it is a fixed point */
	cm_buf_free(&b);
	cm_buf_free(&b2);
	cm_journal_free(&j);
	cm_journal_free(&back);
	return 0;
}
