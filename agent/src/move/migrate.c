/* The move (see migrate.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../adapt/apply.h"
#include "../adapt/esp.h"
#include "../adapt/txn.h"
#include "../limits.h"
#include "../log.h"
#include "../profiles/profile.h"
#include "../record/move.h"
#include "../record/requirements.h"
#include "../stream/run.h"
#include "../util/file.h"
#include "../util/rootrw.h"
#include "../util/sha256.h"
#include "disk.h"
#include "marker.h"
#include "migrate.h"

#define MOVES_LOG	"/var/lib/cloudmove/moves.log"

const char *cm_migrate_default_format(const struct cm_profile_rt *p)
{
	return p && p->image_format[0] ? p->image_format : "raw";
}

/* Test switch: CM_MOVE_CRASH_AT=marker|adapted|streamed kills the agent
 * there, as a power cut would. */
static void crash_point(const char *where)
{
	const char *at = getenv("CM_MOVE_CRASH_AT");

	if (at && !strcmp(at, where)) {
		fprintf(stderr, "cloudmove: migrate: CM_MOVE_CRASH_AT=%s: dying here (test)\n",
			where);
		sync();
		raise(SIGKILL);
	}
}

static unsigned last_txn(const char *root)
{
	struct cm_txn_info *v = NULL;
	size_t n = 0;
	unsigned id = 0;

	if (cm_txn_list(root, &v, &n) == 0 && n)
		id = v[n - 1].id;
	free(v);
	return id;
}

static int root_read_only(const char *root)
{
	struct statvfs sv;

	if (statvfs(root, &sv) < 0)
		return cm_err(-errno, "migrate: %s", root);
	if (!(sv.f_flag & ST_RDONLY))
		return cm_err(-EBUSY, "migrate: %s is mounted read-write: its disk would "
			      "change under the stream (remount it read-only, or move from "
			      "the initramfs: cloudmove.target= cloudmove.dest=)", root);
	return 0;
}

/* With the root writable: undoes every transaction after m->before and
 * drops the marker.  The number undone, or -errno. */
static int undo_move(const char *root, const struct cm_move_marker *m)
{
	struct cm_esp esp;
	char to[16];
	int r, e;

	snprintf(to, sizeof(to), "%u", m->before);
	/* the move's changes on the ESP (esp.h) are undone on the ESP */
	if (cm_esp_begin(root, &esp) < 0)
		cm_warn("migrate: the ESP could not be mounted: a loader the move "
			"added there stays");
	r = cm_txn_recover(root);
	if (r >= 0)
		r = last_txn(root) > m->before ? cm_txn_rollback(root, to) : 0;
	e = cm_esp_end(&esp);
	if (r >= 0 && e < 0)
		r = e;
	if (r >= 0 && (e = cm_move_marker_remove(root)) < 0)
		r = e;
	return r;
}

/* With the root writable: the move m marks is undone on its source, and
 * elsewhere (the image's first boot) its marker dropped.  CM_MOVE_UNDONE
 * or CM_MOVE_DROPPED (said holds the line to print), or -errno. */
static int settle_marker(const char *root, const struct cm_move_marker *m,
			 const char *detect_root, const char *cloud,
			 const char *instance_id, char *said, size_t said_size)
{
	char uuid[64];
	int r;

	cm_machine_uuid(detect_root, uuid, sizeof(uuid));
	if (cm_move_marker_is_source(m, uuid, instance_id, cloud)) {
		r = undo_move(root, m);
		if (r >= 0)
			snprintf(said, said_size, "an interrupted move to %s was undone "
				 "(%d transaction%s): booting as before", m->target, r,
				 r == 1 ? "" : "s");
		return r < 0 ? r : CM_MOVE_UNDONE;
	}
	r = cm_move_marker_remove(root);
	if (r >= 0 && m->move_id[0])
		snprintf(said, said_size, "arrived in %s from %s (move %s)",
			 cloud[0] ? cloud : "unknown", m->cloud, m->move_id);
	else if (r >= 0)
		snprintf(said, said_size, "first boot of an image moved from %s (%s)",
			 m->cloud, m->uuid[0] ? m->uuid : m->instance_id[0] ? m->instance_id : "?");
	return r < 0 ? r : CM_MOVE_DROPPED;
}

/* Ends a step's writable window: its result, or -EIO when the root could
 * not be put back (synced and read-only). */
static int end_rw(struct cm_rootrw *rw, int r)
{
	return cm_rootrw_end(rw) < 0 && r >= 0 ? -EIO : r;
}

int cm_move_settle(const char *root, const char *detect_root, const char *cloud,
		   const char *instance_id, char *said, size_t said_size,
		   struct cm_move_marker *found)
{
	struct cm_move_marker m;
	struct cm_rootrw rw;
	int r = cm_move_marker_load(root, &m);

	if (r <= 0)
		return r;
	if (found)
		*found = m;
	r = cm_rootrw_begin(&rw, root);
	if (r < 0)
		return r;
	r = settle_marker(root, &m, detect_root, cloud, instance_id, said, said_size);
	return end_rw(&rw, r);
}

/* The dest as logs show it: no query (an Azure SAS is a signature). */
static void public_dest(const char *dest, char *out, size_t size)
{
	snprintf(out, size, "%.*s", (int)strcspn(dest, "?"), dest);
}

static void note_move(const char *root, const struct cm_migrate_opts *o,
		      const char *format, const struct cm_stream_result *res)
{
	char path[CM_PATH_MAX], dest[1024], line[1400];
	FILE *f;

	if (cm_path_join(path, sizeof(path), root, MOVES_LOG) < 0)
		return;
	public_dest(o->dest, dest, sizeof(dest));
	snprintf(line, sizeof(line), "%lld %s %s %s %llu\n", (long long)time(NULL),
		 o->target, format, dest, (unsigned long long)res->written);
	f = fopen(path, "ae");
	if (!f) {
		cm_warn("migrate: %s: %s (the move is not noted)", path, strerror(errno));
		return;
	}
	fputs(line, f);
	fflush(f);
	fsync(fileno(f));
	fclose(f);
}

/* Everything that can be known before the root is touched. */
static int preflight(const struct cm_migrate_opts *o, char *disk, size_t disk_size,
		     struct cm_profiles *set, const struct cm_profile_rt **p)
{
	int r = root_read_only(o->root);

	if (r < 0)
		return r;
	if (cm_profiles_init(set) < 0 || cm_profiles_load(o->root, set) < 0)
		return -EINVAL;
	*p = cm_profiles_find(set, o->target);
	if (!*p)
		return cm_err(-ENOENT, "migrate: no profile for target '%s' (cloudmove "
			      "profiles list)", o->target);
	if (o->source) {
		snprintf(disk, disk_size, "%s", o->source);
		return 0;
	}
	return cm_root_disk(o->root, disk, disk_size);
}

static int fill_marker(const struct cm_migrate_opts *o, const struct cm_profile_rt *p,
		       struct cm_move_marker *m)
{
	int r;

	memset(m, 0, sizeof(*m));
	r = cm_move_id_new(m->move_id, sizeof(m->move_id));
	if (r < 0)
		return cm_err(r, "migrate: a move id");
	public_dest(o->dest, m->dest, sizeof(m->dest));
	if (cm_profile_version(p, m->profile, sizeof(m->profile)) < 0)
		m->profile[0] = '\0';
	snprintf(m->facts, sizeof(m->facts), "%s", o->target_facts ? o->target_facts : "");
	m->before = last_txn(o->root);
	cm_machine_uuid(o->detect_root, m->uuid, sizeof(m->uuid));
	snprintf(m->instance_id, sizeof(m->instance_id), "%s", o->instance_id ? o->instance_id : "");
	snprintf(m->cloud, sizeof(m->cloud), "%s", o->cloud && *o->cloud ? o->cloud : "unknown");
	snprintf(m->target, sizeof(m->target), "%s", o->target);
	m->time = (long long)time(NULL);
	return 0;
}

/* The move opened in the source's record (the image carries it). */
static void note_started(const struct cm_migrate_opts *o, const struct cm_move_marker *m)
{
	int r = cm_record_note_move_started(o->root, m->move_id, o->target, o->dest);

	if (r < 0 && r != -ENOENT)
		cm_warn("migrate: the move is not in the hosting record (%s)", strerror(-r));
	if (o->move_id)
		snprintf(o->move_id, CM_MOVE_ID_LEN + 1, "%s", m->move_id);
}

/* Step 1, the root writable once: an earlier move cut short on this
 * machine finished undoing (other interrupted transactions:
 * cm_adapt_apply undoes them), the move announced and its marker
 * written.  0 or -errno; nothing to undo when it fails. */
static int mark(const struct cm_migrate_opts *o, const struct cm_profile_rt *p,
		const char *disk, const char *format, const char *dest,
		struct cm_move_marker *m)
{
	struct cm_rootrw rw;
	char said[256] = "";
	int r = cm_rootrw_begin(&rw, o->root);

	if (r < 0)
		return r;
	r = cm_move_marker_load(o->root, m);
	if (r > 0)
		r = settle_marker(o->root, m, o->detect_root, o->cloud ? o->cloud : "",
				  o->instance_id ? o->instance_id : "", said, sizeof(said));
	if (said[0])
		printf("cloudmove: migrate: %s\n", said);
	if (r >= 0) {
		r = fill_marker(o, p, m);
	}
	if (r >= 0) {
		printf("cloudmove: migrate: %s (root %s) → %s as %s, to %s (move %s)\n",
		       disk, o->root, o->target, format, dest, m->move_id);
		fflush(stdout);
		r = cm_move_marker_write(o->root, m);
	}
	if (r >= 0)
		note_started(o, m);
	return end_rw(&rw, r);
}

/* Step 2: the root adapted for the target in one transaction (the root
 * writable for it, once).  0 or -errno. */
static int adapt(const struct cm_migrate_opts *o, const struct cm_profile_rt *p)
{
	struct cm_adapt_outcome out;
	struct cm_adapt_report rep;
	struct cm_plan plan;
	struct cm_esp esp;
	char label[64];
	int r, e;

	cm_plan_init(&plan);
	snprintf(label, sizeof(label), "move: adapt for %s", o->target);
	/* The image must boot on firmware that has never seen it: the ESP,
	 * mounted for this window only, gets the removable-media loader in
	 * the adaptation's transaction (esp.h).  An ESP out of reach leaves
	 * the image as the source boots (BIOS, or its own boot entry). */
	r = cm_esp_begin(o->root, &esp);
	if (r >= 0)
		r = cm_esp_removable_plan(o->root, &plan);
	if (r < 0) {
		cm_warn("migrate: the ESP is left as it is (%s): the image boots on UEFI "
			"only where a boot entry names its loader", strerror(-r));
		cm_plan_free(&plan);
		cm_plan_init(&plan);
	}
	r = cm_adapt_apply(o->root, p, label, &plan, &rep, &out);
	e = cm_esp_end(&esp);
	if (r == 0 && e < 0)
		r = e;	/* the undo (restore) puts the ESP back */
	if (r == 0)
		printf("cloudmove: migrate: the image is adapted for %s: %zu change%s%s%s\n",
		       o->target, plan.n, plan.n == 1 ? "" : "s",
		       out.txn[0] ? ", txn " : "", out.txn);
	for (size_t i = 0; r == 0 && i < plan.n; i++)
		printf("cloudmove:   %s %s: %s\n", plan.v[i].rewriter, plan.v[i].path,
		       plan.v[i].why);
	cm_plan_free(&plan);
	fflush(stdout);
	return r;
}

int cm_precopy_map_path(const char *root, const char *dest, char *out, size_t size)
{
	unsigned char sum[32];
	char rel[128];
	int i, n;

	cm_sha256(dest, strcspn(dest, "?"), sum);
	n = snprintf(rel, sizeof(rel), "%s/", CM_PRECOPY_DIR);
	for (i = 0; i < 8; i++)
		n += snprintf(rel + n, sizeof(rel) - (size_t)n, "%02x", sum[i]);
	snprintf(rel + n, sizeof(rel) - (size_t)n, ".map");
	return cm_path_join(out, size, root, rel) < 0 ? -ENAMETOOLONG : 0;
}

/* Step 3: the disk, read-only, to the destination.  A pre-copy's map on
 * the root (raw images): only the blocks that differ are sent, the new map
 * written to /run (the root is read-only).  0 or -errno. */
static int stream(const struct cm_migrate_opts *o, const char *disk, const char *format,
		  struct cm_stream_result *res)
{
	struct cm_stream_args a = {
		.source = disk, .dest = o->dest, .format = format, .creds = o->creds,
		.progress = o->progress, .resume = o->resume, .skip_free = o->skip_free,
	};
	char map[CM_PATH_MAX], out[CM_PATH_MAX];

	if (!o->resume && cm_precopy_map_path(o->root, o->dest, map, sizeof(map)) == 0 &&
	    access(map, R_OK) == 0 && cm_precopy_map_path("/run", o->dest, out, sizeof(out)) == 0) {
		printf("cloudmove: migrate: the pre-copy's map %s found: only the blocks that "
		       "differ are sent\n", map);
		fflush(stdout);
		a.delta_map = map;
		a.delta_map_out = out;
	}
	return cm_stream_exec(&a, res);
}

/* A background job on a live system: the lowest CPU priority, the idle
 * I/O class (the disk's other users first). */
static void be_nice(void)
{
	if (setpriority(PRIO_PROCESS, 0, 19) < 0)
		cm_debug("precopy: setpriority: %s", strerror(errno));
	/* ioprio_set(IOPRIO_WHO_PROCESS = 1, self, IOPRIO_CLASS_IDLE = 3 << 13) */
	if (syscall(SYS_ioprio_set, 1, 0, 3 << 13) < 0)
		cm_debug("precopy: ioprio_set: %s", strerror(errno));
}

int cm_precopy(const struct cm_migrate_opts *o)
{
	struct cm_profiles *set = calloc(1, sizeof(*set));
	const struct cm_profile_rt *p = NULL;
	struct cm_stream_result res = { 0 };
	struct cm_stream_args a = {
		.dest = o->dest, .creds = o->creds, .progress = o->progress,
		.skip_free = o->skip_free, .max_rate = o->max_rate,
	};
	char disk[CM_PATH_MAX], map[CM_PATH_MAX], dest[1024], rate[48] = "";
	int r = set ? 0 : -ENOMEM;

	if (r == 0 && (cm_profiles_init(set) < 0 || cm_profiles_load(o->root, set) < 0))
		r = -EINVAL;
	if (r == 0 && !(p = cm_profiles_find(set, o->target)))
		r = cm_err(-ENOENT, "migrate: no profile for target '%s'", o->target);
	a.format = o->format ? o->format : cm_migrate_default_format(p);
	if (r == 0 && strcmp(a.format, "raw") && strcmp(a.format, "vhd"))
		r = cm_err(-EINVAL, "migrate: --precopy: only for raw and vhd images (%s's "
			   "is %s: a whole image each time; --format raw if the target "
			   "imports it)", o->target, a.format);
	if (r == 0 && o->source)
		snprintf(disk, sizeof(disk), "%s", o->source);
	else if (r == 0)
		r = cm_root_disk(o->root, disk, sizeof(disk));
	if (r == 0 && cm_precopy_map_path(o->root, o->dest, map, sizeof(map)) < 0)
		r = cm_err(-ENAMETOOLONG, "migrate: --precopy: the map's path");
	free(set);
	if (r < 0)
		return r;
	a.source = disk;
	a.delta_map = map;
	public_dest(o->dest, dest, sizeof(dest));
	if (o->max_rate)
		snprintf(rate, sizeof(rate), ", at most %llu bytes/s", o->max_rate);
	printf("cloudmove: migrate: --precopy: %s (live, niced%s) → %s, map %s\n", disk, rate,
	       dest, map);
	fflush(stdout);
	be_nice();
	r = cm_stream_exec(&a, &res);
	if (r == 0)
		printf("cloudmove: migrate: --precopy: %llu bytes sent%s; run it again to "
		       "send what changed since, then the move to the same destination sends "
		       "only what differs\n", (unsigned long long)res.sent,
		       res.delta ? " (only what changed)" : " (the whole disk)");
	return r;
}

/* Step 4, the root writable once: the adaptation undone, the marker
 * dropped and, when the stream succeeded, the move noted.  The number
 * undone, or -errno (the marker stays: the next boot undoes the move). */
static int restore(const struct cm_migrate_opts *o, const struct cm_move_marker *m,
		   const char *format, const struct cm_stream_result *res, int rc,
		   const char *step, double seconds)
{
	struct cm_rootrw rw;
	char reason[160];
	int r = cm_rootrw_begin(&rw, o->root);

	if (r < 0)
		return r;
	r = undo_move(o->root, m);
	if (r >= 0 && rc == 0) {
		note_move(o->root, o, format, res);
		cm_record_note_move_streamed(o->root, res->written, seconds);
	} else if (r >= 0) {
		snprintf(reason, sizeof(reason), "%s", strerror(-rc));
		cm_record_note_move_failed(o->root, step, reason);
	}
	return end_rw(&rw, r);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

int cm_migrate(const struct cm_migrate_opts *o)
{
	struct cm_profiles *set = calloc(1, sizeof(*set));
	const struct cm_profile_rt *p = NULL;
	struct cm_stream_result res = { 0 };
	const char *format = o->format;
	struct cm_move_marker m;
	struct timespec t0;
	char disk[CM_PATH_MAX], dest[1024];
	const char *step = "adapt";
	int r, u;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	public_dest(o->dest, dest, sizeof(dest));
	r = set ? preflight(o, disk, sizeof(disk), set, &p) : -ENOMEM;
	if (r == 0 && !format)
		format = cm_migrate_default_format(p);
	if (r == 0)
		r = mark(o, p, disk, format, dest, &m);
	if (r < 0)
		goto out;		/* the root untouched */
	crash_point("marker");
	r = adapt(o, p);
	if (r == 0) {
		crash_point("adapted");
		step = "stream";
		r = stream(o, disk, format, &res);
		if (r == 0 && o->made)
			snprintf(o->made, CM_URL_MAX, "%s", res.dest);
	}
	crash_point("streamed");
	u = restore(o, &m, format, &res, r, step, seconds_since(&t0));
	if (u < 0) {
		fprintf(stderr, "cloudmove: migrate: undoing the adaptation failed (%s); the "
			"next boot undoes it (the move marker stays)\n", strerror(-u));
		r = u;
	} else if (r == 0) {
		printf("cloudmove: migrate: done: %llu bytes sent to %s in %.1f s; the source "
		       "is as it was\n", (unsigned long long)res.written, dest,
		       seconds_since(&t0));
	} else {
		fprintf(stderr, "cloudmove: migrate: the move failed; the source is as it was\n");
	}
out:
	free(set);
	return r;
}
