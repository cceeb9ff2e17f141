/* gce: tar header, the disk (zeros as zero jobs), zero padding to a whole
 * GiB, the tar end (two zero blocks), all through the parallel gzip of
 * pgzip.c.  See gce.h for the format's sources. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../log.h"
#include "gce.h"
#include "pgzip.h"
#include "stream.h"

uint64_t cm_gce_size(uint64_t size)
{
	uint64_t n = (size + CM_GCE_ALIGN - 1) / CM_GCE_ALIGN;

	return (n ? n : 1) * CM_GCE_ALIGN;
}

/* An octal field of len bytes, NUL-terminated (as GNU tar writes them) */
static void octal(uint8_t *f, size_t len, uint64_t v)
{
	size_t i;

	f[len - 1] = '\0';
	for (i = len - 1; i > 0; i--, v >>= 3)
		f[i - 1] = (uint8_t)('0' + (v & 7));
}

/* GNU's base-256 for numbers past the octal range: 0x80, then big-endian */
static void base256(uint8_t *f, size_t len, uint64_t v)
{
	size_t i;

	memset(f, 0, len);
	f[0] = 0x80;
	for (i = len - 1; i > 0 && v; i--, v >>= 8)
		f[i] = (uint8_t)v;
}

/* POSIX ustar layout (oldgnu magic): name 0, mode 100, uid 108, gid 116,
 * size 124, mtime 136, chksum 148, typeflag 156, linkname 157, magic 257
 * ("ustar  \0" for oldgnu), uname 265, gname 297. */
int cm_tar_header(const char *name, uint64_t size, int64_t mtime, uint8_t h[CM_TAR_BLOCK])
{
	unsigned sum = 0;
	size_t i;

	if (strlen(name) >= 100)
		return -EOVERFLOW;
	memset(h, 0, CM_TAR_BLOCK);
	memcpy(h, name, strlen(name));
	octal(h + 100, 8, 0644);
	octal(h + 108, 8, 0);
	octal(h + 116, 8, 0);
	if (size < 077777777777ull)
		octal(h + 124, 12, size);
	else
		base256(h + 124, 12, size);
	octal(h + 136, 12, mtime > 0 ? (uint64_t)mtime : 0);
	h[156] = '0';
	memcpy(h + 257, "ustar  ", 8);		/* with its NUL: oldgnu */
	memcpy(h + 265, "root", 4);
	memcpy(h + 297, "root", 4);
	memset(h + 148, ' ', 8);
	for (i = 0; i < CM_TAR_BLOCK; i++)
		sum += h[i];
	octal(h + 148, 7, sum);		/* 6 digits, NUL, then ' ' */
	h[155] = ' ';
	return 0;
}

static uint64_t gce_work_size(uint64_t src_size)
{
	return cm_gce_size(src_size);
}

static uint64_t gce_out_size(uint64_t src_size)
{
	(void)src_size;
	return CM_SIZE_UNKNOWN;
}

/* Zero jobs for [off, end) of the raw disk: pieces that end on chunk
 * boundaries, so whole chunks use the pipeline's ready-made zero block. */
static int zeros(struct cm_pgzip *pg, uint64_t off, uint64_t end, unsigned char *first)
{
	while (off < end) {
		uint64_t n = CM_STREAM_CHUNK - off % CM_STREAM_CHUNK;

		if (n > end - off)
			n = end - off;
		if (!first && !cm_pgzip_buf(pg))
			return -ECANCELED;
		first = NULL;
		off += n;
		cm_pgzip_submit(pg, (size_t)n, 1, 0, off);
	}
	return 0;
}

static int disk(struct cm_stream *st, struct cm_pgzip *pg)
{
	struct cm_extent e;
	unsigned char *buf;
	int r;

	for (;;) {
		buf = cm_pgzip_buf(pg);
		if (!buf)
			return -ECANCELED;
		r = cm_source_next(st->src, buf, &e);
		if (r <= 0)
			break;
		if (e.zero)
			r = zeros(pg, e.off, e.off + e.len, buf);
		else
			cm_pgzip_submit(pg, (size_t)e.len, 0, 0, e.off + e.len);
		if (r < 0)
			return r;
	}
	if (r < 0)
		return r;
	/* the buffer taken for the end of the source: the padding's first */
	return zeros(pg, st->src->size, cm_gce_size(st->src->size), buf);
}

/* The member's mtime: now, or SOURCE_DATE_EPOCH (reproducible-builds.org)
 * so that the same disk gives the same archive, byte for byte. */
static int64_t archive_time(void)
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	char *end;
	long long t;

	if (e && *e) {
		errno = 0;
		t = strtoll(e, &end, 10);
		if (!errno && !*end && t >= 0)
			return t;
	}
	return (int64_t)time(NULL);
}

static int gce_run(struct cm_stream *st)
{
	uint64_t size = cm_gce_size(st->src->size);
	struct cm_pgzip *pg;
	unsigned char *buf;
	int r;

	r = cm_pgzip_start(&pg, st, st->threads);
	if (r < 0)
		return r;
	buf = cm_pgzip_buf(pg);
	r = buf ? cm_tar_header(CM_GCE_NAME, size, archive_time(), buf) : -ECANCELED;
	if (r == 0) {
		cm_pgzip_submit(pg, CM_TAR_BLOCK, 0, 0, 0);
		r = disk(st, pg);
	}
	/* end of archive: two zero blocks (the file is block-aligned) */
	if (r == 0 && !cm_pgzip_buf(pg))
		r = -ECANCELED;
	if (r == 0)
		cm_pgzip_submit(pg, 2 * CM_TAR_BLOCK, 1, 1, size);
	/* -ECANCELED: the pipeline failed and said why; end() returns that */
	r = cm_pgzip_end(pg, r == -ECANCELED ? 0 : r);
	return r;
}

const struct cm_encoder cm_encoder_gce = {
	.name      = "gce",
	.out_size  = gce_out_size,
	.work_size = gce_work_size,
	.run       = gce_run,
};
