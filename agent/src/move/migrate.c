/* The move (see migrate.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "../adapt/apply.h"
#include "../adapt/txn.h"
#include "../cmd.h"
#include "../limits.h"
#include "../log.h"
#include "../profiles/profile.h"
#include "../stream/run.h"
#include "../util/file.h"
#include "../util/rootrw.h"
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

/* Undoes every transaction after m->before and drops the marker, with the
 * root writable for just that long.  The number undone, or -errno. */
static int undo_move(const char *root, const struct cm_move_marker *m)
{
	struct cm_rootrw rw;
	char to[16];
	int r, e;

	r = cm_rootrw_begin(&rw, root);
	if (r < 0)
		return r;
	snprintf(to, sizeof(to), "%u", m->before);
	r = cm_txn_recover(root);
	if (r >= 0)
		r = last_txn(root) > m->before ? cm_txn_rollback(root, to) : 0;
	if (r >= 0 && (e = cm_move_marker_remove(root)) < 0)
		r = e;
	if (cm_rootrw_end(&rw) < 0 && r >= 0)
		r = -EIO;
	return r;
}

int cm_move_settle(const char *root, const char *detect_root, const char *cloud,
		   const char *instance_id, char *said, size_t said_size)
{
	struct cm_move_marker m;
	struct cm_rootrw rw;
	char uuid[64];
	int r = cm_move_marker_load(root, &m);

	if (r <= 0)
		return r;
	cm_machine_uuid(detect_root, uuid, sizeof(uuid));
	if (cm_move_marker_is_source(&m, uuid, instance_id, cloud)) {
		r = undo_move(root, &m);
		if (r >= 0)
			snprintf(said, said_size, "an interrupted move to %s was undone "
				 "(%d transaction%s): booting as before", m.target, r,
				 r == 1 ? "" : "s");
		return r < 0 ? r : CM_MOVE_UNDONE;
	}
	r = cm_rootrw_begin(&rw, root);
	if (r >= 0) {
		r = cm_move_marker_remove(root);
		if (cm_rootrw_end(&rw) < 0 && r >= 0)
			r = -EIO;
	}
	if (r >= 0)
		snprintf(said, said_size, "first boot of an image moved from %s (%s)",
			 m.cloud, m.uuid[0] ? m.uuid : m.instance_id[0] ? m.instance_id : "?");
	return r < 0 ? r : CM_MOVE_DROPPED;
}

static int write_marker(const char *root, const struct cm_migrate_opts *o,
			struct cm_move_marker *m)
{
	struct cm_rootrw rw;
	int r;

	memset(m, 0, sizeof(*m));
	m->before = last_txn(root);
	cm_machine_uuid(o->detect_root, m->uuid, sizeof(m->uuid));
	snprintf(m->instance_id, sizeof(m->instance_id), "%s", o->instance_id ? o->instance_id : "");
	snprintf(m->cloud, sizeof(m->cloud), "%s", o->cloud && *o->cloud ? o->cloud : "unknown");
	snprintf(m->target, sizeof(m->target), "%s", o->target);
	m->time = (long long)time(NULL);
	r = cm_rootrw_begin(&rw, root);
	if (r < 0)
		return r;
	r = cm_move_marker_write(root, m);
	if (cm_rootrw_end(&rw) < 0 && r >= 0)
		r = -EIO;
	return r;
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
	if (cm_check_root("migrate", o->root) < 0 || root_read_only(o->root) < 0)
		return -EINVAL;
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

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Adapt, stream: CM_EXIT_OK or CM_EXIT_FAIL; the root is adapted (in txn
 * out->txn) when this returns, whatever it returns. */
static int adapt_and_stream(const struct cm_migrate_opts *o, const struct cm_profile_rt *p,
			    const char *disk, const char *format,
			    struct cm_adapt_outcome *out, struct cm_stream_result *res)
{
	struct cm_stream_args a = {
		.source = disk, .dest = o->dest, .format = format, .creds = o->creds,
		.progress = o->progress, .resume = o->resume, .skip_free = o->skip_free,
	};
	struct cm_adapt_report rep;
	struct cm_plan plan;
	char label[64];
	int r;

	cm_plan_init(&plan);
	snprintf(label, sizeof(label), "move: adapt for %s", o->target);
	r = cm_adapt_apply(o->root, p, label, &plan, &rep, out);
	if (r == 0)
		printf("cloudmove: migrate: the image is adapted for %s: %zu change%s%s%s\n",
		       o->target, plan.n, plan.n == 1 ? "" : "s",
		       out->txn[0] ? ", txn " : "", out->txn);
	for (size_t i = 0; r == 0 && i < plan.n; i++)
		printf("cloudmove:   %s %s: %s\n", plan.v[i].rewriter, plan.v[i].path,
		       plan.v[i].why);
	cm_plan_free(&plan);
	if (r < 0)
		return CM_EXIT_FAIL;
	fflush(stdout);
	crash_point("adapted");
	return cm_stream_exec(&a, res);
}

int cm_migrate(const struct cm_migrate_opts *o)
{
	struct cm_profiles *set = calloc(1, sizeof(*set));
	const struct cm_profile_rt *p = NULL;
	struct cm_stream_result res = { 0 };
	struct cm_adapt_outcome out = { 0 };
	const char *format = o->format;
	struct cm_move_marker m;
	struct timespec t0;
	char disk[CM_PATH_MAX], dest[1024], said[256] = "";
	int rc = CM_EXIT_FAIL, r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!set || preflight(o, disk, sizeof(disk), set, &p) < 0)
		goto out;
	if (!format)
		format = cm_migrate_default_format(p);
	/* an earlier move cut short on this machine: finish undoing it first
	 * (other interrupted transactions: cm_adapt_apply undoes them) */
	if (cm_move_settle(o->root, o->detect_root, o->cloud ? o->cloud : "",
			   o->instance_id ? o->instance_id : "", said, sizeof(said)) < 0)
		goto out;
	if (said[0])
		printf("cloudmove: migrate: %s\n", said);
	public_dest(o->dest, dest, sizeof(dest));
	printf("cloudmove: migrate: %s (root %s) → %s as %s, to %s\n", disk, o->root,
	       o->target, format, dest);
	fflush(stdout);
	if (write_marker(o->root, o, &m) < 0)
		goto out;
	crash_point("marker");
	rc = adapt_and_stream(o, p, disk, format, &out, &res);
	crash_point("streamed");
	r = undo_move(o->root, &m);
	if (r < 0) {
		fprintf(stderr, "cloudmove: migrate: undoing the adaptation failed (%s); the "
			"next boot undoes it (the move marker stays)\n", strerror(-r));
		rc = CM_EXIT_FAIL;
		goto out;
	}
	if (rc == CM_EXIT_OK) {
		struct cm_rootrw rw;

		if (cm_rootrw_begin(&rw, o->root) == 0) {
			note_move(o->root, o, format, &res);
			cm_rootrw_end(&rw);
		}
		printf("cloudmove: migrate: done: %llu bytes sent to %s in %.1f s; the source "
		       "is as it was\n", (unsigned long long)res.written, dest,
		       seconds_since(&t0));
	} else {
		fprintf(stderr, "cloudmove: migrate: the move failed; the source is as it was\n");
	}
out:
	free(set);
	return rc;
}
