/* Destination URLs of cloudmove stream (DESIGN.md, cloudmove.dest=):
 *   file:///PATH                        a file or a block device
 *   s3://BUCKET/KEY[?endpoint=..&region=..]
 *   gs://BUCKET/OBJECT
 *   http://HOST[:PORT]/PATH, https://...  (plain PUT; Azure SAS URLs too)
 *   ebs://REGION[?endpoint=..]          a new EBS snapshot; ebs://REGION/snap-ID
 *                                       names one made (launch --image)
 * A pure parser (no I/O; the input need not be NUL-terminated) with a
 * fuzz target: it never reads past len and fails closed on anything odd. */
#ifndef CM_STREAM_URL_H
#define CM_STREAM_URL_H

#include <stddef.h>

#define CM_URL_MAX		4096
#define CM_URL_HOST_MAX		256

enum cm_url_scheme { CM_URL_FILE = 1, CM_URL_S3, CM_URL_GS, CM_URL_HTTP, CM_URL_HTTPS,
		      CM_URL_EBS };

struct cm_url {
	enum cm_url_scheme scheme;
	const char *scheme_name;	/* "file", "s3", ... */
	char host[CM_URL_HOST_MAX];	/* bucket (s3, gs), host[:port] (http),
					 * region (ebs) */
	char path[CM_URL_MAX];		/* file: absolute path, decoded;
					 * s3/gs: key, decoded; http: as given;
					 * ebs: "" or the snapshot id */
	char query[CM_URL_MAX];		/* after '?', as given (no '#') */
	const char *why;		/* on -EINVAL: what is wrong */
};

/* 0, -EINVAL (out->why says why), -EPROTONOSUPPORT (unknown scheme) or
 * -EMSGSIZE (over CM_URL_MAX). */
int cm_url_parse(const char *s, size_t len, struct cm_url *out);

/* Percent-decodes s[0..len) into out (size bytes with the NUL): 0,
 * -EINVAL (a bad or truncated escape, a NUL; *why says which when why is
 * not NULL), -EMSGSIZE.  Pure, fuzzed with the parser. */
int cm_url_decode(const char *s, size_t len, char *out, size_t size, const char **why);

/* The value of parameter name in a query ("a=1&b=2", as struct cm_url
 * keeps it), decoded into out: 1 found, 0 absent, -EINVAL, -EMSGSIZE. */
int cm_url_query_param(const char *query, const char *name, char *out, size_t size);

/* Do a and b (both parsed) name the same object: the same scheme, bucket
 * (s3, gs) or host (http: without case), and key or path (http: compared
 * percent-decoded)?  The query is left out: the resume state never keeps
 * it (an Azure SAS is a secret).  1 or 0.  Pure. */
int cm_url_same_object(const struct cm_url *a, const struct cm_url *b);

#endif
