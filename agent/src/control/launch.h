/* The generic launch: what `cloudmove launch` and the move's
 * cloudmove.launch= share, over any cloud's struct cm_cloud_api.
 *
 *   cm_launch_init     the cloud's ops
 *   cm_launch_load     the spec (the cloud's spec_keys/spec_required) and creds
 *   cm_launch_supported  a stub's NULL ops: "not supported yet"
 *   cm_launch_connect  cm_api_init (--api-endpoint, else the spec's api_endpoint)
 *   cm_launch_image    the image's facts: its disk's firmware, the root's arch
 *   cm_launch_ask      login, describe_type: the target's facts (nothing made)
 *   cm_launch_fit      the image against the target: refused when it cannot boot
 *   cm_launch_start    import_image, run_instance (kept in l->result)
 *   cm_launch_wait     console() until the arrival line, or the deadline
 *   cm_launch_close    wipes the credentials and the token
 *
 * Progress goes to stderr as "cloudmove: launch: CLOUD: ..." lines (the
 * console, in the move).  Nothing a launch made is ever deleted: on
 * failure cm_launch_exists() names it. */
#ifndef CM_CONTROL_LAUNCH_H
#define CM_CONTROL_LAUNCH_H

#include <stddef.h>

#include "../record/move.h"
#include "../record/record.h"
#include "control.h"
#include "fit.h"

#define CM_LAUNCH_WAIT_DEFAULT	1200	/* seconds */
#define CM_LAUNCH_WAIT_MAX	604800	/* seconds: a week */

/* A wait in seconds, 0..CM_LAUNCH_WAIT_MAX ("0": do not wait): 0 or
 * -EINVAL.  (launch --wait, migrate --wait; cloudmove.wait= has the same
 * bounds in the kernel command line's key table.) */
int cm_launch_parse_wait(const char *s, long *out);

/* Time, replaceable by the unit tests (NULL: CLOCK_MONOTONIC, nanosleep). */
struct cm_launch_clock {
	long long (*now_ms)(void *arg);
	void (*sleep_ms)(void *arg, long ms);
	void *arg;
};

/* An arrival line: "cloudmove: arrived in TARGET from FROM (move ID)". */
struct cm_arrival {
	char target[32];
	char from[32];
	char move_id[CM_MOVE_ID_LEN + 1];
};

struct cm_launch {
	const struct cm_cloud_api *ops;
	struct cm_spec spec;
	struct cm_creds creds;
	struct cm_api api;
	int connected;
	struct cm_target_facts target;
	struct cm_image_facts image;
	char image_evidence[512];
	struct cm_fit fit;
	struct cm_launch_result result;
	struct cm_arrival arrival;
	long long waited_ms;		/* how long cm_launch_wait looked */
	const struct cm_launch_clock *clock;
	long poll_max_ms;		/* the longest pause between looks */
};

void cm_launch_init(struct cm_launch *l, const struct cm_cloud_api *ops);

/* 0, or -ENOTSUP when the cloud has no launch ops yet (logged:
 * "launch: CLOUD: not supported yet").  After cm_launch_load, so that
 * the operator's spec is checked (and all its problems named) first. */
int cm_launch_supported(const struct cm_launch *l);

/* The spec (required) and the credentials (optional: NULL or "" leaves
 * them empty).  0 or -errno, every problem one line. */
int cm_launch_load(struct cm_launch *l, const char *spec_path,
		   const char *creds_path);

/* endpoint: --api-endpoint, else NULL (the spec's api_endpoint, if any). */
int cm_launch_connect(struct cm_launch *l, const char *endpoint);

/* login + describe_type into l->target.  0 or the op's -errno. */
int cm_launch_ask(struct cm_launch *l);

/* The image's facts into l->image: the firmware of source (a disk or an
 * image file; NULL: root's disk), the architecture from its loader or
 * root's /bin/sh.  When source is NULL and root's disk cannot be found the
 * facts stay unknown (a warning says so) and 0 is returned; a source
 * given that cannot be read is -errno (logged). */
int cm_launch_image(struct cm_launch *l, const char *source, const char *root);

/* The fit of l->image (the drivers looked for in root, NULL: not looked
 * at) on l->target, into l->fit; one progress line.  0 fits, -ENOTSUP
 * (one line names what does not fit). */
int cm_launch_fit(struct cm_launch *l, const char *root);

/* import_image + run_instance into l->result.  0 or the op's -errno
 * (what was made before the failure stays in l->result). */
int cm_launch_start(struct cm_launch *l, const char *image_url,
		    const struct cm_image_facts *img, const char *move_id);
/* (img: l->image, normally) */

/* Reads the instance's console until the arrival line naming l->ops->cloud
 * (and move_id when not NULL/"") or wait_s seconds pass.  1 arrived
 * (l->arrival), 0 not, -errno when the console cannot be read at all. */
int cm_launch_wait(struct cm_launch *l, const char *move_id, long wait_s);

/* "image ami-1, instance i-2 exist (nothing deleted)", or "" when the
 * launch made nothing. */
void cm_launch_exists(const struct cm_launch *l, char *out, size_t size);

void cm_launch_close(struct cm_launch *l);

struct cm_launch_args {
	const char *image_url;
	const char *spec, *creds;	/* files */
	const char *endpoint;		/* --api-endpoint, or NULL */
	const char *source;		/* the disk, NULL: root's */
	const char *root;		/* the installed root (arch, drivers) */
	const char *move_id;		/* NULL: any arrival in the target */
	long wait;			/* seconds; 0: do not wait */
};

/* The whole launch, in order: load, image, supported, connect, ask, fit,
 * start, wait.  *failed names the step that failed ("spec", "source",
 * "unsupported", "connect", "ask", "fit", "launch", "arrival"), NULL
 * none.  1 arrived, 0 started and not waited for (wait 0) or not arrived
 * in time (*failed "arrival"), -errno. */
int cm_launch_run(struct cm_launch *l, const struct cm_launch_args *a,
		  const char **failed);

/* Pure: the last arrival line in text[0..len) naming target (and move_id
 * when not NULL/""); 1 found (*a), 0 not.  Lines may end in \r\n and carry
 * anything before "cloudmove: " (a timestamp, a console prefix).  Fuzzed. */
int cm_arrival_find(const char *text, size_t len, const char *target,
		    const char *move_id, struct cm_arrival *a);

/* The progress line "cloudmove: launch: CLOUD: ..." on stderr. */
void cm_launch_say(const char *cloud, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
