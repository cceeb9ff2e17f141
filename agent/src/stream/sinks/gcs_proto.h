/* The pure parts of the gs:// sink (sinks/gcs.c): what it reads from a
 * Cloud Storage server's answers and what it keeps in the resume state.
 * No I/O; every input is bounded and may be any bytes (fuzz_gcs.c).
 *
 * Protocol: the JSON API resumable upload, as documented in "Perform
 * resumable uploads" (https://cloud.google.com/storage/docs/performing-
 * resumable-uploads) and "Resumable uploads" (https://cloud.google.com/
 * storage/docs/resumable-uploads); see gcs.c for the exchange. */
#ifndef CM_STREAM_GCS_PROTO_H
#define CM_STREAM_GCS_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define CM_GCS_ENDPOINT		"https://storage.googleapis.com"
#define CM_GCS_CRC_B64_MAX	16	/* 4 bytes in base64: 8 chars */

/* A 308 Resume Incomplete's Range header value, "bytes=0-N": the server
 * holds bytes 0..N, so *held = N + 1.  The docs: "If you received a 308
 * response without a Range header, Cloud Storage has not persisted any
 * bytes" -- the caller passes that case as held 0 without calling this.
 * 0, or -EINVAL for anything but bytes=0-N with N a decimal < 2^63. */
int cm_gcs_range_parse(const char *v, size_t len, uint64_t *held);

/* The final 200/201's object resource (JSON): its "size" (a decimal
 * string in the JSON API) and "crc32c" (base64; "" when absent).
 * 0, -EBADMSG (not JSON, no size, size not a number). */
int cm_gcs_object_parse(const char *body, size_t len, uint64_t *size,
			char *crc32c, size_t crc_size);

/* The final object resource's "bucket" and "name" (both must be there):
 * which object the upload made.  0, -EBADMSG (not JSON, one absent or
 * too long for its buffer). */
int cm_gcs_object_id(const char *body, size_t len, char *bucket, size_t bucket_size,
		     char *name, size_t name_size);

/* Is a session path (as cm_gcs_location_path() kept it) one of an upload
 * to bucket/name?  The JSON API's session URIs are the initiation's URL
 * plus upload_id: "/upload/storage/v1/b/BUCKET/o?uploadType=resumable&
 * name=NAME&upload_id=ID".  1 yes (bucket the same, name= the same or
 * absent), 0 no.  It is a first check: the server goes by upload_id, and
 * the object resource at the end says what was made. */
int cm_gcs_session_is_for(const char *path, const char *bucket, const char *name);

/* The objects resource's crc32c form of crc: base64 of its 4 bytes in
 * big-endian order ("CRC32c checksum, as described in RFC 4960, Appendix
 * B; encoded using base64 in big-endian byte order"). */
void cm_gcs_crc32c_b64(uint32_t crc, char out[CM_GCS_CRC_B64_MAX]);

/* The resume state's session line: "crc32c=XXXXXXXX@N PATH" (the CRC-32C
 * of the object's first N bytes, or "crc32c=-" when not known) and the
 * session URI's path and query relative to the endpoint (the endpoint
 * comes from the dest URL again, so a resume may go another way to the
 * same server).  format: 0 or -EMSGSIZE.  parse: 0 or -EINVAL; *crc_known
 * says whether *crc and *crc_end mean anything. */
int cm_gcs_session_format(char *out, size_t size, int crc_known, uint32_t crc,
			  uint64_t crc_end, const char *path);
int cm_gcs_session_parse(const char *s, size_t len, int *crc_known, uint32_t *crc,
			 uint64_t *crc_end, char *path, size_t path_size);

/* The Location of a new session, which must be on the endpoint we trust
 * with the bearer token (scheme, host and port the same, compared without
 * case): its path and query into out.  0, -EPROTO (elsewhere or not a
 * path), -EMSGSIZE. */
int cm_gcs_location_path(const char *location, const char *endpoint, char *out,
			 size_t size);

/* The dest URL's query: "" or "endpoint=http(s)://HOST[:PORT]" (value
 * percent-decoded, a trailing '/' dropped) into out, CM_GCS_ENDPOINT when
 * absent.  0, -EINVAL (*why), -EMSGSIZE. */
int cm_gcs_endpoint(const char *query, char *out, size_t size, const char **why);

/* An object name as a query value: every byte but A-Z a-z 0-9 - . _ ~
 * percent-encoded.  0 or -EMSGSIZE. */
int cm_gcs_name_encode(const char *name, char *out, size_t size);

#endif
