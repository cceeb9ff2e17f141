/* Zero detection and the source's holes. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stream/stream.h"
#include "test.h"

TEST(stream_is_zero_any_position)
{
	unsigned char *b = calloc(1, 4096 + 3);
	size_t i, lens[] = { 0, 1, 63, 64, 65, 4096, 4099 };

	CHECK(b);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		CHECK(cm_is_zero(b, lens[i]));
	for (i = 0; i < 4099; i++) {
		b[i] = 1;
		if (cm_is_zero(b, 4099))
			break;
		CHECK(cm_is_zero(b, i));	/* the bytes before it */
		b[i] = 0;
	}
	CHECK_INT(i, 4099);
	b[4098] = 0x80;
	CHECK(!cm_is_zero(b + 1, 4098));	/* unaligned start */
	free(b);
}

/* A sparse file: 5 MiB + 123, 4 KiB of data at 2 MiB, the last byte set,
 * a chunk of explicit zeros at 3 MiB (written, not a hole). */
static int make_sparse(const char *path)
{
	static unsigned char zeros[CM_STREAM_CHUNK];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	unsigned char data[4096];
	int ok;

	memset(data, 0xab, sizeof(data));
	ok = fd >= 0 && ftruncate(fd, 5 * CM_STREAM_CHUNK + 123) == 0 &&
	     pwrite(fd, data, sizeof(data), 2 * CM_STREAM_CHUNK) == sizeof(data) &&
	     pwrite(fd, zeros, sizeof(zeros), 3 * CM_STREAM_CHUNK) == sizeof(zeros) &&
	     pwrite(fd, "x", 1, 5 * CM_STREAM_CHUNK + 122) == 1;
	if (fd >= 0)
		close(fd);
	return ok;
}

TEST(stream_source_holes_cover_the_file)
{
	char path[512];
	struct cm_source s;
	struct cm_extent e;
	void *buf = cm_stream_buf_alloc(CM_STREAM_CHUNK);
	uint64_t next = 0, data = 0;
	int r;

	snprintf(path, sizeof(path), "%s/sparse.img", cm_test_tmpdir());
	CHECK(buf && make_sparse(path));
	CHECK_INT(cm_source_open(&s, path), 0);
	CHECK_INT(s.size, 5 * CM_STREAM_CHUNK + 123);
	while ((r = cm_source_next(&s, buf, &e)) > 0) {
		CHECK_INT(e.off, next);		/* contiguous, in order */
		if (!e.zero) {
			CHECK(e.len <= CM_STREAM_CHUNK);
			CHECK(e.off / CM_STREAM_CHUNK == (e.off + e.len - 1) / CM_STREAM_CHUNK);
			CHECK(!cm_is_zero(buf, e.len));
			data += e.len;
		}
		next = e.off + e.len;
	}
	CHECK_INT(r, 0);
	CHECK_INT(next, s.size);
	CHECK(data >= 4096 + 1 && data < 3 * CM_STREAM_CHUNK);
	if (s.seek_data)			/* the holes were never read */
		CHECK(s.read_bytes <= CM_STREAM_CHUNK + 2 * 65536);
	cm_source_close(&s);
	free(buf);
}

TEST(stream_source_refuses_odd_sources)
{
	char path[512];

	CHECK(cm_source_open(&(struct cm_source){ 0 }, "/nonexistent/disk") < 0);
	CHECK(cm_source_open(&(struct cm_source){ 0 }, cm_test_tmpdir()) < 0);
	snprintf(path, sizeof(path), "%s/empty", cm_test_tmpdir());
	cm_test_write("empty", "", 0);
	CHECK(cm_source_open(&(struct cm_source){ 0 }, path) < 0);
}
