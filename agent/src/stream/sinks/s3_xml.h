/* The few bits of S3's XML answers the s3:// sink reads (UploadId, the
 * Parts of ListParts, an Error's Code and Message, IsTruncated): text
 * between <Tag> and </Tag>, the predefined entities decoded.  Not an XML
 * parser: S3's documents are flat and machine-written; anything odd is
 * "not found".  Pure (the input need not be NUL-terminated), fuzzed. */
#ifndef CM_STREAM_S3XML_H
#define CM_STREAM_S3XML_H

#include <stddef.h>

#define CM_S3_ETAG_MAX	80

/* The text of the first <tag>...</tag> in [p, end) into out (NUL-
 * terminated).  0, -ENOENT or -EMSGSIZE (out is then ""). */
int cm_s3xml_text(const char *p, const char *end, const char *tag, char *out, size_t size);

struct cm_s3xml_part {
	unsigned long number;
	unsigned long long size;
	char etag[CM_S3_ETAG_MAX];
};

/* The next <Part>...</Part> of a ListParts answer from *p: 1 (and *p moves
 * past it), 0 when there is none left.  A Part without a number, an ETag
 * or a size in digits comes back with number 0. */
int cm_s3xml_next_part(const char **p, const char *end, struct cm_s3xml_part *out);

#endif
