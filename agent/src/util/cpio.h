/* A push parser for the cpio "newc" (070701) and "crc" (070702) archives
 * of an initramfs, as the kernel reads them
 * (Documentation/driver-api/early-userspace/buffer-format.rst,
 * init/initramfs.c): bytes arrive in pieces of any size (from a file or a
 * decompressor), each entry's name is handed to a callback, file data is
 * skipped, never stored.  Constant memory: one header and one name.
 *
 *   initramfs    := ("\0" | cpio_archive | cpio_compressed_archive)*
 *   cpio_file    := ALGN(4) + header + name + "\0" + ALGN(4) + data
 *   cpio_trailer := ALGN(4) + header + "TRAILER!!!\0" + ALGN(4)
 *
 * Between entries (and archives) the parser eats zero padding; a byte
 * there that starts no header is where something else begins (a
 * compressed archive after an uncompressed early one): the parser stops
 * before it and says so, and the caller decides.  Pure: no I/O. */
#ifndef CM_CPIO_H
#define CM_CPIO_H

#include <stddef.h>
#include <stdint.h>

#define CM_CPIO_HDR_LEN		110
/* PATH_MAX: the kernel skips entries with longer names; so do we. */
#define CM_CPIO_NAME_MAX	4096

struct cm_cpio_entry {
	const char *name;	/* NUL-terminated, as in the archive ("./x" or "x") */
	uint32_t mode;		/* st_mode bits */
	uint32_t size;		/* data bytes */
};

/* 0 to go on; a negative value stops the parser, which returns it. */
typedef int (*cm_cpio_entry_fn)(void *ctx, const struct cm_cpio_entry *e);

enum cm_cpio_state {
	CM_CPIO_BETWEEN = 0,	/* zero padding, or the next header */
	CM_CPIO_HEADER,		/* collecting the 110-byte header */
	CM_CPIO_NAME,		/* collecting the name and its padding */
	CM_CPIO_SKIP,		/* skipping data and its padding */
};

struct cm_cpio {
	enum cm_cpio_state state;
	uint64_t off;		/* bytes consumed: alignment is relative to 0 */
	size_t have;		/* bytes of header or name collected */
	uint64_t skip;		/* bytes of data and padding still to skip */
	uint32_t namesize, namepad, filesize, mode;
	uint64_t entries;	/* entries reported (trailers not counted) */
	unsigned trailers;
	const char *why;	/* after an error: what was wrong (static) */
	unsigned char hdr[CM_CPIO_HDR_LEN];
	char name[CM_CPIO_NAME_MAX];
};

void cm_cpio_init(struct cm_cpio *c);

/* Feeds buf[0..len).  *used gets the bytes consumed.  Returns 0 when all
 * were consumed; 1 when the parser stopped between entries at a byte
 * that is neither padding nor a header (buf[*used] starts something
 * else); -EBADMSG for a malformed archive (c->why says what, at offset
 * c->off); or the callback's negative value. */
int cm_cpio_feed(struct cm_cpio *c, const void *buf, size_t len, size_t *used,
		 cm_cpio_entry_fn fn, void *ctx);

/* At the end of the input: 0 when it ended between entries, -EPIPE when
 * it ended inside one (a truncated archive; c->why says where). */
int cm_cpio_finish(struct cm_cpio *c);

#endif
