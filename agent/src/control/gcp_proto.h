/* The gcp control plane's wire formats, as pure functions (fuzzed by
 * agent/fuzz/fuzz_gcp_key.c and fuzz_gce.c), apart from the HTTP in gcp.c:
 *
 * - the service-account key file (JSON: type "service_account",
 *   client_email, private_key PEM, private_key_id, token_uri, project_id),
 *   as `gcloud iam service-accounts keys create` writes it;
 * - the signed JWT that asks the token endpoint for an access token
 *   ("Using OAuth 2.0 for Server to Server Applications", "Preparing to
 *   make an authorized API call",
 *   https://developers.google.com/identity/protocols/oauth2/service-account):
 *   header {"alg":"RS256","typ":"JWT","kid":private_key_id}, claims
 *   {"iss":client_email,"scope":...,"aud":token_uri,"exp":iat+3600,"iat"},
 *   base64url without padding, the signature RSASSA-PKCS1-v1_5 SHA-256;
 * - the token endpoint's answer ({access_token, expires_in, token_type})
 *   and its refusal ({error, error_description}, RFC 6749 5.2);
 * - compute v1's answers (https://cloud.google.com/compute/docs/reference/rest/v1):
 *   the error body {"error": {code, message, errors[{reason,...}], status}},
 *   the Operation resource (status PENDING/RUNNING/DONE, error.errors[]
 *   with code and message when it failed, httpErrorStatusCode), the
 *   MachineType (name, architecture X86_64/ARM64), the SerialPortOutput
 *   (contents, next: the offset to ask from next time). */
#ifndef CM_CONTROL_GCP_PROTO_H
#define CM_CONTROL_GCP_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "../util/buf.h"
#include "control.h"

#define CM_GCP_KEY_FILE_MAX	(64 * 1024)
#define CM_GCP_PEM_MAX		(16 * 1024)	/* an RSA-4096 PKCS#8 PEM is ~3.3 KiB */
#define CM_GCP_JWT_MAX		4096
#define CM_GCP_TOKEN_URI	"https://oauth2.googleapis.com/token"
#define CM_GCP_SCOPE		"https://www.googleapis.com/auth/compute"
#define CM_GCP_JWT_LIFETIME	3600		/* Google's maximum: one hour */

struct cm_gcp_key {
	char client_email[256];
	char private_key_id[128];
	char private_key[CM_GCP_PEM_MAX];	/* PEM, newlines decoded */
	char token_uri[512];			/* CM_GCP_TOKEN_URI when absent */
	char project_id[128];			/* may be "" */
};

/* The key file's bytes: 0, or -EINVAL with *why (static text) naming
 * what is wrong.  Pure. */
int cm_gcp_key_parse(const char *buf, size_t len, struct cm_gcp_key *k,
		     const char **why);
/* Overwrites the private key with zeros. */
void cm_gcp_key_wipe(struct cm_gcp_key *k);

/* Is host (len bytes, from a key file's token_uri) Google's token
 * endpoint, where a signed assertion may go: oauth2.googleapis.com or
 * another *.googleapis.com host, or accounts.google.com (older key
 * files)?  A key file naming any other host would hand out an hour of
 * the account; for cm_api_split_url (control.h). */
int cm_gcp_host_is_token(const char *host, size_t len);

/* base64url of in[0..len) without padding (RFC 7515 2): 0 or -EMSGSIZE. */
int cm_b64url(const void *in, size_t len, char *out, size_t size);

/* The unsigned JWT "header.claims" for k, scope, issued at now: 0 or
 * -EMSGSIZE / -ENOMEM.  Pure. */
int cm_gcp_jwt_unsigned(const struct cm_gcp_key *k, const char *scope,
			int64_t now, char *out, size_t size);
/* The whole signed JWT: 0, -EINVAL (the key is not an RSA private key,
 * *why says so), -EMSGSIZE, -EIO (signing failed). */
int cm_gcp_jwt_sign(const struct cm_gcp_key *k, const char *scope,
		    int64_t now, char *out, size_t size, const char **why);

/* The token endpoint's 200 answer: 0 with the token (its type must be
 * Bearer), -EBADMSG. */
int cm_gcp_token_parse(const char *buf, size_t len, char *token,
		       size_t token_size, long *expires_in);
/* An OAuth2 refusal ({"error", "error_description"}): 0 or -EBADMSG. */
int cm_gcp_oauth_error_parse(const char *buf, size_t len, char *error,
			     size_t error_size, char *desc, size_t desc_size);

struct cm_gce_error {
	long code;		/* the HTTP status it repeats */
	char status[48];	/* "PERMISSION_DENIED", may be "" */
	char reason[64];	/* errors[0].reason: "forbidden", "notFound" */
	char message[512];
};
/* Compute's error body: 0 or -EBADMSG. */
int cm_gce_error_parse(const char *buf, size_t len, struct cm_gce_error *e);

struct cm_gce_op {
	char name[128];
	char status[16];	/* PENDING RUNNING DONE */
	int done;
	char zone[128];		/* last part of its zone URL; "" for global */
	char err_code[64];	/* error.errors[0].code: QUOTA_EXCEEDED ... */
	char err_message[512];
	long http_error;	/* httpErrorStatusCode, 0 when absent */
};
/* An Operation: 0 or -EBADMSG (no name or no status). */
int cm_gce_op_parse(const char *buf, size_t len, struct cm_gce_op *op);

/* A MachineType: name and architecture ("x86_64", "arm64"; "" when the
 * answer has none).  0 or -EBADMSG. */
int cm_gce_machine_type_parse(const char *buf, size_t len, char *name,
			      size_t name_size, char *arch, size_t arch_size);

/* A SerialPortOutput: its contents appended to out, *next set.  0,
 * -EBADMSG, or -EMSGSIZE when out is full. */
int cm_gce_serial_parse(const char *buf, size_t len, struct cm_buf *out,
			uint64_t *next);

/* What machine type type (architecture arch, "x86_64"/"arm64") needs, from
 * its series' row of the table in gcp_proto.c: f's boot_modes, nvme,
 * drivers.  Pure. */
void cm_gce_type_facts(const char *type, const char *arch,
		       struct cm_target_facts *f);

/* gs://BUCKET/OBJECT[?...] → https://storage.googleapis.com/BUCKET/OBJECT
 * (images.insert's rawDisk.source).  0, -EINVAL (not gs://), -EMSGSIZE. */
int cm_gce_raw_source(const char *gs_url, char *out, size_t size);

/* A resource name from base and suffix: lowercase letters, digits and
 * '-', starting with a letter, at most 63 ([a-z]([-a-z0-9]*[a-z0-9])?).
 * Pure; 0 or -EINVAL when nothing is left. */
int cm_gce_name(const char *base, const char *suffix, char *out, size_t size);

/* The last path element of a URL ("https://.../zones/us-central1-a" →
 * "us-central1-a"), into out. */
void cm_gce_basename(const char *url, char *out, size_t size);

#endif
