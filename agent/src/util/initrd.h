/* Lists the files of an initramfs image as the kernel unpacks it
 * (init/initramfs.c unpack_to_rootfs): uncompressed cpio archives (the
 * early microcode one), zero padding and compressed cpio archives in any
 * order, each compressed stream a segment of its own whose compression is
 * known by its magic (lib/decompress.c): gzip (zlib), zstd (libzstd), xz
 * and lzma (liblzma) are read; bzip2, lzo and lz4 are recognised and
 * reported as such.  Streaming with fixed buffers: memory stays flat for
 * a 100+ MiB image; decompressed bytes are capped (a bomb ends in an
 * error, not in a full disk or memory). */
#ifndef CM_INITRD_H
#define CM_INITRD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cpio.h"

#define CM_INITRD_IN_MAX	((uint64_t)2 << 30)	/* image bytes read */
#define CM_INITRD_OUT_MAX	((uint64_t)8 << 30)	/* bytes unpacked */
#define CM_INITRD_ZSTD_WINDOWLOG_MAX	27	/* 128 MiB: zstd's default cap */
#define CM_INITRD_XZ_MEMLIMIT	((uint64_t)256 << 20)	/* xz -9 needs 65 MiB */

enum cm_initrd_comp {
	CM_COMP_NONE = 0,	/* uncompressed cpio */
	CM_COMP_GZIP,
	CM_COMP_ZSTD,
	CM_COMP_XZ,
	CM_COMP_LZMA,
	CM_COMP_BZIP2,		/* recognised, not read */
	CM_COMP_LZO,
	CM_COMP_LZ4,
	CM_COMP_UNKNOWN,
};

/* Pure: the compression whose magic p[0..len) starts with (at least 6
 * bytes are needed to tell them all apart; fewer: CM_COMP_UNKNOWN). */
enum cm_initrd_comp cm_initrd_sniff(const unsigned char *p, size_t len);
const char *cm_initrd_comp_name(enum cm_initrd_comp c);

/* Reads up to size bytes: the count, 0 at the end, -errno. */
typedef ssize_t (*cm_initrd_read_fn)(void *ctx, void *buf, size_t size);

struct cm_initrd_info {
	char layout[96];	/* "cpio+zstd": the segments in order */
	enum cm_initrd_comp unreadable;	/* the segment that stopped us */
	uint64_t entries;	/* files listed */
	uint64_t in_bytes, out_bytes;
	char why[192];		/* after an error: what, and where */
};

/* Calls fn for every file of the image read through rd.  0 when every
 * segment was read; 1 when a segment in a compression we do not read
 * (bzip2, lzo, lz4) stopped the listing (info->unreadable says which);
 * <0 for a corrupt or truncated image (-EBADMSG, -EPIPE), over a cap
 * (-EMSGSIZE), a read error, or fn's error, with info->why set. */
int cm_initrd_list(cm_initrd_read_fn rd, void *rctx, cm_cpio_entry_fn fn,
		   void *fctx, struct cm_initrd_info *info);

#endif
