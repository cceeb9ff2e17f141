/* Destination URLs. */
#include <errno.h>
#include <string.h>

#include "move/net.h"
#include "stream/url.h"
#include "test.h"

static int parse(const char *s, struct cm_url *u)
{
	return cm_url_parse(s, strlen(s), u);
}

TEST(stream_url_file)
{
	struct cm_url u;

	CHECK_INT(parse("file:///var/tmp/disk.raw", &u), 0);
	CHECK_INT(u.scheme, CM_URL_FILE);
	CHECK_STR(u.path, "/var/tmp/disk.raw");
	CHECK_INT(parse("FILE://localhost/dev/vdb", &u), 0);
	CHECK_STR(u.path, "/dev/vdb");
	CHECK_INT(parse("file:///tmp/a%20b%2Fc", &u), 0);
	CHECK_STR(u.path, "/tmp/a b/c");
}

TEST(stream_url_file_refused)
{
	static const char *const bad[] = {
		"file://host/x", "file://", "file:///", "file:///tmp/", "file:///a/../b",
		"file:///a/./b", "file:///a//b", "file:///a%00b", "file:///a%2", "file:///a%zz",
		"file:///a?x=1", "file:///a#frag", "file:relative", "/just/a/path", "file:///a b",
		"", ":", "://x",
	};
	struct cm_url u;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &u) != -EINVAL) {
			cm_test_fail(__FILE__, __LINE__, "accepted '%s'", bad[i]);
			return;
		}
		CHECK(u.why && *u.why);
	}
}

TEST(stream_url_buckets_and_http)
{
	struct cm_url u;

	CHECK_INT(parse("s3://my-bucket/images/disk.raw?endpoint=http://127.0.0.1:9000&region=eu-west-1", &u), 0);
	CHECK_INT(u.scheme, CM_URL_S3);
	CHECK_STR(u.host, "my-bucket");
	CHECK_STR(u.path, "images/disk.raw");
	CHECK_STR(u.query, "endpoint=http://127.0.0.1:9000&region=eu-west-1");
	CHECK_INT(parse("gs://bkt/disk.tar.gz", &u), 0);
	CHECK_INT(u.scheme, CM_URL_GS);
	CHECK_STR(u.path, "disk.tar.gz");
	CHECK_INT(parse("https://acct.blob.core.windows.net/c/disk.vhd?sv=2021&sig=x%2By", &u), 0);
	CHECK_INT(u.scheme, CM_URL_HTTPS);
	CHECK_STR(u.host, "acct.blob.core.windows.net");
	CHECK_STR(u.path, "/c/disk.vhd");
	CHECK_STR(u.query, "sv=2021&sig=x%2By");
	CHECK_INT(parse("s3://Bad_Bucket/x", &u), -EINVAL);
	CHECK_INT(parse("s3://bucket", &u), -EINVAL);
	CHECK_INT(parse("s3://bucket/", &u), -EINVAL);
	CHECK_INT(parse("http://user:pw@host/x", &u), -EINVAL);
	CHECK_INT(parse("ftp://host/x", &u), -EPROTONOSUPPORT);
}

TEST(stream_url_ebs)
{
	struct cm_url u;

	CHECK_INT(parse("ebs://eu-west-1?endpoint=http://127.0.0.1:9000", &u), 0);
	CHECK_INT(u.scheme, CM_URL_EBS);
	CHECK_STR(u.host, "eu-west-1");
	CHECK_STR(u.path, "");
	CHECK_STR(u.query, "endpoint=http://127.0.0.1:9000");
	CHECK_INT(parse("ebs://us-east-1/", &u), 0);
	CHECK_STR(u.path, "");
	CHECK_INT(parse("ebs://us-east-1/snap-0123456789abcdef0", &u), 0);
	CHECK_STR(u.path, "snap-0123456789abcdef0");
	CHECK_INT(parse("ebs://", &u), -EINVAL);
	CHECK_INT(parse("ebs://EU_WEST/", &u), -EINVAL);
	CHECK_INT(parse("ebs://us-east-1/vol-1", &u), -EINVAL);
	CHECK_INT(parse("ebs://us-east-1/snap-", &u), -EINVAL);
	CHECK_INT(parse("ebs://us-east-1/snap-1/x", &u), -EINVAL);
}

TEST(stream_url_bounded)
{
	static char big[CM_URL_MAX + 16];
	struct cm_url u;

	memcpy(big, "file:///", 8);
	memset(big + 8, 'a', sizeof(big) - 9);
	CHECK_INT(cm_url_parse(big, sizeof(big) - 1, &u), -EMSGSIZE);
	/* not NUL-terminated: only len bytes are read */
	CHECK_INT(cm_url_parse("file:///tmp/xGARBAGE", 13, &u), 0);
	CHECK_STR(u.path, "/tmp/x");
}

TEST(move_dest_host)
{
	char h[64];

	CHECK_INT(cm_move_dest_host("file:///dev/vdb", h, sizeof(h)), 0);
	CHECK_INT(cm_move_dest_host("http://169.254.0.9:8080/up/disk", h, sizeof(h)), 1);
	CHECK_STR(h, "169.254.0.9");
	CHECK_INT(cm_move_dest_host("gs://bkt/o?endpoint=http%3A%2F%2F10.0.0.5%3A9000", h, sizeof(h)), 1);
	CHECK_STR(h, "10.0.0.5");
	CHECK_INT(cm_move_dest_host("s3://bkt/k?region=eu-west-1&endpoint=http://127.0.0.1:4568", h,
				    sizeof(h)), 1);
	CHECK_STR(h, "127.0.0.1");
	CHECK_INT(cm_move_dest_host("gs://bkt/o", h, sizeof(h)), 1);
	CHECK_STR(h, "storage.googleapis.com");
	CHECK_INT(cm_move_dest_host("s3://bkt/k", h, sizeof(h)), 1);
	CHECK_STR(h, "bkt.s3.amazonaws.com");
	CHECK_INT(cm_move_dest_host("nonsense", h, sizeof(h)), -EINVAL);
}

TEST(url_query_param)
{
	char v[16];

	CHECK_INT(cm_url_query_param("region=eu-west-1&endpoint=http%3A%2F%2Fh%3A9", "endpoint",
				     v, sizeof(v)), 1);
	CHECK_STR(v, "http://h:9");
	CHECK_INT(cm_url_query_param("region=eu-west-1", "region", v, sizeof(v)), 1);
	CHECK_STR(v, "eu-west-1");
	CHECK_INT(cm_url_query_param("regionx=1&xregion=2", "region", v, sizeof(v)), 0);
	CHECK_INT(cm_url_query_param("", "region", v, sizeof(v)), 0);
	CHECK_INT(cm_url_query_param("a=%zz", "a", v, sizeof(v)), -EINVAL);
	CHECK_INT(cm_url_query_param("a=%00", "a", v, sizeof(v)), -EINVAL);
	CHECK_INT(cm_url_query_param("a=%4", "a", v, sizeof(v)), -EINVAL);
	CHECK_INT(cm_url_query_param("a=0123456789abcdef", "a", v, sizeof(v)), -EMSGSIZE);
}

/* The resume state's dest against --dest: the same object however the
 * URL spells it, never another bucket, key, host or scheme. */
static int same(const char *a, const char *b)
{
	static struct cm_url ua, ub;

	if (cm_url_parse(a, strlen(a), &ua) < 0 || cm_url_parse(b, strlen(b), &ub) < 0)
		return -1;
	return cm_url_same_object(&ua, &ub);
}

TEST(url_same_object)
{
	CHECK_INT(same("s3://bucket/a/b", "s3://bucket/a/b?region=eu-west-1"), 1);
	CHECK_INT(same("s3://bucket/a%2Fb", "S3://bucket/a/b"), 1);
	CHECK_INT(same("gs://bucket/disk.raw", "gs://bucket/disk%2Eraw?endpoint=http://h"), 1);
	CHECK_INT(same("file:///var/tmp/x", "file://localhost/var/tmp/x"), 1);
	CHECK_INT(same("https://Acct.blob.core.windows.net/c/b", "https://acct.blob.core.windows.net/c/%62?sv=1&sig=x"), 1);
	CHECK_INT(same("s3://bucket/a/b", "s3://bucket/a/c"), 0);
	CHECK_INT(same("s3://bucket/a/b", "s3://other/a/b"), 0);
	CHECK_INT(same("s3://bucket/a/b", "gs://bucket/a/b"), 0);
	CHECK_INT(same("https://h1/c/b", "https://h2/c/b"), 0);
	CHECK_INT(same("http://h/c/b", "https://h/c/b"), 0);
	CHECK_INT(same("file:///var/tmp/x", "file:///var/tmp/y"), 0);
}
