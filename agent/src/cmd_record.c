/* cloudmove record show [--root SYSROOT] [--json]
 * cloudmove record update [--root SYSROOT] [detection options]
 * cloudmove record export --url URL [--root SYSROOT] [--timeout MS] */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot/cmdline.h"
#include "cmd.h"
#include "detect/run.h"
#include "log.h"
#include "record/events.h"
#include "record/store.h"
#include "record/update.h"

#define RECORD_USAGE \
	"cloudmove record show [--root SYSROOT] [--json]\n" \
	"       cloudmove record update [--root SYSROOT] [--no-metadata] [--timeout MS]\n" \
	"                               [--metadata-endpoint HOST:PORT] [--network auto|never]\n" \
	"       cloudmove record export [--url URL] [--root SYSROOT] [--timeout MS]"

static const struct option record_longopts[] = {
	CM_DETECT_LONGOPTS,
	{ "json", no_argument, NULL, 'j' },
	{ "url", required_argument, NULL, 'u' },
	{ 0 }
};

struct record_opts {
	struct cm_detect_opts detect;
	int json;
	const char *url;
};

static int parse_record_args(int argc, char **argv, const char *sub,
			     struct record_opts *o)
{
	int c, r;

	memset(o, 0, sizeof(*o));
	cm_detect_opts_init(&o->detect);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", record_longopts, NULL)) != -1) {
		if (c == 'j' && !strcmp(sub, "show")) {
			o->json = 1;
			continue;
		}
		if (c == 'u' && !strcmp(sub, "export")) {
			o->url = optarg;
			continue;
		}
		if (c == '?' || c == 'j' || c == 'u' ||
		    (strcmp(sub, "update") && (c == 'n' || c == 'e' || c == 'N')) ||
		    (!strcmp(sub, "show") && c == 't'))
			return cm_usage_error("record", RECORD_USAGE,
					      "%s: unknown option or missing value: '%s'",
					      sub, argv[optind - 1]);
		r = cm_detect_option("record", RECORD_USAGE, c, optarg, &o->detect);
		if (r)
			return CM_EXIT_USAGE;
	}
	if (optind < argc)
		return cm_usage_error("record", RECORD_USAGE,
				      "unexpected argument '%s'", argv[optind]);
	if (cm_check_root("record", o->detect.root) < 0)
		return CM_EXIT_FAIL;
	return 0;
}

static void format_duration(long s, char *out, size_t size)
{
	if (s >= 86400)
		snprintf(out, size, "%ldd %ldh", s / 86400, s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(out, size, "%ldh %ldm", s / 3600, s % 3600 / 60);
	else
		snprintf(out, size, "%ldm %lds", s / 60, s % 60);
}

/* Under a stay's row: where it came from, what it was adapted to, the
 * move that ended it. */
static void show_stay_details(const struct cm_stay *s)
{
	const struct cm_stay_move *m = &s->move;
	char dur[32];

	if (s->moved_from.id[0])
		printf("     moved from %s%s%s (move %s)\n", s->moved_from.cloud,
		       s->moved_from.instance_id[0] ? " " : "", s->moved_from.instance_id,
		       s->moved_from.id);
	if (s->adapted.profile[0] || s->adapted.facts[0])
		printf("     adapted to profile %s%s%s\n",
		       s->adapted.profile[0] ? s->adapted.profile : "-",
		       s->adapted.facts[0] ? ", " : "", s->adapted.facts);
	if (!m->id[0])
		return;
	format_duration((long)m->seconds, dur, sizeof(dur));
	printf("     moved to %s%s%s (move %s) through %s", m->target,
	       m->region[0] ? " " : "", m->region, m->id, m->dest[0] ? m->dest : "-");
	/* the image's copy of this stay was taken as the stream began */
	if (m->bytes)
		printf(": %llu bytes, %s", m->bytes, dur);
	putchar('\n');
	if (m->image_id[0] || m->instance_id[0])
		printf("       image %s, instance %s\n", m->image_id[0] ? m->image_id : "-",
		       m->instance_id[0] ? m->instance_id : "-");
	printf("       %s", m->arrived ? "arrived" : "not arrived");
	if (m->retired[0])
		printf(", retired (%s)", m->retired);
	if (m->failed_step[0])
		printf(", failed at %s: %s", m->failed_step, m->failed_reason);
	putchar('\n');
}

static void show_text(const struct cm_record *r)
{
	char first[32], last[32], dur[32];
	size_t i, j;

	if (!r->n) {
		printf("no stays recorded yet\n");
		return;
	}
	printf("%-4s %-12s %-7s %-22s %-14s %-16s %-20s %-20s %9s %5s\n",
	       "STAY", "CLOUD", "PUBLIC", "INSTANCE", "REGION", "TYPE",
	       "FIRST SEEN", "LAST SEEN", "TIME", "BOOTS");
	for (i = 0; i < r->n; i++) {
		const struct cm_stay *s = &r->stays[i];

		cm_time_format(s->first_seen, first, sizeof(first));
		cm_time_format(s->last_seen, last, sizeof(last));
		format_duration((long)(s->last_seen - s->first_seen), dur, sizeof(dur));
		printf("%-4lu %-12s %-7s %-22s %-14s %-16s %-20s %-20s %9s %5lu\n",
		       s->seq, s->cloud, s->is_public ? "public" : "private",
		       s->instance_id[0] ? s->instance_id : "-",
		       s->region[0] ? s->region : "-",
		       s->instance_type[0] ? s->instance_type : "-",
		       first, last, dur, s->boots);
		show_stay_details(s);
	}
	printf("\ntime per cloud:\n");
	for (i = 0; i < r->n; i++) {
		long total = 0;
		unsigned stays = 0;

		for (j = 0; j < i; j++)
			if (!strcmp(r->stays[j].cloud, r->stays[i].cloud))
				break;
		if (j < i)
			continue;	/* counted with its first stay */
		for (j = i; j < r->n; j++)
			if (!strcmp(r->stays[j].cloud, r->stays[i].cloud)) {
				total += (long)(r->stays[j].last_seen -
						r->stays[j].first_seen);
				stays++;
			}
		format_duration(total, dur, sizeof(dur));
		printf("  %-12s %9s in %u stay%s\n", r->stays[i].cloud, dur, stays,
		       stays == 1 ? "" : "s");
	}
}

static int record_show(const struct record_opts *o, struct cm_record *r)
{
	struct cm_buf b;
	int rc;

	if (cm_record_load(o->detect.root, r) < 0)
		return CM_EXIT_FAIL;
	if (!o->json) {
		show_text(r);
		return CM_EXIT_OK;
	}
	cm_buf_init(&b, CM_RECORD_MAX);
	rc = cm_record_format(r, &b);
	if (rc == 0)
		fputs(b.data, stdout);
	cm_buf_free(&b);
	if (rc < 0)
		cm_err(rc, "record: format");
	return rc < 0 ? CM_EXIT_FAIL : CM_EXIT_OK;
}

static int record_update(const struct record_opts *o)
{
	struct cm_verdict v;
	char line[512];
	int rc;

	rc = cm_detect_run(&o->detect, &v);
	if (rc < 0)
		cm_warn("record: metadata: %s (verdict from DMI alone)",
			cm_strerror(-rc));
	rc = cm_record_update(o->detect.root, &v, NULL, line, sizeof(line), NULL, 0, NULL);
	if (rc == -EXDEV)
		fprintf(stderr, "cloudmove: record: update: /var of %s is not "
			"mounted yet; the record is left to a later run\n",
			o->detect.root);
	if (rc < 0)
		return CM_EXIT_FAIL;
	printf("record: %s\n", line);
	return CM_EXIT_OK;
}

static int url_ok(const char *url)
{
	return !strncmp(url, "http://", 7) || !strncmp(url, "https://", 8);
}

/* Without --url: the kernel command line's cloudmove.metering=. */
static const char *metering_from_cmdline(struct cm_boot_opts *bo)
{
	cm_cmdline_read("/proc/cmdline", bo);
	return bo->metering[0] ? bo->metering : NULL;
}

static int record_export(const struct record_opts *o)
{
	struct cm_export_result res;
	struct cm_boot_opts bo;
	const char *url = o->url;

	if (!url)
		url = metering_from_cmdline(&bo);
	if (!url)
		return cm_usage_error("record", RECORD_USAGE, "export: --url is required "
				      "(or cloudmove.metering= on the kernel command line)");
	if (!url_ok(url))
		return cm_usage_error("record", RECORD_USAGE,
				      "export: --url must be http:// or https://: '%s'",
				      url);
	if (cm_events_export(o->detect.root, url, o->detect.timeout_ms, 1, &res) < 0)
		return CM_EXIT_FAIL;
	printf("record: export to %s: %u sent, %u left in the spool, %u rejected\n",
	       url, res.sent, res.left, res.rejected);
	if (res.left) {
		fprintf(stderr, "cloudmove: record: export: %s unreachable or "
			"failing; %u event(s) spooled for later\n", url, res.left);
		return CM_EXIT_FAIL;
	}
	return CM_EXIT_OK;
}

int cm_cmd_record(int argc, char **argv)
{
	struct record_opts o;
	struct cm_record *r;
	const char *sub;
	int rc;

	if (argc < 2)
		return cm_usage_error("record", RECORD_USAGE, "missing subcommand");
	sub = argv[1];
	if (strcmp(sub, "show") && strcmp(sub, "update") && strcmp(sub, "export"))
		return cm_usage_error("record", RECORD_USAGE,
				      "unknown subcommand '%s'", sub);
	rc = parse_record_args(argc - 1, argv + 1, sub, &o);
	if (rc)
		return rc;
	if (!strcmp(sub, "export"))
		return record_export(&o);
	r = malloc(sizeof(*r));
	if (!r) {
		cm_err(-ENOMEM, "record");
		return CM_EXIT_FAIL;
	}
	rc = !strcmp(sub, "show") ? record_show(&o, r) : record_update(&o);
	free(r);
	return rc;
}
