/* CRC-32C (Castagnoli), the checksum Cloud Storage keeps for every object
 * ("crc32c": RFC 4960 Appendix B, base64 of the 4 bytes in big-endian
 * order, per the JSON API's objects resource).  Table-driven, 8 bytes per
 * step (slicing-by-8): about 1-2 GB/s here, well above the upload rate.
 * Pure; fuzzed through the GCS response parsers. */
#ifndef CM_UTIL_CRC32C_H
#define CM_UTIL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The running CRC after len more bytes; start with crc = 0.
 * cm_crc32c(0, "123456789", 9) == 0xe3069283 (the standard check value). */
uint32_t cm_crc32c(uint32_t crc, const void *buf, size_t len);

#endif
