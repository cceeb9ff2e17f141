/* control/gcp_proto.c: the service-account key file, the RS256 JWT (signed
 * here, checked by python3-cryptography with a key openssl makes at test
 * time: no private key is kept in the tree), the token and compute answers,
 * the series table, names and URLs. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/control/control.h"
#include "../../src/control/gcp_proto.h"
#include "test.h"

static const char key_json[] =
	"{\"type\": \"service_account\", \"project_id\": \"p1\","
	" \"private_key_id\": \"abc123\","
	" \"private_key\": \"-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----\\n\","
	" \"client_email\": \"sa@p1.iam.gserviceaccount.com\","
	" \"token_uri\": \"https://oauth2.googleapis.com/token\"}";

TEST(gcp_key_parse_reads_the_fields)
{
	struct cm_gcp_key k;
	const char *why = "x";

	CHECK_INT(cm_gcp_key_parse(key_json, strlen(key_json), &k, &why), 0);
	CHECK(why == NULL);
	CHECK_STR(k.client_email, "sa@p1.iam.gserviceaccount.com");
	CHECK_STR(k.private_key_id, "abc123");
	CHECK_STR(k.project_id, "p1");
	CHECK_STR(k.token_uri, "https://oauth2.googleapis.com/token");
	/* the JSON escapes are PEM's line breaks */
	CHECK(strstr(k.private_key, "KEY-----\nAAAA\n") != NULL);
}

TEST(gcp_key_parse_refuses_what_is_not_a_service_account_key)
{
	static const char *const bad[] = {
		"",
		"[]",
		"{\"type\": \"authorized_user\", \"client_email\": \"a\", \"private_key\": \"-----BEGIN X\"}",
		"{\"type\": \"service_account\", \"private_key\": \"-----BEGIN X\"}",
		"{\"type\": \"service_account\", \"client_email\": \"a\", \"private_key\": \"nope\"}",
		"{\"type\": \"service_account\", \"client_email\": \"a\", \"private_key\": \"-----BEGIN X\","
		" \"token_uri\": \"ftp://x/token\"}",
		"{\"type\": \"service_account\", \"client_email\": \"a\\r\\nX: y\", \"private_key\": \"-----BEGIN X\"}",
	};
	struct cm_gcp_key k;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		CHECK_INT(cm_gcp_key_parse(bad[i], strlen(bad[i]), &k, &why), -EINVAL);
		CHECK(why != NULL);
		CHECK_STR(k.private_key, "");	/* wiped */
	}
}

TEST(gcp_key_parse_defaults_the_token_uri)
{
	static const char j[] = "{\"type\": \"service_account\", \"client_email\": \"a@b\","
				" \"private_key\": \"-----BEGIN PRIVATE KEY-----\"}";
	struct cm_gcp_key k;
	const char *why;

	CHECK_INT(cm_gcp_key_parse(j, strlen(j), &k, &why), 0);
	CHECK_STR(k.token_uri, CM_GCP_TOKEN_URI);
	CHECK_STR(k.project_id, "");
}

/* A key file's token_uri decides where a signed assertion (an hour of
 * the account) is sent: only Google's token endpoint takes it. */
TEST(gcp_token_uri_only_googles)
{
	char base[128];
	const char *path;

	CHECK_INT(cm_api_split_url("https://oauth2.googleapis.com/token", cm_gcp_host_is_token,
				   base, sizeof(base), &path), 0);
	CHECK(strcmp(base, "https://oauth2.googleapis.com") == 0 && strcmp(path, "/token") == 0);
	CHECK_INT(cm_api_split_url("https://accounts.google.com/o/oauth2/token",
				   cm_gcp_host_is_token, base, sizeof(base), &path), 0);
	CHECK_INT(cm_api_split_url("https://evil.example/token", cm_gcp_host_is_token,
				   base, sizeof(base), &path), -EINVAL);
	CHECK_INT(cm_api_split_url("https://oauth2.googleapis.com.evil.example/token",
				   cm_gcp_host_is_token, base, sizeof(base), &path), -EINVAL);
	CHECK_INT(cm_api_split_url("https://x@oauth2.googleapis.com/token", cm_gcp_host_is_token,
				   base, sizeof(base), &path), -EINVAL);
	CHECK_INT(cm_api_split_url("http://oauth2.googleapis.com/token", cm_gcp_host_is_token,
				   base, sizeof(base), &path), -EINVAL);
	CHECK_INT(cm_api_split_url("https://oauth2.googleapis.com/tok\r\nX: y",
				   cm_gcp_host_is_token, base, sizeof(base), &path), -EINVAL);
	CHECK_INT(cm_api_split_url("https://oauth2.googleapis.com", cm_gcp_host_is_token,
				   base, sizeof(base), &path), -EINVAL);
}

TEST(b64url_has_no_padding_and_the_url_alphabet)
{
	char out[16];

	CHECK_INT(cm_b64url("", 0, out, sizeof(out)), 0);
	CHECK_STR(out, "");
	CHECK_INT(cm_b64url("f", 1, out, sizeof(out)), 0);
	CHECK_STR(out, "Zg");
	CHECK_INT(cm_b64url("\xfb\xff", 2, out, sizeof(out)), 0);
	CHECK_STR(out, "-_8");
	CHECK_INT(cm_b64url("0123456789abcdef", 16, out, sizeof(out)), -EMSGSIZE);
}

/* base64url text → JSON object (the test's own decoder, by hand). */
static struct json_object *b64_json(const char *s, size_t n)
{
	static const char abc[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char out[2048];
	unsigned v = 0;
	size_t i, o = 0;
	int bits = 0;

	for (i = 0; i < n && o < sizeof(out) - 1; i++) {
		const char *p = strchr(abc, s[i]);

		if (!p || !s[i])
			return NULL;
		v = v << 6 | (unsigned)(p - abc);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(v >> bits & 0xff);
		}
	}
	out[o] = '\0';
	return json_tokener_parse(out);
}

static const char *field(struct json_object *o, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(o, name, &v) ? json_object_get_string(v) : "";
}

TEST(gcp_jwt_unsigned_has_googles_header_and_claims)
{
	struct cm_gcp_key k;
	struct json_object *h, *c;
	char jwt[CM_GCP_JWT_MAX];
	const char *why, *dot;

	CHECK_INT(cm_gcp_key_parse(key_json, strlen(key_json), &k, &why), 0);
	CHECK_INT(cm_gcp_jwt_unsigned(&k, CM_GCP_SCOPE, 1700000000, jwt, sizeof(jwt)), 0);
	dot = strchr(jwt, '.');
	CHECK(dot && !strchr(dot + 1, '.') && !strchr(jwt, '='));
	h = b64_json(jwt, (size_t)(dot - jwt));
	c = b64_json(dot + 1, strlen(dot + 1));
	CHECK(h && c);
	CHECK_STR(field(h, "alg"), "RS256");
	CHECK_STR(field(h, "typ"), "JWT");
	CHECK_STR(field(h, "kid"), "abc123");
	CHECK_STR(field(c, "iss"), "sa@p1.iam.gserviceaccount.com");
	CHECK_STR(field(c, "scope"), "https://www.googleapis.com/auth/compute");
	CHECK_STR(field(c, "aud"), "https://oauth2.googleapis.com/token");
	CHECK_STR(field(c, "iat"), "1700000000");
	CHECK_STR(field(c, "exp"), "1700003600");
	json_object_put(h);
	json_object_put(c);
}

/* A key file around the PEM in tmpdir/rel. */
static int key_from_pem(const char *rel, struct cm_gcp_key *k)
{
	char path[512], pem[8192];
	struct json_object *o;
	const char *why, *s;
	size_t n;
	FILE *f;
	int r;

	snprintf(path, sizeof(path), "%s/%s", cm_test_tmpdir(), rel);
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	n = fread(pem, 1, sizeof(pem) - 1, f);
	fclose(f);
	pem[n] = '\0';
	o = json_object_new_object();
	json_object_object_add(o, "type", json_object_new_string("service_account"));
	json_object_object_add(o, "client_email", json_object_new_string("t@p.iam.gserviceaccount.com"));
	json_object_object_add(o, "private_key", json_object_new_string(pem));
	s = json_object_to_json_string(o);
	r = cm_gcp_key_parse(s, strlen(s), k, &why);
	json_object_put(o);
	return r;
}

/* A key of openssl's making in tmpdir/name ("RSA" 2048 bits, or "EC"). */
static int genkey(const char *alg, const char *name)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "openssl genpkey -algorithm %s -pkeyopt %s -out %s/%s "
		 "2>/dev/null", alg, strcmp(alg, "RSA") ? "ec_paramgen_curve:P-256" :
		 "rsa_keygen_bits:2048", cm_test_tmpdir(), name);
	return system(cmd);
}

/* python3-cryptography's verdict on tmpdir/jwt signed by tmpdir/key.pem. */
static int python_verifies(void)
{
	static const char py[] =
		"import base64,json\n"
		"from cryptography.hazmat.primitives import hashes, serialization\n"
		"from cryptography.hazmat.primitives.asymmetric import padding\n"
		"d = lambda s: base64.urlsafe_b64decode(s + \"=\" * (-len(s) % 4))\n"
		"k = serialization.load_pem_private_key(open(\"key.pem\", \"rb\").read(), None)\n"
		"h, c, s = open(\"jwt\").read().split(\".\")\n"
		"k.public_key().verify(d(s), (h + \".\" + c).encode(), padding.PKCS1v15(), hashes.SHA256())\n"
		"cl = json.loads(d(c))\n"
		"assert json.loads(d(h))[\"alg\"] == \"RS256\"\n"
		"assert cl[\"iss\"] == \"t@p.iam.gserviceaccount.com\" and cl[\"exp\"] - cl[\"iat\"] == 3600\n";
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "cd %s && python3 -c '%s' 2>/dev/null", cm_test_tmpdir(), py);
	return system(cmd);
}

TEST(gcp_jwt_sign_rs256_verifies_with_python_cryptography)
{
	struct cm_gcp_key k;
	char jwt[CM_GCP_JWT_MAX];
	const char *why = NULL;

	CHECK_INT(genkey("RSA", "key.pem"), 0);
	CHECK_INT(key_from_pem("key.pem", &k), 0);
	CHECK_INT(cm_gcp_jwt_sign(&k, CM_GCP_SCOPE, 1700000000, jwt, sizeof(jwt), &why), 0);
	cm_test_write_str("jwt", jwt);
	CHECK_INT(python_verifies(), 0);
	/* one character off in the signed part: python refuses it (the check
	 * checks) */
	jwt[10] = jwt[10] == 'A' ? 'B' : 'A';
	cm_test_write_str("jwt", jwt);
	CHECK(python_verifies() != 0);
	cm_gcp_key_wipe(&k);
}

TEST(gcp_jwt_sign_refuses_a_key_that_is_not_rsa)
{
	struct cm_gcp_key k;
	char jwt[CM_GCP_JWT_MAX];
	const char *why = NULL;

	CHECK_INT(genkey("EC", "ec.pem"), 0);
	CHECK_INT(key_from_pem("ec.pem", &k), 0);
	CHECK_INT(cm_gcp_jwt_sign(&k, CM_GCP_SCOPE, 1, jwt, sizeof(jwt), &why), -EINVAL);
	CHECK(why && strstr(why, "not an RSA key"));
	CHECK_STR(jwt, "");
	CHECK_INT(cm_gcp_key_parse(key_json, strlen(key_json), &k, &why), 0);
	CHECK_INT(cm_gcp_jwt_sign(&k, CM_GCP_SCOPE, 1, jwt, sizeof(jwt), &why), -EINVAL);
	CHECK(why && strstr(why, "PEM"));
}

TEST(gcp_token_answers)
{
	static const char ok[] = "{\"access_token\": \"ya29.c.abc\", \"expires_in\": 3599,"
				 " \"token_type\": \"Bearer\"}";
	static const char mac[] = "{\"access_token\": \"x\", \"token_type\": \"mac\"}";
	static const char ref[] = "{\"error\": \"invalid_grant\","
				  " \"error_description\": \"Invalid JWT Signature.\"}";
	char tok[64], e[32], d[64];
	long exp;

	CHECK_INT(cm_gcp_token_parse(ok, strlen(ok), tok, sizeof(tok), &exp), 0);
	CHECK_STR(tok, "ya29.c.abc");
	CHECK_INT(exp, 3599);
	CHECK_INT(cm_gcp_token_parse(mac, strlen(mac), tok, sizeof(tok), &exp), -EBADMSG);
	CHECK_STR(tok, "");
	CHECK_INT(cm_gcp_token_parse(ref, strlen(ref), tok, sizeof(tok), &exp), -EBADMSG);
	CHECK_INT(cm_gcp_oauth_error_parse(ref, strlen(ref), e, sizeof(e), d, sizeof(d)), 0);
	CHECK_STR(e, "invalid_grant");
	CHECK_STR(d, "Invalid JWT Signature.");
	CHECK_INT(cm_gcp_oauth_error_parse(ok, strlen(ok), e, sizeof(e), d, sizeof(d)), -EBADMSG);
}

TEST(gce_error_body)
{
	static const char j[] =
		"{\"error\": {\"code\": 403, \"message\": \"Required 'compute.instances.stop' "
		"permission for 'projects/p/zones/z/instances/i'\", \"errors\": [{\"message\": "
		"\"x\", \"domain\": \"global\", \"reason\": \"forbidden\"}], \"status\": "
		"\"PERMISSION_DENIED\"}}";
	struct cm_gce_error e;

	CHECK_INT(cm_gce_error_parse(j, strlen(j), &e), 0);
	CHECK_INT(e.code, 403);
	CHECK_STR(e.status, "PERMISSION_DENIED");
	CHECK_STR(e.reason, "forbidden");
	CHECK(strncmp(e.message, "Required 'compute.instances.stop'", 33) == 0);
	CHECK_INT(cm_gce_error_parse("{}", 2, &e), -EBADMSG);
}

TEST(gce_operations)
{
	static const char pending[] =
		"{\"kind\": \"compute#operation\", \"name\": \"operation-1-a\", \"status\": \"PENDING\","
		" \"zone\": \"https://www.googleapis.com/compute/v1/projects/p/zones/europe-west1-b\"}";
	static const char failed[] =
		"{\"name\": \"operation-2\", \"status\": \"DONE\", \"error\": {\"errors\": [{\"code\":"
		" \"QUOTA_EXCEEDED\", \"message\": \"Quota 'CPUS' exceeded.\"}]},"
		" \"httpErrorStatusCode\": 403}";
	static const char odd[] = "{\"name\": \"operation-3\", \"status\": \"ABORTING\"}";
	struct cm_gce_op op;

	CHECK_INT(cm_gce_op_parse(pending, strlen(pending), &op), 0);
	CHECK_STR(op.name, "operation-1-a");
	CHECK_INT(op.done, 0);
	CHECK_STR(op.zone, "europe-west1-b");
	CHECK_STR(op.err_code, "");
	CHECK_INT(cm_gce_op_parse(failed, strlen(failed), &op), 0);
	CHECK_INT(op.done, 1);
	CHECK_STR(op.zone, "");
	CHECK_STR(op.err_code, "QUOTA_EXCEEDED");
	CHECK_STR(op.err_message, "Quota 'CPUS' exceeded.");
	CHECK_INT(op.http_error, 403);
	CHECK_INT(cm_gce_op_parse(odd, strlen(odd), &op), -EBADMSG);
}

TEST(gce_machine_type_and_series_facts)
{
	static const char arm[] = "{\"name\": \"t2a-standard-1\", \"architecture\": \"ARM64\"}";
	static const char x86[] = "{\"name\": \"c3-standard-4\", \"architecture\": \"X86_64\"}";
	struct cm_target_facts f;
	char name[64], arch[16];

	memset(&f, 0, sizeof(f));
	CHECK_INT(cm_gce_machine_type_parse(arm, strlen(arm), name, sizeof(name), arch,
					    sizeof(arch)), 0);
	CHECK_STR(name, "t2a-standard-1");
	CHECK_STR(arch, "arm64");
	cm_gce_type_facts(name, arch, &f);
	CHECK_INT(f.boot_modes, CM_BOOT_UEFI);
	CHECK_INT(f.nvme, 1);
	CHECK_STR(f.drivers, "nvme");
	CHECK_INT(cm_gce_machine_type_parse(x86, strlen(x86), name, sizeof(name), arch,
					    sizeof(arch)), 0);
	CHECK_STR(arch, "x86_64");
	cm_gce_type_facts(name, arch, &f);
	CHECK_INT(f.boot_modes, CM_BOOT_BIOS | CM_BOOT_UEFI);
	CHECK_STR(f.drivers, "gve nvme");
	cm_gce_type_facts("e2-small", "x86_64", &f);
	CHECK_INT(f.boot_modes, CM_BOOT_BIOS | CM_BOOT_UEFI);
	CHECK_INT(f.nvme, 0);
	CHECK_STR(f.drivers, "");
	/* a series the table does not know, answered ARM64: UEFI only */
	cm_gce_type_facts("z9a-standard-2", "arm64", &f);
	CHECK_INT(f.boot_modes, CM_BOOT_UEFI);
	/* "c3d" is not "c3" */
	cm_gce_type_facts("c3d-standard-4", "x86_64", &f);
	CHECK_STR(f.drivers, "gve nvme");
	cm_gce_type_facts("c-standard", "x86_64", &f);
	CHECK_STR(f.drivers, "");
}

TEST(gce_serial_port_output)
{
	static const char j[] = "{\"kind\": \"compute#serialPortOutput\", \"contents\":"
				" \"boot\\ncloudmove: arrived\\n\", \"start\": \"0\", \"next\": \"24\"}";
	static const char none[] = "{\"start\": \"24\", \"next\": \"24\"}";
	static const char neg[] = "{\"contents\": \"\", \"next\": \"-1\"}";
	struct cm_buf b;
	uint64_t next = 0;

	cm_buf_init(&b, 1024);
	CHECK_INT(cm_gce_serial_parse(j, strlen(j), &b, &next), 0);
	CHECK_INT(next, 24);
	CHECK(b.len == 24 && strstr(b.data, "arrived\n"));
	CHECK_INT(cm_gce_serial_parse(none, strlen(none), &b, &next), 0);
	CHECK_INT(b.len, 24);
	CHECK_INT(cm_gce_serial_parse(neg, strlen(neg), &b, &next), -EBADMSG);
	cm_buf_free(&b);
}

TEST(gce_raw_source_and_names)
{
	char out[128];

	CHECK_INT(cm_gce_raw_source("gs://bkt/dir/disk.tar.gz?endpoint=http://127.0.0.1:9",
				    out, sizeof(out)), 0);
	CHECK_STR(out, "https://storage.googleapis.com/bkt/dir/disk.tar.gz");
	CHECK_INT(cm_gce_raw_source("s3://bkt/x", out, sizeof(out)), -EINVAL);
	CHECK_INT(cm_gce_raw_source("gs://bkt", out, sizeof(out)), -EINVAL);
	CHECK_INT(cm_gce_raw_source("gs://bkt/", out, sizeof(out)), -EINVAL);
	CHECK_INT(cm_gce_raw_source("gs://b/o", out, 20), -EMSGSIZE);

	CHECK_INT(cm_gce_name("My VM_1", "1700000000", out, sizeof(out)), 0);
	CHECK_STR(out, "my-vm-1-1700000000");
	CHECK_INT(cm_gce_name("web-1", NULL, out, sizeof(out)), 0);
	CHECK_STR(out, "web-1");
	CHECK_INT(cm_gce_name("9--", "x", out, sizeof(out)), -EINVAL);
	CHECK_INT(cm_gce_name("a-very-long-name-that-goes-on-and-on-and-on-and-on-and-on-forever",
			      "1700000000", out, sizeof(out)), 0);
	CHECK_INT(strlen(out) <= 63, 1);
	CHECK(strstr(out, "-1700000000") && out[strlen(out) - 1] == '0');
	cm_gce_basename("https://x/projects/1/zones/us-east1-b", out, sizeof(out));
	CHECK_STR(out, "us-east1-b");
}
