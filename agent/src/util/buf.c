#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void cm_buf_init(struct cm_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void cm_buf_free(struct cm_buf *b)
{
	free(b->data);
	cm_buf_init(b, b->max);
}

void cm_buf_reset(struct cm_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static int buf_grow(struct cm_buf *b, size_t need)
{
	size_t cap = b->cap ? b->cap : 64;
	char *p;

	while (cap < need + 1)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int cm_buf_add(struct cm_buf *b, const void *p, size_t n)
{
	int r;

	if (n > b->max - b->len) {
		cm_buf_free(b);
		return -EMSGSIZE;
	}
	if (b->len + n + 1 > b->cap) {
		r = buf_grow(b, b->len + n);
		if (r < 0) {
			cm_buf_free(b);
			return r;
		}
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int cm_buf_addstr(struct cm_buf *b, const char *s)
{
	return cm_buf_add(b, s, strlen(s));
}

int cm_buf_printf(struct cm_buf *b, const char *fmt, ...)
{
	char small[256];
	char *big = NULL;
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < sizeof(small))
		return cm_buf_add(b, small, (size_t)n);
	big = malloc((size_t)n + 1);
	if (!big)
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	r = cm_buf_add(b, big, (size_t)n);
	free(big);
	return r;
}
