/* The parallel gzip's pieces: independent deflate jobs, sync-flushed but
 * the last, concatenated under one header and trailer (CRC-32 combined,
 * ISIZE mod 2^32), must be one gzip member zlib reads back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "stream/pgzip.h"
#include "test.h"

#define JOBS 4

/* job contents: text (compressible), random (not), zeros, a short tail */
static void fill(unsigned char *in[JOBS], size_t len[JOBS])
{
	size_t i;
	uint32_t x = 12345;

	len[0] = CM_STREAM_CHUNK;
	len[1] = CM_STREAM_CHUNK;
	len[2] = CM_STREAM_CHUNK / 2 + 7;
	len[3] = 1000;
	for (i = 0; i < len[0]; i++)
		in[0][i] = "cloudmove streams disks "[i % 24];
	for (i = 0; i < len[1]; i++) {
		x = x * 1103515245 + 12345;
		in[1][i] = (unsigned char)(x >> 16);
	}
	memset(in[2], 0, len[2]);
	for (i = 0; i < len[3]; i++)
		in[3][i] = (unsigned char)i;
}

TEST(stream_gzip_jobs_make_one_member)
{
	unsigned char *in[JOBS], *gz, *back;
	size_t len[JOBS], total = 0, off = 0, n, i;
	uint32_t crc = 0, isize = 0, whole;
	struct cm_deflater *d = cm_deflater_new();
	z_stream z;
	int r, ok = 1;

	CHECK(d);
	gz = malloc(JOBS * CM_PGZIP_OUT_MAX + 64);
	back = malloc(JOBS * CM_STREAM_CHUNK);
	for (i = 0; i < JOBS; i++)
		in[i] = malloc(CM_STREAM_CHUNK);
	fill(in, len);
	cm_gzip_header(gz);
	off = CM_GZIP_HEADER_LEN;
	for (i = 0; i < JOBS; i++) {
		r = cm_deflate_job(d, in[i], len[i], i == JOBS - 1, gz + off,
				   CM_PGZIP_OUT_MAX, &n);
		ok &= r == 0;
		off += n;
		crc = cm_gzip_crc_combine(crc, cm_gzip_crc(0, in[i], len[i]), len[i]);
		isize += (uint32_t)len[i];
		total += len[i];
	}
	cm_gzip_trailer(crc, isize, gz + off);
	off += CM_GZIP_TRAILER_LEN;

	/* the combined CRC is the CRC of the whole (zlib's, independently) */
	whole = 0;
	for (i = 0; i < JOBS; i++)
		whole = (uint32_t)crc32(whole, in[i], (uInt)len[i]);
	CHECK(ok);
	CHECK_INT(crc, whole);

	memset(&z, 0, sizeof(z));
	CHECK_INT(inflateInit2(&z, 16 + 15), Z_OK);
	z.next_in = gz;
	z.avail_in = (uInt)off;
	z.next_out = back;
	z.avail_out = JOBS * CM_STREAM_CHUNK;
	r = inflate(&z, Z_FINISH);
	CHECK_INT(r, Z_STREAM_END);		/* trailer CRC and ISIZE checked */
	CHECK_INT(z.total_out, total);
	CHECK_INT(z.avail_in, 0);		/* one member, nothing after */
	inflateEnd(&z);
	for (i = 0, off = 0; i < JOBS; off += len[i], i++)
		CHECK(!memcmp(back + off, in[i], len[i]));
	for (i = 0; i < JOBS; i++)
		free(in[i]);
	free(gz);
	free(back);
	cm_deflater_free(d);
}

TEST(stream_gzip_trailer_isize_mod_2_32)
{
	uint8_t t[CM_GZIP_TRAILER_LEN];

	cm_gzip_trailer(0x11223344, (uint32_t)((5ull << 32) + 7), t);
	CHECK(!memcmp(t, "\x44\x33\x22\x11\x07\x00\x00\x00", 8));
}

TEST(stream_gzip_crc_combine)
{
	static const char a[] = "The quick brown fox ", b[] = "jumps over the lazy dog";
	uint32_t ca = cm_gzip_crc(0, a, strlen(a)), cb = cm_gzip_crc(0, b, strlen(b));
	uint32_t whole = (uint32_t)crc32(crc32(0, (const Bytef *)a, (uInt)strlen(a)),
					 (const Bytef *)b, (uInt)strlen(b));

	CHECK_INT(cm_gzip_crc_combine(ca, cb, strlen(b)), whole);
	CHECK_INT(whole, 0x414fa339);		/* the classic CRC-32 test vector */
}
