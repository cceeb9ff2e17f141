/* Progress of a stream: on a terminal a one-line bar (bytes, rate, ETA)
 * redrawn a few times a second; elsewhere (the initramfs console, a log) a
 * plain line every few seconds; --progress=json one JSON object per line
 * on stdout for machines.  Called from one thread only. */
#ifndef CM_STREAM_PROGRESS_H
#define CM_STREAM_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

enum cm_progress_mode { CM_PROGRESS_AUTO, CM_PROGRESS_BAR, CM_PROGRESS_PLAIN,
			CM_PROGRESS_JSON, CM_PROGRESS_NONE };

struct cm_progress {
	enum cm_progress_mode mode;
	FILE *out;
	uint64_t total;
	uint64_t done;
	uint64_t start_ns;
	uint64_t last_ns;
	uint64_t interval_ns;
	int drawn;		/* a bar is on the line */
};

/* "auto", "plain", "json", "bar", "none": 0 or -EINVAL. */
int cm_progress_mode_parse(const char *s, enum cm_progress_mode *out);
void cm_progress_init(struct cm_progress *p, enum cm_progress_mode mode, uint64_t total);
void cm_progress_update(struct cm_progress *p, uint64_t done);
/* The last line (done or failed: ok = 0).  out_bytes: written to the
 * sink; sent: what went out of it (a sparse network sink leaves zero
 * blocks out); dest: what the done event names (the object made, e.g.
 * ebs://REGION/snap-ID; never a query: it may hold a secret), or NULL. */
void cm_progress_end(struct cm_progress *p, int ok, uint64_t out_bytes, uint64_t sent,
		     const char *dest);
/* "1.5 GiB" into buf */
const char *cm_progress_bytes(uint64_t n, char *buf, size_t len);

#endif
