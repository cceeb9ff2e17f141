/* libFuzzer: S3's XML answers as the s3:// sink reads them (stream/sinks/s3_xml.c).
 * Any bytes: no crash, no read past the input, every text NUL-terminated in
 * its buffer, the Part walk always moves forward and ends. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream/sinks/s3_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1), code[64], id[1024];
	const char *p, *end, *before;
	struct cm_s3xml_part part;

	if (!s)
		return 0;
	memcpy(s, data, size);
	end = s + size;
	cm_s3xml_text(s, end, "Code", code, sizeof(code));
	if (!memchr(code, '\0', sizeof(code)))
		abort();
	cm_s3xml_text(s, end, "UploadId", id, sizeof(id));
	if (!memchr(id, '\0', sizeof(id)))
		abort();
	for (p = s; before = p, cm_s3xml_next_part(&p, end, &part); ) {
		if (p <= before || p > end || !memchr(part.etag, '\0', sizeof(part.etag)))
			abort();
		if (part.number && !part.etag[0])
			abort();
	}
	free(s);
	return 0;
}
