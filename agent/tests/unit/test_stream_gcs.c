/* The gs:// sink's pure parts: CRC-32C, the 308 Range header, the object
 * resource, the resume session line, the session's Location, the endpoint
 * query, object names in a query. */
#include <errno.h>
#include <string.h>

#include "stream/sinks/gcs_proto.h"
#include "test.h"
#include "util/crc32c.h"

TEST(crc32c_vectors)
{
	/* RFC 3720 B.4 test vectors, and the CRC catalogue's check value */
	unsigned char buf[48];
	size_t i;

	CHECK_INT(cm_crc32c(0, "123456789", 9), 0xe3069283u);
	CHECK_INT(cm_crc32c(0, "", 0), 0);
	memset(buf, 0, 32);
	CHECK_INT(cm_crc32c(0, buf, 32), 0x8a9136aau);
	memset(buf, 0xff, 32);
	CHECK_INT(cm_crc32c(0, buf, 32), 0x62a8ab43u);
	for (i = 0; i < 32; i++)
		buf[i] = (unsigned char)i;
	CHECK_INT(cm_crc32c(0, buf, 32), 0x46dd794eu);
	for (i = 0; i < 32; i++)
		buf[i] = (unsigned char)(31 - i);
	CHECK_INT(cm_crc32c(0, buf, 32), 0x113fdb5cu);
}

TEST(crc32c_incremental)
{
	/* any split, any alignment: the same as one call */
	unsigned char buf[1000];
	uint32_t whole, c;
	size_t i, cut;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 3);
	whole = cm_crc32c(0, buf, sizeof(buf));
	for (cut = 0; cut <= sizeof(buf); cut += 37) {
		c = cm_crc32c(0, buf, cut);
		CHECK_INT(cm_crc32c(c, buf + cut, sizeof(buf) - cut), whole);
	}
	c = cm_crc32c(0, buf + 1, 999);
	CHECK_INT(c, cm_crc32c(cm_crc32c(0, buf + 1, 5), buf + 6, 994));
}

TEST(gcs_crc32c_b64)
{
	char out[CM_GCS_CRC_B64_MAX];

	/* e3 06 92 83 in base64; what GCS shows for "123456789" */
	cm_gcs_crc32c_b64(0xe3069283u, out);
	CHECK_STR(out, "4waSgw==");
	cm_gcs_crc32c_b64(0, out);
	CHECK_STR(out, "AAAAAA==");
	cm_gcs_crc32c_b64(0xffffffffu, out);
	CHECK_STR(out, "/////w==");
}

static int range(const char *v, uint64_t *held)
{
	return cm_gcs_range_parse(v, strlen(v), held);
}

TEST(gcs_range)
{
	static const char *const bad[] = {
		"", "bytes=", "bytes=0-", "bytes=1-5", "bytes=0-x", "bytes=0--1",
		"bytes=0-5,7-9", "bytes=0- 5", " bytes=0-5", "bytes=0-5 ", "items=0-5",
		"bytes=0-9223372036854775807", "bytes=0-99999999999999999999",
		"bytes=0-+5",
	};
	uint64_t held = 0;
	size_t i;

	CHECK_INT(range("bytes=0-262143", &held), 0);
	CHECK_INT(held, 262144);
	CHECK_INT(range("bytes=0-0", &held), 0);
	CHECK_INT(held, 1);
	CHECK_INT(range("Bytes=0-41", &held), 0);
	CHECK_INT(held, 42);
	CHECK_INT(range("bytes=0-9223372036854775806", &held), 0);
	CHECK(held == 9223372036854775807ull);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		held = 77;
		if (range(bad[i], &held) != -EINVAL || held != 77) {
			cm_test_fail(__FILE__, __LINE__, "accepted '%s'", bad[i]);
			return;
		}
	}
}

static int object(const char *json, uint64_t *size, char *crc)
{
	return cm_gcs_object_parse(json, strlen(json), size, crc, 16);
}

TEST(gcs_object)
{
	uint64_t size = 0;
	char crc[16];

	CHECK_INT(object("{\"kind\":\"storage#object\",\"size\":\"262154\","
			 "\"md5Hash\":\"x\",\"crc32c\":\"4waSgw==\"}", &size, crc), 0);
	CHECK_INT(size, 262154);
	CHECK_STR(crc, "4waSgw==");
	CHECK_INT(object("{\"size\":\"0\"}", &size, crc), 0);
	CHECK_INT(size, 0);
	CHECK_STR(crc, "");
	/* a size that is a JSON number is read too */
	CHECK_INT(object("{\"size\":17}", &size, crc), 0);
	CHECK_INT(size, 17);
	CHECK_INT(object("{\"size\":\"-1\"}", &size, crc), -EBADMSG);
	CHECK_INT(object("{\"size\":\"1e3\"}", &size, crc), -EBADMSG);
	CHECK_INT(object("{\"name\":\"x\"}", &size, crc), -EBADMSG);
	CHECK_INT(object("not json", &size, crc), -EBADMSG);
	CHECK_INT(object("", &size, crc), -EBADMSG);
	/* a crc32c too long for the buffer is left out, not cut */
	CHECK_INT(object("{\"size\":\"1\",\"crc32c\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}", &size,
			 crc), 0);
	CHECK_STR(crc, "");
}

TEST(gcs_session_line)
{
	char line[256], path[128];
	uint64_t end = 0;
	uint32_t crc = 0;
	int known = -1;
	const char *p = "/upload/storage/v1/b/b/o?uploadType=resumable&name=x&upload_id=AB-c_9";

	CHECK_INT(cm_gcs_session_format(line, sizeof(line), 1, 0xe3069283u, 8388608, p), 0);
	CHECK_STR(line, "crc32c=e3069283@8388608 /upload/storage/v1/b/b/o?uploadType=resumable"
		  "&name=x&upload_id=AB-c_9");
	CHECK_INT(cm_gcs_session_parse(line, strlen(line), &known, &crc, &end, path,
				       sizeof(path)), 0);
	CHECK_INT(known, 1);
	CHECK_INT(crc, 0xe3069283u);
	CHECK_INT(end, 8388608);
	CHECK_STR(path, p);
	CHECK_INT(cm_gcs_session_format(line, sizeof(line), 0, 0, 0, p), 0);
	CHECK_INT(cm_gcs_session_parse(line, strlen(line), &known, &crc, &end, path,
				       sizeof(path)), 0);
	CHECK_INT(known, 0);
	CHECK_INT(cm_gcs_session_format(line, 20, 1, 0, 0, p), -EMSGSIZE);
	CHECK_INT(cm_gcs_session_format(line, sizeof(line), 1, 0, 0, "no-slash"), -EINVAL);
	CHECK_INT(cm_gcs_session_format(line, sizeof(line), 1, 0, 0, "/a b"), -EINVAL);
}

TEST(gcs_session_line_refused)
{
	static const char *const bad[] = {
		"", "crc32c=", "crc32c=- ", "crc32c=-", "crc32c=- x", "crc32c=e3069283 /x",
		"crc32c=e3069283@ /x", "crc32c=E3069283@1 /x", "crc32c=e306928@1 /x",
		"crc32c=e3069283@1x /x", "crc32c=e3069283@1 /x y", "md5=- /x",
		"crc32c=-  /x", "crc32c=e3069283@1 /x\n",
	};
	char path[64];
	uint64_t end;
	uint32_t crc;
	int known;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cm_gcs_session_parse(bad[i], strlen(bad[i]), &known, &crc, &end, path,
					 sizeof(path)) != -EINVAL) {
			cm_test_fail(__FILE__, __LINE__, "accepted '%s'", bad[i]);
			return;
		}
	/* a path that does not fit */
	CHECK_INT(cm_gcs_session_parse("crc32c=- /0123456789", 20, &known, &crc, &end, path,
				       8), -EINVAL);
}

TEST(gcs_location)
{
	char out[128];

	CHECK_INT(cm_gcs_location_path("https://storage.googleapis.com/upload/storage/v1/b/b/o"
				       "?uploadType=resumable&upload_id=X",
				       "https://storage.googleapis.com", out, sizeof(out)), 0);
	CHECK_STR(out, "/upload/storage/v1/b/b/o?uploadType=resumable&upload_id=X");
	CHECK_INT(cm_gcs_location_path("HTTP://127.0.0.1:8080/u?id=1", "http://127.0.0.1:8080",
				       out, sizeof(out)), 0);
	CHECK_STR(out, "/u?id=1");
	/* the token goes nowhere else: host, port, scheme, prefix tricks */
	CHECK_INT(cm_gcs_location_path("https://evil.example/u", "https://storage.googleapis.com",
				       out, sizeof(out)), -EPROTO);
	CHECK_INT(cm_gcs_location_path("http://127.0.0.1:8081/u", "http://127.0.0.1:8080",
				       out, sizeof(out)), -EPROTO);
	CHECK_INT(cm_gcs_location_path("http://127.0.0.1:80800/u", "http://127.0.0.1:8080",
				       out, sizeof(out)), -EPROTO);
	CHECK_INT(cm_gcs_location_path("http://storage.googleapis.com/u",
				       "https://storage.googleapis.com", out, sizeof(out)), -EPROTO);
	CHECK_INT(cm_gcs_location_path("https://storage.googleapis.com.evil/u",
				       "https://storage.googleapis.com", out, sizeof(out)), -EPROTO);
	CHECK_INT(cm_gcs_location_path("https://storage.googleapis.com",
				       "https://storage.googleapis.com", out, sizeof(out)), -EPROTO);
	CHECK_INT(cm_gcs_location_path("/relative", "https://storage.googleapis.com", out,
				       sizeof(out)), -EPROTO);
	CHECK_INT(cm_gcs_location_path("https://storage.googleapis.com/a b",
				       "https://storage.googleapis.com", out, sizeof(out)), -EPROTO);
	CHECK_INT(cm_gcs_location_path("https://storage.googleapis.com/0123456789",
				       "https://storage.googleapis.com", out, 8), -EMSGSIZE);
}

TEST(gcs_endpoint)
{
	static const char *const bad[] = {
		"region=x", "endpoint=", "endpoint=ftp://h", "endpoint=http://h/p",
		"endpoint=http://", "endpoint=http://a&x=1", "endpoint=http%3A%2F%2Fh%2Fp",
		"endpoint=http://h%20x", "endpoint=http://h%2", "endpoint=h:80",
		"endpoint=http://h?x", "x&endpoint=http://h",
	};
	char out[128];
	const char *why = NULL;
	size_t i;

	CHECK_INT(cm_gcs_endpoint("", out, sizeof(out), &why), 0);
	CHECK_STR(out, "https://storage.googleapis.com");
	CHECK_INT(cm_gcs_endpoint("endpoint=http://127.0.0.1:4443", out, sizeof(out), &why), 0);
	CHECK_STR(out, "http://127.0.0.1:4443");
	CHECK_INT(cm_gcs_endpoint("endpoint=https%3A%2F%2Flocalhost%3A8443%2F", out, sizeof(out),
				  &why), 0);
	CHECK_STR(out, "https://localhost:8443");
	CHECK_INT(cm_gcs_endpoint("endpoint=HtTp://H:1", out, sizeof(out), &why), 0);
	CHECK_STR(out, "http://H:1");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (cm_gcs_endpoint(bad[i], out, sizeof(out), &why) != -EINVAL || !why) {
			cm_test_fail(__FILE__, __LINE__, "accepted '%s'", bad[i]);
			return;
		}
	}
	CHECK_INT(cm_gcs_endpoint("endpoint=http://0123456789", out, 12, &why), -EMSGSIZE);
}

TEST(gcs_name_encode)
{
	char out[64];

	CHECK_INT(cm_gcs_name_encode("images/disk 1.tar.gz", out, sizeof(out)), 0);
	CHECK_STR(out, "images%2Fdisk%201.tar.gz");
	CHECK_INT(cm_gcs_name_encode("a&b=c?d#e+f~g_h-i", out, sizeof(out)), 0);
	CHECK_STR(out, "a%26b%3Dc%3Fd%23e%2Bf~g_h-i");
	CHECK_INT(cm_gcs_name_encode("\xc3\xa9", out, sizeof(out)), 0);
	CHECK_STR(out, "%C3%A9");
	CHECK_INT(cm_gcs_name_encode("abc", out, 4), 0);
	CHECK_INT(cm_gcs_name_encode("abc", out, 3), -EMSGSIZE);
	CHECK_INT(cm_gcs_name_encode("a/", out, 4), -EMSGSIZE);
}

/* A resume state's session must be an upload of the --dest object, and
 * the finished upload's object resource must name it. */
TEST(gcs_session_is_for)
{
	const char *p = "/upload/storage/v1/b/bucket/o?uploadType=resumable&name=a%2Fdisk.raw&upload_id=X1";

	CHECK_INT(cm_gcs_session_is_for(p, "bucket", "a/disk.raw"), 1);
	CHECK_INT(cm_gcs_session_is_for(p, "bucket", "a/other.raw"), 0);
	CHECK_INT(cm_gcs_session_is_for(p, "bucket2", "a/disk.raw"), 0);
	CHECK_INT(cm_gcs_session_is_for("/upload/storage/v1/b/bucket/o?upload_id=X1",
					"bucket", "a/disk.raw"), 1);
	CHECK_INT(cm_gcs_session_is_for("/upload/storage/v1/b/bucket/o?name=my+disk&upload_id=1",
					"bucket", "my disk"), 1);
	CHECK_INT(cm_gcs_session_is_for("/upload/storage/v1/b/bucket/x/o?name=d&upload_id=1",
					"bucket", "d"), 0);
	CHECK_INT(cm_gcs_session_is_for("/elsewhere?name=d&upload_id=1", "bucket", "d"), 0);
	CHECK_INT(cm_gcs_session_is_for("/upload/storage/v1/b/bucket/o?name=%zz", "bucket", "d"), 0);
}

TEST(gcs_object_id)
{
	static const char obj[] = "{\"kind\":\"storage#object\",\"bucket\":\"b1\","
				  "\"name\":\"dir/disk.raw\",\"size\":\"10\"}";
	char bucket[8], name[32];

	CHECK_INT(cm_gcs_object_id(obj, sizeof(obj) - 1, bucket, sizeof(bucket), name,
				   sizeof(name)), 0);
	CHECK_STR(bucket, "b1");
	CHECK_STR(name, "dir/disk.raw");
	CHECK_INT(cm_gcs_object_id("{\"size\":\"10\"}", 13, bucket, sizeof(bucket), name,
				   sizeof(name)), -EBADMSG);
	CHECK_INT(cm_gcs_object_id(obj, sizeof(obj) - 1, bucket, sizeof(bucket), name, 4),
		  -EBADMSG);
	CHECK_INT(cm_gcs_object_id("not json", 8, bucket, sizeof(bucket), name,
				   sizeof(name)), -EBADMSG);
}
