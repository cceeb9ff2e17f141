/* Hex digits, for the %XX escapes of URLs (stream/url.c) and of the
 * transaction journal (adapt/journal.c). */
#ifndef CM_HEX_H
#define CM_HEX_H

/* The value of the hex digit c (either case), or -1. */
static inline int cm_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
