/* The block loop of a delta stream: see delta.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../log.h"
#include "delta.h"
#include "progress.h"
#include "sinks/sink.h"

struct block {
	unsigned char *buf;		/* CM_DELTAMAP_BLOCK */
	uint64_t off;			/* where it starts on the disk */
	uint64_t fill;			/* bytes of it met so far */
	int data;			/* any data extent in it (else all
					 * holes or zeros: never copied) */
};

/* The old map's entry for the next block, or 0 when it has none (the disk
 * grew past it). */
static int old_entry(struct cm_deltamap_reader *old, unsigned char hash[CM_DELTAMAP_HASH])
{
	int r;

	if (!old)
		return 0;
	r = cm_deltamap_next(old, hash);
	if (r < 0)
		return cm_err(r, "delta map: shorter than its header says");
	return r;
}

/* A whole block (or the disk's last, shorter one): hashed, compared, sent
 * or kept, its entry written. */
static int block_done(struct cm_stream *st, struct block *b, struct cm_deltamap_reader *old,
		      struct cm_deltamap_writer *w, struct cm_delta_stats *stats)
{
	unsigned char was[CM_DELTAMAP_HASH], now[CM_DELTAMAP_HASH];
	int zero = !b->data || cm_is_zero(b->buf, (size_t)b->fill), had, r;

	cm_deltamap_hash(b->buf, (size_t)b->fill, zero, now);
	had = old_entry(old, was);
	if (had < 0)
		return had;
	if (had && !memcmp(was, now, sizeof(now))) {
		r = cm_sink_keep(st->sink, b->off, b->fill);
		stats->kept++;
	} else if (zero) {
		r = cm_sink_skip(st->sink, b->off, b->fill);
		stats->zeroed++;
	} else {
		r = cm_sink_write(st->sink, b->off, b->buf, (size_t)b->fill);
		stats->changed++;
	}
	if (r == 0 && (r = cm_deltamap_add(w, now)) < 0)
		cm_err(r, "delta map %s: write", w->tmp);
	stats->blocks++;
	b->off += b->fill;
	b->fill = 0;
	b->data = 0;
	return r;
}

/* Lays an extent's bytes (data in buf, or zeros) into blocks. */
static int take(struct cm_stream *st, struct block *b, const struct cm_extent *e,
		const unsigned char *buf, struct cm_deltamap_reader *old,
		struct cm_deltamap_writer *w, struct cm_delta_stats *stats)
{
	uint64_t pos = 0;
	int r;

	while (pos < e->len) {
		uint64_t n = CM_DELTAMAP_BLOCK - b->fill;

		if (n > e->len - pos)
			n = e->len - pos;
		if (!e->zero) {
			if (!b->data)	/* what came before in it were zeros */
				memset(b->buf, 0, (size_t)b->fill);
			memcpy(b->buf + b->fill, buf + pos, (size_t)n);
			b->data = 1;
		} else if (b->data) {
			memset(b->buf + b->fill, 0, (size_t)n);
		}
		b->fill += n;
		pos += n;
		if (b->fill == CM_DELTAMAP_BLOCK || b->off + b->fill == st->src->size) {
			r = block_done(st, b, old, w, stats);
			if (r < 0)
				return r;
			cm_progress_update(st->progress, b->off);
		}
	}
	return 0;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* --max-rate: sleeps while what was read is ahead of rate * elapsed. */
static void throttle(const struct cm_source *src, uint64_t rate, double t0)
{
	double ahead;
	struct timespec ts;

	if (!rate)
		return;
	ahead = (double)src->read_bytes / (double)rate - (now_s() - t0);
	if (ahead <= 0)
		return;
	ts.tv_sec = (time_t)ahead;
	ts.tv_nsec = (long)((ahead - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

int cm_delta_copy(struct cm_stream *st, struct cm_deltamap_reader *old,
		  struct cm_deltamap_writer *w, uint64_t max_rate,
		  struct cm_delta_stats *stats)
{
	double t0 = now_s();
	unsigned char *chunk = cm_stream_buf_alloc(CM_STREAM_CHUNK);
	struct block b = { .buf = cm_stream_buf_alloc(CM_DELTAMAP_BLOCK) };
	struct cm_extent e;
	int r = 0;

	memset(stats, 0, sizeof(*stats));
	if (!chunk || !b.buf) {
		r = cm_err(-ENOMEM, "stream buffer");
		goto out;
	}
	while ((r = cm_source_next(st->src, chunk, &e)) > 0) {
		r = take(st, &b, &e, chunk, old, w, stats);
		if (r < 0)
			break;
		throttle(st->src, max_rate, t0);
	}
out:
	free(chunk);
	free(b.buf);
	return r;
}
