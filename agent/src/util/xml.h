/* The text of an XML element as S3's and EC2's answers write it: the
 * predefined entities (and &#34;) decoded, any other '&' taken as it is.
 * Shared by stream/sinks/s3_xml.c and control/aws_xml.c, which find the
 * element each their own way.  Pure (the input need not be NUL-terminated),
 * fuzzed through both. */
#ifndef CM_UTIL_XML_H
#define CM_UTIL_XML_H

#include <stddef.h>

/* [a, b) decoded into out (NUL-terminated): 0, or -EMSGSIZE when it does
 * not fit or holds a NUL (out is then ""). */
int cm_xml_unescape(const char *a, const char *b, char *out, size_t size);

#endif
