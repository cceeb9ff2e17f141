/* Parallel gzip; see pgzip.h. */
#include <errno.h>
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "../log.h"
#include "pgzip.h"
#include "progress.h"
#include "sinks/sink.h"

#define PGZIP_LEVEL	1	/* igzip's level 1: ~1.1x gzip -6's size, >10x faster */

enum job_state { JOB_FREE, JOB_READY, JOB_BUSY, JOB_DONE };

struct job {
	enum job_state state;
	uint64_t seq;
	size_t len;
	int zero, last;
	uint64_t pos;
	unsigned char *in;
	unsigned char *out;
	const unsigned char *result;	/* out, or the shared zero block */
	size_t result_len;
	uint32_t crc;
};

struct cm_deflater {
	struct isal_zstream z;
	uint8_t *level_buf;
};

struct cm_pgzip {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct job *jobs;
	size_t njobs;
	uint64_t next_fill, next_write;
	int err, quit;
	struct cm_stream *st;
	pthread_t writer, workers[CM_PGZIP_WORKERS_MAX];
	int nworkers;
	int writer_started;
	/* a full job of zeros, deflated once: holes cost a memcpy-free write */
	unsigned char *zero_out;
	size_t zero_len;
	uint32_t zero_crc;
	struct cm_deflater *deflaters[CM_PGZIP_WORKERS_MAX];
};

void cm_gzip_header(uint8_t h[CM_GZIP_HEADER_LEN])
{
	/* ID1 ID2 CM=deflate FLG=0 MTIME=0 (none) XFL=0 OS=3 (Unix) */
	static const uint8_t hdr[CM_GZIP_HEADER_LEN] = { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 };

	memcpy(h, hdr, sizeof(hdr));
}

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void cm_gzip_trailer(uint32_t crc, uint32_t isize, uint8_t t[CM_GZIP_TRAILER_LEN])
{
	le32(t, crc);
	le32(t + 4, isize);
}

uint32_t cm_gzip_crc(uint32_t crc, const void *buf, size_t len)
{
	/* ISA-L's PCLMULQDQ CRC-32 (the gzip polynomial, reflected) */
	return crc32_gzip_refl(crc, (const unsigned char *)buf, len);
}

uint32_t cm_gzip_crc_combine(uint32_t crc1, uint32_t crc2, uint64_t len2)
{
	return (uint32_t)crc32_combine(crc1, crc2, (z_off_t)len2);
}

struct cm_deflater *cm_deflater_new(void)
{
	struct cm_deflater *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->level_buf = malloc(ISAL_DEF_LVL1_DEFAULT);
	if (!d->level_buf) {
		free(d);
		return NULL;
	}
	return d;
}

void cm_deflater_free(struct cm_deflater *d)
{
	if (!d)
		return;
	free(d->level_buf);
	free(d);
}

int cm_deflate_job(struct cm_deflater *d, const void *in, size_t len, int last,
		   void *out, size_t cap, size_t *out_len)
{
	struct isal_zstream *z = &d->z;

	if (len > UINT32_MAX || cap > UINT32_MAX)
		return -EMSGSIZE;
	isal_deflate_init(z);
	z->level = PGZIP_LEVEL;
	z->level_buf = d->level_buf;
	z->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
	z->gzip_flag = IGZIP_DEFLATE;		/* raw: we frame the member */
	z->end_of_stream = last ? 1 : 0;
	z->flush = last ? NO_FLUSH : SYNC_FLUSH;
	z->next_in = (uint8_t *)in;
	z->avail_in = (uint32_t)len;
	z->next_out = out;
	z->avail_out = (uint32_t)cap;
	if (isal_deflate(z) != COMP_OK)
		return -EIO;
	/* all taken, and room left: the flush (or final block) is complete */
	if (z->avail_in || !z->avail_out ||
	    (last && z->internal_state.state != ZSTATE_END))
		return -EOVERFLOW;
	*out_len = cap - z->avail_out;
	return 0;
}

static void fail(struct cm_pgzip *pg, int r)
{
	pthread_mutex_lock(&pg->lock);
	if (!pg->err)
		pg->err = r;
	pthread_cond_broadcast(&pg->cond);
	pthread_mutex_unlock(&pg->lock);
}

/* The READY job with the lowest sequence number, or NULL. */
static struct job *next_ready(struct cm_pgzip *pg)
{
	struct job *best = NULL;
	size_t i;

	for (i = 0; i < pg->njobs; i++)
		if (pg->jobs[i].state == JOB_READY && (!best || pg->jobs[i].seq < best->seq))
			best = &pg->jobs[i];
	return best;
}

static int deflate_one(struct cm_pgzip *pg, struct cm_deflater *d, struct job *j)
{
	int r;

	if (j->zero && j->len == CM_STREAM_CHUNK && !j->last) {
		j->result = pg->zero_out;
		j->result_len = pg->zero_len;
		j->crc = pg->zero_crc;
		return 0;
	}
	if (j->zero)
		memset(j->in, 0, j->len);
	j->crc = cm_gzip_crc(0, j->in, j->len);
	r = cm_deflate_job(d, j->in, j->len, j->last, j->out, CM_PGZIP_OUT_MAX,
			   &j->result_len);
	if (r < 0)
		return cm_err(r, "gce: deflate");
	j->result = j->out;
	return 0;
}

struct worker_arg {
	struct cm_pgzip *pg;
	struct cm_deflater *d;
};

static void *worker(void *arg)
{
	struct cm_pgzip *pg = ((struct worker_arg *)arg)->pg;
	struct cm_deflater *d = ((struct worker_arg *)arg)->d;
	struct job *j;
	int r;

	free(arg);
	pthread_mutex_lock(&pg->lock);
	for (;;) {
		while (!pg->err && !pg->quit && !(j = next_ready(pg)))
			pthread_cond_wait(&pg->cond, &pg->lock);
		if (pg->err || pg->quit)
			break;
		j->state = JOB_BUSY;
		pthread_mutex_unlock(&pg->lock);
		r = deflate_one(pg, d, j);
		pthread_mutex_lock(&pg->lock);
		if (r < 0 && !pg->err)
			pg->err = r;
		j->state = JOB_DONE;
		pthread_cond_broadcast(&pg->cond);
	}
	pthread_mutex_unlock(&pg->lock);
	return NULL;
}

static void *writer(void *arg)
{
	struct cm_pgzip *pg = arg;
	struct cm_stream *st = pg->st;
	uint8_t head[CM_GZIP_HEADER_LEN], tail[CM_GZIP_TRAILER_LEN];
	uint64_t off = 0;
	uint32_t crc = 0, isize = 0;
	int r, last = 0;

	cm_gzip_header(head);
	r = cm_sink_write(st->sink, off, head, sizeof(head));
	off += sizeof(head);
	while (r == 0 && !last) {
		struct job *j = &pg->jobs[pg->next_write % pg->njobs];

		pthread_mutex_lock(&pg->lock);
		while (!pg->err && !(j->state == JOB_DONE && j->seq == pg->next_write))
			pthread_cond_wait(&pg->cond, &pg->lock);
		r = pg->err;
		pthread_mutex_unlock(&pg->lock);
		if (r)
			break;
		r = cm_sink_write(st->sink, off, j->result, j->result_len);
		if (r < 0)
			break;
		off += j->result_len;
		crc = cm_gzip_crc_combine(crc, j->crc, j->len);
		isize += (uint32_t)j->len;		/* mod 2^32, as RFC 1952 says */
		last = j->last;
		cm_progress_update(st->progress, j->pos);
		pthread_mutex_lock(&pg->lock);
		j->state = JOB_FREE;
		pg->next_write++;
		pthread_cond_broadcast(&pg->cond);
		pthread_mutex_unlock(&pg->lock);
	}
	if (r == 0) {
		cm_gzip_trailer(crc, isize, tail);
		r = cm_sink_write(st->sink, off, tail, sizeof(tail));
		off += sizeof(tail);
	}
	st->out_bytes = off;
	pthread_mutex_lock(&pg->lock);
	if (r < 0 && !pg->err)
		pg->err = r;
	pg->quit = 1;
	pthread_cond_broadcast(&pg->cond);
	pthread_mutex_unlock(&pg->lock);
	return NULL;
}

static int zero_block(struct cm_pgzip *pg)
{
	unsigned char *zeros = calloc(1, CM_STREAM_CHUNK);
	int r = -ENOMEM;

	pg->zero_out = malloc(CM_PGZIP_OUT_MAX);
	if (zeros && pg->zero_out) {
		pg->zero_crc = cm_gzip_crc(0, zeros, CM_STREAM_CHUNK);
		r = cm_deflate_job(pg->deflaters[0], zeros, CM_STREAM_CHUNK, 0,
				   pg->zero_out, CM_PGZIP_OUT_MAX, &pg->zero_len);
	}
	free(zeros);
	return r;
}

static int alloc_all(struct cm_pgzip *pg)
{
	size_t i;
	int k;

	pg->njobs = (size_t)pg->nworkers + 4;
	pg->jobs = calloc(pg->njobs, sizeof(*pg->jobs));
	if (!pg->jobs)
		return -ENOMEM;
	for (i = 0; i < pg->njobs; i++) {
		pg->jobs[i].in = cm_stream_buf_alloc(CM_STREAM_CHUNK);
		pg->jobs[i].out = malloc(CM_PGZIP_OUT_MAX);
		if (!pg->jobs[i].in || !pg->jobs[i].out)
			return -ENOMEM;
	}
	for (k = 0; k < pg->nworkers; k++) {
		pg->deflaters[k] = cm_deflater_new();
		if (!pg->deflaters[k])
			return -ENOMEM;
	}
	return zero_block(pg);
}

static void free_all(struct cm_pgzip *pg)
{
	size_t i;
	int k;

	for (i = 0; pg->jobs && i < pg->njobs; i++) {
		free(pg->jobs[i].in);
		free(pg->jobs[i].out);
	}
	free(pg->jobs);
	for (k = 0; k < CM_PGZIP_WORKERS_MAX; k++)
		cm_deflater_free(pg->deflaters[k]);
	free(pg->zero_out);
	pthread_cond_destroy(&pg->cond);
	pthread_mutex_destroy(&pg->lock);
	free(pg);
}

/* Small stacks: the threads keep their state on the heap. */
static int spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	pthread_attr_t a;
	int r;

	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 256 * 1024);
	r = pthread_create(t, &a, fn, arg);
	pthread_attr_destroy(&a);
	return -r;
}

int cm_pgzip_start(struct cm_pgzip **out, struct cm_stream *st, int workers)
{
	struct cm_pgzip *pg = calloc(1, sizeof(*pg));
	int r, k;

	*out = NULL;
	if (!pg)
		return cm_err(-ENOMEM, "gce: pipeline");
	pthread_mutex_init(&pg->lock, NULL);
	pthread_cond_init(&pg->cond, NULL);
	pg->st = st;
	pg->nworkers = workers < 1 ? 1 : workers > CM_PGZIP_WORKERS_MAX ?
		       CM_PGZIP_WORKERS_MAX : workers;
	r = alloc_all(pg);
	if (r < 0) {
		free_all(pg);
		return cm_err(r, "gce: pipeline");
	}
	for (k = 0; k < pg->nworkers; k++) {
		struct worker_arg *a = malloc(sizeof(*a));

		r = a ? 0 : -ENOMEM;
		if (a) {
			a->pg = pg;
			a->d = pg->deflaters[k];
			r = spawn(&pg->workers[k], worker, a);
			if (r < 0)
				free(a);
		}
		if (r < 0)
			break;
	}
	pg->nworkers = k;	/* the ones running, to join */
	if (r == 0) {
		r = spawn(&pg->writer, writer, pg);
		pg->writer_started = r == 0;
	}
	if (r < 0) {
		cm_err(r, "gce: threads");
		cm_pgzip_end(pg, r);
		return r;
	}
	*out = pg;
	return 0;
}

unsigned char *cm_pgzip_buf(struct cm_pgzip *pg)
{
	struct job *j = &pg->jobs[pg->next_fill % pg->njobs];
	unsigned char *buf = NULL;

	pthread_mutex_lock(&pg->lock);
	while (!pg->err && j->state != JOB_FREE)
		pthread_cond_wait(&pg->cond, &pg->lock);
	if (!pg->err)
		buf = j->in;
	pthread_mutex_unlock(&pg->lock);
	return buf;
}

void cm_pgzip_submit(struct cm_pgzip *pg, size_t len, int zero, int last, uint64_t pos)
{
	struct job *j = &pg->jobs[pg->next_fill % pg->njobs];

	pthread_mutex_lock(&pg->lock);
	j->seq = pg->next_fill++;
	j->len = len;
	j->zero = zero;
	j->last = last;
	j->pos = pos;
	j->state = JOB_READY;
	pthread_cond_broadcast(&pg->cond);
	pthread_mutex_unlock(&pg->lock);
}

int cm_pgzip_end(struct cm_pgzip *pg, int err)
{
	int k, r;

	if (err)
		fail(pg, err);
	if (pg->writer_started)
		pthread_join(pg->writer, NULL);
	pthread_mutex_lock(&pg->lock);
	pg->quit = 1;
	pthread_cond_broadcast(&pg->cond);
	pthread_mutex_unlock(&pg->lock);
	for (k = 0; k < pg->nworkers; k++)
		pthread_join(pg->workers[k], NULL);
	r = pg->err;
	free_all(pg);
	return r;
}
