/* Parallel gzip: one gzip member (RFC 1952) compressed on all cores.
 *
 * pigz's scheme: the input is cut into jobs of at most CM_STREAM_CHUNK
 * bytes, each deflated on its own (RFC 1951 raw deflate, no shared
 * dictionary); every job but the last ends with a sync flush (an empty
 * stored block: byte-aligned, BFINAL=0), the last with a final block, so
 * the concatenation is one valid deflate stream.  The CRC-32 of the whole
 * is combined from the jobs' CRCs (crc32_combine, zlib), ISIZE is the
 * length mod 2^32.  Deflate is Intel ISA-L's igzip (level 1).
 *
 * Threads: the caller fills jobs in order; `workers` threads deflate them
 * in any order; one writer thread hands them to the sink in order.  A
 * fixed ring of workers + 4 jobs bounds the memory. */
#ifndef CM_STREAM_PGZIP_H
#define CM_STREAM_PGZIP_H

#include <stddef.h>
#include <stdint.h>

#include "stream.h"

#define CM_PGZIP_WORKERS_MAX	8
#define CM_PGZIP_OUT_MAX	(CM_STREAM_CHUNK + CM_STREAM_CHUNK / 8 + 4096)
#define CM_GZIP_HEADER_LEN	10
#define CM_GZIP_TRAILER_LEN	8

struct cm_pgzip;

/* Starts the threads; the gzip stream goes to st->sink from offset 0;
 * progress is reported (from the writer thread) as the `pos` of each job
 * written.  0 or -errno (logged). */
int cm_pgzip_start(struct cm_pgzip **out, struct cm_stream *st, int workers);
/* The next job's input buffer (CM_STREAM_CHUNK bytes, aligned); NULL once
 * the pipeline failed (the error is logged; cm_pgzip_end returns it). */
unsigned char *cm_pgzip_buf(struct cm_pgzip *pg);
/* Queues that job: len bytes of its buffer, or with zero set len zero
 * bytes (the buffer is not read); last: the stream's final job. */
void cm_pgzip_submit(struct cm_pgzip *pg, size_t len, int zero, int last, uint64_t pos);
/* Waits for the writer (err != 0: stops everything first), frees all:
 * 0 or the first error. */
int cm_pgzip_end(struct cm_pgzip *pg, int err);

/* The pieces, pure, for tests. */
void cm_gzip_header(uint8_t out[CM_GZIP_HEADER_LEN]);
void cm_gzip_trailer(uint32_t crc, uint32_t isize, uint8_t out[CM_GZIP_TRAILER_LEN]);
uint32_t cm_gzip_crc(uint32_t crc, const void *buf, size_t len);
uint32_t cm_gzip_crc_combine(uint32_t crc1, uint32_t crc2, uint64_t len2);
/* Deflates one job into out (cap bytes): *out_len; 0 or -errno. */
struct cm_deflater;
struct cm_deflater *cm_deflater_new(void);
void cm_deflater_free(struct cm_deflater *d);
int cm_deflate_job(struct cm_deflater *d, const void *in, size_t len, int last,
		   void *out, size_t cap, size_t *out_len);

#endif
