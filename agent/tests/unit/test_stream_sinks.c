/* The sink registry: a URL the parser accepts always finds a sink, which
 * is why stream/run.c has no "no sink for this scheme" error. */
#include <string.h>

#include "stream/sinks/sink.h"
#include "stream/url.h"
#include "test.h"

TEST(stream_every_url_scheme_has_a_sink)
{
	/* one URL per scheme of url.c; a new scheme needs a line here */
	static const char *const urls[] = {
		"file:///var/tmp/disk.raw", "s3://bucket/disk.raw", "gs://bucket/disk.tar.gz",
		"http://127.0.0.1:8080/disk.raw", "https://example.com/disk.raw",
		"https://acct.blob.core.windows.net/images/disk.vhd?sv=1&sig=x",
		"ebs://eu-west-1",
	};
	unsigned seen = 0;
	struct cm_url u;
	size_t i;

	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		CHECK_INT(cm_url_parse(urls[i], strlen(urls[i]), &u), 0);
		if (!cm_sink_find(&u, NULL)) {
			cm_test_fail(__FILE__, __LINE__, "no sink for %s", urls[i]);
			return;
		}
		seen |= 1u << u.scheme;
	}
	CHECK_INT(seen, (1u << CM_URL_FILE) | (1u << CM_URL_S3) | (1u << CM_URL_GS) |
			(1u << CM_URL_HTTP) | (1u << CM_URL_HTTPS) | (1u << CM_URL_EBS));
}
