/* The gcp control plane's wire formats (see gcp_proto.h). */
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <mbedtls/base64.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/types.h>

#include "../json.h"
#include "gcp_proto.h"

#define ANSWER_MAX	(1024 * 1024)

/* --- what each machine series needs ------------------------------------
 * One row per series (the machine type's name up to its first '-').
 * gve: its only NIC is gVNIC — "Using Google Virtual NIC", the machine
 *   series that support only gVNIC,
 *   https://cloud.google.com/compute/docs/networking/using-gvnic
 * nvme: its disks are attached only as NVMe — "Machine families resource
 *   and comparison guide", disk interface row,
 *   https://cloud.google.com/compute/docs/machine-resource
 * uefi: boots only UEFI images — every Arm series ("Arm VMs on Compute":
 *   Arm images must boot UEFI,
 *   https://cloud.google.com/compute/docs/instances/arm-on-compute);
 *   an ARM64 architecture in the answer says the same for a series not
 *   listed here.
 * Series not listed (e2, n1, n2, n2d, c2, c2d, m1, m2, t2d, a2, g2) take
 * virtio-net or gVNIC, SCSI or NVMe, BIOS or UEFI. */
static const struct gce_series {
	const char *series;
	unsigned gve : 1, nvme : 1, uefi : 1;
} series_table[] = {
	{ "a3", 1, 1, 0 },	{ "a4", 1, 1, 0 },	{ "c3", 1, 1, 0 },
	{ "c3d", 1, 1, 0 },	{ "c4", 1, 1, 0 },	{ "c4a", 1, 1, 1 },
	{ "c4d", 1, 1, 0 },	{ "h3", 1, 1, 0 },	{ "m3", 0, 1, 0 },
	{ "n4", 1, 1, 0 },	{ "n4a", 1, 1, 1 },	{ "n4d", 1, 1, 0 },
	{ "t2a", 0, 1, 1 },	{ "x4", 1, 1, 0 },	{ "z3", 1, 1, 0 },
};

void cm_gce_type_facts(const char *type, const char *arch,
		       struct cm_target_facts *f)
{
	size_t n = strcspn(type, "-"), i;
	int uefi_only = arch && strcmp(arch, "arm64") == 0;
	int gve = 0, nvme = 0;

	for (i = 0; i < sizeof(series_table) / sizeof(series_table[0]); i++) {
		const struct gce_series *s = &series_table[i];

		if (strlen(s->series) == n && strncmp(type, s->series, n) == 0) {
			gve = s->gve;
			nvme = s->nvme;
			uefi_only |= s->uefi;
			break;
		}
	}
	f->boot_modes = uefi_only ? CM_BOOT_UEFI : CM_BOOT_BIOS | CM_BOOT_UEFI;
	f->nvme = nvme;
	snprintf(f->drivers, sizeof(f->drivers), "%s%s%s", gve ? "gve" : "",
		 gve && nvme ? " " : "", nvme ? "nvme" : "");
}

/* --- JSON helpers --------------------------------------------------------- */

static int parse(const char *buf, size_t len, struct json_object **root)
{
	int r = cm_json_parse(buf, len, ANSWER_MAX, root);

	if (r < 0)
		return r == -ENOMEM ? r : -EBADMSG;
	if (!json_object_is_type(*root, json_type_object)) {
		json_object_put(*root);
		*root = NULL;
		return -EBADMSG;
	}
	return 0;
}

/* The text at path, or "" when absent (or not a scalar, or too long). */
static void text(struct json_object *root, const char *path, char *out,
		 size_t size)
{
	if (cm_json_get_text(root, path, out, size) < 0)
		out[0] = '\0';
}

/* The same, required: -EBADMSG when absent or empty. */
static int need(struct json_object *root, const char *path, char *out,
		size_t size)
{
	text(root, path, out, size);
	return out[0] ? 0 : -EBADMSG;
}

/* --- the service-account key file ---------------------------------------- */

int cm_gcp_key_parse(const char *buf, size_t len, struct cm_gcp_key *k,
		     const char **why)
{
	struct json_object *root;
	char type[64];
	int r;

	memset(k, 0, sizeof(*k));
	*why = "not a JSON object";
	if (parse(buf, len, &root) < 0)
		return -EINVAL;
	r = -EINVAL;
	text(root, "type", type, sizeof(type));
	if (strcmp(type, "service_account")) {
		*why = "its \"type\" is not \"service_account\"";
		goto out;
	}
	if (need(root, "client_email", k->client_email, sizeof(k->client_email))) {
		*why = "no client_email";
		goto out;
	}
	if (need(root, "private_key", k->private_key, sizeof(k->private_key)) ||
	    !strstr(k->private_key, "-----BEGIN ")) {
		*why = "no private_key in PEM";
		goto out;
	}
	text(root, "private_key_id", k->private_key_id, sizeof(k->private_key_id));
	text(root, "project_id", k->project_id, sizeof(k->project_id));
	text(root, "token_uri", k->token_uri, sizeof(k->token_uri));
	if (!k->token_uri[0])
		snprintf(k->token_uri, sizeof(k->token_uri), "%s", CM_GCP_TOKEN_URI);
	if (strncmp(k->token_uri, "https://", 8) && strncmp(k->token_uri, "http://", 7)) {
		*why = "its token_uri is not http(s)://";
		goto out;
	}
	if (strpbrk(k->client_email, "\r\n") || strpbrk(k->token_uri, "\r\n \t")) {
		*why = "a line break in client_email or token_uri";
		goto out;
	}
	*why = NULL;
	r = 0;
out:
	json_object_put(root);
	if (r < 0)
		cm_gcp_key_wipe(k);
	return r;
}

int cm_gcp_host_is_token(const char *host, size_t len)
{
	static const char sfx[] = ".googleapis.com", old[] = "accounts.google.com";
	size_t i;

	if (len == sizeof(old) - 1 && !strncasecmp(host, old, len))
		return 1;
	if (len <= sizeof(sfx) - 1 ||
	    strncasecmp(host + len - (sizeof(sfx) - 1), sfx, sizeof(sfx) - 1))
		return 0;
	for (i = 0; i < len - (sizeof(sfx) - 1); i++)
		if (!isalnum((unsigned char)host[i]) && host[i] != '-' && host[i] != '.')
			return 0;
	return 1;
}

void cm_gcp_key_wipe(struct cm_gcp_key *k)
{
	explicit_bzero(k, sizeof(*k));
}

/* --- the JWT -------------------------------------------------------------- */

int cm_b64url(const void *in, size_t len, char *out, size_t size)
{
	size_t n = 0, i, j;

	if (mbedtls_base64_encode((unsigned char *)out, size, &n, in, len) != 0)
		return -EMSGSIZE;
	for (i = j = 0; i < n; i++) {
		if (out[i] == '=')
			continue;
		out[j++] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	}
	out[j] = '\0';
	return 0;
}

/* base64url of a JSON object's plain text, appended to out at *at. */
static int add_b64_json(struct json_object *o, char *out, size_t size, size_t *at)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!s || *at >= size)
		return -ENOMEM;
	if (cm_b64url(s, strlen(s), out + *at, size - *at) < 0)
		return -EMSGSIZE;
	*at += strlen(out + *at);
	return 0;
}

int cm_gcp_jwt_unsigned(const struct cm_gcp_key *k, const char *scope,
			int64_t now, char *out, size_t size)
{
	struct json_object *hdr = json_object_new_object();
	struct json_object *claims = json_object_new_object();
	size_t at = 0;
	int r = -ENOMEM;

	if (!hdr || !claims)
		goto out;
	json_object_object_add(hdr, "alg", json_object_new_string("RS256"));
	json_object_object_add(hdr, "typ", json_object_new_string("JWT"));
	if (k->private_key_id[0])
		json_object_object_add(hdr, "kid", json_object_new_string(k->private_key_id));
	json_object_object_add(claims, "iss", json_object_new_string(k->client_email));
	json_object_object_add(claims, "scope", json_object_new_string(scope));
	json_object_object_add(claims, "aud", json_object_new_string(k->token_uri));
	json_object_object_add(claims, "exp", json_object_new_int64(now + CM_GCP_JWT_LIFETIME));
	json_object_object_add(claims, "iat", json_object_new_int64(now));
	r = add_b64_json(hdr, out, size, &at);
	if (r == 0 && at + 1 >= size)
		r = -EMSGSIZE;
	if (r == 0) {
		out[at++] = '.';
		r = add_b64_json(claims, out, size, &at);
	}
out:
	json_object_put(hdr);
	json_object_put(claims);
	return r;
}

/* mbedTLS's RNG callback: RSA signing uses it for blinding. */
static int rng(void *unused, unsigned char *out, size_t len)
{
	(void)unused;
	while (len) {
		ssize_t n = getrandom(out, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		out += n;
		len -= (size_t)n;
	}
	return 0;
}

int cm_gcp_jwt_sign(const struct cm_gcp_key *k, const char *scope,
		    int64_t now, char *out, size_t size, const char **why)
{
	unsigned char hash[32], sig[1024];
	size_t sig_len = 0, at;
	mbedtls_pk_context pk;
	int r;

	*why = NULL;
	r = cm_gcp_jwt_unsigned(k, scope, now, out, size);
	if (r < 0)
		return r;
	mbedtls_pk_init(&pk);
	if (mbedtls_pk_parse_key(&pk, (const unsigned char *)k->private_key,
				 strlen(k->private_key) + 1, NULL, 0) != 0) {
		*why = "its private_key is not a readable unencrypted PEM key";
		r = -EINVAL;
		goto out;
	}
	if (!mbedtls_pk_can_do(&pk, MBEDTLS_PK_RSA) ||
	    mbedtls_pk_get_len(&pk) > sizeof(sig)) {
		*why = "its private_key is not an RSA key (RS256 needs one)";
		r = -EINVAL;
		goto out;
	}
	at = strlen(out);
	if (mbedtls_sha256_ret((const unsigned char *)out, at, hash, 0) != 0 ||
	    mbedtls_pk_sign(&pk, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig,
			    &sig_len, rng, NULL) != 0) {
		*why = "RSA signing failed";
		r = -EIO;
		goto out;
	}
	if (at + 2 >= size) {
		r = -EMSGSIZE;
		goto out;
	}
	out[at++] = '.';
	r = cm_b64url(sig, sig_len, out + at, size - at);
out:
	mbedtls_pk_free(&pk);
	explicit_bzero(sig, sizeof(sig));
	if (r < 0)
		explicit_bzero(out, size);
	return r;
}

/* --- the token endpoint --------------------------------------------------- */

int cm_gcp_token_parse(const char *buf, size_t len, char *token,
		       size_t token_size, long *expires_in)
{
	struct json_object *root;
	char type[32], exp[32];
	int r;

	token[0] = '\0';
	*expires_in = 0;
	r = parse(buf, len, &root);
	if (r < 0)
		return -EBADMSG;
	r = need(root, "access_token", token, token_size);
	text(root, "token_type", type, sizeof(type));
	text(root, "expires_in", exp, sizeof(exp));
	if (r == 0 && strcasecmp(type, "Bearer"))
		r = -EBADMSG;
	if (r == 0 && strpbrk(token, "\r\n \t"))
		r = -EBADMSG;
	if (r == 0)
		*expires_in = strtol(exp, NULL, 10);
	json_object_put(root);
	if (r < 0)
		explicit_bzero(token, token_size);
	return r;
}

int cm_gcp_oauth_error_parse(const char *buf, size_t len, char *error,
			     size_t error_size, char *desc, size_t desc_size)
{
	struct json_object *root;
	int r;

	error[0] = desc[0] = '\0';
	if (parse(buf, len, &root) < 0)
		return -EBADMSG;
	r = need(root, "error", error, error_size);
	text(root, "error_description", desc, desc_size);
	json_object_put(root);
	return r;
}

/* --- compute's answers ---------------------------------------------------- */

int cm_gce_error_parse(const char *buf, size_t len, struct cm_gce_error *e)
{
	struct json_object *root;
	char code[32];
	int r;

	memset(e, 0, sizeof(*e));
	if (parse(buf, len, &root) < 0)
		return -EBADMSG;
	r = need(root, "error.message", e->message, sizeof(e->message));
	text(root, "error.code", code, sizeof(code));
	text(root, "error.status", e->status, sizeof(e->status));
	text(root, "error.errors.0.reason", e->reason, sizeof(e->reason));
	e->code = strtol(code, NULL, 10);
	json_object_put(root);
	return r;
}

void cm_gce_basename(const char *url, char *out, size_t size)
{
	const char *slash = strrchr(url, '/');

	snprintf(out, size, "%s", slash ? slash + 1 : url);
}

int cm_gce_op_parse(const char *buf, size_t len, struct cm_gce_op *op)
{
	struct json_object *root;
	char zone[512], http[32];
	int r;

	memset(op, 0, sizeof(*op));
	if (parse(buf, len, &root) < 0)
		return -EBADMSG;
	r = need(root, "name", op->name, sizeof(op->name));
	if (r == 0)
		r = need(root, "status", op->status, sizeof(op->status));
	if (r == 0 && strcmp(op->status, "PENDING") && strcmp(op->status, "RUNNING") &&
	    strcmp(op->status, "DONE"))
		r = -EBADMSG;
	op->done = r == 0 && strcmp(op->status, "DONE") == 0;
	text(root, "zone", zone, sizeof(zone));
	cm_gce_basename(zone, op->zone, sizeof(op->zone));
	text(root, "error.errors.0.code", op->err_code, sizeof(op->err_code));
	text(root, "error.errors.0.message", op->err_message, sizeof(op->err_message));
	if (!op->err_code[0] && !op->err_message[0] &&
	    json_object_object_get_ex(root, "error", NULL))
		snprintf(op->err_code, sizeof(op->err_code), "UNKNOWN");
	text(root, "httpErrorStatusCode", http, sizeof(http));
	op->http_error = strtol(http, NULL, 10);
	json_object_put(root);
	return r;
}

int cm_gce_machine_type_parse(const char *buf, size_t len, char *name,
			      size_t name_size, char *arch, size_t arch_size)
{
	struct json_object *root;
	char a[32];
	int r;

	name[0] = arch[0] = '\0';
	if (parse(buf, len, &root) < 0)
		return -EBADMSG;
	r = need(root, "name", name, name_size);
	text(root, "architecture", a, sizeof(a));
	json_object_put(root);
	if (r < 0)
		return r;
	/* the Architecture enum: ARCHITECTURE_UNSPECIFIED, ARM64, X86_64 */
	if (strcmp(a, "X86_64") == 0)
		snprintf(arch, arch_size, "x86_64");
	else if (strcmp(a, "ARM64") == 0)
		snprintf(arch, arch_size, "arm64");
	return 0;
}

int cm_gce_serial_parse(const char *buf, size_t len, struct cm_buf *out,
			uint64_t *next)
{
	struct json_object *root, *contents;
	char n[32];
	char *end;
	int r = -EBADMSG;

	if (parse(buf, len, &root) < 0)
		return -EBADMSG;
	text(root, "next", n, sizeof(n));
	errno = 0;
	*next = strtoull(n, &end, 10);
	if (!n[0] || *end || errno || n[0] == '-')
		goto out;
	/* contents may be absent when there is nothing new */
	if (json_object_object_get_ex(root, "contents", &contents)) {
		if (!json_object_is_type(contents, json_type_string))
			goto out;
		r = cm_buf_add(out, json_object_get_string(contents),
			       (size_t)json_object_get_string_len(contents));
		if (r < 0)
			goto out;
	}
	r = 0;
out:
	json_object_put(root);
	return r;
}

/* --- names and URLs ------------------------------------------------------- */

int cm_gce_raw_source(const char *gs_url, char *out, size_t size)
{
	size_t n;
	const char *p;
	int w;

	if (strncmp(gs_url, "gs://", 5))
		return -EINVAL;
	p = gs_url + 5;
	n = strcspn(p, "?#");
	if (!n || !memchr(p, '/', n) || p[0] == '/' || p[n - 1] == '/')
		return -EINVAL;
	w = snprintf(out, size, "https://storage.googleapis.com/%.*s", (int)n, p);
	return w < 0 || (size_t)w >= size ? -EMSGSIZE : 0;
}

/* s lowercased, every run of other characters one '-', into out (at
 * most cap characters), no leading non-letter. */
static size_t sanitize(const char *s, char *out, size_t cap, int first)
{
	size_t n = 0;

	for (; s && *s && n < cap; s++) {
		char c = (char)tolower((unsigned char)*s);

		if (!isalnum((unsigned char)c))
			c = '-';
		if (first && n == 0 && !isalpha((unsigned char)c))
			continue;
		if (c == '-' && (n == 0 || out[n - 1] == '-'))
			continue;
		out[n++] = c;
	}
	return n;
}

int cm_gce_name(const char *base, const char *suffix, char *out, size_t size)
{
	char b[64], x[64];
	size_t nb, nx, cap = size ? size - 1 : 0;

	if (cap > 63)
		cap = 63;
	nx = sanitize(suffix, x, sizeof(x) - 1, 0);
	while (nx && x[nx - 1] == '-')
		nx--;
	if (nx + 2 > cap)
		nx = 0;
	nb = sanitize(base, b, nx ? cap - nx - 1 : cap, 1);
	while (nb && b[nb - 1] == '-')
		nb--;
	if (!nb)
		return -EINVAL;
	if (nx)
		snprintf(out, size, "%.*s-%.*s", (int)nb, b, (int)nx, x);
	else
		snprintf(out, size, "%.*s", (int)nb, b);
	return 0;
}
