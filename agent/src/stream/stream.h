/* cloudmove stream: a block source, read once, turned by an encoder (raw,
 * fixed VHD, GCE tar.gz) into the bytes of an image, handed to a sink
 * (file:// here; S3, Azure page blob, GCS, HTTP later) that stores them.
 *
 *   source --extents--> encoder --write(off)/skip(off)--> sink
 *
 * Memory is fixed: the source reads into a caller's buffer of at most
 * CM_STREAM_CHUNK bytes; the gce encoder's pipeline holds a bounded number
 * of such buffers, whatever the size of the disk. */
#ifndef CM_STREAM_H
#define CM_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define CM_STREAM_CHUNK		(1024 * 1024)	/* one read, one deflate job */
#define CM_STREAM_ALIGN		4096		/* O_DIRECT buffer alignment */
#define CM_SIZE_UNKNOWN		UINT64_MAX	/* a compressed image's size */

struct cm_freemap;
struct cm_progress;
struct cm_sink;

/* A run of the source: data (in the caller's buffer) or zeros (a hole the
 * file system reported, never read, or a block found all zero). */
struct cm_extent {
	uint64_t off;
	uint64_t len;		/* data: at most CM_STREAM_CHUNK; zeros: any */
	int zero;
};

struct cm_source {
	int fd;
	const char *path;
	uint64_t size;
	int blkdev;		/* a block device: no SEEK_DATA, O_DIRECT */
	int direct;		/* opened with O_DIRECT */
	int seek_data;		/* the file system answers SEEK_DATA/SEEK_HOLE */
	uint64_t pos;		/* next offset to deliver */
	uint64_t data_end;	/* end of the data region pos is in */
	uint64_t read_bytes;	/* what was really read (holes are not) */
	uint64_t zero_bytes;	/* data read and found all zero */
	const struct cm_freemap *free;	/* --skip-free: not read, zeros */
	uint64_t free_bytes;	/* skipped as free space */
};

/* 0 or -errno (logged: "source PATH: ..."). */
int cm_source_open(struct cm_source *s, const char *path);
void cm_source_close(struct cm_source *s);
/* The next extent delivered starts at off (a resumed stream). */
void cm_source_seek(struct cm_source *s, uint64_t off);
/* The next extent: 1 one was produced (data in buf, which holds
 * CM_STREAM_CHUNK bytes aligned to CM_STREAM_ALIGN), 0 the end, -errno.
 * Data extents never cross a CM_STREAM_CHUNK boundary of the source. */
int cm_source_next(struct cm_source *s, void *buf, struct cm_extent *e);
/* Is buf all zero?  Word at a time, early exit on the first non-zero. */
int cm_is_zero(const void *buf, size_t len);

/* An aligned CM_STREAM_CHUNK buffer (NULL when out of memory). */
void *cm_stream_buf_alloc(size_t len);

/* What an encoder is given. */
struct cm_stream {
	struct cm_source *src;
	struct cm_sink *sink;
	struct cm_progress *progress;
	int threads;		/* compressor threads (gce) */
	int64_t mtime;		/* the archive member's (gce) */
	uint64_t out_bytes;	/* bytes the sink was given (stats) */
};

struct cm_encoder {
	const char *name;
	/* the image's size for a source of src_size, or CM_SIZE_UNKNOWN */
	uint64_t (*out_size)(uint64_t src_size);
	/* the bytes the progress counts to (the source, padded) */
	uint64_t (*work_size)(uint64_t src_size);
	/* encode the whole source into the sink: 0 or -errno (logged) */
	int (*run)(struct cm_stream *st);
};

extern const struct cm_encoder cm_encoder_raw;
extern const struct cm_encoder cm_encoder_vhd;
extern const struct cm_encoder cm_encoder_gce;
/* found by name through the registry: encoders.h */

/* raw.c: the source's bytes at their offsets, zeros as skips; what raw
 * and vhd share.  0 or -errno (logged). */
int cm_raw_copy(struct cm_stream *st);

#endif
