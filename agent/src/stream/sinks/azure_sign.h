/* Azure Blob Storage request authorization for the page blob sink
 * (sinks/azure.c): which URLs are Azure ones, where the account name is,
 * and the Shared Key signature.  Pure (no I/O) but for the HMAC, so it is
 * unit tested against signatures azurite accepts.
 *
 * Shared Key (Blob service, version 2009-09-19 and later), from
 * https://learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key:
 *   StringToSign = VERB \n Content-Encoding \n Content-Language \n
 *                  Content-Length (empty when 0) \n Content-MD5 \n
 *                  Content-Type \n Date \n If-Modified-Since \n If-Match \n
 *                  If-None-Match \n If-Unmodified-Since \n Range \n
 *                  CanonicalizedHeaders CanonicalizedResource
 *   CanonicalizedHeaders: every x-ms- header, name lowercased, sorted,
 *                  "name:value\n";
 *   CanonicalizedResource: "/" account URI-path, then "\nname:value" for
 *                  each query parameter, names lowercased and sorted.
 *   Authorization: SharedKey account:Base64(HMAC-SHA256(key, StringToSign))
 *                  with key the Base64-decoded account key.
 * For the emulator's path-style URLs (http://127.0.0.1:10000/ACCOUNT/C/B)
 * the URI path holds the account again: "/ACCOUNT/ACCOUNT/C/B" (azurite's
 * BlobSharedKeyAuthenticator signs exactly that). */
#ifndef CM_STREAM_SINKS_AZURE_SIGN_H
#define CM_STREAM_SINKS_AZURE_SIGN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../../util/buf.h"
#include "../url.h"

#define CM_AZURE_ACCOUNT_MAX	64	/* names are 3-24 chars [a-z0-9] */
#define CM_AZURE_KEY_MAX	96	/* decoded account keys are 64 bytes */
#define CM_AZURE_SIG_MAX	64	/* Base64 of a SHA-256 */

/* Does the host (maybe with :port) end in ".blob.core.windows.net"? */
int cm_azure_host_is_blob(const char *host);
/* Does the query carry a SAS (both sig= and sv= parameters)? */
int cm_azure_query_is_sas(const char *query);

/* The account a URL names: the first label of ACCOUNT.blob.core.windows.net,
 * else (path-style, the emulator's form) the first path segment.  Checks
 * that a container and a blob name follow.  0 or -EINVAL. */
int cm_azure_url_account(const struct cm_url *url, char *out, size_t out_size);

/* One request to sign.  x_ms: the request's "x-ms-name: value" headers
 * (NULL-terminated, at most 16); comp: the comp= query parameter or NULL
 * (the sink's requests carry no other). */
struct cm_azure_req {
	const char *method;
	uint64_t content_length;
	const char *content_md5;	/* or NULL */
	const char *const *x_ms;
	const char *account;
	const char *path;		/* the URI path as sent, from "/" */
	const char *comp;
};

/* The StringToSign of q into out: 0, -EINVAL (a malformed or too many
 * x-ms headers) or -EMSGSIZE. */
int cm_azure_string_to_sign(const struct cm_azure_req *q, struct cm_buf *out);

/* "SharedKey account:signature" of q with the decoded key into out.
 * 0 or -errno. */
int cm_azure_authorization(const struct cm_azure_req *q, const unsigned char *key,
			   size_t key_len, char *out, size_t out_size);

/* Decodes a Base64 account key: 0 or -EINVAL. */
int cm_azure_key_decode(const char *b64, unsigned char *key, size_t *key_len);

/* The RFC 1123 date of t ("Sun, 06 Nov 1994 08:49:37 GMT"), whatever the
 * locale: 0 or -EMSGSIZE. */
int cm_azure_date(time_t t, char *out, size_t out_size);

/* Base64 of the MD5 of buf (Content-MD5) into out (>= 25 bytes). */
int cm_azure_md5_b64(const void *buf, size_t len, char *out, size_t out_size);

#endif
