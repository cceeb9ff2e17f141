/* S3's XML answers, the bits the s3:// sink reads (see s3_xml.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3_xml.h"
#include "../../util/xml.h"

int cm_s3xml_text(const char *p, const char *end, const char *tag, char *out, size_t size)
{
	char open[64], close[64];
	const char *a, *b;
	if (size)
		out[0] = '\0';
	if (!p || end <= p || strlen(tag) > 40 || !size)
		return -ENOENT;
	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	a = memmem(p, (size_t)(end - p), open, strlen(open));
	if (!a)
		return -ENOENT;
	a += strlen(open);
	b = memmem(a, (size_t)(end - a), close, strlen(close));
	if (!b)
		return -ENOENT;
	return cm_xml_unescape(a, b, out, size);
}

static int digits(const char *s)
{
	if (!*s || strlen(s) > 19)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

int cm_s3xml_next_part(const char **p, const char *end, struct cm_s3xml_part *out)
{
	const char *a, *b;
	char num[24], size[24];

	memset(out, 0, sizeof(*out));
	if (!*p || end <= *p)
		return 0;
	a = memmem(*p, (size_t)(end - *p), "<Part>", 6);
	if (!a)
		return 0;
	b = memmem(a + 6, (size_t)(end - a - 6), "</Part>", 7);
	if (!b)
		return 0;
	*p = b + 7;
	if (cm_s3xml_text(a, b + 7, "PartNumber", num, sizeof(num)) ||
	    cm_s3xml_text(a, b + 7, "Size", size, sizeof(size)) ||
	    cm_s3xml_text(a, b + 7, "ETag", out->etag, sizeof(out->etag)) ||
	    !digits(num) || !digits(size) || !out->etag[0]) {
		memset(out, 0, sizeof(*out));
		return 1;
	}
	out->number = strtoul(num, NULL, 10);
	out->size = strtoull(size, NULL, 10);
	return 1;
}
