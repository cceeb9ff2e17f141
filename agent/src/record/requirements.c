/* What an adaptation was for (see requirements.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "../control/control.h"
#include "../detect/detect.h"
#include "../profiles/profile.h"
#include "../util/buf.h"
#include "../util/sha256.h"
#include "requirements.h"

int cm_profile_version(const struct cm_profile_rt *p, char *out, size_t size)
{
	struct cm_profile_rt *q = malloc(sizeof(*q));
	unsigned char h[32];
	struct cm_buf b;
	int r, i;

	if (!q)
		return -ENOMEM;
	/* The requirements only: where they came from (built in, which
	 * file) and the title are not what the root was adapted to. */
	*q = *p;
	q->source = CM_PROFILE_BUILTIN;
	q->last_file[0] = '\0';
	q->title[0] = '\0';
	cm_buf_init(&b, 256 * 1024);
	r = cm_profile_format_json(q, &b);
	free(q);
	if (r == 0) {
		cm_sha256(b.data, b.len, h);
		if (size < sizeof("sha256:") + 16)
			r = -ENOBUFS;
	}
	if (r == 0) {
		snprintf(out, size, "sha256:");
		for (i = 0; i < 8; i++)
			snprintf(out + 7 + 2 * i, size - 7 - 2 * i, "%02x", h[i]);
	}
	cm_buf_free(&b);
	return r;
}

/* appends " key=value" (or "key=value" first) when it fits whole */
static void add(char *out, size_t size, const char *key, const char *value)
{
	size_t n = strlen(out);
	int w;

	if (!value || !*value)
		return;
	w = snprintf(out + n, size - n, "%s%s=%s", n ? " " : "", key, value);
	if (w < 0 || (size_t)w >= size - n)
		out[n] = '\0';
}

/* the driver list as one comma-separated word, cut at a driver so that
 * it fits max */
static void driver_word(const char *drivers, char *out, size_t max)
{
	char copy[256], *save = NULL, *d;
	size_t n = 0;

	out[0] = '\0';
	snprintf(copy, sizeof(copy), "%s", drivers);
	for (d = strtok_r(copy, " ,", &save); d; d = strtok_r(NULL, " ,", &save)) {
		size_t len = strlen(d);

		if (n + len + 2 > max)
			break;
		n += (size_t)snprintf(out + n, max - n, "%s%s", n ? "," : "", d);
	}
}

void cm_facts_from_target(const struct cm_target_facts *f, char *out, size_t size)
{
	char boot[16] = "", drivers[160];

	out[0] = '\0';
	if (f->boot_modes & CM_BOOT_BIOS)
		strcat(boot, "bios");
	if (f->boot_modes & CM_BOOT_UEFI)
		strcat(boot, boot[0] ? ",uefi" : "uefi");
	driver_word(f->drivers, drivers, sizeof(drivers));
	add(out, size, "type", f->instance_type);
	add(out, size, "arch", f->arch);
	add(out, size, "boot", boot);
	add(out, size, "nvme", f->nvme ? "1" : "0");
	add(out, size, "drivers", drivers);
}

void cm_facts_from_boot(const struct cm_verdict *v, char *out, size_t size)
{
	struct utsname u;
	const char *arch = "";

	out[0] = '\0';
	if (uname(&u) == 0)
		arch = !strcmp(u.machine, "aarch64") ? "arm64" : u.machine;
	add(out, size, "type", v->instance_type);
	add(out, size, "arch", arch);
}

/* the value of key in a facts string into out ("" absent) */
static void value_of(const char *facts, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);
	const char *p = facts;

	out[0] = '\0';
	while (p && *p) {
		size_t wlen = strcspn(p, " ");

		if (wlen > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			snprintf(out, size, "%.*s", (int)(wlen - klen - 1), p + klen + 1);
			return;
		}
		p += wlen;
		p += strspn(p, " ");
	}
}

/* calls fn for each key of facts, stops at a non-zero return */
static int each_key(const char *facts, int (*fn)(const char *key, void *ctx), void *ctx)
{
	const char *p = facts;
	char key[64];
	int r;

	while (p && *p) {
		size_t wlen = strcspn(p, " "), klen = strcspn(p, "=");

		if (klen < wlen && klen < sizeof(key)) {
			snprintf(key, sizeof(key), "%.*s", (int)klen, p);
			r = fn(key, ctx);
			if (r)
				return r;
		}
		p += wlen;
		p += strspn(p, " ");
	}
	return 0;
}

struct differ {
	const char *recorded, *now;
	char *changed;
	size_t size;
};

static int key_differs(const char *key, void *ctx)
{
	struct differ *d = ctx;
	char a[160], b[160];

	value_of(d->recorded, key, a, sizeof(a));
	value_of(d->now, key, b, sizeof(b));
	if (!a[0] || !b[0] || !strcmp(a, b))
		return 0;
	if (d->changed)
		snprintf(d->changed, d->size, "%s %s → %s", key, a, b);
	return 1;
}

int cm_facts_differ(const char *recorded, const char *now, char *changed, size_t size)
{
	struct differ d = { recorded, now, changed, size };

	if (changed && size)
		changed[0] = '\0';
	if (!recorded || !now)
		return 0;
	return each_key(now, key_differs, &d);
}

struct merge {
	const char *recorded, *now;
	char *out;
	size_t size;
};

static int merge_recorded_key(const char *key, void *ctx)
{
	struct merge *m = ctx;
	char v[160];

	value_of(m->now, key, v, sizeof(v));
	if (!v[0])
		value_of(m->recorded, key, v, sizeof(v));
	add(m->out, m->size, key, v);
	return 0;
}

static int merge_new_key(const char *key, void *ctx)
{
	struct merge *m = ctx;
	char v[160];

	value_of(m->recorded, key, v, sizeof(v));
	if (v[0])
		return 0;	/* done above */
	value_of(m->now, key, v, sizeof(v));
	add(m->out, m->size, key, v);
	return 0;
}

void cm_facts_merge(const char *recorded, const char *now, char *out, size_t size)
{
	struct merge m = { recorded ? recorded : "", now ? now : "", out, size };

	out[0] = '\0';
	each_key(m.recorded, merge_recorded_key, &m);
	each_key(m.now, merge_new_key, &m);
}
