/* The block map of a delta stream (cloudmove stream --delta-map PATH): what
 * the destination held after the last stream, one SHA-256 per block, so
 * that the next stream re-reads the disk once and sends only the blocks
 * whose hash differs.
 *
 * The file, beside the disk (never the disk itself):
 *   a header of CM_DELTAMAP_HDR bytes, text, '\n'-padded:
 *     cloudmove-deltamap 1
 *     dest URL            the destination without its query (a SAS)
 *     id IDENTITY         what proves the destination is still the one
 *                         the map describes (file: dev/ino/size/mtime;
 *                         a blob's ETag, an object's ETag and size, a
 *                         snapshot id), one token, no spaces
 *     block N             bytes per block (a power of two, 4 KiB..64 MiB)
 *     disk N              the disk's size in bytes
 *     end
 *   then ceil(disk / block) entries of 32 bytes, in block order: the
 *   SHA-256 of the block (the last one of the disk's real length), or 32
 *   zero bytes for a block all zero (no SHA-256 is known to be all zero).
 *
 * It is read and written sequentially through a small buffer, never whole
 * in memory (a 2 TiB disk at 512 KiB blocks is 4 M entries, 128 MiB), and
 * written as PATH.part (created exclusively, never through a link; one a
 * killed run left is removed first), fsync'ed, renamed over PATH: a crash
 * leaves the old map or the new, never a mix. */
#ifndef CM_STREAM_DELTAMAP_H
#define CM_STREAM_DELTAMAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "url.h"

#define CM_DELTAMAP_HDR		4096
#define CM_DELTAMAP_BLOCK	(512 * 1024)	/* an EBS snapshot's block */
#define CM_DELTAMAP_HASH	32
#define CM_DELTAMAP_ID_MAX	512

struct cm_deltamap_hdr {
	char dest[CM_URL_MAX];
	char id[CM_DELTAMAP_ID_MAX];
	uint64_t block;
	uint64_t disk;
};

/* Entries a disk of h->disk bytes has at h->block bytes a block. */
uint64_t cm_deltamap_blocks(const struct cm_deltamap_hdr *h);

/* Parses the header in buf[0..len) (pure: no I/O, no allocation).  0 and
 * *h filled, or -EINVAL with *why set to a static reason. */
int cm_deltamap_parse(const char *buf, size_t len, struct cm_deltamap_hdr *h,
		      const char **why);
/* The header of h into out (CM_DELTAMAP_HDR bytes): 0, or -EMSGSIZE when
 * it does not fit, -EINVAL when dest or id hold what the parser refuses. */
int cm_deltamap_format(const struct cm_deltamap_hdr *h, char out[CM_DELTAMAP_HDR]);

/* A map being read: the header, then next() per block. */
struct cm_deltamap_reader {
	FILE *f;
	struct cm_deltamap_hdr hdr;
	uint64_t index;			/* next entry */
};

/* Opens path: 0, -ENOENT (no map), -EINVAL (not a map; *why says), or
 * -errno. */
int cm_deltamap_open(struct cm_deltamap_reader *r, const char *path, const char **why);
/* The next entry into hash: 1, 0 past the last one, -EIO (short file). */
int cm_deltamap_next(struct cm_deltamap_reader *r, unsigned char hash[CM_DELTAMAP_HASH]);
void cm_deltamap_close(struct cm_deltamap_reader *r);

/* A map being written: begin() creates PATH.part (0600) and leaves room
 * for the header, add() appends entries, commit() writes the header (the
 * identity known only once the destination is finished), fsyncs and
 * renames; discard() removes the temp file. */
struct cm_deltamap_writer {
	FILE *f;
	char path[4096];
	char tmp[4096 + 8];
	uint64_t count;
};

int cm_deltamap_begin(struct cm_deltamap_writer *w, const char *path);
int cm_deltamap_add(struct cm_deltamap_writer *w, const unsigned char hash[CM_DELTAMAP_HASH]);
int cm_deltamap_commit(struct cm_deltamap_writer *w, const struct cm_deltamap_hdr *h);
void cm_deltamap_discard(struct cm_deltamap_writer *w);

/* The entry of a block: zeros for a block all zero, else its SHA-256. */
void cm_deltamap_hash(const void *buf, size_t len, int zero,
		      unsigned char hash[CM_DELTAMAP_HASH]);

#endif
