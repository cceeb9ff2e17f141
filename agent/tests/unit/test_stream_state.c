/* Resume state files and response header lookup. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stream/creds.h"
#include "stream/state.h"
#include "test.h"
#include "util/http.h"

TEST(stream_state_roundtrip)
{
	char dir[] = "/tmp/cm-state-XXXXXX", path[256], why[128];
	struct cm_stream_state a = { .size = 1 << 20, .mtime = 1700000000,
				     .committed = 1 << 19 }, b;

	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/sub/disk.raw.cloudmove-stream", dir);
	strcpy(a.dest, "s3://bucket/key?region=eu-west-1");
	strcpy(a.format, "raw");
	strcpy(a.session, "upload-id 2~x");
	CHECK_INT(cm_state_save(path, &a), 0);
	CHECK_INT(cm_state_load(path, &b, why, sizeof(why)), 0);
	CHECK_STR(b.dest, a.dest);
	CHECK_STR(b.format, "raw");
	CHECK_STR(b.session, "upload-id 2~x");
	CHECK_INT((long long)b.size, 1 << 20);
	CHECK_INT((long long)b.mtime, 1700000000);
	CHECK_INT((long long)b.committed, 1 << 19);
	cm_state_remove(path);
	CHECK_INT(cm_state_load(path, &b, why, sizeof(why)), -ENOENT);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

TEST(stream_state_refused)
{
	static const char *const bad[] = {
		"", "dest x\n", "format raw\nsize 1\n", "dest x\nformat raw\nsize 1\ncommitted 2\n",
		"dest x\nformat raw\nsize -1\n", "dest x\nformat raw\nsize 1x\n", "nospace\n",
		"dest x\nformat raw\nmtime 99999999999999999999\n",
	};
	struct cm_stream_state st;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (cm_state_parse(bad[i], strlen(bad[i]), &st, &why) != -EINVAL || !why) {
			cm_test_fail(__FILE__, __LINE__, "accepted '%s'", bad[i]);
			return;
		}
	}
	CHECK_INT(cm_state_parse("dest x\nformat raw\nfuture 1\n", 26, &st, &why), 0);
}

/* What may be trusted to name where the disk goes: a regular file of the
 * effective user's that no one else can write. */
TEST(stream_state_trust)
{
	struct stat st = { .st_mode = S_IFREG | 0600, .st_uid = 0 };
	char why[128];

	CHECK_INT(cm_state_trust(&st, 0, why, sizeof(why)), 0);
	st.st_mode = S_IFREG | 0644;
	CHECK_INT(cm_state_trust(&st, 0, why, sizeof(why)), 0);
	st.st_uid = 65534;
	CHECK_INT(cm_state_trust(&st, 0, why, sizeof(why)), -EPERM);
	CHECK_STR(why, "owned by uid 65534, not 0");
	CHECK_INT(cm_state_trust(&st, 65534, why, sizeof(why)), 0);
	st.st_uid = 0;
	st.st_mode = S_IFREG | 0660;
	CHECK_INT(cm_state_trust(&st, 0, why, sizeof(why)), -EPERM);
	CHECK_STR(why, "writable by its group (mode 0660)");
	st.st_mode = S_IFREG | 0602;
	CHECK_INT(cm_state_trust(&st, 0, why, sizeof(why)), -EPERM);
	CHECK_STR(why, "writable by others (mode 0602)");
	st.st_mode = S_IFIFO | 0600;
	CHECK_INT(cm_state_trust(&st, 0, why, sizeof(why)), -EPERM);
	CHECK_STR(why, "not a regular file");
}

/* A state planted by another user, or one others can write, or a link
 * to a good one: not read (-EPERM and why), whatever it holds. */
TEST(stream_state_load_distrusts)
{
	static const char good[] = "dest s3://b/k\nformat raw\nsize 10\ncommitted 0\n";
	struct cm_stream_state st;
	char path[512], link[512], why[128] = "";

	cm_test_write_str("s.cloudmove-stream", good);
	snprintf(path, sizeof(path), "%s/s.cloudmove-stream", cm_test_tmpdir());
	snprintf(link, sizeof(link), "%s/l.cloudmove-stream", cm_test_tmpdir());
	CHECK_INT(chmod(path, 0600), 0);
	CHECK_INT(cm_state_load(path, &st, why, sizeof(why)), 0);
	CHECK_INT(symlink(path, link), 0);
	CHECK_INT(cm_state_load(link, &st, why, sizeof(why)), -EPERM);
	CHECK_STR(why, "a symbolic link");
	CHECK_INT(chmod(path, 0620), 0);
	CHECK_INT(cm_state_load(path, &st, why, sizeof(why)), -EPERM);
	CHECK_STR(why, "writable by its group (mode 0620)");
	CHECK_INT(chmod(path, 0600), 0);
	CHECK_INT(chown(path, 65534, 65534), 0);
	CHECK_INT(cm_state_load(path, &st, why, sizeof(why)), -EPERM);
	CHECK(strstr(why, "owned by uid 65534") != NULL);
	CHECK_INT(unlink(path), 0);
	CHECK_INT(mkfifo(path, 0600), 0);
	CHECK_INT(cm_state_load(path, &st, why, sizeof(why)), -EPERM);
	CHECK_STR(why, "not a regular file");
}

TEST(stream_state_path)
{
	char out[64];

	CHECK_INT(cm_state_path("/var/tmp/disk.img", out, sizeof(out)), 0);
	CHECK_STR(out, "/var/tmp/disk.img.cloudmove-stream");
	CHECK_INT(cm_state_path("/var/tmp/a-very-long-name-that-does-not-fit-in-64-bytes.img",
				out, sizeof(out)), -ENAMETOOLONG);
}

TEST(http_header_lookup)
{
	static const char h[] = "HTTP/1.1 200 OK\r\nETag: \"a1\"\r\ncontent-length: 0\r\n"
				"x-ms-id:\t 7 \r\nETag: \"b2\"\r\n\r\n";
	char v[8];

	CHECK_INT(cm_http_header(h, sizeof(h) - 1, "etag", v, sizeof(v)), 0);
	CHECK_STR(v, "\"b2\"");
	CHECK_INT(cm_http_header(h, sizeof(h) - 1, "X-MS-ID", v, sizeof(v)), 0);
	CHECK_STR(v, "7");
	CHECK_INT(cm_http_header(h, sizeof(h) - 1, "Content-Length", v, sizeof(v)), 0);
	CHECK_STR(v, "0");
	CHECK_INT(cm_http_header(h, sizeof(h) - 1, "Range", v, sizeof(v)), -ENOENT);
	CHECK_INT(cm_http_header(h, sizeof(h) - 1, "ETa", v, sizeof(v)), -ENOENT);
	CHECK_INT(cm_http_header("Range: bytes=0-1234567", 22, "Range", v, sizeof(v)), -EMSGSIZE);
}

TEST(creds_parse)
{
	static const char f[] = "[default]\n# comment\naws_access_key_id = AKID \n"
				"AWS_SECRET_ACCESS_KEY=se=cret\n\n; other\nunknown = 1\n"
				"gcp_access_token=ya29.x\n";
	struct cm_creds c;
	unsigned line;

	CHECK_INT(cm_creds_parse(f, sizeof(f) - 1, &c, &line), 0);
	CHECK_STR(c.aws_access_key_id, "AKID");
	CHECK_STR(c.aws_secret_access_key, "se=cret");
	CHECK_STR(c.gcp_access_token, "ya29.x");
	CHECK_STR(c.azure_account_key, "");
	CHECK_INT(cm_creds_parse("a = 1\nnot a pair\n", 17, &c, &line), -EINVAL);
	CHECK_INT(line, 2);
	CHECK_STR(c.aws_access_key_id, "");
	CHECK_INT(cm_creds_parse("[open\n", 6, &c, &line), -EINVAL);
}
