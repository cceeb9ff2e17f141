/* A growable byte buffer with a ceiling fixed at init (after curl's dynbuf):
 * going over the ceiling frees the buffer and fails with -EMSGSIZE, so an
 * oversized input can never be half-used. */
#ifndef CM_BUF_H
#define CM_BUF_H

#include <stddef.h>

struct cm_buf {
	char *data;	/* always NUL-terminated when non-NULL */
	size_t len;
	size_t cap;
	size_t max;
};

void cm_buf_init(struct cm_buf *b, size_t max);
void cm_buf_free(struct cm_buf *b);
void cm_buf_reset(struct cm_buf *b);
int cm_buf_add(struct cm_buf *b, const void *p, size_t n)
	__attribute__((warn_unused_result));
int cm_buf_addstr(struct cm_buf *b, const char *s)
	__attribute__((warn_unused_result));
int cm_buf_printf(struct cm_buf *b, const char *fmt, ...)
	__attribute__((warn_unused_result, format(printf, 2, 3)));

#endif
