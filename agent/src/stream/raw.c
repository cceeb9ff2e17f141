/* raw: the image is the disk, byte for byte; its zeros are skips, which a
 * sparse sink leaves as holes. */
#include <errno.h>
#include <stdlib.h>

#include "../log.h"
#include "progress.h"
#include "sinks/sink.h"
#include "stream.h"

int cm_raw_copy(struct cm_stream *st)
{
	void *buf = cm_stream_buf_alloc(CM_STREAM_CHUNK);
	struct cm_extent e;
	int r;

	if (!buf)
		return cm_err(-ENOMEM, "stream buffer");
	/* resumed: what the destination holds need not be read again (the
	 * image's offsets are the disk's, for raw and vhd alike) */
	if (st->sink->resume_from)
		cm_source_seek(st->src, st->sink->resume_from & ~(uint64_t)(CM_STREAM_CHUNK - 1));
	while ((r = cm_source_next(st->src, buf, &e)) > 0) {
		if (e.zero)
			r = cm_sink_skip(st->sink, e.off, e.len);
		else
			r = cm_sink_write(st->sink, e.off, buf, (size_t)e.len);
		if (r < 0)
			break;
		cm_progress_update(st->progress, e.off + e.len);
	}
	free(buf);
	return r;
}

static uint64_t raw_size(uint64_t src_size)
{
	return src_size;
}

static int raw_run(struct cm_stream *st)
{
	return cm_raw_copy(st);
}

const struct cm_encoder cm_encoder_raw = {
	.name      = "raw",
	.out_size  = raw_size,
	.work_size = raw_size,
	.run       = raw_run,
};
