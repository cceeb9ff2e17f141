/* libFuzzer: what the gs:// sink reads from a server and from its resume
 * state (stream/sinks/gcs_proto.c): a 308's Range header, the object
 * resource of the final answer (size, crc32c, bucket and name), the
 * session line and which object a session is for, a session's Location,
 * the endpoint query.  Any bytes: no crash, no read past the input; what
 * is accepted is consistent (a session line formats back to itself). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream/sinks/gcs_proto.h"
#include "util/crc32c.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void session(const char *s, size_t size)
{
	char path[256], again[512];
	uint64_t end = 0;
	uint32_t crc = 0;
	int known = 0;

	if (cm_gcs_session_parse(s, size, &known, &crc, &end, path, sizeof(path)) != 0)
		return;
	if (cm_gcs_session_format(again, sizeof(again), known, crc, end, path) != 0)
		abort();
	/* the canonical form parses to the same values */
	{
		char p2[256];
		uint64_t e2 = 0;
		uint32_t c2 = 0;
		int k2 = 0;

		if (cm_gcs_session_parse(again, strlen(again), &k2, &c2, &e2, p2, sizeof(p2)) ||
		    k2 != known || strcmp(p2, path) || (known && (c2 != crc || e2 != end)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[512], crc[16];
	const char *why = NULL;
	uint64_t held = 0;
	int r;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	r = cm_gcs_range_parse(s, size, &held);
	if (r == 0 && held == 0)
		abort();
	if (cm_gcs_object_parse(s, size, &held, crc, sizeof(crc)) == 0 &&
	    strlen(crc) >= sizeof(crc))
		abort();
	{
		char bucket[64], name[256];

		if (cm_gcs_object_id(s, size, bucket, sizeof(bucket), name, sizeof(name)) == 0 &&
		    (strlen(bucket) >= sizeof(bucket) || strlen(name) >= sizeof(name)))
			abort();
	}
	session(s, size);
	if (cm_gcs_session_is_for(s, "bucket", "disk.raw") == 1 &&
	    strncmp(s, "/upload/storage/v1/b/", 21))
		abort();
	/* the NUL-terminated forms: stop at an embedded NUL */
	if (cm_gcs_location_path(s, "https://storage.googleapis.com", out, sizeof(out)) == 0 &&
	    (out[0] != '/' || strchr(out, ' ')))
		abort();
	r = cm_gcs_endpoint(s, out, sizeof(out), &why);
	if (r == -EINVAL && !why)
		abort();
	if (r == 0 && strncmp(out, "http", 4))
		abort();
	cm_gcs_name_encode(s, out, sizeof(out));
	(void)cm_crc32c(0, data, size);
	free(s);
	return 0;
}
