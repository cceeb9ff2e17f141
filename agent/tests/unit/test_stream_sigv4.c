/* SigV4 against AWS's published examples: the four S3 requests of "Signature
 * Calculations for the Authorization Header: Transferring Payload in a
 * Single Chunk" (AmazonS3/latest/API/sig-v4-header-based-auth.html; key
 * AKIAIOSFODNN7EXAMPLE) and "get-vanilla" of the SigV4 test suite
 * (aws-sig-v4-test-suite, key AKIDEXAMPLE, service "service"). */
#include <errno.h>
#include <stdlib.h>

#include "stream/sinks/s3_sigv4.h"
#include "util/sha256.h"
#include "test.h"

#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static const struct cm_sigv4_key s3_example = {
	.access_key = "AKIAIOSFODNN7EXAMPLE",
	.secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
	.region = "us-east-1",
	.service = "s3",
};

TEST(sigv4_s3_get_object)
{
	const struct cm_sigv4_hdr h[] = {
		{ "x-amz-date", "20130524T000000Z" },
		{ "range", "bytes=0-9" },
		{ "host", "examplebucket.s3.amazonaws.com" },
		{ "x-amz-content-sha256", EMPTY_SHA256 },
	};
	const struct cm_sigv4_req q = { "GET", "/test.txt", "", h, 4, EMPTY_SHA256,
					"20130524T000000Z" };
	char auth[CM_SIGV4_AUTH_MAX];

	CHECK_INT(cm_sigv4_authorization(&s3_example, &q, auth, sizeof(auth)), 0);
	CHECK(!strcmp(auth, "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
		      "us-east-1/s3/aws4_request, SignedHeaders=host;range;"
		      "x-amz-content-sha256;x-amz-date, Signature="
		      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"));
}

TEST(sigv4_s3_put_object)
{
	const char body[] = "Welcome to Amazon S3.";
	char sum[CM_SHA256_HEX], auth[CM_SIGV4_AUTH_MAX];
	struct cm_buf uri;
	const struct cm_sigv4_hdr h[] = {
		{ "host", "examplebucket.s3.amazonaws.com" },
		{ "date", "Fri, 24 May 2013 00:00:00 GMT" },
		{ "x-amz-date", "20130524T000000Z" },
		{ "x-amz-storage-class", "REDUCED_REDUNDANCY" },
		{ "x-amz-content-sha256", sum },
	};
	struct cm_sigv4_req q = { "PUT", NULL, "", h, 5, sum, "20130524T000000Z" };

	cm_sha256_hex(body, sizeof(body) - 1, sum);
	CHECK(!strcmp(sum, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072"));
	cm_buf_init(&uri, 256);
	CHECK_INT(cm_sigv4_uri_encode(&uri, "/test$file.text", 1), 0);
	CHECK(!strcmp(uri.data, "/test%24file.text"));
	q.uri = uri.data;
	CHECK_INT(cm_sigv4_authorization(&s3_example, &q, auth, sizeof(auth)), 0);
	cm_buf_free(&uri);
	CHECK(strstr(auth, "SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;"
		     "x-amz-storage-class, Signature=98ad721746da40c64f1a55b78f14c238"
		     "d841ea1380cd77a1b5971af0ece108bd"));
}

TEST(sigv4_s3_get_lifecycle_and_list)
{
	const struct cm_sigv4_hdr h[] = {
		{ "host", "examplebucket.s3.amazonaws.com" },
		{ "x-amz-date", "20130524T000000Z" },
		{ "x-amz-content-sha256", EMPTY_SHA256 },
	};
	struct cm_sigv4_req q = { "GET", "/", "lifecycle=", h, 3, EMPTY_SHA256,
				  "20130524T000000Z" };
	char auth[CM_SIGV4_AUTH_MAX];

	CHECK_INT(cm_sigv4_authorization(&s3_example, &q, auth, sizeof(auth)), 0);
	CHECK(strstr(auth, "Signature=fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"));
	q.query = "max-keys=2&prefix=J";
	CHECK_INT(cm_sigv4_authorization(&s3_example, &q, auth, sizeof(auth)), 0);
	CHECK(strstr(auth, "Signature=34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"));
}

TEST(sigv4_get_vanilla)
{
	const struct cm_sigv4_key k = { "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
					"us-east-1", "service" };
	const struct cm_sigv4_hdr h[] = {
		{ "host", "example.amazonaws.com" },
		{ "x-amz-date", "  20150830T123600Z " },	/* trimmed */
	};
	const struct cm_sigv4_req q = { "GET", "/", "", h, 2, EMPTY_SHA256, "20150830T123600Z" };
	char auth[CM_SIGV4_AUTH_MAX];

	CHECK_INT(cm_sigv4_authorization(&k, &q, auth, sizeof(auth)), 0);
	CHECK(!strcmp(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
		      "service/aws4_request, SignedHeaders=host;x-amz-date, Signature="
		      "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
}

/* The lines every signed request ends with (s3.c, ebs.c, control/aws.c):
 * no token, nothing; a token, signed and sent; "Authorization: " + the
 * same value cm_sigv4_authorization gives. */
TEST(sigv4_token_and_auth_line)
{
	const struct cm_sigv4_key k = { "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
					"us-east-1", "service" };
	struct cm_sigv4_hdr h[3] = { { "host", "example.amazonaws.com" },
				     { "x-amz-date", "20150830T123600Z" } };
	struct cm_sigv4_req q = { "GET", "/", "", h, 2, EMPTY_SHA256, "20150830T123600Z" };
	char token[64], line[CM_SIGV4_AUTH_MAX + 16], auth[CM_SIGV4_AUTH_MAX];

	CHECK(cm_sigv4_token(&q, h, "", token, sizeof(token)) == NULL);
	CHECK(cm_sigv4_token(&q, h, NULL, token, sizeof(token)) == NULL);
	CHECK_INT((int)q.n_hdrs, 2);
	CHECK_INT(cm_sigv4_auth_line(&k, &q, line, sizeof(line)), 0);
	CHECK(!strcmp(line, "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/"
		      "us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature="
		      "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
	CHECK(cm_sigv4_token(&q, h, "tok/en+=", token, sizeof(token)) == token);
	CHECK(!strcmp(token, "x-amz-security-token: tok/en+="));
	CHECK_INT((int)q.n_hdrs, 3);
	CHECK(!strcmp(h[2].name, "x-amz-security-token") && !strcmp(h[2].value, "tok/en+="));
	CHECK_INT(cm_sigv4_auth_line(&k, &q, line, sizeof(line)), 0);
	CHECK_INT(cm_sigv4_authorization(&k, &q, auth, sizeof(auth)), 0);
	CHECK(!strncmp(line, "Authorization: ", 15) && !strcmp(line + 15, auth));
	CHECK(strstr(line, "SignedHeaders=host;x-amz-date;x-amz-security-token,") != NULL);
	CHECK_INT(cm_sigv4_auth_line(&k, &q, line, 10), -EMSGSIZE);
}

TEST(sigv4_bad_input)
{
	const struct cm_sigv4_hdr h[] = { { "host", "h" } };
	struct cm_sigv4_req q = { "GET", "/", "", h, 1, EMPTY_SHA256, "2013-05-24" };
	char auth[CM_SIGV4_AUTH_MAX], date[CM_AMZ_DATE];
	struct cm_buf b;

	CHECK_INT(cm_sigv4_authorization(&s3_example, &q, auth, sizeof(auth)), -EINVAL);
	q.amz_date = "20130524T000000Z";
	CHECK_INT(cm_sigv4_authorization(&s3_example, &q, auth, 40), -EMSGSIZE);
	cm_amz_date(1369353600LL, date);
	CHECK(!strcmp(date, "20130524T000000Z"));
	cm_buf_init(&b, 64);
	CHECK_INT(cm_sigv4_uri_encode(&b, "a b/ü~", 0), 0);
	CHECK(!strcmp(b.data, "a%20b%2F%C3%BC~"));
	cm_buf_free(&b);
}

/* FIPS 180-2 appendix B vectors, then every length around the block and
 * padding edges and a large buffer: SHA-NI (when the CPU has it) = mbedTLS */
TEST(sha256_ni_matches_portable)
{
	static const char abc56[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	unsigned char a[32], b[32], *big = malloc(3 * 1024 * 1024 + 77);
	char hex[65];
	size_t n;

	CHECK(big != NULL);
	cm_sha256_hex("abc", 3, hex);
	CHECK(!strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
	cm_sha256_hex(abc56, 56, hex);
	CHECK(!strcmp(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"));
	for (n = 0; n < 3 * 1024 * 1024 + 77; n++)
		big[n] = (unsigned char)(n * 131 + (n >> 9));
	for (n = 0; n <= 200; n++) {
		cm_sha256(big + 3, n, a);
		cm_sha256_portable(big + 3, n, b);
		if (memcmp(a, b, 32)) {
			free(big);
			CHECK_INT(n, -1);
		}
	}
	cm_sha256(big, 3 * 1024 * 1024 + 77, a);
	cm_sha256_portable(big, 3 * 1024 * 1024 + 77, b);
	free(big);
	CHECK(!memcmp(a, b, 32));
}
