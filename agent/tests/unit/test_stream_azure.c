/* Azure Blob URLs and Shared Key signing (stream/sinks/azure_sign.c).
 * The expected signatures were computed with Python's hmac over the same
 * StringToSign (as tests/lib/azblob.py signs); the suite stream-azure
 * checks them against azurite itself. */
#include <errno.h>
#include <string.h>

#include "stream/sinks/azure_sign.h"
#include "stream/url.h"
#include "test.h"

#define DEV_KEY "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/" \
		"K1SZFPTOtr/KBHBeksoGMGw=="
#define DATE	"x-ms-date: Fri, 27 Nov 2026 08:00:00 GMT"

TEST(stream_azure_hosts_and_sas)
{
	CHECK(cm_azure_host_is_blob("acct.blob.core.windows.net"));
	CHECK(cm_azure_host_is_blob("acct.BLOB.core.windows.net:443"));
	CHECK(!cm_azure_host_is_blob("blob.core.windows.net"));
	CHECK(!cm_azure_host_is_blob("a.blob.core.windows.net.example.com"));
	CHECK(!cm_azure_host_is_blob("127.0.0.1:10000"));
	CHECK(cm_azure_query_is_sas("sv=2021-08-06&ss=b&sig=a%2Bb%3D"));
	CHECK(cm_azure_query_is_sas("sig=x&sv=1"));
	CHECK(!cm_azure_query_is_sas("sig=x"));
	CHECK(!cm_azure_query_is_sas("xsv=1&sig=2"));
	CHECK(!cm_azure_query_is_sas("sv=1&asig=2"));
	CHECK(!cm_azure_query_is_sas(""));
}

static int account_of(const char *s, char *out, size_t n)
{
	struct cm_url u;

	if (cm_url_parse(s, strlen(s), &u) < 0)
		return -100;
	return cm_azure_url_account(&u, out, n);
}

TEST(stream_azure_url_account)
{
	char a[CM_AZURE_ACCOUNT_MAX];

	CHECK_INT(account_of("https://myacct.blob.core.windows.net/c/disk.vhd?sv=1&sig=2",
			     a, sizeof(a)), 0);
	CHECK(strcmp(a, "myacct") == 0);
	CHECK_INT(account_of("http://127.0.0.1:10000/devstoreaccount1/images/d/x.vhd",
			     a, sizeof(a)), 0);
	CHECK(strcmp(a, "devstoreaccount1") == 0);
	CHECK_INT(account_of("https://myacct.blob.core.windows.net/c", a, sizeof(a)), -EINVAL);
	CHECK_INT(account_of("https://myacct.blob.core.windows.net/c/", a, sizeof(a)), -EINVAL);
	CHECK_INT(account_of("http://127.0.0.1:10000/acct/images", a, sizeof(a)), -EINVAL);
	CHECK_INT(account_of("http://127.0.0.1:10000/", a, sizeof(a)), -EINVAL);
	CHECK_INT(account_of("http://127.0.0.1:10000/acct//x", a, sizeof(a)), -EINVAL);
	CHECK_INT(account_of("http://h/0123456789012345678901234567890123456789012345678901234567890123456789/c/b",
			     a, sizeof(a)), -EINVAL);
}

TEST(stream_azure_string_to_sign)
{
	const char *x_ms[] = { "x-ms-version: 2021-08-06", "X-MS-Range: bytes=0-4095",
			       DATE, "x-ms-page-write: update", NULL };
	struct cm_azure_req q = {
		.method = "PUT", .content_length = 4096, .content_md5 = "abc==",
		.x_ms = x_ms, .account = "devstoreaccount1",
		.path = "/devstoreaccount1/images/disk.vhd", .comp = "page",
	};
	const char *want = "PUT\n\n\n4096\nabc==\n\n\n\n\n\n\n\n"
		"x-ms-date:Fri, 27 Nov 2026 08:00:00 GMT\nx-ms-page-write:update\n"
		"x-ms-range:bytes=0-4095\nx-ms-version:2021-08-06\n"
		"/devstoreaccount1/devstoreaccount1/images/disk.vhd\ncomp:page";
	const char *bad[] = { "Content-Type: x", NULL };
	struct cm_buf b;

	cm_buf_init(&b, 16384);
	CHECK_INT(cm_azure_string_to_sign(&q, &b), 0);
	CHECK(strcmp(b.data, want) == 0);
	q.x_ms = bad;
	CHECK_INT(cm_azure_string_to_sign(&q, &b), -EINVAL);
	cm_buf_free(&b);
}

TEST(stream_azure_authorization)
{
	const char *page[] = { "x-ms-version: 2021-08-06", "X-MS-Range: bytes=0-4095",
			       DATE, "x-ms-page-write: update", NULL };
	const char *create[] = { DATE, "x-ms-version: 2021-08-06", "x-ms-blob-type: PageBlob",
				 "x-ms-blob-content-length: 1048576", NULL };
	struct cm_azure_req q = {
		.method = "PUT", .content_length = 4096, .content_md5 = "abc==",
		.x_ms = page, .account = "devstoreaccount1",
		.path = "/devstoreaccount1/images/disk.vhd", .comp = "page",
	};
	unsigned char key[CM_AZURE_KEY_MAX];
	size_t key_len;
	char auth[160];

	CHECK_INT(cm_azure_key_decode(DEV_KEY, key, &key_len), 0);
	CHECK_INT(key_len, 64);
	CHECK_INT(cm_azure_authorization(&q, key, key_len, auth, sizeof(auth)), 0);
	CHECK(strcmp(auth, "SharedKey devstoreaccount1:"
		     "4C1TnmgTPBWIytnZN2cQ3z21P77asD4w09Fe1un390I=") == 0);
	/* zero Content-Length signs as "", no comp */
	q = (struct cm_azure_req){ .method = "PUT", .x_ms = create, .account = "acct",
				   .path = "/images/disk.vhd" };
	CHECK_INT(cm_azure_authorization(&q, key, key_len, auth, sizeof(auth)), 0);
	CHECK(strcmp(auth, "SharedKey acct:82IgF4/glSC1ll+LWEfz2I440dZ705/LP3+kzNzkj8Y=") == 0);
	CHECK_INT(cm_azure_authorization(&q, key, key_len, auth, 20), -EMSGSIZE);
	CHECK_INT(cm_azure_key_decode("not base64!", key, &key_len), -EINVAL);
	CHECK_INT(cm_azure_key_decode("", key, &key_len), -EINVAL);
}

TEST(stream_azure_date_and_md5)
{
	char s[64];

	CHECK_INT(cm_azure_date(784111777, s, sizeof(s)), 0);
	CHECK(strcmp(s, "Sun, 06 Nov 1994 08:49:37 GMT") == 0);
	CHECK_INT(cm_azure_date(784111777, s, 10), -EMSGSIZE);
	CHECK_INT(cm_azure_md5_b64("", 0, s, sizeof(s)), 0);
	CHECK(strcmp(s, "1B2M2Y8AsgTpgAmY7PhCfg==") == 0);
	CHECK_INT(cm_azure_md5_b64("abc", 3, s, sizeof(s)), 0);
	CHECK(strcmp(s, "kAFQmDzST7DWlj99KOF/cg==") == 0);
}
