/* util/cpio.c (the newc push parser) and util/initrd.c (segments and
 * decompression), on archives built here or made by the real tools. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "test.h"
#include "util/buf.h"
#include "util/cpio.h"
#include "util/initrd.h"

/* One newc entry: header, name, NUL, padding, data, padding. */
static void add_entry(struct cm_buf *b, const char *name, const char *data,
		      size_t size)
{
	static const char zeros[4];
	size_t nl = strlen(name) + 1;
	int r;

	r = cm_buf_printf(b, "070701%08x%08x%08x%08x%08x%08x%08zx%08x%08x%08x%08x%08zx%08x",
			  1u, 0100644u, 0u, 0u, 1u, 0u, size, 0u, 0u, 0u, 0u, nl, 0u);
	r |= cm_buf_add(b, name, nl);
	r |= cm_buf_add(b, zeros, (4 - b->len % 4) % 4);
	if (size)
		r |= cm_buf_add(b, data, size);
	r |= cm_buf_add(b, zeros, (4 - b->len % 4) % 4);
	if (r)
		abort();
}

static void add_trailer(struct cm_buf *b)
{
	add_entry(b, "TRAILER!!!", NULL, 0);
}

struct names {
	char all[2048];
	unsigned n;
	int stop_at;		/* return an error at this entry (1-based) */
};

static int collect(void *ctx, const struct cm_cpio_entry *e)
{
	struct names *s = ctx;
	size_t l = strlen(s->all);

	snprintf(s->all + l, sizeof(s->all) - l, "%s%s:%u", l ? " " : "", e->name,
		 (unsigned)e->size);
	if (++s->n == (unsigned)s->stop_at)
		return -ECANCELED;
	return 0;
}

static struct cm_buf sample(void)
{
	struct cm_buf b;

	cm_buf_init(&b, 1 << 20);
	add_entry(&b, ".", NULL, 0);
	add_entry(&b, "usr/lib/modules/6.1/kernel/a.ko", "x", 1);
	add_entry(&b, "bb", "12345", 5);
	add_entry(&b, "ccc", "1234", 4);
	add_entry(&b, "dddd", "123", 3);
	add_trailer(&b);
	return b;
}

#define SAMPLE_NAMES ".:0 usr/lib/modules/6.1/kernel/a.ko:1 bb:5 ccc:4 dddd:3"

TEST(cpio_reads_names_and_sizes_whole_or_byte_by_byte)
{
	struct cm_buf b = sample();
	struct names s = { .stop_at = -1 };
	struct cm_cpio c;
	size_t used, i;

	cm_cpio_init(&c);
	CHECK_INT(cm_cpio_feed(&c, b.data, b.len, &used, collect, &s), 0);
	CHECK_INT(used, b.len);
	CHECK_INT(cm_cpio_finish(&c), 0);
	CHECK_STR(s.all, SAMPLE_NAMES);
	CHECK_INT(c.trailers, 1);
	CHECK_INT(c.entries, 5);

	memset(&s, 0, sizeof(s));
	s.stop_at = -1;
	cm_cpio_init(&c);
	for (i = 0; i < b.len; i++) {
		CHECK_INT(cm_cpio_feed(&c, b.data + i, 1, &used, collect, &s), 0);
		CHECK_INT(used, 1);
	}
	CHECK_INT(cm_cpio_finish(&c), 0);
	CHECK_STR(s.all, SAMPLE_NAMES);
	cm_buf_free(&b);
}

TEST(cpio_concatenated_archives_with_zero_padding)
{
	struct cm_buf b = sample();
	struct names s = { .stop_at = -1 };
	struct cm_cpio c;
	size_t used;

	CHECK_INT(cm_buf_add(&b, "\0\0\0\0\0\0\0\0", 8), 0);
	add_entry(&b, "second", "zz", 2);
	add_trailer(&b);
	cm_cpio_init(&c);
	CHECK_INT(cm_cpio_feed(&c, b.data, b.len, &used, collect, &s), 0);
	CHECK_INT(cm_cpio_finish(&c), 0);
	CHECK_STR(s.all, SAMPLE_NAMES " second:2");
	CHECK_INT(c.trailers, 2);
	cm_buf_free(&b);
}

TEST(cpio_stops_where_something_else_starts)
{
	struct cm_buf b = sample();
	struct names s = { .stop_at = -1 };
	struct cm_cpio c;
	size_t used, end;

	CHECK_INT(cm_buf_add(&b, "\0\0\0", 3), 0);
	end = b.len;
	CHECK_INT(cm_buf_add(&b, "\x1f\x8b\x08", 3), 0);
	cm_cpio_init(&c);
	CHECK_INT(cm_cpio_feed(&c, b.data, b.len, &used, collect, &s), 1);
	CHECK_INT(used, end);
	CHECK_INT(cm_cpio_finish(&c), 0);	/* it ended between entries */
	cm_buf_free(&b);
}

TEST(cpio_truncated_anywhere_is_epipe_or_clean)
{
	struct cm_buf b = sample();
	struct cm_cpio c;
	size_t cut, used;
	int r;

	for (cut = 1; cut < b.len; cut++) {
		cm_cpio_init(&c);
		CHECK_INT(cm_cpio_feed(&c, b.data, cut, &used, NULL, NULL), 0);
		r = cm_cpio_finish(&c);
		/* clean only at an entry boundary */
		if (r == 0)
			CHECK(c.state == CM_CPIO_BETWEEN);
		else
			CHECK(r == -EPIPE && c.why && strstr(c.why, "truncated"));
	}
	cm_buf_free(&b);
}

TEST(cpio_malformed_headers)
{
	struct cm_buf b = sample();
	struct cm_cpio c;
	size_t used;

	memcpy(b.data, "070707", 6);
	cm_cpio_init(&c);
	CHECK_INT(cm_cpio_feed(&c, b.data, b.len, &used, NULL, NULL), -EBADMSG);
	CHECK(strstr(c.why, "odc"));
	memcpy(b.data, "07070x", 6);	/* 'x' is no header start after '0' */
	cm_cpio_init(&c);
	CHECK_INT(cm_cpio_feed(&c, b.data, b.len, &used, NULL, NULL), -EBADMSG);
	CHECK(strstr(c.why, "magic"));
	memcpy(b.data, "070701", 6);
	b.data[6 + 8 * 6] = 'g';	/* filesize */
	cm_cpio_init(&c);
	CHECK_INT(cm_cpio_feed(&c, b.data, b.len, &used, NULL, NULL), -EBADMSG);
	CHECK(strstr(c.why, "hex"));
	cm_buf_free(&b);
}

TEST(cpio_name_rules)
{
	struct cm_buf b;
	struct names s = { .stop_at = -1 };
	struct cm_cpio c;
	char longname[CM_CPIO_NAME_MAX + 10];
	size_t used;

	cm_buf_init(&b, 1 << 20);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	add_entry(&b, longname, "abc", 3);	/* skipped, like the kernel */
	add_entry(&b, "after", "", 0);
	add_trailer(&b);
	cm_cpio_init(&c);
	CHECK_INT(cm_cpio_feed(&c, b.data, b.len, &used, collect, &s), 0);
	CHECK_STR(s.all, "after:0");

	cm_buf_reset(&b);
	add_entry(&b, "abc", NULL, 0);
	b.data[110 + 3] = 'x';		/* the name's NUL */
	cm_cpio_init(&c);
	CHECK_INT(cm_cpio_feed(&c, b.data, b.len, &used, NULL, NULL), -EBADMSG);
	CHECK(strstr(c.why, "NUL"));

	cm_buf_reset(&b);
	add_entry(&b, "abc", NULL, 0);
	memcpy(b.data + 6 + 8 * 11, "00000000", 8);	/* namesize 0 */
	cm_cpio_init(&c);
	CHECK_INT(cm_cpio_feed(&c, b.data, b.len, &used, NULL, NULL), -EBADMSG);
	cm_buf_free(&b);
}

TEST(cpio_header_must_be_aligned_and_callback_errors_stop)
{
	struct cm_buf b = sample();
	struct names s = { .stop_at = 2 };
	struct cm_cpio c;
	size_t used;

	cm_cpio_init(&c);
	CHECK_INT(cm_cpio_feed(&c, b.data, b.len, &used, collect, &s), -ECANCELED);
	CHECK_INT(s.n, 2);
	cm_cpio_init(&c);
	CHECK_INT(cm_cpio_feed(&c, "\0", 1, &used, NULL, NULL), 0);
	CHECK_INT(cm_cpio_feed(&c, b.data, b.len, &used, NULL, NULL), -EBADMSG);
	CHECK(strstr(c.why, "aligned"));
	cm_buf_free(&b);
}

/* --- initrd: segments and compression ---------------------------------- */

static const unsigned char zstd_cpio[] = {
	0x28, 0xb5, 0x2f, 0xfd, 0x64, 0x00, 0x03, 0x15, 0x05, 0x00, 0xb2, 0x07,
	0x19, 0x19, 0x70, 0xad, 0x0e, 0x30, 0x22, 0xfa, 0x13, 0xd5, 0x49, 0x31,
	0xe3, 0x40, 0x19, 0xea, 0x15, 0xdd, 0x9a, 0xb1, 0x49, 0x5a, 0xcd, 0xff,
	0x0f, 0x4f, 0x06, 0xcc, 0xcc, 0xcc, 0xcc, 0x6b, 0xad, 0xa3, 0x1a, 0xc5,
	0x3c, 0x90, 0xd3, 0x77, 0x45, 0xb1, 0x87, 0x61, 0xb6, 0x99, 0x9c, 0x06,
	0x5d, 0xbf, 0xd9, 0x32, 0xf2, 0xb5, 0x0e, 0x64, 0x99, 0x46, 0xdd, 0x61,
	0x33, 0xd8, 0x5e, 0x10, 0xd9, 0x2b, 0x29, 0x4f, 0xd3, 0xde, 0x2f, 0x59,
	0x6e, 0x93, 0x00, 0x33, 0x14, 0x49, 0xcf, 0x31, 0xbb, 0x7b, 0x25, 0x2e,
	0xeb, 0x2f, 0x9c, 0x42, 0xe0, 0x43, 0xed, 0xf7, 0xff, 0x3d, 0xb8, 0x29,
	0xe7, 0xdf, 0x8f, 0x8f, 0x0f, 0x1d, 0xa0, 0x20, 0x1e, 0x8a, 0x4a, 0x0b,
	0xed, 0x19, 0x80, 0x83, 0x22, 0x0f, 0xd9, 0x63, 0xe7, 0x49, 0x1e, 0xb8,
	0x10, 0x76, 0xda, 0x99, 0x75, 0xf6, 0x1e, 0x90, 0xe1, 0x7c, 0x86, 0x98,
	0x03, 0x64, 0x9d, 0x3e, 0xf5, 0x00, 0x69, 0x77, 0x34, 0xf1, 0x0e, 0x31,
	0x10, 0x4d, 0xf4, 0x96, 0xbc, 0x91, 0x27, 0x67, 0xe7, 0x8c, 0x11, 0xf5,
	0xb1, 0x2b, 0x30, 0x05, 0x83, 0x1a, 0x46, 0x65
};
static const unsigned char xz_cpio[] = {
	0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x01, 0x69, 0x22, 0xde, 0x36,
	0x02, 0x00, 0x21, 0x01, 0x16, 0x00, 0x00, 0x00, 0x74, 0x2f, 0xe5, 0xa3,
	0xe0, 0x03, 0xff, 0x00, 0xa2, 0x5d, 0x00, 0x18, 0x0d, 0xdd, 0x04, 0x63,
	0x83, 0x21, 0xfb, 0x69, 0x45, 0xa6, 0x69, 0x4b, 0xe4, 0xbf, 0x90, 0x4e,
	0xb7, 0x92, 0x64, 0x6d, 0x5f, 0x1e, 0x0c, 0xbc, 0x1a, 0xb3, 0x2e, 0x91,
	0xc4, 0xf7, 0x75, 0x8d, 0x0f, 0x0f, 0x84, 0xfc, 0x82, 0x83, 0x05, 0x1b,
	0x30, 0x69, 0x18, 0xb2, 0x7f, 0xee, 0x79, 0x64, 0x78, 0x8b, 0x01, 0x9d,
	0x87, 0x19, 0x84, 0xd6, 0xec, 0xf8, 0xc9, 0xa2, 0x3e, 0x76, 0x91, 0xe2,
	0x9a, 0xd9, 0x71, 0xbd, 0x11, 0xb1, 0x4f, 0x5f, 0xe8, 0x57, 0xc6, 0x64,
	0x62, 0xad, 0xc1, 0x8b, 0xad, 0xd4, 0x79, 0x1c, 0x8d, 0xbd, 0xaa, 0x06,
	0x68, 0x29, 0xc0, 0x47, 0x4d, 0xcd, 0xf6, 0x0d, 0xca, 0x98, 0x81, 0xae,
	0x7e, 0xe0, 0xca, 0x19, 0x99, 0x1f, 0x7b, 0xd5, 0x35, 0x63, 0x97, 0x38,
	0x1f, 0x59, 0x42, 0x10, 0xb7, 0xca, 0xae, 0x22, 0x04, 0x35, 0xed, 0xd8,
	0x87, 0x1e, 0x6c, 0xd9, 0x73, 0x7e, 0x41, 0x70, 0x27, 0xe8, 0xc7, 0x18,
	0x92, 0xf6, 0x12, 0x7c, 0x97, 0xb4, 0x3a, 0x6d, 0xbe, 0xb6, 0x22, 0xc3,
	0x7b, 0x07, 0x5d, 0xf4, 0xd0, 0xa0, 0x40, 0x7b, 0x14, 0xd1, 0x0b, 0xac,
	0x00, 0x00, 0x00, 0x00, 0x41, 0xc6, 0xec, 0x69, 0x00, 0x01, 0xba, 0x01,
	0x80, 0x08, 0x00, 0x00, 0xfd, 0x2a, 0x2e, 0xa6, 0x3e, 0x30, 0x0d, 0x8b,
	0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x59, 0x5a
};

struct mem {
	const unsigned char *p;
	size_t len, pos, chunk;
};

static ssize_t mem_read(void *ctx, void *buf, size_t size)
{
	struct mem *m = ctx;
	size_t n = m->len - m->pos;

	if (n > size)
		n = size;
	if (m->chunk && n > m->chunk)
		n = m->chunk;	/* short reads, as from a pipe */
	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

static int list(const void *p, size_t len, struct names *s,
		struct cm_initrd_info *info)
{
	struct mem m = { p, len, 0, 7 };

	memset(s, 0, sizeof(*s));
	s->stop_at = -1;
	return cm_initrd_list(mem_read, &m, collect, s, info);
}

static void gzip_into(struct cm_buf *out, const struct cm_buf *in)
{
	unsigned char buf[8192];
	z_stream z = { 0 };

	if (deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = (unsigned char *)in->data;
	z.avail_in = (uInt)in->len;
	z.next_out = buf;
	z.avail_out = sizeof(buf);
	if (deflate(&z, Z_FINISH) != Z_STREAM_END ||
	    cm_buf_add(out, buf, sizeof(buf) - z.avail_out))
		abort();
	deflateEnd(&z);
}

/* (find . | cpio -o -H newc: GNU cpio drops the "./") */
#define TOOL_NAMES ".:0 usr:0 usr/lib:0 usr/lib/modules:0 " \
	"usr/lib/modules/6.1:0 usr/lib/modules/6.1/kernel:0 " \
	"usr/lib/modules/6.1/kernel/nvme.ko.xz:0"

TEST(initrd_sniffs_the_kernels_magics)
{
	CHECK_INT(cm_initrd_sniff((const unsigned char *)"\x1f\x8b\x08", 3), CM_COMP_GZIP);
	CHECK_INT(cm_initrd_sniff(zstd_cpio, 6), CM_COMP_ZSTD);
	CHECK_INT(cm_initrd_sniff(xz_cpio, 6), CM_COMP_XZ);
	CHECK_INT(cm_initrd_sniff((const unsigned char *)"\x5d\0\0\x80", 4), CM_COMP_LZMA);
	CHECK_INT(cm_initrd_sniff((const unsigned char *)"BZh9", 4), CM_COMP_BZIP2);
	CHECK_INT(cm_initrd_sniff((const unsigned char *)"\x89LZO\0", 5), CM_COMP_LZO);
	CHECK_INT(cm_initrd_sniff((const unsigned char *)"\x02\x21\x4c\x18", 4), CM_COMP_LZ4);
	CHECK_INT(cm_initrd_sniff((const unsigned char *)"\x04\x22\x4d\x18", 4), CM_COMP_LZ4);
	CHECK_INT(cm_initrd_sniff((const unsigned char *)"\xfd" "7zX", 4), CM_COMP_UNKNOWN);
	CHECK_INT(cm_initrd_sniff((const unsigned char *)"hello!", 6), CM_COMP_UNKNOWN);
}

TEST(initrd_zstd_and_xz_streams_made_by_the_tools)
{
	struct cm_initrd_info info;
	struct names s;

	CHECK_INT(list(zstd_cpio, sizeof(zstd_cpio), &s, &info), 0);
	CHECK_STR(s.all, TOOL_NAMES);
	CHECK_STR(info.layout, "zstd");
	CHECK_INT(info.entries, 7);
	CHECK_INT(list(xz_cpio, sizeof(xz_cpio), &s, &info), 0);
	CHECK_STR(s.all, TOOL_NAMES);
	CHECK_STR(info.layout, "xz");
}

TEST(initrd_early_cpio_then_gzip_then_padding)
{
	struct cm_buf early, main_cpio, img;
	struct cm_initrd_info info;
	struct names s;

	cm_buf_init(&early, 1 << 20);
	cm_buf_init(&img, 1 << 20);
	add_entry(&early, "early_cpio", "1\n", 2);
	add_entry(&early, "kernel/x86/microcode/GenuineIntel.bin", "ucode", 5);
	add_trailer(&early);
	main_cpio = sample();
	CHECK_INT(cm_buf_add(&img, early.data, early.len), 0);
	CHECK_INT(cm_buf_add(&img, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16), 0);
	gzip_into(&img, &main_cpio);
	CHECK_INT(cm_buf_add(&img, "\0\0\0\0", 4), 0);
	CHECK_INT(list(img.data, img.len, &s, &info), 0);
	CHECK_STR(s.all, "early_cpio:2 kernel/x86/microcode/GenuineIntel.bin:5 " SAMPLE_NAMES);
	CHECK_STR(info.layout, "cpio+gzip");
	CHECK_INT(info.entries, 7);

	/* the same image cut anywhere: an error or (at a boundary of the
	 * uncompressed part) a shorter list, never a crash */
	for (size_t cut = 1; cut < img.len; cut += 13) {
		int r = list(img.data, cut, &s, &info);

		CHECK(r == 0 || r == -EPIPE || r == -EBADMSG);
		if (r < 0)
			CHECK(info.why[0]);
	}
	cm_buf_free(&early);
	cm_buf_free(&main_cpio);
	cm_buf_free(&img);
}

TEST(initrd_errors_and_unreadable_compressions)
{
	unsigned char bad[sizeof(zstd_cpio)];
	struct cm_initrd_info info;
	struct names s;

	CHECK_INT(list(zstd_cpio, sizeof(zstd_cpio) - 10, &s, &info), -EPIPE);
	CHECK(strstr(info.why, "truncated zstd stream"));
	memcpy(bad, zstd_cpio, sizeof(bad));
	memset(bad + 20, 0xaa, 40);
	CHECK(list(bad, sizeof(bad), &s, &info) < 0);
	CHECK(info.why[0]);
	CHECK_INT(list("\x04\x22\x4d\x18xxxxxxxx", 12, &s, &info), 1);
	CHECK_INT(info.unreadable, CM_COMP_LZ4);
	CHECK_INT(list("BZh91AY&SY", 10, &s, &info), 1);
	CHECK_INT(info.unreadable, CM_COMP_BZIP2);
	CHECK_INT(list("hello world", 11, &s, &info), -EBADMSG);
	CHECK(strstr(info.why, "neither cpio nor a known compression at byte 0"));
	CHECK_INT(list("\0\0\0\0", 4, &s, &info), -EBADMSG);
	CHECK(strstr(info.why, "empty"));
}

TEST(initrd_junk_inside_a_compressed_stream)
{
	struct cm_buf in, img;
	struct cm_initrd_info info;
	struct names s;

	in = sample();
	cm_buf_init(&img, 1 << 20);
	CHECK_INT(cm_buf_add(&in, "JUNK", 4), 0);
	gzip_into(&img, &in);
	CHECK_INT(list(img.data, img.len, &s, &info), -EBADMSG);
	CHECK(strstr(info.why, "gzip stream: junk"));
	cm_buf_free(&in);
	cm_buf_free(&img);
}
