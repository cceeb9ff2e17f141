#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../clouds/clouds.h"
#include "../control/launch.h"
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

/* How a key's value is read, and where it goes. */
enum key_kind {
	KEY_SWITCH = 1,	/* cloudmove: a word of .set disables, of .on nothing */
	KEY_FLAG,	/* int: 0 for "0"/"off", else 1; the value may be absent */
	KEY_ENUM,	/* int field = the value's index in .set */
	KEY_FORMAT,	/* text: an image format (stream/encoders.c) */
	KEY_CLOUD,	/* text: a cloud id (clouds.def), of a cloud */
	KEY_URL,	/* text: starts with one of .set, then at least .min bytes */
	KEY_PATH,	/* text: an absolute path */
	KEY_NUMBER,	/* long: decimal in .min..max */
};

struct key {
	const char *name;
	enum key_kind kind;
	size_t off;			/* into struct cm_boot_opts */
	size_t size;			/* text keys: the field's size */
	const char *const *set;		/* words or URL schemes */
	const char *const *on;		/* KEY_SWITCH: the words that say yes */
	long min, max;
	const char *sticky;		/* KEY_ENUM: once set to it, it stays */
	int show_value;			/* the warning quotes the value */
	const char *bad;		/* the warning's text after "key[=value]: " */
};

/* KEY_ENUM writes the enum fields through an int */
_Static_assert(sizeof(enum cm_boot_mode) == sizeof(int) &&
	       sizeof(enum cm_boot_after) == sizeof(int) &&
	       sizeof(enum cm_boot_retire) == sizeof(int) &&
	       sizeof(enum cm_boot_onfail) == sizeof(int), "enums are ints");

#define OPT(field) offsetof(struct cm_boot_opts, field), 0
#define TEXT(field) offsetof(struct cm_boot_opts, field), \
	sizeof(((struct cm_boot_opts *)0)->field)
#define STR_(x) #x
#define STR(x) STR_(x)

/* The hook's list (cloudmove-hook.sh) */
static const char *const switch_off[] = { "0", "off", "no", "false", NULL };
static const char *const switch_on[] = { "1", "on", "yes", "true", NULL };
static const char *const modes[] = { "adapt", "detect", NULL };	/* enum cm_boot_mode */
static const char *const afters[] = { "continue", "reboot", "poweroff", "retire", NULL };
static const char *const retires[] = { "stop", "delete", NULL };	/* enum cm_boot_retire */
static const char *const onfails[] = { "shell", "boot", NULL };
static const char *const dest_schemes[] = {
	"s3://", "gs://", "ebs://", "https://", "http://", "file://", NULL,
};
static const char *const http_schemes[] = { "http://", "https://", NULL };

static const struct key keys[] = {
	{ .name = "cloudmove", .kind = KEY_SWITCH, OPT(disabled),
	  .set = switch_off, .on = switch_on, .show_value = 1,
	  .bad = "expected 0 or 1, ignored" },
	/* the safer mode wins wherever it stands: detect is never undone by
	 * a later cloudmove.mode=adapt */
	{ .name = "cloudmove.mode", .kind = KEY_ENUM, OPT(mode), .set = modes,
	  .sticky = "detect", .show_value = 1,
	  .bad = "expected adapt or detect; adapt" },
	{ .name = "cloudmove.target", .kind = KEY_CLOUD, TEXT(target),
	  .show_value = 1, .bad = "no such cloud, ignored" },
	{ .name = "cloudmove.dest", .kind = KEY_URL, TEXT(dest),
	  .set = dest_schemes, .min = 1,
	  .bad = "not an s3://, gs://, ebs://, http(s):// or file:// URL, ignored" },
	/* .bad is made from the encoder registry: see key_value */
	{ .name = "cloudmove.format", .kind = KEY_FORMAT, TEXT(format),
	  .show_value = 1, .bad = "the target's default" },
	{ .name = "cloudmove.creds", .kind = KEY_PATH, TEXT(creds),
	  .bad = "not an absolute path, ignored" },
	{ .name = "cloudmove.after", .kind = KEY_ENUM, OPT(after), .set = afters,
	  .show_value = 1,
	  .bad = "expected reboot, poweroff, retire or continue; continue" },
	/* a misspelt delete is a stop: deleting is never a default */
	{ .name = "cloudmove.retire", .kind = KEY_ENUM, OPT(retire), .set = retires,
	  .show_value = 1, .bad = "expected stop or delete; stop" },
	{ .name = "cloudmove.onfail", .kind = KEY_ENUM, OPT(onfail),
	  .set = onfails, .show_value = 1,
	  .bad = "expected shell or boot; shell" },
	{ .name = "cloudmove.metering", .kind = KEY_URL, TEXT(metering),
	  .set = http_schemes, .min = 0,
	  .bad = "not an http(s):// URL, ignored" },
	{ .name = "cloudmove.launch", .kind = KEY_PATH, TEXT(launch),
	  .bad = "not an absolute path, ignored" },
	{ .name = "cloudmove.wait", .kind = KEY_NUMBER, OPT(wait_s),
	  .min = 0, .max = CM_LAUNCH_WAIT_MAX, .show_value = 1,
	  .bad = "expected 0.." STR(CM_LAUNCH_WAIT_MAX) " seconds; " STR(CM_LAUNCH_WAIT_DEFAULT) },
	/* Test key: the target's control plane at another address (an
	 * emulator), as launch --api-endpoint; its requests keep their real
	 * Host header. */
	{ .name = "rd.cloudmove.api_endpoint", .kind = KEY_URL, TEXT(api_endpoint),
	  .set = http_schemes, .min = 1,
	  .bad = "not an http(s):// URL, ignored" },
	/* Test switch: where retire sends the source cloud's API calls (the
	 * emulators), each keeping its path and its real Host header
	 * (control.h's cm_api_url).  Retire authenticates with the machine's
	 * own identity, which goes wherever this says: whoever can set it can
	 * set cloudmove=0 as well. */
	{ .name = "rd.cloudmove.retire_api_endpoint", .kind = KEY_URL, TEXT(retire_api),
	  .set = http_schemes, .min = 1,
	  .bad = "not an http(s):// URL, ignored" },
	{ .name = "rd.cloudmove.timeout", .kind = KEY_NUMBER, OPT(timeout_ms),
	  .min = 1, .max = TIMEOUT_MAX_MS, .show_value = 1,
	  .bad = "expected 1.." STR(TIMEOUT_MAX_MS) " ms; "
		 STR(TIMEOUT_DEFAULT_MS) },
	{ .name = "rd.cloudmove.debug", .kind = KEY_FLAG, OPT(debug) },
	/* Test switch: the txn engine's CM_TXN_CRASH_AT, for the
	 * never-break-boot scenarios.  Kept in production builds on purpose:
	 * the QEMU tests (fb-crash) boot the binary that ships, and a
	 * test-only build would test something else.  It can only do what a
	 * power cut does (the next boot undoes the transaction), cmd_boot
	 * announces it, and whoever can set it can set cloudmove=0 or init=
	 * as well (doc/cloudmove.8). */
	{ .name = "rd.cloudmove.crash_at", .kind = KEY_NUMBER, OPT(crash_at),
	  .min = 1, .max = 99999, .show_value = 1,
	  .bad = "expected a step number, ignored" },
	{ .name = NULL },
};

static const struct key *key_find(const char *name)
{
	const struct key *k;

	for (k = keys; k->name; k++)
		if (!strcmp(k->name, name))
			return k;
	return NULL;
}

static int url_ok(const struct key *k, const char *v)
{
	int i;

	for (i = 0; k->set[i]; i++) {
		size_t n = strlen(k->set[i]);

		if (!strncmp(v, k->set[i], n) && strlen(v + n) >= (size_t)k->min)
			return 1;
	}
	return 0;
}

static int number_ok(const struct key *k, const char *v, long *n)
{
	char *end;

	*n = strtol(v, &end, 10);
	return *v && !*end && *n >= k->min && *n <= k->max;
}

/* Is v a good value for k?  Text keys check here what a copy cannot. */
static int text_ok(const struct key *k, const char *v)
{
	const struct cm_cloud *c;

	switch (k->kind) {
	case KEY_FORMAT:
		return cm_encoder_find(v) != NULL;
	case KEY_CLOUD:
		c = cm_cloud_by_name(v);
		return c && c->kind == CM_KIND_CLOUD;
	case KEY_URL:
		return url_ok(k, v);
	case KEY_PATH:
		return v[0] == '/';
	default:
		return 0;
	}
}

static void set_text(struct cm_boot_opts *o, const struct key *k,
		     const char *v)
{
	char *dst = (char *)o + k->off;

	if (strlen(v) >= k->size)
		warn(o, "%s: value longer than %zu bytes, ignored", k->name,
		     k->size - 1);
	else
		snprintf(dst, k->size, "%s", v);
}

/* 0 set (or nothing to do), -1 bad value */
static int set_value(struct cm_boot_opts *o, const struct key *k,
		     const char *v)
{
	int *ival = (int *)((char *)o + k->off);
	long n;
	int i;

	switch (k->kind) {
	case KEY_SWITCH:
		if (one_of(v, k->set, &i)) {
			*ival = 1;
			return 0;
		}
		return one_of(v, k->on, &i) ? 0 : -1;
	case KEY_FLAG:
		*ival = !(!strcmp(v, "0") || !strcmp(v, "off"));
		return 0;
	case KEY_ENUM:
		if (!one_of(v, k->set, &i))
			return -1;
		if (!k->sticky || strcmp(k->set[*ival], k->sticky))
			*ival = i;
		return 0;
	case KEY_NUMBER:
		if (!number_ok(k, v, &n))
			return -1;
		*(long *)((char *)o + k->off) = n;
		return 0;
	default:
		if (!text_ok(k, v))
			return -1;
		set_text(o, k, v);
		return 0;
	}
}

static void key_value(struct cm_boot_opts *o, const struct key *k,
		      const char *v)
{
	char names[32];

	if (set_value(o, k, v) == 0)
		return;
	if (k->kind == KEY_FORMAT)
		warn(o, "%s=%s: expected %s; %s", k->name, v,
		     cm_encoder_names(names, sizeof(names), ", ", " or "), k->bad);
	else if (k->show_value)
		warn(o, "%s=%s: %s", k->name, v, k->bad);
	else
		warn(o, "%s: %s", k->name, k->bad);
}

/* The switches that make the agent do less: cloudmove=0 (the hook's
 * list: 0, off, no, false) and cloudmove.mode=detect.  Honoured wherever
 * they stand, past CM_CMDLINE_MAX too. */
static int kill_switch(const char *key, const char *v)
{
	int i;

	return !strcmp(key, "cloudmove") && one_of(v, switch_off, &i);
}

static int detect_switch(const char *key, const char *v)
{
	return !strcmp(key, "cloudmove.mode") && !strcmp(v, "detect");
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
	const struct key *k;

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
	k = key_find(key);
	if (!value && (!k || k->kind != KEY_FLAG)) {
		warn(o, "%s: needs a value, ignored", key);
		return;
	}
	if (!k) {
		warn(o, "%s: unknown key, ignored", key);
		return;
	}
	key_value(o, k, value ? value : "");
}

static void opts_init(struct cm_boot_opts *o, struct word_scan *w)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = TIMEOUT_DEFAULT_MS;
	o->wait_s = CM_LAUNCH_WAIT_DEFAULT;
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
