#include <errno.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "initrd.h"

#define IN_CHUNK	(64 * 1024)
#define OUT_CHUNK	(64 * 1024)
#define SNIFF_LEN	6

/* Magics: the kernel's lib/decompress.c table, with xz and lzma spelled
 * out longer, and the lz4 frame format (lsinitrd knows it; the kernel
 * reads only the legacy one). */
static const struct {
	unsigned char magic[SNIFF_LEN];
	size_t len;
	enum cm_initrd_comp comp;
} magics[] = {
	{ { 0x1f, 0x8b }, 2, CM_COMP_GZIP },
	{ { 0x28, 0xb5, 0x2f, 0xfd }, 4, CM_COMP_ZSTD },
	{ { 0xfd, '7', 'z', 'X', 'Z', 0x00 }, 6, CM_COMP_XZ },
	{ { 0x5d, 0x00 }, 2, CM_COMP_LZMA },
	{ { 'B', 'Z', 'h' }, 3, CM_COMP_BZIP2 },
	{ { 0x89, 'L', 'Z', 'O' }, 4, CM_COMP_LZO },
	{ { 0x02, 0x21, 0x4c, 0x18 }, 4, CM_COMP_LZ4 },
	{ { 0x04, 0x22, 0x4d, 0x18 }, 4, CM_COMP_LZ4 },
};

static const char *const comp_names[] = {
	[CM_COMP_NONE] = "cpio", [CM_COMP_GZIP] = "gzip", [CM_COMP_ZSTD] = "zstd",
	[CM_COMP_XZ] = "xz", [CM_COMP_LZMA] = "lzma", [CM_COMP_BZIP2] = "bzip2",
	[CM_COMP_LZO] = "lzo", [CM_COMP_LZ4] = "lz4", [CM_COMP_UNKNOWN] = "unknown",
};

enum cm_initrd_comp cm_initrd_sniff(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if (len >= magics[i].len && !memcmp(p, magics[i].magic, magics[i].len))
			return magics[i].comp;
	return CM_COMP_UNKNOWN;
}

const char *cm_initrd_comp_name(enum cm_initrd_comp c)
{
	return c <= CM_COMP_UNKNOWN ? comp_names[c] : "unknown";
}

/* --- decompressors: one interface over zlib, libzstd, liblzma ---------- */

struct codec {
	enum cm_initrd_comp comp;
	z_stream z;
	ZSTD_DStream *zs;
	lzma_stream x;
	const char *why;
};

static int codec_init(struct codec *c, enum cm_initrd_comp comp)
{
	lzma_ret lr;

	memset(c, 0, sizeof(*c));
	c->comp = comp;
	switch (comp) {
	case CM_COMP_GZIP:
		/* 16 + window bits: gzip framing only, as the kernel's gunzip */
		return inflateInit2(&c->z, 16 + MAX_WBITS) == Z_OK ? 0 : -ENOMEM;
	case CM_COMP_ZSTD:
		c->zs = ZSTD_createDStream();
		if (!c->zs)
			return -ENOMEM;
		if (ZSTD_isError(ZSTD_DCtx_setParameter(c->zs, ZSTD_d_windowLogMax,
							CM_INITRD_ZSTD_WINDOWLOG_MAX))) {
			ZSTD_freeDStream(c->zs);
			return -EINVAL;
		}
		return 0;
	case CM_COMP_XZ:
	case CM_COMP_LZMA:
		c->x = (lzma_stream)LZMA_STREAM_INIT;
		/* one stream: what follows it is the next segment's business */
		lr = comp == CM_COMP_XZ ?
		     lzma_stream_decoder(&c->x, CM_INITRD_XZ_MEMLIMIT, 0) :
		     lzma_alone_decoder(&c->x, CM_INITRD_XZ_MEMLIMIT);
		return lr == LZMA_OK ? 0 : -ENOMEM;
	default:
		return -EOPNOTSUPP;
	}
}

static void codec_end(struct codec *c)
{
	switch (c->comp) {
	case CM_COMP_GZIP:
		inflateEnd(&c->z);
		break;
	case CM_COMP_ZSTD:
		ZSTD_freeDStream(c->zs);
		break;
	case CM_COMP_XZ:
	case CM_COMP_LZMA:
		lzma_end(&c->x);
		break;
	default:
		break;
	}
}

static int step_gzip(struct codec *c, const unsigned char *in, size_t in_len,
		     size_t *in_used, unsigned char *out, size_t out_size,
		     size_t *out_len)
{
	int zr;

	c->z.next_in = (unsigned char *)in;	/* zlib's API is not const */
	c->z.avail_in = (uInt)in_len;
	c->z.next_out = out;
	c->z.avail_out = (uInt)out_size;
	zr = inflate(&c->z, Z_NO_FLUSH);
	*in_used = in_len - c->z.avail_in;
	*out_len = out_size - c->z.avail_out;
	if (zr == Z_STREAM_END)
		return 1;
	if (zr == Z_OK || zr == Z_BUF_ERROR)
		return 0;
	c->why = c->z.msg ? c->z.msg : "inflate failed";
	return zr == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
}

static int step_zstd(struct codec *c, const unsigned char *in, size_t in_len,
		     size_t *in_used, unsigned char *out, size_t out_size,
		     size_t *out_len)
{
	ZSTD_inBuffer ib = { in, in_len, 0 };
	ZSTD_outBuffer ob = { out, out_size, 0 };
	size_t zr = ZSTD_decompressStream(c->zs, &ob, &ib);

	*in_used = ib.pos;
	*out_len = ob.pos;
	if (ZSTD_isError(zr)) {
		c->why = ZSTD_getErrorName(zr);
		return ZSTD_getErrorCode(zr) == ZSTD_error_memory_allocation ?
		       -ENOMEM : -EBADMSG;
	}
	return zr == 0;		/* 0: the frame is decoded and flushed */
}

static int step_lzma(struct codec *c, const unsigned char *in, size_t in_len,
		     size_t *in_used, unsigned char *out, size_t out_size,
		     size_t *out_len)
{
	lzma_ret lr;

	c->x.next_in = in;
	c->x.avail_in = in_len;
	c->x.next_out = out;
	c->x.avail_out = out_size;
	lr = lzma_code(&c->x, LZMA_RUN);
	*in_used = in_len - c->x.avail_in;
	*out_len = out_size - c->x.avail_out;
	switch (lr) {
	case LZMA_STREAM_END:
		return 1;
	case LZMA_OK:
	case LZMA_BUF_ERROR:
		return 0;
	case LZMA_MEM_ERROR:
		c->why = "out of memory";
		return -ENOMEM;
	case LZMA_MEMLIMIT_ERROR:
		c->why = "needs more memory than the cap";
		return -EMSGSIZE;
	case LZMA_FORMAT_ERROR:
		c->why = "bad header";
		return -EBADMSG;
	case LZMA_OPTIONS_ERROR:
		c->why = "unsupported options";
		return -EBADMSG;
	default:
		c->why = "corrupt data";
		return -EBADMSG;
	}
}

/* 1 end of stream, 0 go on, <0 error (c->why). */
static int codec_step(struct codec *c, const unsigned char *in, size_t in_len,
		      size_t *in_used, unsigned char *out, size_t out_size,
		      size_t *out_len)
{
	switch (c->comp) {
	case CM_COMP_GZIP:
		return step_gzip(c, in, in_len, in_used, out, out_size, out_len);
	case CM_COMP_ZSTD:
		return step_zstd(c, in, in_len, in_used, out, out_size, out_len);
	case CM_COMP_XZ:
	case CM_COMP_LZMA:
		return step_lzma(c, in, in_len, in_used, out, out_size, out_len);
	default:
		c->why = "not supported";
		return -EOPNOTSUPP;
	}
}

/* --- the image: segments of cpio, padding and compressed cpio ---------- */

struct lister {
	cm_initrd_read_fn rd;
	void *rctx;
	cm_cpio_entry_fn fn;
	void *fctx;
	struct cm_initrd_info *info;
	size_t pos, len;	/* in[pos..len) is unread */
	uint64_t base;		/* image offset of in[0] */
	int eof;
	struct cm_cpio raw, inner;
	unsigned char in[IN_CHUNK];
	unsigned char out[OUT_CHUNK];
};

static int failf(struct lister *l, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int failf(struct lister *l, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->info->why, sizeof(l->info->why), fmt, ap);
	va_end(ap);
	return r;
}

static uint64_t here(const struct lister *l)
{
	return l->base + l->pos;
}

/* Keeps in[pos..len), reads more behind it: 0, or -errno. */
static int refill(struct lister *l)
{
	ssize_t n;

	if (l->pos) {
		memmove(l->in, l->in + l->pos, l->len - l->pos);
		l->base += l->pos;
		l->len -= l->pos;
		l->pos = 0;
	}
	while (!l->eof && l->len < sizeof(l->in)) {
		n = l->rd(l->rctx, l->in + l->len, sizeof(l->in) - l->len);
		if (n < 0)
			return failf(l, (int)n, "read error at byte %llu: %s",
				     (unsigned long long)here(l), strerror((int)-n));
		if (n == 0)
			l->eof = 1;
		l->len += (size_t)n;
		l->info->in_bytes += (uint64_t)n;
		if (l->info->in_bytes > CM_INITRD_IN_MAX)
			return failf(l, -EMSGSIZE, "image larger than %llu bytes",
				     (unsigned long long)CM_INITRD_IN_MAX);
	}
	return 0;
}

static void layout_add(struct lister *l, const char *what)
{
	size_t n = strlen(l->info->layout);

	snprintf(l->info->layout + n, sizeof(l->info->layout) - n, "%s%s",
		 n ? "+" : "", what);
}

/* Unpacked bytes of a compressed segment into the inner cpio parser. */
static int unpacked(struct lister *l, const char *name, size_t n)
{
	size_t used;
	int r;

	l->info->out_bytes += n;
	if (l->info->out_bytes > CM_INITRD_OUT_MAX)
		return failf(l, -EMSGSIZE, "%s stream unpacks to more than %llu bytes",
			     name, (unsigned long long)CM_INITRD_OUT_MAX);
	r = cm_cpio_feed(&l->inner, l->out, n, &used, l->fn, l->fctx);
	if (r == 1)
		return failf(l, -EBADMSG, "%s stream: junk after a cpio entry "
			     "(unpacked byte %llu)", name,
			     (unsigned long long)l->inner.off);
	if (r == -EBADMSG)
		return failf(l, r, "%s stream: %s (unpacked byte %llu)", name,
			     l->inner.why, (unsigned long long)l->inner.off);
	if (r < 0)
		return failf(l, r, "%s stream: listing stopped: %s", name, strerror(-r));
	return 0;
}

/* One compressed stream starting at in[pos]: unpacks it through the inner
 * cpio parser; pos ends right after the stream. */
static int segment(struct lister *l, enum cm_initrd_comp comp)
{
	const char *name = cm_initrd_comp_name(comp);
	uint64_t start = here(l);
	struct codec c;
	int r, st = 0, idle = 0;

	r = codec_init(&c, comp);
	if (r < 0)
		return failf(l, r, "%s: cannot start the decoder", name);
	cm_cpio_init(&l->inner);
	while (st == 0) {
		size_t used = 0, n = 0;

		if (l->pos == l->len || idle) {
			size_t had = l->len - l->pos;

			if (l->eof) {
				r = failf(l, -EPIPE, "truncated %s stream (started at "
					  "byte %llu, image ends at byte %llu)", name,
					  (unsigned long long)start,
					  (unsigned long long)here(l));
				goto out;
			}
			if ((r = refill(l)) < 0)
				goto out;
			if (idle && l->len - l->pos == had) {
				/* a full buffer and no progress: never ours to wait on */
				r = failf(l, -EBADMSG, "%s decoder stalled at byte %llu",
					  name, (unsigned long long)here(l));
				goto out;
			}
			idle = 0;
			continue;
		}
		st = codec_step(&c, l->in + l->pos, l->len - l->pos, &used,
				l->out, sizeof(l->out), &n);
		l->pos += used;
		if (n && (r = unpacked(l, name, n)) < 0)
			goto out;
		if (st < 0) {
			r = failf(l, st, "corrupt %s stream at byte %llu: %s", name,
				  (unsigned long long)here(l), c.why);
			goto out;
		}
		idle = !used && !n;	/* the decoder wants more input */
	}
	r = cm_cpio_finish(&l->inner);
	if (r < 0)
		r = failf(l, r, "%s stream ends inside a cpio entry: %s", name,
			  l->inner.why);
out:
	codec_end(&c);
	return r;
}

/* The uncompressed archives read so far: into the layout and count. */
static void raw_done(struct lister *l)
{
	if (l->raw.entries || l->raw.trailers)
		layout_add(l, "cpio");
	l->info->entries += l->raw.entries;
	l->raw.entries = 0;
	l->raw.trailers = 0;
}

/* The raw layer stopped at in[pos]: a compressed segment starts there. */
static int next_segment(struct lister *l)
{
	enum cm_initrd_comp comp;
	int r;

	if (l->len - l->pos < SNIFF_LEN && !l->eof && (r = refill(l)) < 0)
		return r;
	raw_done(l);
	comp = cm_initrd_sniff(l->in + l->pos, l->len - l->pos);
	layout_add(l, cm_initrd_comp_name(comp));
	switch (comp) {
	case CM_COMP_GZIP:
	case CM_COMP_ZSTD:
	case CM_COMP_XZ:
	case CM_COMP_LZMA:
		r = segment(l, comp);
		if (r < 0)
			return r;
		l->info->entries += l->inner.entries;
		/* alignment of what follows counts from the image's start */
		cm_cpio_init(&l->raw);
		l->raw.off = here(l);
		return 0;
	case CM_COMP_UNKNOWN:
		return failf(l, -EBADMSG, "neither cpio nor a known compression at "
			     "byte %llu", (unsigned long long)here(l));
	default:
		l->info->unreadable = comp;
		return 1;
	}
}

static int list(struct lister *l)
{
	size_t used;
	int r;

	for (;;) {
		if (l->pos == l->len) {
			if (l->eof)
				break;
			if ((r = refill(l)) < 0)
				return r;
			continue;
		}
		r = cm_cpio_feed(&l->raw, l->in + l->pos, l->len - l->pos, &used,
				 l->fn, l->fctx);
		l->pos += used;
		if (r == -EBADMSG)
			return failf(l, r, "%s (byte %llu)", l->raw.why,
				     (unsigned long long)l->raw.off);
		if (r < 0)
			return failf(l, r, "listing stopped: %s", strerror(-r));
		if (r == 1 && (r = next_segment(l)) != 0)
			return r;
	}
	raw_done(l);
	r = cm_cpio_finish(&l->raw);
	if (r < 0)
		return failf(l, r, "%s (image ends at byte %llu)", l->raw.why,
			     (unsigned long long)here(l));
	if (!l->info->layout[0])
		return failf(l, -EBADMSG, "empty image");
	return 0;
}

int cm_initrd_list(cm_initrd_read_fn rd, void *rctx, cm_cpio_entry_fn fn,
		   void *fctx, struct cm_initrd_info *info)
{
	struct lister *l = calloc(1, sizeof(*l));
	int r;

	memset(info, 0, sizeof(*info));
	if (!l)
		return -ENOMEM;
	l->rd = rd;
	l->rctx = rctx;
	l->fn = fn;
	l->fctx = fctx;
	l->info = info;
	cm_cpio_init(&l->raw);
	r = list(l);
	free(l);
	return r;
}
