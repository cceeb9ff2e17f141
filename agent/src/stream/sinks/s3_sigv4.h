/* AWS Signature Version 4 (the s3:// sink's request signing).
 *
 * Per the AWS SigV4 documentation ("Create a canonical request", "Create
 * a string to sign", "Calculate the signature"; S3's "Signature
 * Calculations for the Authorization Header"):
 *   canonical request = METHOD \n URI \n QUERY \n name:value\n... \n
 *                       signed;names \n payload-sha256-hex
 *   string to sign    = AWS4-HMAC-SHA256 \n amz-date \n
 *                       YYYYMMDD/region/service/aws4_request \n
 *                       sha256-hex(canonical request)
 *   key               = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, YYYYMMDD),
 *                       region), service), "aws4_request")
 *   Authorization     = AWS4-HMAC-SHA256 Credential=AKID/scope,
 *                       SignedHeaders=..., Signature=hex(HMAC(key, sts))
 * Pure (no I/O, no clock): unit tested with AWS's published examples and
 * compared with botocore's signer on the real requests (run-stream-s3.sh).
 * Hashes and HMAC come from mbedTLS (already linked for TLS). */
#ifndef CM_STREAM_SIGV4_H
#define CM_STREAM_SIGV4_H

#include <stddef.h>

#include "../../util/buf.h"

#define CM_SHA256_HEX	65	/* 64 hex digits and a NUL */
#define CM_AMZ_DATE	17	/* YYYYMMDDTHHMMSSZ and a NUL */
#define CM_SIGV4_AUTH_MAX 512	/* the Authorization header's value */

struct cm_sigv4_key {
	const char *access_key;
	const char *secret_key;
	const char *region;	/* us-east-1 */
	const char *service;	/* s3 */
};

struct cm_sigv4_hdr {
	const char *name;	/* lower case */
	const char *value;	/* leading and trailing blanks are trimmed */
};

struct cm_sigv4_req {
	const char *method;
	const char *uri;		/* canonical: already URI-encoded */
	const char *query;		/* canonical: sorted, encoded, "k=v&k2=" */
	const struct cm_sigv4_hdr *hdrs; /* every header to sign, any order */
	size_t n_hdrs;
	const char *payload_sha256;	/* hex, or UNSIGNED-PAYLOAD */
	const char *amz_date;		/* YYYYMMDDTHHMMSSZ, as sent in x-amz-date */
};

/* The Authorization header's value for q into out (CM_SIGV4_AUTH_MAX).
 * 0, -EINVAL (a bad date, too many headers) or -ENOMEM / -EMSGSIZE. */
int cm_sigv4_authorization(const struct cm_sigv4_key *k, const struct cm_sigv4_req *q,
			   char *out, size_t out_size);

/* The session token of temporary credentials (none when token is NULL or
 * ""): signed -- sh[q->n_hdrs++], sh being the array q->hdrs points to --
 * and sent as "x-amz-security-token: TOKEN", written into line.  line, or
 * NULL when there is no token. */
const char *cm_sigv4_token(struct cm_sigv4_req *q, struct cm_sigv4_hdr *sh,
			   const char *token, char *line, size_t size);

/* "Authorization: <cm_sigv4_authorization>" into line (CM_SIGV4_AUTH_MAX
 * + 16), the last header of a signed request.  0 or its -errno. */
int cm_sigv4_auth_line(const struct cm_sigv4_key *k, const struct cm_sigv4_req *q,
		       char *line, size_t size);

/* S3's URI encoding: unreserved bytes (A-Z a-z 0-9 - . _ ~) as they are,
 * '/' kept when keep_slash, everything else %XX (upper case).  0 or
 * -EMSGSIZE. */
int cm_sigv4_uri_encode(struct cm_buf *out, const char *s, int keep_slash);

/* hex(sha256(p[0..len))) into out (CM_SHA256_HEX). */
void cm_sha256_hex(const void *p, size_t len, char *out);

/* hex of n bytes into out (2n+1 bytes). */
void cm_hex(const unsigned char *p, size_t n, char *out);

/* The x-amz-date of a time_t (UTC) into out (CM_AMZ_DATE). */
void cm_amz_date(long long t, char *out);

#endif
