/* SHA-256 of a buffer, with the x86 SHA extensions when the CPU has them
 * (SHA-NI: ~10x mbedTLS's portable code, which signing every S3 part with
 * its payload hash would otherwise be bound by), else mbedTLS.  The two
 * paths are compared with each other and with FIPS 180-2 vectors in the
 * unit tests. */
#ifndef CM_UTIL_SHA256_H
#define CM_UTIL_SHA256_H

#include <stddef.h>

void cm_sha256(const void *p, size_t len, unsigned char out[32]);

/* The portable path alone (tests). */
void cm_sha256_portable(const void *p, size_t len, unsigned char out[32]);

/* Does this CPU take the SHA-NI path? */
int cm_sha256_ni(void);

#endif
