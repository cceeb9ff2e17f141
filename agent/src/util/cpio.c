#include <errno.h>
#include <string.h>

#include "cpio.h"

/* Header fields after the 6-byte magic: 13 of 8 hex digits each. */
#define F_MODE		1
#define F_FILESIZE	6
#define F_NAMESIZE	11
#define TRAILER		"TRAILER!!!"

void cm_cpio_init(struct cm_cpio *c)
{
	memset(c, 0, sizeof(*c));
	c->state = CM_CPIO_BETWEEN;
}

static int fail(struct cm_cpio *c, const char *why)
{
	c->why = why;
	return -EBADMSG;
}

static int hex8(const unsigned char *p, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		unsigned char ch = p[i];
		unsigned d;

		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			d = ch - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static uint32_t pad4(uint64_t off)
{
	return (uint32_t)(-off & 3);
}

static int parse_header(struct cm_cpio *c)
{
	uint32_t namesize;

	if (memcmp(c->hdr, "070701", 6) && memcmp(c->hdr, "070702", 6))
		return fail(c, memcmp(c->hdr, "070707", 6) ?
			    "not a cpio header (bad magic)" :
			    "old cpio format (odc), not newc");
	if (hex8(c->hdr + 6 + 8 * F_MODE, &c->mode) < 0 ||
	    hex8(c->hdr + 6 + 8 * F_FILESIZE, &c->filesize) < 0 ||
	    hex8(c->hdr + 6 + 8 * F_NAMESIZE, &namesize) < 0)
		return fail(c, "bad hex digit in cpio header");
	if (namesize == 0)
		return fail(c, "cpio entry without a name");
	c->namesize = namesize;
	/* header + name + padding end 4-aligned; the header started aligned */
	c->namepad = pad4(c->off + namesize);
	c->have = 0;
	c->state = CM_CPIO_NAME;
	return 0;
}

/* The name is complete: report it (unless it is the trailer or too long
 * to keep), then skip the data. */
static int end_of_name(struct cm_cpio *c, cm_cpio_entry_fn fn, void *ctx)
{
	struct cm_cpio_entry e;
	int r;

	c->skip = (uint64_t)c->filesize + pad4(c->off + c->filesize);
	c->state = c->skip ? CM_CPIO_SKIP : CM_CPIO_BETWEEN;
	if (c->namesize > CM_CPIO_NAME_MAX)
		return 0;		/* the kernel skips it too */
	if (c->name[c->namesize - 1] != '\0')
		return fail(c, "cpio name not NUL-terminated");
	if (!strcmp(c->name, TRAILER)) {
		c->trailers++;
		return 0;
	}
	e.name = c->name;
	e.mode = c->mode;
	e.size = c->filesize;
	c->entries++;
	r = fn ? fn(ctx, &e) : 0;
	return r < 0 ? r : 0;
}

/* One step of the state machine over p[0..len): bytes consumed (c->off
 * moved past them), or -1 with *r set (error, or 1: stop before p[0]). */
static long step(struct cm_cpio *c, const unsigned char *p, size_t len,
		 cm_cpio_entry_fn fn, void *ctx, int *r)
{
	size_t n = 0;

	switch (c->state) {
	case CM_CPIO_BETWEEN:
		while (n < len && p[n] == 0)
			n++;
		c->off += n;
		if (n == len || n)
			return (long)n;		/* the zeros first */
		if (p[0] != '0') {
			*r = 1;
			return -1;
		}
		if (c->off & 3) {
			*r = fail(c, "cpio header not 4-byte aligned");
			return -1;
		}
		c->state = CM_CPIO_HEADER;
		c->have = 0;
		return 0;
	case CM_CPIO_HEADER:
		n = CM_CPIO_HDR_LEN - c->have;
		if (n > len)
			n = len;
		memcpy(c->hdr + c->have, p, n);
		c->have += n;
		c->off += n;
		if (c->have == CM_CPIO_HDR_LEN && (*r = parse_header(c)) < 0)
			return -1;
		return (long)n;
	case CM_CPIO_NAME: {
		uint64_t total = (uint64_t)c->namesize + c->namepad;

		n = total - c->have < len ? (size_t)(total - c->have) : len;
		if (c->have < c->namesize && c->have < CM_CPIO_NAME_MAX) {
			size_t keep = c->namesize < CM_CPIO_NAME_MAX ?
				      c->namesize : CM_CPIO_NAME_MAX;
			size_t k = keep - c->have < n ? keep - c->have : n;

			memcpy(c->name + c->have, p, k);
		}
		c->have += n;
		c->off += n;
		if (c->have == total && (*r = end_of_name(c, fn, ctx)) < 0)
			return -1;
		return (long)n;
	}
	case CM_CPIO_SKIP:
		n = c->skip < len ? (size_t)c->skip : len;
		c->skip -= n;
		c->off += n;
		if (c->skip == 0)
			c->state = CM_CPIO_BETWEEN;
		return (long)n;
	}
	*r = fail(c, "bad parser state");
	return -1;
}

int cm_cpio_feed(struct cm_cpio *c, const void *buf, size_t len, size_t *used,
		 cm_cpio_entry_fn fn, void *ctx)
{
	const unsigned char *p = buf;
	size_t done = 0;
	int r = 0;

	/* every step consumes bytes or changes the state (BETWEEN to
	 * HEADER, which then consumes): the loop ends */
	while (done < len) {
		long n = step(c, p + done, len - done, fn, ctx, &r);

		if (n < 0)
			break;
		done += (size_t)n;
	}
	*used = done;
	return r;
}

int cm_cpio_finish(struct cm_cpio *c)
{
	switch (c->state) {
	case CM_CPIO_BETWEEN:
		return 0;
	case CM_CPIO_HEADER:
		c->why = "truncated cpio archive (inside a header)";
		break;
	case CM_CPIO_NAME:
		c->why = "truncated cpio archive (inside a name)";
		break;
	case CM_CPIO_SKIP:
		c->why = "truncated cpio archive (inside a file's data)";
		break;
	}
	return -EPIPE;
}
