/* Progress lines; see progress.h. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

#define NS		1000000000ull
#define BAR_WIDTH	24

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + (uint64_t)ts.tv_nsec;
}

int cm_progress_mode_parse(const char *s, enum cm_progress_mode *out)
{
	static const struct { const char *name; enum cm_progress_mode mode; } modes[] = {
		{ "auto", CM_PROGRESS_AUTO }, { "bar", CM_PROGRESS_BAR },
		{ "plain", CM_PROGRESS_PLAIN }, { "json", CM_PROGRESS_JSON },
		{ "none", CM_PROGRESS_NONE },
	};
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(s, modes[i].name)) {
			*out = modes[i].mode;
			return 0;
		}
	return -EINVAL;
}

const char *cm_progress_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)n);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

void cm_progress_init(struct cm_progress *p, enum cm_progress_mode mode, uint64_t total)
{
	memset(p, 0, sizeof(*p));
	if (mode == CM_PROGRESS_AUTO)
		mode = isatty(STDERR_FILENO) ? CM_PROGRESS_BAR : CM_PROGRESS_PLAIN;
	p->mode = mode;
	p->out = mode == CM_PROGRESS_JSON ? stdout : stderr;
	p->total = total;
	p->start_ns = p->last_ns = now_ns();
	p->interval_ns = mode == CM_PROGRESS_BAR ? NS / 5 :
			 mode == CM_PROGRESS_JSON ? NS : 5 * NS;
}

static double rate_of(const struct cm_progress *p, uint64_t t)
{
	double secs = (double)(t - p->start_ns) / NS;

	return secs > 0 ? (double)p->done / secs : 0;
}

static long eta_of(const struct cm_progress *p, double rate)
{
	if (rate <= 0 || p->done >= p->total)
		return 0;
	return (long)((double)(p->total - p->done) / rate + 0.5);
}

static void emit(struct cm_progress *p, uint64_t t)
{
	char a[32], b[32], r[32];
	double rate = rate_of(p, t);
	long eta = eta_of(p, rate);
	unsigned pct = p->total ? (unsigned)(p->done * 100 / p->total) : 100;
	char bar[BAR_WIDTH + 1];
	unsigned fill = pct * BAR_WIDTH / 100, i;

	switch (p->mode) {
	case CM_PROGRESS_BAR:
		for (i = 0; i < BAR_WIDTH; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[BAR_WIDTH] = '\0';
		fprintf(p->out, "\r[%s] %3u%% %s / %s  %s/s  ETA %ld:%02ld:%02ld \033[K",
			bar, pct, cm_progress_bytes(p->done, a, sizeof(a)),
			cm_progress_bytes(p->total, b, sizeof(b)),
			cm_progress_bytes((uint64_t)rate, r, sizeof(r)),
			eta / 3600, eta / 60 % 60, eta % 60);
		p->drawn = 1;
		break;
	case CM_PROGRESS_PLAIN:
		fprintf(p->out, "cloudmove: stream: %s of %s (%u%%), %s/s, ETA %lds\n",
			cm_progress_bytes(p->done, a, sizeof(a)),
			cm_progress_bytes(p->total, b, sizeof(b)), pct,
			cm_progress_bytes((uint64_t)rate, r, sizeof(r)), eta);
		break;
	case CM_PROGRESS_JSON:
		fprintf(p->out, "{\"event\":\"progress\",\"done\":%llu,\"total\":%llu,"
			"\"rate\":%.0f,\"eta\":%ld}\n", (unsigned long long)p->done,
			(unsigned long long)p->total, rate, eta);
		break;
	default:
		break;
	}
	fflush(p->out);
}

void cm_progress_update(struct cm_progress *p, uint64_t done)
{
	uint64_t t;

	p->done = done;
	if (p->mode == CM_PROGRESS_NONE)
		return;
	t = now_ns();
	if (t - p->last_ns < p->interval_ns)
		return;
	p->last_ns = t;
	emit(p, t);
}

/* s as a JSON string, quotes included */
static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void cm_progress_end(struct cm_progress *p, int ok, uint64_t out_bytes, uint64_t sent,
		     const char *dest)
{
	uint64_t t = now_ns();
	double secs = (double)(t - p->start_ns) / NS;
	char a[32], r[32];

	if (p->mode == CM_PROGRESS_BAR && ok)
		emit(p, t);
	if (p->drawn)
		fputs(ok ? "\n" : "\r\033[K", p->out);
	if (p->mode == CM_PROGRESS_JSON) {
		fprintf(p->out, "{\"event\":\"%s\",\"done\":%llu,\"total\":%llu,"
			"\"written\":%llu,\"sent\":%llu,\"seconds\":%.3f", ok ? "done" : "failed",
			(unsigned long long)p->done, (unsigned long long)p->total,
			(unsigned long long)out_bytes, (unsigned long long)sent, secs);
		if (ok && dest) {
			fputs(",\"dest\":", p->out);
			json_string(p->out, dest);
		}
		fputs("}\n", p->out);
	} else if (ok && p->mode != CM_PROGRESS_NONE)
		fprintf(p->out, "cloudmove: stream: done, %s in %.1f s (%s/s), %llu bytes written\n",
			cm_progress_bytes(p->done, a, sizeof(a)), secs,
			cm_progress_bytes(secs > 0 ? (uint64_t)((double)p->done / secs) : 0,
					  r, sizeof(r)),
			(unsigned long long)out_bytes);
	fflush(p->out);
}
