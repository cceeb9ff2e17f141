/* libFuzzer: time configuration rewriting (chrony, ntpd, timesyncd).  A
 * second pass must change nothing, and once the target's lines are in,
 * the file must be seen as having them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapt/timesync.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct cm_timesync_sources sources = {
	.other = { "metadata.google.internal", "169.254.169.254",
		   "/dev/ptp_hyperv", "ntp1.hetzner.de" },
	.n_other = 4,
	.mine = { "169.254.169.123", "fd00:ec2::123" },
	.n_mine = 2,
};

static void one(enum cm_timesync_syntax syn, const char *in, size_t len,
		struct cm_buf *a, struct cm_buf *b, struct cm_buf *lines)
{
	static const struct cm_profile_rt aws = {
		.name = "aws", .time = CM_TIME_NTP,
		.time_servers = { 1, { "169.254.169.123" } },
		.time_options = "prefer iburst minpoll 4 maxpoll 4",
	};
	int r, have = 0;

	r = cm_timesync_scrub(syn, in, len, &sources, a, &have);
	if (r < 0 || a->len > CM_TIMESYNC_MAX)
		return;
	if (cm_timesync_scrub(syn, a->data, a->len, &sources, b, &have) != 0 ||
	    b->len != a->len || memcmp(a->data, b->data, a->len))
		abort();
	if (cm_timesync_lines(syn, &aws, lines) < 0 ||
	    syn == CM_TS_TIMESYNCD)
		return;
	if (cm_timesync_insert(syn, a->data, a->len, lines->data, b) < 0 ||
	    b->len > CM_TIMESYNC_MAX)
		return;
	have = 0;
	if (cm_timesync_scrub(syn, b->data, b->len, &sources, a, &have) != 0 ||
	    !have)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cm_chrony_dir dirs[CM_TIMESYNC_DIRS_MAX];
	struct cm_buf a, b, lines;
	int syn, n, i;

	cm_buf_init(&a, CM_TIMESYNC_MAX * 2);
	cm_buf_init(&b, CM_TIMESYNC_MAX * 2);
	cm_buf_init(&lines, 64 * 1024);
	for (syn = CM_TS_CHRONY; syn <= CM_TS_TIMESYNCD; syn++)
		one(syn, (const char *)data, size, &a, &b, &lines);
	n = cm_timesync_chrony_dirs((const char *)data, size, dirs,
				    CM_TIMESYNC_DIRS_MAX);
	for (i = 0; i < n; i++)
		if (dirs[i].path[0] != '/' ||
		    strlen(dirs[i].path) >= CM_TIMESYNC_DIR_MAX)
			abort();
	cm_buf_free(&a);
	cm_buf_free(&b);
	cm_buf_free(&lines);
	return 0;
}
