#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../clouds/clouds.h"
#include "../limits.h"
#include "../stream/encoders.h"
#include "../util/file.h"
#include "cmdline.h"

#define TIMEOUT_DEFAULT_MS 2000
#define TIMEOUT_MAX_MS 20000	/* the boot hook's own bound is 30 s */

static void warn(struct cm_boot_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void warn(struct cm_boot_opts *o, const char *fmt, ...)
{
	va_list ap;

	if (o->n_warnings >= CM_CMDLINE_WARN_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(o->warnings[o->n_warnings++], sizeof(o->warnings[0]), fmt, ap);
	va_end(ap);
}

/* Kernel rules (lib/cmdline.c next_arg): blank-separated words, double
 * quotes group blanks, and the quotes themselves are not part of it. */
static size_t next_word(const char **p, const char *end, char *out,
			size_t size, int *cut)
{
	int quoted = 0;
	size_t n = 0;

	*cut = 0;
	while (*p < end && (**p == ' ' || **p == '\t' || **p == '\n'))
		(*p)++;
	while (*p < end && (quoted || (**p != ' ' && **p != '\t' && **p != '\n'))) {
		char c = *(*p)++;

		if (c == '"') {
			quoted = !quoted;
			continue;
		}
		if (n + 1 < size)
			out[n++] = c;
		else
			*cut = 1;
	}
	out[n] = '\0';
	return n;
}

static int printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

static int one_of(const char *v, const char *const *set, int *idx)
{
	int i;

	for (i = 0; set[i]; i++)
		if (!strcmp(v, set[i])) {
			*idx = i;
			return 1;
		}
	return 0;
}

static void set_text(struct cm_boot_opts *o, const char *key, const char *v,
		     char *dst, size_t size)
{
	if (strlen(v) >= size)
		warn(o, "%s: value longer than %zu bytes, ignored", key, size - 1);
	else
		snprintf(dst, size, "%s", v);
}

static int dest_ok(const char *v)
{
	static const char *const schemes[] = {
		"s3://", "gs://", "https://", "http://", "file://", NULL,
	};
	int i;

	for (i = 0; schemes[i]; i++)
		if (!strncmp(v, schemes[i], strlen(schemes[i])) &&
		    v[strlen(schemes[i])])
			return 1;
	return 0;
}

static void key_value(struct cm_boot_opts *o, const char *key, const char *v)
{
	static const char *const modes[] = { "adapt", "detect", NULL };
	static const char *const afters[] = { "continue", "reboot", "poweroff", NULL };
	static const char *const onfails[] = { "shell", "boot", NULL };
	int i;

	if (!strcmp(key, "cloudmove")) {
		if (!strcmp(v, "0") || !strcmp(v, "off") || !strcmp(v, "no"))
			o->disabled = 1;
		else if (strcmp(v, "1") && strcmp(v, "on") && strcmp(v, "yes"))
			warn(o, "cloudmove=%s: expected 0 or 1, ignored", v);
	} else if (!strcmp(key, "cloudmove.mode")) {
		if (one_of(v, modes, &i))
			o->mode = (enum cm_boot_mode)i;
		else
			warn(o, "cloudmove.mode=%s: expected adapt or detect; adapt", v);
	} else if (!strcmp(key, "cloudmove.target")) {
		const struct cm_cloud *c = cm_cloud_by_name(v);

		if (c && c->kind == CM_KIND_CLOUD)
			set_text(o, key, v, o->target, sizeof(o->target));
		else
			warn(o, "cloudmove.target=%s: no such cloud, ignored", v);
	} else if (!strcmp(key, "cloudmove.dest")) {
		if (dest_ok(v))
			set_text(o, key, v, o->dest, sizeof(o->dest));
		else
			warn(o, "cloudmove.dest: not an s3://, gs://, http(s):// or file:// URL, ignored");
	} else if (!strcmp(key, "cloudmove.format")) {
		char names[32];

		if (cm_encoder_find(v))
			set_text(o, key, v, o->format, sizeof(o->format));
		else
			warn(o, "cloudmove.format=%s: expected %s; the target's default", v,
			     cm_encoder_names(names, sizeof(names), ", ", " or "));
	} else if (!strcmp(key, "cloudmove.creds")) {
		if (v[0] == '/')
			set_text(o, key, v, o->creds, sizeof(o->creds));
		else
			warn(o, "cloudmove.creds: not an absolute path, ignored");
	} else if (!strcmp(key, "cloudmove.after")) {
		if (one_of(v, afters, &i))
			o->after = (enum cm_boot_after)i;
		else
			warn(o, "cloudmove.after=%s: expected reboot, poweroff or continue; continue", v);
	} else if (!strcmp(key, "cloudmove.onfail")) {
		if (one_of(v, onfails, &i))
			o->onfail = (enum cm_boot_onfail)i;
		else
			warn(o, "cloudmove.onfail=%s: expected shell or boot; shell", v);
	} else if (!strcmp(key, "cloudmove.metering")) {
		if (!strncmp(v, "http://", 7) || !strncmp(v, "https://", 8))
			set_text(o, key, v, o->metering, sizeof(o->metering));
		else
			warn(o, "cloudmove.metering: not an http(s):// URL, ignored");
	} else if (!strcmp(key, "rd.cloudmove.timeout")) {
		char *end;
		long ms = strtol(v, &end, 10);

		if (*v && !*end && ms > 0 && ms <= TIMEOUT_MAX_MS)
			o->timeout_ms = ms;
		else
			warn(o, "rd.cloudmove.timeout=%s: expected 1..%d ms; %d", v,
			     TIMEOUT_MAX_MS, TIMEOUT_DEFAULT_MS);
	} else if (!strcmp(key, "rd.cloudmove.debug")) {
		o->debug = !(!strcmp(v, "0") || !strcmp(v, "off"));
	} else if (!strcmp(key, "rd.cloudmove.crash_at")) {
		/* test switch: the txn engine's CM_TXN_CRASH_AT, for the
		 * never-break-boot scenarios */
		char *end;
		long n = strtol(v, &end, 10);

		if (*v && !*end && n > 0 && n < 100000)
			o->crash_at = n;
		else
			warn(o, "rd.cloudmove.crash_at=%s: expected a step number, ignored", v);
	} else {
		warn(o, "%s: unknown key, ignored", key);
	}
}

int cm_cmdline_parse(const char *buf, size_t len, struct cm_boot_opts *o)
{
	const char *p = buf, *end = buf + len;
	char word[2048];
	int cut;

	memset(o, 0, sizeof(*o));
	o->timeout_ms = TIMEOUT_DEFAULT_MS;
	while (next_word(&p, end, word, sizeof(word), &cut)) {
		char *eq = strchr(word, '=');
		const char *key = word, *value = eq ? eq + 1 : "";

		if (strncmp(word, "cloudmove", 9) && strncmp(word, "rd.cloudmove", 12))
			continue;	/* not ours */
		if (eq)
			*eq = '\0';
		/* "cloudmovefoo" is somebody else's word */
		if (strcmp(key, "cloudmove") && strncmp(key, "cloudmove.", 10) &&
		    strncmp(key, "rd.cloudmove.", 13))
			continue;
		if (cut) {
			warn(o, "%s: value too long, ignored", key);
			continue;
		}
		if (!printable(word) || !printable(value)) {
			warn(o, "a cloudmove key with control characters, ignored");
			continue;
		}
		if (!eq && strcmp(key, "rd.cloudmove.debug")) {
			warn(o, "%s: needs a value, ignored", key);
			continue;
		}
		key_value(o, key, value);
	}
	return (int)o->n_warnings;
}

int cm_cmdline_read(const char *path, struct cm_boot_opts *o)
{
	char buf[CM_CMDLINE_MAX];
	size_t len = 0;
	int r;

	r = cm_file_read_small(path, buf, sizeof(buf), &len);
	cm_cmdline_parse(buf, r < 0 ? 0 : len, o);
	if (r < 0)
		warn(o, "read %s: %s; defaults", path, strerror(-r));
	return (int)o->n_warnings;
}
