/* The generic launch flow (see launch.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../log.h"
#include "../move/disk.h"
#include "../move/firmware.h"
#include "launch.h"

#define CONSOLE_MAX		(4 * 1024 * 1024)
#define POLL_FIRST_MS		500
#define POLL_MAX_MS		3000
/* A console that fails this many times in a row (transport errors) is
 * given up on before the deadline. */
#define CONSOLE_FAILS_MAX	5

static long long real_now_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void real_sleep_ms(void *arg, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	(void)arg;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static const struct cm_launch_clock real_clock = { real_now_ms, real_sleep_ms, NULL };

void cm_launch_say(const char *cloud, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "cloudmove: launch: %s: %s\n", cloud, msg);
}

static int has_launch_ops(const struct cm_cloud_api *ops)
{
	return ops->login && ops->describe_type && ops->import_image &&
	       ops->run_instance && ops->console;
}

void cm_launch_init(struct cm_launch *l, const struct cm_cloud_api *ops)
{
	memset(l, 0, sizeof(*l));
	l->ops = ops;
	l->clock = &real_clock;
	l->poll_max_ms = POLL_MAX_MS;
}

int cm_launch_supported(const struct cm_launch *l)
{
	if (has_launch_ops(l->ops))
		return 0;
	cm_log(CM_LOG_ERR, "launch: %s: not supported yet", l->ops->cloud);
	return -ENOTSUP;
}

int cm_launch_parse_wait(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > CM_LAUNCH_WAIT_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

int cm_launch_load(struct cm_launch *l, const char *spec_path,
		   const char *creds_path)
{
	int r = cm_spec_load(spec_path, l->ops->spec_keys, l->ops->spec_required,
			     &l->spec);

	if (r < 0)
		return r;
	if (creds_path && *creds_path)
		return cm_creds_load(creds_path, &l->creds);
	return 0;
}

int cm_launch_connect(struct cm_launch *l, const char *endpoint)
{
	int r;

	if (!endpoint || !*endpoint)
		endpoint = cm_spec_get(&l->spec, "api_endpoint");
	r = cm_api_init(&l->api, l->ops, endpoint);
	if (r < 0)
		return r;
	l->api.spec = &l->spec;
	l->api.creds = &l->creds;
	l->connected = 1;
	return 0;
}

static const char *boot_modes_text(unsigned modes)
{
	return modes ? cm_boot_modes_name(modes) : "no boot mode named";
}

int cm_launch_image(struct cm_launch *l, const char *source, const char *root)
{
	struct cm_image_facts *img = &l->image;
	int given = source != NULL, r;
	char disk[64];

	memset(img, 0, sizeof(*img));
	if (!given && cm_root_disk(root ? root : "/", disk, sizeof(disk)) == 0)
		source = disk;
	r = source ? cm_firmware_of(source, img, l->image_evidence,
				    sizeof(l->image_evidence)) : -ENODEV;
	if (r < 0 && given)
		return cm_err(r, "launch: %s: the disk %s", l->ops->cloud, source);
	if (r < 0) {
		/* the default is a best effort: the launch goes on, unchecked */
		memset(img, 0, sizeof(*img));
		cm_warn("launch: %s: the image's firmware is not known (%s%s%s; "
			"pass --source)", l->ops->cloud, source ? source : "no disk under ",
			source ? ": " : (root ? root : "/"), source ? cm_strerror(-r) : "");
		return 0;
	}
	if (!img->arch[0] && root)
		cm_root_arch(root, img->arch, sizeof(img->arch));
	cm_launch_say(l->ops->cloud, "disk %s: %s, %s (%s)", source,
		      img->firmware ? cm_boot_modes_name(img->firmware) : "not bootable",
		      img->arch[0] ? img->arch : "architecture not known",
		      l->image_evidence);
	return 0;
}

static const char *verdict(enum cm_fit_verdict v)
{
	return v == CM_FIT_YES ? "ok" : v == CM_FIT_NO ? "NO" : "not known";
}

int cm_launch_fit(struct cm_launch *l, const char *root)
{
	char have[256], missing[256], why[1536];
	const char *miss = NULL;

	if (root && cm_root_drivers(root, l->target.drivers, have, sizeof(have),
				    missing, sizeof(missing)) == 0) {
		miss = missing;
		snprintf(l->image.drivers, sizeof(l->image.drivers), "%s", have);
	}
	cm_fit_eval(&l->target, &l->image, miss, &l->fit);
	cm_launch_say(l->ops->cloud, "fit: boot %s (%s); architecture %s (%s); drivers %s (%s)",
		      verdict(l->fit.boot), l->fit.boot_why, verdict(l->fit.arch),
		      l->fit.arch_why, verdict(l->fit.drivers), l->fit.drivers_why);
	if (cm_fit_refusal(&l->fit, why, sizeof(why)) == 0)
		return 0;
	cm_log(CM_LOG_ERR, "launch: %s: refused, the image would not boot there: %s",
	       l->ops->cloud, why);
	return -ENOTSUP;
}

int cm_launch_ask(struct cm_launch *l)
{
	const char *cloud = l->ops->cloud;
	struct cm_target_facts *f = &l->target;
	int r = l->ops->login(&l->api);

	if (r < 0)
		return r;
	cm_launch_say(cloud, "credentials accepted");
	r = l->ops->describe_type(&l->api, f);
	if (r < 0)
		return r;
	cm_launch_say(cloud, "type %s: %s, %s%s%s%s (%s)",
		      f->instance_type[0] ? f->instance_type : "?",
		      f->arch[0] ? f->arch : "architecture not named",
		      boot_modes_text(f->boot_modes), f->nvme ? ", nvme" : "",
		      f->drivers[0] ? ", drivers " : "", f->drivers,
		      f->source[0] ? f->source : "its API");
	return 0;
}

int cm_launch_start(struct cm_launch *l, const char *image_url,
		    const struct cm_image_facts *img, const char *move_id)
{
	const char *cloud = l->ops->cloud;
	struct cm_launch_result *res = &l->result;
	int r;

	r = l->ops->import_image(&l->api, image_url, img, res);
	if (r < 0)
		return r;
	if (res->snapshot_id[0])
		cm_launch_say(cloud, "image %s registered (from snapshot %s)",
			      res->image_id, res->snapshot_id);
	else
		cm_launch_say(cloud, "image %s registered", res->image_id);
	r = l->ops->run_instance(&l->api, img, move_id, res);
	if (r < 0)
		return r;
	cm_launch_say(cloud, "instance %s started%s%s", res->instance_id,
		      res->region[0] ? " in " : "", res->region);
	return 0;
}

/* One look at the console: 1 arrived, 0 not yet, -errno. */
static int look(struct cm_launch *l, struct cm_buf *out, const char *move_id)
{
	int r = l->ops->console(&l->api, &l->result, out);

	if (r < 0)
		return r;
	return cm_arrival_find(out->data ? out->data : "", out->len,
			       l->ops->cloud, move_id, &l->arrival);
}

int cm_launch_wait(struct cm_launch *l, const char *move_id, long wait_s)
{
	const struct cm_launch_clock *c = l->clock;
	long long start = c->now_ms(c->arg), deadline = start + wait_s * 1000LL;
	long pause = POLL_FIRST_MS;
	int fails = 0, r;
	struct cm_buf out;

	cm_buf_init(&out, CONSOLE_MAX);
	cm_launch_say(l->ops->cloud, "waiting up to %ld s for the arrival line on %s's console",
		      wait_s, l->result.instance_id);
	for (;;) {
		long long now;

		r = look(l, &out, move_id);
		if (r == 1)
			break;
		if (r < 0 && (r != -EIO || ++fails >= CONSOLE_FAILS_MAX))
			break;
		if (r == 0)
			fails = 0;
		now = c->now_ms(c->arg);
		if (now >= deadline) {
			r = 0;
			break;
		}
		c->sleep_ms(c->arg, (long)(deadline - now < pause ? deadline - now : pause));
		pause = pause * 2 > l->poll_max_ms ? l->poll_max_ms : pause * 2;
	}
	l->waited_ms = c->now_ms(c->arg) - start;
	cm_buf_free(&out);
	if (r == 1)
		cm_launch_say(l->ops->cloud, "arrived: %s, from %s (move %s), after %lld s",
			      l->result.instance_id, l->arrival.from,
			      l->arrival.move_id, l->waited_ms / 1000);
	return r;
}

void cm_launch_exists(const struct cm_launch *l, char *out, size_t size)
{
	const struct cm_launch_result *res = &l->result;
	int n = 0;

	out[0] = '\0';
	if (res->snapshot_id[0] && !res->image_id[0])
		n = snprintf(out, size, "snapshot %s", res->snapshot_id);
	if (res->image_id[0])
		n = snprintf(out, size, "image %s", res->image_id);
	if (res->instance_id[0] && n >= 0 && (size_t)n < size)
		snprintf(out + n, size - (size_t)n, "%sinstance %s",
			 n ? ", " : "", res->instance_id);
	if (out[0] && strlen(out) + 32 < size)
		strcat(out, strchr(out, ',') ? " exist (nothing deleted)"
					     : " exists (nothing deleted)");
}

void cm_launch_close(struct cm_launch *l)
{
	if (l->connected)
		cm_api_cleanup(&l->api);
	l->connected = 0;
	cm_creds_wipe(&l->creds);
}

/* cm_move_id_valid: record/move.c, beside cm_move_id_new */

/* A cloud id: [a-z0-9], 1..31 characters, copied into out; the cursor
 * moves past it.  0, or -EINVAL. */
static int take_word(const char **p, const char *end, char *out, size_t size)
{
	size_t n = 0;

	while (*p + n < end && n + 1 < size &&
	       (((*p)[n] >= 'a' && (*p)[n] <= 'z') || ((*p)[n] >= '0' && (*p)[n] <= '9')))
		n++;
	if (n == 0 || n + 1 >= size)
		return -EINVAL;
	memcpy(out, *p, n);
	out[n] = '\0';
	*p += n;
	return 0;
}

static int take_lit(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *p) < n || memcmp(*p, lit, n))
		return -EINVAL;
	*p += n;
	return 0;
}

/* One line [p, end): the arrival it states, if any. */
static int parse_arrival(const char *p, const char *end, struct cm_arrival *a)
{
	static const char lead[] = "cloudmove: arrived in ";
	const char *s = memmem(p, (size_t)(end - p), lead, sizeof(lead) - 1);

	while (end > p && (end[-1] == '\r' || end[-1] == ' '))
		end--;
	if (!s)
		return 0;
	s += sizeof(lead) - 1;
	if (take_word(&s, end, a->target, sizeof(a->target)) ||
	    take_lit(&s, end, " from ") ||
	    take_word(&s, end, a->from, sizeof(a->from)) ||
	    take_lit(&s, end, " (move ") || end - s != CM_MOVE_ID_LEN + 1 ||
	    end[-1] != ')')
		return 0;
	memcpy(a->move_id, s, CM_MOVE_ID_LEN);
	a->move_id[CM_MOVE_ID_LEN] = '\0';
	return cm_move_id_valid(a->move_id);
}

int cm_arrival_find(const char *text, size_t len, const char *target,
		    const char *move_id, struct cm_arrival *a)
{
	const char *p = text, *end = text + len;
	struct cm_arrival cand;
	int found = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;

		memset(&cand, 0, sizeof(cand));
		if (parse_arrival(p, eol, &cand) && !strcmp(cand.target, target) &&
		    (!move_id || !*move_id || !strcmp(cand.move_id, move_id))) {
			*a = cand;
			found = 1;
		}
		p = nl ? nl + 1 : end;
	}
	return found;
}

int cm_launch_run(struct cm_launch *l, const struct cm_launch_args *a,
		  const char **failed)
{
	int r;

	*failed = "spec";
	r = cm_launch_load(l, a->spec, a->creds);
	if (r < 0)
		return r;
	*failed = "source";
	r = cm_launch_image(l, a->source, a->root);
	if (r < 0)
		return r;
	*failed = "unsupported";
	r = cm_launch_supported(l);
	if (r < 0)
		return r;
	*failed = "connect";
	r = cm_launch_connect(l, a->endpoint);
	if (r < 0)
		return r;
	*failed = "ask";
	r = cm_launch_ask(l);
	if (r < 0)
		return r;
	*failed = "fit";
	r = cm_launch_fit(l, a->root);
	if (r < 0)
		return r;
	*failed = "launch";
	r = cm_launch_start(l, a->image_url, &l->image, a->move_id);
	if (r < 0)
		return r;
	*failed = NULL;
	if (a->wait == 0)
		return 0;
	r = cm_launch_wait(l, a->move_id, a->wait);
	if (r <= 0)
		*failed = "arrival";
	return r;
}
