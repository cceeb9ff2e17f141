#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../clouds/clouds.h"
#include "../limits.h"
#include "../log.h"
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
 * quotes group blanks, and the quotes themselves are not part of it.  Fed
 * in pieces (a command line is read a chunk at a time, whatever its
 * length), one word held at a time: the longest word kept is
 * CM_CMDLINE_WORD_MAX - 1 bytes, a longer one is "cut". */
struct word_scan {
	char word[CM_CMDLINE_WORD_MAX];
	size_t n;
	size_t start;		/* offset of the word's first byte */
	size_t offset;		/* bytes fed so far */
	int in_word, quoted, cut;
};

typedef void word_fn(struct cm_boot_opts *o, struct word_scan *w);

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

static void scan_feed(struct word_scan *w, const char *p, size_t len,
		      word_fn *on_word, struct cm_boot_opts *o)
{
	size_t i;

	for (i = 0; i < len; i++, w->offset++) {
		char c = p[i];

		if (!w->in_word) {
			if (blank(c))
				continue;
			w->in_word = 1;
			w->start = w->offset;
		} else if (!w->quoted && blank(c)) {
			w->word[w->n] = '\0';
			on_word(o, w);
			w->n = 0;
			w->in_word = w->quoted = w->cut = 0;
			continue;
		}
		if (c == '"')
			w->quoted = !w->quoted;
		else if (w->n + 1 < sizeof(w->word))
			w->word[w->n++] = c;
		else
			w->cut = 1;
	}
}

static void scan_end(struct word_scan *w, word_fn *on_word,
		     struct cm_boot_opts *o)
{
	if (!w->in_word)
		return;
	w->word[w->n] = '\0';
	on_word(o, w);
	w->n = 0;
	w->in_word = w->quoted = w->cut = 0;
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

/* The switches that make the agent do less: cloudmove=0 (the hook's
 * list: 0, off, no, false) and cloudmove.mode=detect.  Honoured wherever
 * they stand, past CM_CMDLINE_MAX too. */
static int kill_switch(const char *key, const char *v)
{
	return !strcmp(key, "cloudmove") &&
	       (!strcmp(v, "0") || !strcmp(v, "off") || !strcmp(v, "no") ||
		!strcmp(v, "false"));
}

static int detect_switch(const char *key, const char *v)
{
	return !strcmp(key, "cloudmove.mode") && !strcmp(v, "detect");
}

static void key_value(struct cm_boot_opts *o, const char *key, const char *v)
{
	static const char *const modes[] = { "adapt", "detect", NULL };
	static const char *const afters[] = { "continue", "reboot", "poweroff", NULL };
	static const char *const onfails[] = { "shell", "boot", NULL };
	int i;

	if (!strcmp(key, "cloudmove")) {
		if (kill_switch(key, v))
			o->disabled = 1;
		else if (strcmp(v, "1") && strcmp(v, "on") && strcmp(v, "yes") &&
			 strcmp(v, "true"))
			warn(o, "cloudmove=%s: expected 0 or 1, ignored", v);
	} else if (!strcmp(key, "cloudmove.mode")) {
		/* the safer mode wins wherever it stands: detect is never
		 * undone by a later cloudmove.mode=adapt */
		if (one_of(v, modes, &i) && o->mode != CM_MODE_DETECT)
			o->mode = (enum cm_boot_mode)i;
		else if (!one_of(v, modes, &i))
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
		/* Test switch: the txn engine's CM_TXN_CRASH_AT, for the
		 * never-break-boot scenarios.  Kept in production builds on
		 * purpose: the QEMU tests (fb-crash) boot the binary that
		 * ships, and a test-only build would test something else.
		 * It can only do what a power cut does (the next boot undoes
		 * the transaction), cmd_boot announces it, and whoever can
		 * set it can set cloudmove=0 or init= as well
		 * (doc/cloudmove.8). */
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

/* key and value of a word of ours in w->word (split in place), or NULL:
 * somebody else's word ("cloudmovefoo" too). */
static const char *our_key(struct word_scan *w, const char **value)
{
	char *word = w->word, *eq = strchr(word, '=');

	if (strncmp(word, "cloudmove", 9) && strncmp(word, "rd.cloudmove", 12))
		return NULL;
	if (eq)
		*eq = '\0';
	*value = eq ? eq + 1 : NULL;
	if (strcmp(word, "cloudmove") && strncmp(word, "cloudmove.", 10) &&
	    strncmp(word, "rd.cloudmove.", 13))
		return NULL;
	return word;
}

/* Past CM_CMDLINE_MAX: only what makes the agent do less. */
static void on_word_far(struct cm_boot_opts *o, struct word_scan *w)
{
	const char *value, *key = our_key(w, &value);

	if (!key || !value || w->cut)
		return;
	if (kill_switch(key, value))
		o->disabled = 1;
	else if (detect_switch(key, value))
		o->mode = CM_MODE_DETECT;
}

static void on_word(struct cm_boot_opts *o, struct word_scan *w)
{
	const char *value, *key;

	if (w->start >= CM_CMDLINE_MAX) {
		if (!o->far) {
			o->far = 1;
			warn(o, "command line longer than %d bytes: past them only "
			     "cloudmove=0 and cloudmove.mode=detect are read",
			     CM_CMDLINE_MAX);
		}
		on_word_far(o, w);
		return;
	}
	key = our_key(w, &value);
	if (!key)
		return;
	if (w->cut) {
		warn(o, "%s: value too long, ignored", key);
		return;
	}
	if (!printable(key) || (value && !printable(value))) {
		warn(o, "a cloudmove key with control characters, ignored");
		return;
	}
	if (!value && strcmp(key, "rd.cloudmove.debug")) {
		warn(o, "%s: needs a value, ignored", key);
		return;
	}
	key_value(o, key, value ? value : "");
}

static void opts_init(struct cm_boot_opts *o, struct word_scan *w)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = TIMEOUT_DEFAULT_MS;
	memset(w, 0, sizeof(*w));
}

int cm_cmdline_parse(const char *buf, size_t len, struct cm_boot_opts *o)
{
	struct word_scan w;

	opts_init(o, &w);
	scan_feed(&w, buf, len, on_word, o);
	scan_end(&w, on_word, o);
	return (int)o->n_warnings;
}

/* A command line that cannot be read (gone, a FIFO, an error midway)
 * could have held cloudmove=0: the agent does nothing. */
static int unreadable(struct cm_boot_opts *o, const char *path, int r)
{
	o->disabled = 1;
	o->unreadable = r;
	warn(o, "read %s: %s; doing nothing", path, cm_strerror(-r));
	return (int)o->n_warnings;
}

int cm_cmdline_read(const char *path, struct cm_boot_opts *o)
{
	struct word_scan w;
	char chunk[4096];
	ssize_t k;
	int fd, r;

	opts_init(o, &w);
	fd = cm_file_open_regular(path);
	if (fd < 0)
		return unreadable(o, path, fd);
	for (;;) {
		k = read(fd, chunk, sizeof(chunk));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		scan_feed(&w, chunk, (size_t)k, on_word, o);
	}
	r = k < 0 ? -errno : 0;
	close(fd);
	if (r < 0)
		return unreadable(o, path, r);
	scan_end(&w, on_word, o);
	return (int)o->n_warnings;
}
