/* Credentials for the network sinks, only ever from a file (--creds PATH,
 * cloudmove.creds=PATH): never on a command line every user can read, never
 * logged.
 *
 * Format: "name = value" lines; '#' and ';' start comments; [section]
 * lines are ignored, so an AWS shared credentials file (~/.aws/credentials
 * with one [default] profile) works as it is.  Names are case-insensitive;
 * AWS's environment-variable spellings are accepted too:
 *   aws_access_key_id, aws_secret_access_key, aws_session_token  (s3://)
 *   azure_account_name, azure_account_key  (Azure SharedKey; a SAS URL
 *                                           needs no credentials)
 *   gcp_access_token  (gs://: an OAuth2 bearer token, e.g. from
 *                      `gcloud auth print-access-token`)
 *   http_authorization  (http(s):// PUT: the Authorization header's value)
 *   gcp_service_account  (launch on gcp: the path of a service-account key
 *                         file, JSON, whose key signs the token request)
 *   azure_tenant_id, azure_client_id, azure_client_secret  (launch on
 *                         azure: a service principal)
 * Unknown names are ignored (one file may serve several clouds). */
#ifndef CM_STREAM_CREDS_H
#define CM_STREAM_CREDS_H

#include <stddef.h>

#define CM_CREDS_VALUE_MAX	2048

struct cm_creds {
	char aws_access_key_id[128];
	char aws_secret_access_key[128];
	char aws_session_token[CM_CREDS_VALUE_MAX];
	char azure_account_name[64];
	char azure_account_key[128];
	char gcp_access_token[CM_CREDS_VALUE_MAX];
	char http_authorization[CM_CREDS_VALUE_MAX];
	char gcp_service_account[1024];
	char azure_tenant_id[64];
	char azure_client_id[64];
	char azure_client_secret[256];
};

/* Parses a file's bytes: 0 or -EINVAL with *line the 1-based bad line.
 * Pure (no I/O), fuzzed. */
int cm_creds_parse(const char *buf, size_t len, struct cm_creds *c, unsigned *line);

/* Loads path (at most 64 KiB): 0 or -errno, logged without any value.
 * A file that other users can read gets a warning. */
int cm_creds_load(const char *path, struct cm_creds *c);

/* The same, silent: for a look that decides nothing yet (which sink a URL
 * is); the load that follows says what there is to say, once. */
int cm_creds_peek(const char *path, struct cm_creds *c);

/* Overwrites c's secrets with zeros (explicit_bzero) before it is freed. */
void cm_creds_wipe(struct cm_creds *c);

#endif
