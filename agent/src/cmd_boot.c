/* cloudmove boot [--root SYSROOT] [--cmdline FILE] [--metadata-endpoint HOST:PORT]
 *
 * --root is the installed system (default /sysroot in the initramfs); the
 * machine itself is always detected live.
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
#include <string.h>
#include <unistd.h>

#include "boot/cmdline.h"
#include "cmd.h"
#include "detect/report.h"
#include "detect/run.h"
#include "log.h"
#include "record/events.h"
#include "record/update.h"

#define BOOT_USAGE \
	"cloudmove boot [--root SYSROOT] [--cmdline FILE] [--metadata-endpoint HOST:PORT]"

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

/* The machine is detected live (its /sys, /proc, CPUID); the record is
 * the installed system's, under root. */
static void detect_and_record(const struct cm_boot_opts *bo,
			      struct cm_detect_opts *d, const char *root)
{
	struct cm_verdict v;
	char line[512];
	int r;

	d->timeout_ms = bo->timeout_ms;
	d->root = NULL;
	r = cm_detect_run(d, &v);
	if (r < 0)
		say("warning: metadata: %s (verdict from DMI alone)", strerror(-r));
	fputs("cloudmove: detected ", stdout);
	cm_report_line(stdout, &v);
	fflush(stdout);
	/* detect-only mode still keeps the record: it is how a later boot
	 * knows that the machine moved */
	r = cm_record_update(root, &v, line, sizeof(line));
	if (r < 0)
		say("record: not updated (%s); boot goes on", strerror(-r));
	else
		say("record: %s", line);
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

int cm_cmd_boot(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ "metadata-endpoint", required_argument, NULL, 'e' },
		{ 0 }
	};
	const char *cmdline = "/proc/cmdline";
	struct cm_detect_opts d;
	struct cm_boot_opts bo;
	const char *root;
	size_t i;
	int c;

	cm_detect_opts_init(&d);
	d.root = cm_installed_root();
	if (!strcmp(d.root, "/"))
		d.root = NULL;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		if (c == 'c') {
			cmdline = optarg;
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
	detect_and_record(&bo, &d, root);
	export_record(&bo, root);
	if (bo.target[0] || bo.dest[0])
		say("cloudmove.target/cloudmove.dest: adapting and moving are not "
		    "in this build yet; booting as is");
	return CM_EXIT_OK;
}
