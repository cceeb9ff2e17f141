/* cloudmove boot [--root SYSROOT] [--cmdline FILE] [--metadata-endpoint HOST:PORT]
 *                [--detect-root DIR]
 *
 * --root is the installed system (default /sysroot in the initramfs); the
 * machine itself is detected live, unless --detect-root (tests) names a
 * directory holding its evidence (sys/class/dmi/id, ..., as detect --root
 * reads it): a test must not depend on the machine it runs on.
 *
 * What the initramfs hooks run, once the root is mounted and before the
 * pivot: reads the kernel command line, detects the cloud (metadata
 * included, network brought up and down again), notes the boot in the
 * hosting record, exports it when cloudmove.metering= says where.  One
 * console line per decision.  Never fails the boot: every problem is a
 * line and exit status 0 (2 only for a bad invocation of this command). */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapt/apply.h"
#include "boot/cmdline.h"
#include "boot/hooks.h"
#include "cmd.h"
#include "control/control.h"
#include "detect/report.h"
#include "detect/run.h"
#include "limits.h"
#include "log.h"
#include "move/launch_step.h"
#include "move/marker.h"
#include "move/migrate.h"
#include "move/net.h"
#include "move/retire.h"
#include "util/rootrw.h"
#include "profiles/profile.h"
#include "record/record.h"
#include "record/store.h"
#include "record/events.h"
#include "record/requirements.h"
#include "record/update.h"
#include "stream/url.h"
#include "util/file.h"

#define BOOT_USAGE \
	"cloudmove boot [--root SYSROOT] [--cmdline FILE] [--metadata-endpoint HOST:PORT]\n" \
	"               [--detect-root DIR]"

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("cloudmove: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static long detect_ms;	/* detection's share of the boot: DHCP, metadata */

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long)((t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000);
}

/* The machine is detected live (its /sys, /proc, CPUID), or from the
 * evidence under detect_root (tests). */
static void detect(const struct cm_boot_opts *bo, struct cm_detect_opts *d,
		   const char *detect_root, struct cm_verdict *v)
{
	struct timespec t0;
	int r;

	d->timeout_ms = bo->timeout_ms;
	d->root = detect_root;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = cm_detect_run(d, v);
	detect_ms = ms_since(&t0);
	if (r < 0)
		say("warning: metadata: %s (verdict from DMI alone)", cm_strerror(-r));
	fputs("cloudmove: detected ", stdout);
	cm_report_line(stdout, v);
	fflush(stdout);
}

/* The boot in the installed system's record, under root.  prev gets the
 * cloud of the stay before this boot, adapted what the root was adapted
 * to for the last stay's cloud; arrival: the moved image's first boot. */
static void record(const char *root, const struct cm_verdict *v,
		   const struct cm_record_arrival *arrival, char *prev, size_t prev_size,
		   struct cm_stay_adapted *adapted)
{
	char line[512];
	int r;

	/* detect-only mode still keeps the record: it is how a later boot
	 * knows that the machine moved */
	r = cm_record_update(root, v, arrival, line, sizeof(line), prev, prev_size,
			     adapted);
	if (r < 0)
		say("record: not updated (%s); boot goes on", cm_strerror(-r));
	else
		say("record: %s", line);
}

/* What the boot adapts for, and whether the requirements of the cloud it
 * is in changed since the root was adapted for it (the record's
 * "adapted"): a newer profile (built in or profiles.d), or an instance
 * the cloud describes otherwise (its type, its architecture). */
struct requirements {
	char version[CM_PROFILE_VERSION_MAX];	/* the cloud's profile now */
	char facts[CM_FACTS_MAX];		/* what this boot knows */
	char changed[320];			/* why adapting again, "" not */
};

static void requirements_now(const char *root, const struct cm_verdict *v,
			     const struct cm_stay_adapted *adapted,
			     struct requirements *rq)
{
	struct cm_profiles *set = malloc(sizeof(*set));
	const struct cm_profile_rt *p = NULL;
	char what[128];

	memset(rq, 0, sizeof(*rq));
	cm_facts_from_boot(v, rq->facts, sizeof(rq->facts));
	if (set && cm_profiles_init(set) == 0 && cm_profiles_load(root, set) >= 0)
		p = cm_profiles_find(set, v->cloud);
	if (p && cm_profile_version(p, rq->version, sizeof(rq->version)) < 0)
		rq->version[0] = '\0';
	free(set);
	/* a stay that records nothing was never adapted here: nothing to
	 * compare, nothing to do again */
	if (adapted->profile[0] && rq->version[0] &&
	    strcmp(adapted->profile, rq->version))
		snprintf(rq->changed, sizeof(rq->changed),
			 "the %s profile changed (%s → %s)", v->cloud,
			 adapted->profile, rq->version);
	else if (cm_facts_differ(adapted->facts, rq->facts, what, sizeof(what)))
		snprintf(rq->changed, sizeof(rq->changed),
			 "the instance changed (%s)", what);
}

/* What to adapt for: cloudmove.target, else the detected cloud when the
 * machine moved (its record's last stay was elsewhere) or when an
 * interrupted adaptation was just undone; "" for nothing, with why. */
static const char *decide(const struct cm_boot_opts *bo, const struct cm_verdict *v,
			  const char *prev, int recovered,
			  const struct requirements *rq, char *why, size_t size)
{
	if (bo->target[0]) {
		snprintf(why, size, "cloudmove.target=%s", bo->target);
		return bo->target;
	}
	if (bo->mode == CM_MODE_DETECT) {
		snprintf(why, size, "cloudmove.mode=detect: not adapting");
		return "";
	}
	if (recovered) {
		snprintf(why, size, "an interrupted adaptation was undone");
		return v->cloud;
	}
	if (!prev[0]) {
		snprintf(why, size, "no earlier stay in the hosting record: "
			 "adapting when the machine moves");
		return "";
	}
	if (strcmp(prev, v->cloud)) {
		snprintf(why, size, "last seen %s", prev);
		return v->cloud;
	}
	if (rq->changed[0]) {	/* adapted here before, for other requirements */
		snprintf(why, size, "%s", rq->changed);
		return v->cloud;
	}
	snprintf(why, size, "last seen %s → nothing to adapt", prev);
	return "";
}

/* The adaptation itself: one transaction, no initramfs rebuild (ours
 * carries every cloud's drivers; the root's own tools rebuild theirs on
 * the next kernel update with our dracut.conf.d snippet). */
static int adapt_for(const char *root, const char *target, const char *why,
		     const struct cm_verdict *v, const char *prev)
{
	struct cm_profiles *set = malloc(sizeof(*set));
	struct cm_adapt_outcome out;
	struct cm_adapt_report rep;
	const struct cm_profile_rt *p = NULL;
	struct cm_plan plan;
	char label[96];
	int r, fits = 0;

	cm_plan_init(&plan);
	/* the journal lives under /var: never under a mount point to come */
	if (cm_record_location_ok(root) < 0) {
		say("detected %s (%s), %s → not adapting before the pivot: /var is "
		    "its own file system; run `cloudmove adapt --target %s` once up",
		    v->cloud, v->confidence, why, target);
		goto out;
	}
	if (set && cm_profiles_init(set) == 0 && cm_profiles_load(root, set) >= 0)
		p = cm_profiles_find(set, target);
	if (!p) {
		say("detected %s (%s), %s → no profile for %s; booting as is",
		    v->cloud, v->confidence, why, target);
		goto out;
	}
	snprintf(label, sizeof(label), "boot: adapt for %s", target);
	r = cm_adapt_apply(root, p, label, &plan, &rep, &out);
	if (r == -ENOTRECOVERABLE) {	/* txn.h: failed, and so did its undo */
		say("detected %s (%s), %s → adapting for %s failed and could not "
		    "be undone; the next boot undoes it, booting as is",
		    v->cloud, v->confidence, why, target);
	} else if (r < 0) {
		say("detected %s (%s), %s → adapting for %s failed (%s); the root "
		    "is as it was, booting as is", v->cloud, v->confidence, why,
		    target, cm_strerror(-r));
	} else if (out.txn[0]) {
		fits = 1;
		say("detected %s (%s), %s → adapting%s%s: %zu change%s, txn %s",
		    v->cloud, v->confidence, why, strcmp(target, v->cloud) ? " for " : "",
		    strcmp(target, v->cloud) ? target : "", plan.n,
		    plan.n == 1 ? "" : "s", out.txn);
		cm_hooks_run(root, &(struct cm_hook_env){ .event = "adapted",
			.cloud = v->cloud, .previous = prev, .target = target,
			.txn = out.txn, .changes = (unsigned)plan.n });
	} else {
		fits = 1;
		say("detected %s (%s), %s → already fits %s: nothing to change",
		    v->cloud, v->confidence, why, target);
	}
	for (size_t i = 0; i < plan.n; i++)
		cm_debug("  %s %s: %s", plan.v[i].rewriter, plan.v[i].path, plan.v[i].why);
out:
	cm_plan_free(&plan);
	free(set);
	return fits;
}

/* The root now fits the cloud it is in: the stay records for what, so
 * that a later change of either is seen (once). */
static void note_adapted(const char *root, const struct requirements *rq,
			 const struct cm_stay_adapted *adapted)
{
	char facts[CM_FACTS_MAX];

	if (!rq->version[0])
		return;
	cm_facts_merge(adapted->facts, rq->facts, facts, sizeof(facts));
	if (!strcmp(adapted->profile, rq->version) && !strcmp(adapted->facts, facts))
		return;
	if (cm_record_note_adapted(root, rq->version, facts) < 0)
		say("record: what the root was adapted to is not recorded; the next "
		    "boot may adapt again");
}

static void export_record(const struct cm_boot_opts *bo, const char *root)
{
	struct cm_export_result res;

	if (!bo->metering[0])
		return;
	/* One try, no backoff: before the pivot the endpoint is usually out of
	 * reach, and cloudmove-export.service delivers once the system is up. */
	if (cm_events_export(root, bo->metering, bo->timeout_ms, 0, &res) < 0) {
		say("metering: export failed; events stay spooled");
		return;
	}
	say("metering: %u event(s) sent, %u left spooled for a later boot",
	    res.sent, res.left);
}

/* A move marker left by a move: on the source, the move is undone before
 * anything else uses the root; on the image's first boot, dropped.
 * 1 when a move of this machine was undone. */
static int settle_move(const char *root, const char *detect_root,
		       const struct cm_verdict *v, struct cm_move_marker *m)
{
	char said[256];
	int r;

	if (!root)
		return 0;
	r = cm_move_settle(root, detect_root, v->cloud, v->instance_id, said,
			   sizeof(said), m);
	if (r > 0)
		say("%s", said);
	else if (r < 0)
		say("a move marker could not be settled (%s); booting as is", cm_strerror(-r));
	return r;
}

static const char *const after_names[] = {
	[CM_AFTER_CONTINUE] = "continue", [CM_AFTER_REBOOT] = "reboot",
	[CM_AFTER_POWEROFF] = "poweroff", [CM_AFTER_RETIRE] = "retire",
};

/* /run/cloudmove/after: what cloudmove-run.sh does once the agent is done */
static int write_after(const char *what)
{
	const char *dir = getenv("CM_RUNDIR") ? getenv("CM_RUNDIR") : "/run/cloudmove";
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/after", dir);
	f = fopen(path, "we");
	if (!f)
		return -errno;
	fprintf(f, "%s\n", what);
	return fclose(f) == 0 ? 0 : -EIO;
}

/* A move the command line asked for and that did not happen: the source is
 * as it was (migrate undid its part); the hook script opens the rescue
 * shell, the root booting once it is left, unless cloudmove.onfail=boot. */
static void move_failed(const struct cm_boot_opts *bo, const char *creds, const char *why)
{
	int r;

	if (bo->onfail == CM_ONFAIL_BOOT) {
		say("%s; the source is as it was, booting it (cloudmove.onfail=boot)", why);
		return;
	}
	r = write_after("rescue");
	if (r < 0) {
		say("%s; the source is as it was, booting it (no rescue shell: %s)", why,
		    cm_strerror(-r));
		return;
	}
	say("%s; the source is as it was: rescue shell, the source boots when it is "
	    "left (cloudmove.onfail=boot: at once)", why);
	/* the URL may carry a SAS token: not on the console */
	say("to try again there: cloudmove migrate --target %s --dest URL --resume%s%s",
	    bo->target[0] ? bo->target : "CLOUD", creds ? " --creds " : "", creds ? creds : "");
}

/* The move needs the root read-only, as grub's "ro" leaves it; dracut
 * without "ro" mounts it read-write: then it is read-only for the move
 * and read-write again after (in the initramfs only: nothing else has it
 * open there). */
static int move_read_only(const struct cm_migrate_opts *o)
{
	struct cm_rootrw ro = { .remounted = 0 };
	int r;

	if (access("/etc/initrd-release", F_OK) == 0 && cm_rootro_begin(&ro, o->root) == 0 &&
	    ro.remounted)
		say("%s was mounted read-write (no \"ro\" on the kernel command line): "
		    "read-only for the move", o->root);
	r = cm_migrate(o);
	if (cm_rootro_end(&ro) < 0)
		say("%s stays read-only; the boot remounts it as its fstab says", o->root);
	return r;
}

/* The machine stops once the agent is done: "reboot" or "poweroff" (the
 * hook script does it once it has shown these lines; without it, now). */
static void stop_machine(const char *what, const char *why)
{
	if (write_after(what) == 0)
		say("migrate: %s now (%s)", what, why);
	else
		cm_migrate_after(what);
}

/* cloudmove.after=retire, once the launch step answered: the source asks
 * its own cloud to stop (or delete) it, only when the target arrived
 * (move/retire.h).  Not arrived: the source boots as itself; retired or
 * refused: the machine powers off. */
static void retire_step(const struct cm_boot_opts *bo, const char *root,
			const struct cm_verdict *v, const char *md_endpoint,
			int arrived)
{
	struct cm_move_retire mr = {
		.root = root, .metadata_endpoint = md_endpoint,
		.api_endpoint = bo->retire_api[0] ? bo->retire_api : NULL,
		.bring_up_network = 1, .delete = bo->retire == CM_RETIRE_DELETE,
	};
	char line[CM_RETIRE_LINE_MAX];
	enum cm_move_end end;

	cm_move_retire_from_verdict(&mr, v);
	end = cm_move_retire(cm_cloud_api_find(v->cloud), &mr, arrived, line, sizeof(line));
	say("%s", line);
	if (end != CM_MOVE_END_BOOT)
		stop_machine("poweroff", "cloudmove.after=retire");
}

/* cloudmove.launch=: the spec on the root, asked before the stream.  0 the
 * target takes the disk (or no launch asked), -errno: not moving (said). */
static int launch_ask(const struct cm_boot_opts *bo, struct cm_move_launch *ml,
		      char *spec, size_t size, struct cm_netup *api_net, int *api_up)
{
	int r;

	if (!bo->launch[0])
		return 0;
	if (cm_path_join(spec, size, ml->root, bo->launch) < 0)
		return cm_err(-ENAMETOOLONG, "launch: %s", bo->launch);
	ml->spec = spec;
	ml->spec_shown = bo->launch;
	/* the target's API, when given by address, gets a route too */
	if (ml->endpoint) {
		r = cm_move_net_up(ml->endpoint, api_net, 30000);
		if (r < 0)
			return r;
		*api_up = 1;
	}
	return cm_move_launch_ask(ml);
}

/* cloudmove.target= cloudmove.dest=: the move, before the pivot, while the
 * root is read-only; the boot goes on after it unless cloudmove.after=.
 * With cloudmove.launch= the target is asked first (a refusal: the source
 * boots as itself) and, after the stream, the image launched there and
 * its arrival awaited (cloudmove.wait=); a launch that fails leaves the
 * source booting as itself and says how to go on. */
static void move_from_cmdline(const struct cm_boot_opts *bo, const char *root,
			      const char *detect_root, const struct cm_verdict *v,
			      const char *md_endpoint)
{
	char creds[CM_PATH_MAX], spec[CM_PATH_MAX], move_id[CM_MOVE_ID_LEN + 1] = "";
	char made[CM_URL_MAX] = "";	/* what the stream made (ebs:// names a snapshot) */
	/* cloudmove.creds= names a file of the installed system */
	int have_creds = bo->creds[0] && root &&
			 cm_path_join(creds, sizeof(creds), root, bo->creds) == 0;
	struct cm_migrate_opts o = {
		.root = root, .target = bo->target, .dest = bo->dest,
		.format = bo->format[0] ? bo->format : NULL,
		.creds = have_creds ? creds : NULL,
		.progress = CM_PROGRESS_PLAIN, .cloud = v->cloud,
		.instance_id = v->instance_id, .detect_root = detect_root,
		.move_id = move_id, .made = made,
	};
	struct cm_move_launch *ml = NULL;
	struct cm_netup net, api_net;
	char why[256];
	int r, api_up = 0, streamed = 0, moved = 0, arrived = 0;

	if (!root || !bo->target[0]) {
		move_failed(bo, NULL, "cloudmove.dest= needs cloudmove.target= (and a root): not moving");
		return;
	}
	/* a launch that is not awaited (cloudmove.wait=0) sees no arrival */
	if (cm_move_retire_needs_launch(bo->after == CM_AFTER_RETIRE,
					bo->wait_s > 0 ? bo->launch : NULL,
					"cloudmove.after=retire",
					"cloudmove.launch= (and a cloudmove.wait= above 0)",
					why, sizeof(why)) < 0) {
		move_failed(bo, NULL, why);
		return;
	}
	say("detected %s (%s) → moving to %s (cloudmove.dest)", v->cloud, v->confidence,
	    bo->target);
	if (cm_move_net_up(bo->dest, &net, 30000) < 0) {
		move_failed(bo, o.creds, "the move needs the network; not moving");
		return;
	}
	if (bo->launch[0]) {
		ml = calloc(1, sizeof(*ml));
		if (!ml) {
			move_failed(bo, o.creds, "out of memory; not moving");
			goto out;
		}
		*ml = (struct cm_move_launch){
			.target = bo->target, .creds = o.creds, .root = root,
			.creds_shown = have_creds ? bo->creds : NULL,
			.creds_on_root = 1,
			.endpoint = bo->api_endpoint[0] ? bo->api_endpoint : NULL,
			.wait = bo->wait_s,
		};
		if (launch_ask(bo, ml, spec, sizeof(spec), &api_net, &api_up) < 0) {
			say("%s refused or could not be asked (cloudmove.launch=%s): not moving; "
			    "the source boots as itself", bo->target, bo->launch);
			goto out;
		}
		o.target_facts = ml->facts[0] ? ml->facts : NULL;
	}
	r = move_read_only(&o);
	if (r < 0) {
		move_failed(bo, o.creds, "the move failed");
		goto out;
	}
	streamed = 1;
	/* the stream's last lines went to stdout: before the launch's (stderr) */
	fflush(stdout);
	if (ml && cm_move_launch_finish(ml, made[0] ? made : o.dest, move_id) < 0) {
		say("the image is at the destination but not running in %s: the source "
		    "boots as itself (the line above says how to go on)", bo->target);
		goto out;
	}
	moved = 1;
	/* the launch step's answer: its arrival line seen (not just started) */
	arrived = ml && ml->l.arrival.target[0];
out:
	if (api_up)
		cm_netup_undo(&api_net);
	cm_netup_undo(&net);
	if (ml) {
		cm_move_launch_close(ml);
		free(ml);
	}
	/* retire only once the target arrived: the step says so either way */
	if (streamed && bo->after == CM_AFTER_RETIRE) {
		retire_step(bo, root, v, md_endpoint, moved && arrived);
		return;
	}
	if (!moved)
		return;
	if (bo->after != CM_AFTER_CONTINUE) {
		char key[48];

		snprintf(key, sizeof(key), "cloudmove.after=%s", after_names[bo->after]);
		stop_machine(after_names[bo->after], key);
	}
}

/* The agent's time in this boot, and how much of it went to detection
 * (bringing up the network, waiting for the metadata service). */
static void say_done(const struct timespec *t0)
{
	long all = ms_since(t0);

	say("done in %ld ms (detection %ld ms, the rest %ld ms)", all, detect_ms,
	    all - detect_ms);
}

int cm_cmd_boot(int argc, char **argv)
{
	struct timespec t0;
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "metadata-endpoint", required_argument, NULL, 'e' },
		{ "detect-root", required_argument, NULL, 'D' },
		{ 0 }
	};
	const char *cmdline = "/proc/cmdline", *root, *target, *detect_root = NULL;
	char prev[32], why[320];
	struct cm_stay_adapted adapted;
	struct requirements rq;
	struct cm_move_marker m = { .before = 0 };
	struct cm_record_arrival arrival;
	struct cm_detect_opts d;
	struct cm_boot_opts bo;
	struct cm_verdict v;
	size_t i;
	int c, recovered, settled;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	cm_detect_opts_init(&d);
	d.root = cm_installed_root();
	if (!strcmp(d.root, "/"))
		d.root = NULL;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == 'c') {
			cmdline = optarg;
		} else if (c == 'D') {
			if (cm_detect_root_option("boot", BOOT_USAGE, optarg, &detect_root))
				return CM_EXIT_USAGE;
		} else if (c == 'r' || c == 'e') {
			if (cm_detect_option("boot", BOOT_USAGE, c, optarg, &d))
				return CM_EXIT_USAGE;
		} else {
			return cm_usage_error("boot", BOOT_USAGE,
					      "unknown option or missing value: '%s'",
					      argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cm_usage_error("boot", BOOT_USAGE, "unexpected argument '%s'",
				      argv[optind]);
	cm_cmdline_read(cmdline, &bo);
	if (bo.unreadable)	/* it could have said cloudmove=0 */
		say("read %s: %s; doing nothing", cmdline,
		    cm_strerror(-bo.unreadable));
	if (bo.disabled)
		return CM_EXIT_OK;
	if (bo.debug)
		cm_log_set_level(CM_LOG_DEBUG);
	for (i = 0; i < bo.n_warnings; i++)
		say("warning: %s", bo.warnings[i]);
	root = d.root;
	if (root && cm_check_root("boot", root) < 0) {
		say("no root at %s; nothing to do", root);
		return CM_EXIT_OK;
	}
	if (bo.crash_at > 0) {
		char n[24];

		snprintf(n, sizeof(n), "%ld", bo.crash_at);
		setenv("CM_TXN_CRASH_AT", n, 1);	/* test switch */
		say("rd.cloudmove.crash_at=%ld: the agent dies after that "
		    "transaction step (test)", bo.crash_at);
	}
	/* A crash mid-adaptation on an earlier boot: undone first, before
	 * anything reads the root. */
	recovered = root ? cm_adapt_recover(root) : 0;
	if (recovered < 0)
		say("an interrupted adaptation could not be undone (%s); booting "
		    "as is", cm_strerror(-recovered));
	else if (recovered > 0)
		say("an interrupted adaptation was undone");
	detect(&bo, &d, detect_root, &v);
	/* an adaptation interrupted by a cut move was the move's: undone, it
	 * is not a first-boot adaptation to do again */
	settled = settle_move(root, detect_root, &v, &m);
	if (settled == CM_MOVE_UNDONE)
		recovered = 0;
	arrival = (struct cm_record_arrival){ .move_id = m.move_id, .cloud = m.cloud,
		.instance_id = m.instance_id, .profile = m.profile, .facts = m.facts };
	record(root, &v, settled == CM_MOVE_DROPPED ? &arrival : NULL, prev,
	       sizeof(prev), &adapted);
	if (bo.dest[0]) {
		move_from_cmdline(&bo, root, detect_root, &v, d.endpoint);
		export_record(&bo, root);
		say_done(&t0);
		return CM_EXIT_OK;
	}
	cm_hooks_run(root, &(struct cm_hook_env){ .event = "detected",
		.cloud = v.cloud, .previous = prev });
	requirements_now(root, &v, &adapted, &rq);
	target = decide(&bo, &v, prev, recovered > 0, &rq, why, sizeof(why));
	if (target[0] && root) {
		if (adapt_for(root, target, why, &v, prev) && !strcmp(target, v.cloud))
			note_adapted(root, &rq, &adapted);
	} else
		say("detected %s (%s), %s", v.cloud, v.confidence, why);
	export_record(&bo, root);
	say_done(&t0);
	return CM_EXIT_OK;
}
