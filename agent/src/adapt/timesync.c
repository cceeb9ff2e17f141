#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../log.h"
#include "rewrite.h"
#include "../util/sysroot.h"
#include "timesync.h"

/* Each cloud's time source, its options, its other names and the
 * document they come from are in its profile (clouds/<id>.c). */
#define OFF_LEN (sizeof(CM_TIMESYNC_OFF) - 1)

/* --- lines ----------------------------------------------------------- */

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static const char *comment_chars(enum cm_timesync_syntax syn)
{
	switch (syn) {
	case CM_TS_CHRONY: return "!;#%";	/* chrony.conf(5) */
	case CM_TS_TIMESYNCD: return "#;";	/* systemd.syntax(7) */
	case CM_TS_NTPD: break;
	}
	return "#";
}

/* The next word of l[*i..len): its start and length (0 at the end). */
static size_t word(const char *l, size_t len, size_t *i, const char **w)
{
	size_t s;

	while (*i < len && is_blank(l[*i]))
		(*i)++;
	s = *i;
	while (*i < len && !is_blank(l[*i]))
		(*i)++;
	*w = l + s;
	return *i - s;
}

static int word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && !strncasecmp(w, lit, n);
}

/* The time source an active chrony or ntpd line names: "server HOST",
 * "pool HOST", "peer HOST" (ntpd: after -4/-6), chrony "refclock PHC
 * DEVICE[:options]".  Its length, 0 for any other line. */
static size_t line_source(enum cm_timesync_syntax syn, const char *l,
			  size_t len, const char **src)
{
	const char *w;
	size_t i = 0, n;

	while (i < len && is_blank(l[i]))
		i++;
	if (i == len || strchr(comment_chars(syn), l[i]))
		return 0;
	n = word(l, len, &i, &w);
	if (word_is(w, n, "server") || word_is(w, n, "pool") ||
	    word_is(w, n, "peer")) {
		n = word(l, len, &i, src);
		while (syn == CM_TS_NTPD && (word_is(*src, n, "-4") ||
					     word_is(*src, n, "-6")))
			n = word(l, len, &i, src);
		return n;
	}
	if (syn != CM_TS_CHRONY || !word_is(w, n, "refclock"))
		return 0;
	n = word(l, len, &i, &w);
	if (!word_is(w, n, "PHC"))
		return 0;
	n = word(l, len, &i, src);
	for (i = 0; i < n; i++)
		if ((*src)[i] == ':')
			return i;
	return n;
}

static int in_set(const char *const *set, size_t n, const char *w, size_t wl)
{
	size_t i;

	for (i = 0; wl && i < n; i++)
		if (strlen(set[i]) == wl && !strncasecmp(set[i], w, wl))
			return 1;
	return 0;
}

static int add_line(struct cm_buf *out, const char *l, size_t len, int nl)
{
	int r = cm_buf_add(out, l, len);

	return r || !nl ? r : cm_buf_add(out, "\n", 1);
}

static int check_input(const char *buf, size_t len)
{
	if (len > CM_TIMESYNC_MAX)
		return -EMSGSIZE;
	if (len && memchr(buf, '\0', len))
		return -EBADMSG;
	return 0;
}

static void next_line(const char **p, const char *end, const char **line,
		      size_t *len, int *nl)
{
	const char *eol = memchr(*p, '\n', (size_t)(end - *p));

	*line = *p;
	*len = eol ? (size_t)(eol - *p) : (size_t)(end - *p);
	*nl = eol != NULL;
	*p += *len + (eol ? 1 : 0);
}

/* timesyncd "NTP=" / "FallbackNTP=": 1 and the value's bounds, or 0. */
static int timesyncd_list(const char *l, size_t len, int *is_ntp,
			  size_t *v)
{
	size_t i = 0, k;

	while (i < len && is_blank(l[i]))
		i++;
	k = i;
	while (i < len && l[i] != '=' && !is_blank(l[i]))
		i++;
	*is_ntp = i - k == 3 && !memcmp(l + k, "NTP", 3);
	if (!*is_ntp && !(i - k == 11 && !memcmp(l + k, "FallbackNTP", 11)))
		return 0;
	while (i < len && is_blank(l[i]))
		i++;
	if (i == len || l[i] != '=')
		return 0;
	*v = i + 1;
	return 1;
}

/* One timesyncd line: other clouds' servers out of NTP=/FallbackNTP=. */
static int scrub_timesyncd(const char *l, size_t len, int nl,
			   const struct cm_timesync_sources *s,
			   struct cm_buf *out, int *have)
{
	size_t v, i, n, kept = 0, gone = 0, keylen;
	const char *w;
	int is_ntp, r;

	if (!timesyncd_list(l, len, &is_ntp, &v))
		return add_line(out, l, len, nl);
	for (i = v; (n = word(l, len, &i, &w));) {
		if (in_set(s->other, s->n_other, w, n))
			gone++;
		else if (is_ntp && in_set(s->mine, s->n_mine, w, n))
			*have = 1;
	}
	if (!gone)
		return add_line(out, l, len, nl);
	r = cm_buf_addstr(out, CM_TIMESYNC_OFF);
	if (!r)
		r = add_line(out, l, len, 1);
	keylen = v;	/* "  NTP =" as it was */
	for (i = v; !r && (n = word(l, len, &i, &w));) {
		if (in_set(s->other, s->n_other, w, n))
			continue;
		if (!kept++)
			r = cm_buf_add(out, l, keylen);
		else
			r = cm_buf_add(out, " ", 1);
		if (!r)
			r = cm_buf_add(out, w, n);
	}
	if (!r && kept && nl)
		r = cm_buf_add(out, "\n", 1);
	/* The last line had no newline: neither has what replaces it. */
	if (!r && !kept && !nl)
		out->data[--out->len] = '\0';
	return r ? r : 1;
}

/* One chrony or ntpd line. */
static int scrub_source(enum cm_timesync_syntax syn, const char *l,
			size_t len, int nl, const struct cm_timesync_sources *s,
			struct cm_buf *out, int *have)
{
	const char *src;
	size_t n;
	int r;

	if (len >= OFF_LEN && !memcmp(l, CM_TIMESYNC_OFF, OFF_LEN)) {
		n = line_source(syn, l + OFF_LEN, len - OFF_LEN, &src);
		if (n && in_set(s->mine, s->n_mine, src, n) &&
		    !in_set(s->other, s->n_other, src, n)) {
			*have = 1;
			r = add_line(out, l + OFF_LEN, len - OFF_LEN, nl);
			return r ? r : 1;
		}
		return add_line(out, l, len, nl);
	}
	n = line_source(syn, l, len, &src);
	if (n && in_set(s->other, s->n_other, src, n)) {
		r = cm_buf_addstr(out, CM_TIMESYNC_OFF);
		if (!r)
			r = add_line(out, l, len, nl);
		return r ? r : 1;
	}
	if (n && in_set(s->mine, s->n_mine, src, n))
		*have = 1;
	return add_line(out, l, len, nl);
}

int cm_timesync_scrub(enum cm_timesync_syntax syn, const char *buf, size_t len,
		      const struct cm_timesync_sources *s, struct cm_buf *out,
		      int *have)
{
	const char *p = buf, *end = buf + len, *l;
	size_t n;
	int nl, r, changed = 0;

	r = check_input(buf, len);
	if (r)
		return r;
	cm_buf_reset(out);
	while (r >= 0 && p < end) {
		next_line(&p, end, &l, &n, &nl);
		if (syn == CM_TS_TIMESYNCD)
			r = scrub_timesyncd(l, n, nl, s, out, have);
		else
			r = scrub_source(syn, l, n, nl, s, out, have);
		changed += r > 0;
	}
	if (r >= 0 && !out->data)
		r = cm_buf_add(out, "", 0);
	return r < 0 ? r : changed;
}

static int comment_line(enum cm_timesync_syntax syn, const char *l, size_t len)
{
	size_t i = 0;

	while (i < len && is_blank(l[i]))
		i++;
	return i < len && strchr(comment_chars(syn), l[i]);
}

int cm_timesync_insert(enum cm_timesync_syntax syn, const char *buf,
		       size_t len, const char *block, struct cm_buf *out)
{
	const char *p = buf, *end = buf + len, *l, *src, *at = NULL, *run = NULL;
	size_t n;
	int nl, r;

	r = check_input(buf, len);
	if (r)
		return r;
	while (!at && p < end) {
		next_line(&p, end, &l, &n, &nl);
		if (line_source(syn, l, n, &src))
			at = run ? run : l;
		else if (comment_line(syn, l, n))
			run = run ? run : l;
		else
			run = NULL;
	}
	cm_buf_reset(out);
	if (!at) {
		r = cm_buf_add(out, buf, len);
		if (!r && len && buf[len - 1] != '\n')
			r = cm_buf_add(out, "\n", 1);
		if (!r && len)
			r = cm_buf_add(out, "\n", 1);
		return r ? r : cm_buf_addstr(out, block);
	}
	r = cm_buf_add(out, buf, (size_t)(at - buf));
	if (!r)
		r = cm_buf_addstr(out, block);
	if (!r)
		r = cm_buf_add(out, "\n", 1);
	return r ? r : cm_buf_add(out, at, (size_t)(end - at));
}

/* " (doc)" after the comment's cloud name, or nothing. */
static int cite(struct cm_buf *out, const struct cm_profile_rt *p)
{
	return cm_buf_printf(out, "# cloudmove: the time source of %s%s%s%s\n",
			     p->name, p->time_doc[0] ? " (" : "", p->time_doc,
			     p->time_doc[0] ? ")" : "");
}

int cm_timesync_lines(enum cm_timesync_syntax syn, const struct cm_profile_rt *p,
		      struct cm_buf *out)
{
	const char *options = p->time_options;
	size_t i, n = p->time_servers.n;
	int r = 0;

	cm_buf_reset(out);
	if (p->time == CM_TIME_NONE || !n ||
	    (p->time == CM_TIME_PTP && syn != CM_TS_CHRONY))
		return cm_buf_add(out, "", 0);
	if (!options[0])
		options = p->time == CM_TIME_PTP ? "poll 3 dpoll -2 offset 0" : "iburst";
	if (syn == CM_TS_TIMESYNCD) {
		r = cite(out, p);
		if (!r)
			r = cm_buf_addstr(out, "[Time]\nNTP=");
		for (i = 0; !r && i < n; i++)
			r = cm_buf_printf(out, "%s%s", i ? " " : "", p->time_servers.v[i]);
		return r ? r : cm_buf_addstr(out, "\n");
	}
	for (i = 0; !r && i < n; i++) {
		r = cite(out, p);
		if (r)
			break;
		if (p->time == CM_TIME_PTP)
			r = cm_buf_printf(out, "refclock PHC %s %s\n",
					  p->time_servers.v[i], options);
		else
			r = cm_buf_printf(out, "%s %s %s\n",
					  p->time == CM_TIME_POOL ? "pool" : "server",
					  p->time_servers.v[i], options);
	}
	return r;
}

int cm_timesync_chrony_dirs(const char *buf, size_t len,
			    struct cm_chrony_dir *out, size_t max)
{
	const char *p = buf, *end = buf + len, *l, *w;
	size_t n, i, wl, count = 0;
	int nl, r;
	char kind;

	r = check_input(buf, len);
	if (r)
		return r;
	while (p < end && count < max) {
		next_line(&p, end, &l, &n, &nl);
		i = 0;
		wl = word(l, n, &i, &w);
		if (word_is(w, wl, "confdir"))
			kind = 'c';
		else if (word_is(w, wl, "sourcedir"))
			kind = 's';
		else if (word_is(w, wl, "include"))
			kind = 'i';
		else
			continue;
		/* confdir and sourcedir take several directories. */
		while (count < max && (wl = word(l, n, &i, &w))) {
			if (w[0] == '/' && wl < CM_TIMESYNC_DIR_MAX) {
				out[count].kind = kind;
				memcpy(out[count].path, w, wl);
				out[count].path[wl] = '\0';
				count++;
			}
			if (kind == 'i')
				break;
		}
	}
	return (int)count;
}

/* --- planning -------------------------------------------------------- */

#define DROPIN "90-cloudmove"
#define NAMES_MAX 64

/* What one run of the rewriter carries between its steps. */
struct ts_run {
	const char *sysroot;
	const struct cm_profile_rt *p;
	struct cm_plan *plan;
	struct cm_adapt_report *rep;
	struct cm_timesync_sources src;
	struct cm_profiles *builtin;	/* owns other clouds' names */
	struct cm_buf old, new;
	char why[192];
};

static void add_unique(const char **set, size_t *n, const char *name)
{
	if (*n < CM_TIMESYNC_HOSTS_MAX &&
	    !in_set(set, *n, name, strlen(name)))
		set[(*n)++] = name;
}

/* A profile's sources and their other names, each to set unless
 * skip has it. */
static void add_sources(const char **set, size_t *n,
			const struct cm_profile_rt *p,
			const struct cm_timesync_sources *skip)
{
	const struct cm_plist *lists[2] = { &p->time_servers, &p->time_aliases };
	const char *name;
	size_t i, k;

	for (k = 0; k < 2; k++)
		for (i = 0; i < lists[k]->n; i++) {
			name = lists[k]->v[i];
			if (!skip || !in_set(skip->mine, skip->n_mine, name,
					     strlen(name)))
				add_unique(set, n, name);
		}
}

/* mine: the target's sources and their aliases; other: every other
 * built-in cloud's own (NTP or PTP) sources that are not also mine. */
static int collect_sources(struct ts_run *t)
{
	size_t i;
	int r;

	add_sources(t->src.mine, &t->src.n_mine, t->p, NULL);
	t->builtin = malloc(sizeof(*t->builtin));
	if (!t->builtin)
		return -ENOMEM;
	r = cm_profiles_init(t->builtin);
	for (i = 0; r >= 0 && i < t->builtin->n; i++) {
		const struct cm_profile_rt *o = &t->builtin->v[i];

		if (!strcmp(o->name, t->p->name) ||
		    (o->time != CM_TIME_NTP && o->time != CM_TIME_PTP))
			continue;
		add_sources(t->src.other, &t->src.n_other, o, &t->src);
	}
	return r;
}

static int exists(const char *sysroot, const char *path)
{
	struct stat st;

	return cm_sysroot_lstat(sysroot, path, &st) == 0;
}

static int any_exists(const char *sysroot, const char *const *paths)
{
	for (; *paths; paths++)
		if (exists(sysroot, *paths))
			return 1;
	return 0;
}

static int runtime_dir(const char *dir)
{
	return !strncmp(dir, "/run/", 5) || !strncmp(dir, "/var/run/", 9);
}

/* Scrubs one file; 1 when it names one of the target's sources. */
static int scrub_file(struct ts_run *t, enum cm_timesync_syntax syn,
		      const char *path)
{
	int r, have = 0;

	r = cm_rewrite_read(t->sysroot, path, &t->old);
	if (r <= 0)
		return r;
	r = cm_timesync_scrub(syn, t->old.data, t->old.len, &t->src, &t->new,
			      &have);
	if (r < 0)
		return cm_err(r, "timesync: %s%s", t->sysroot, path);
	if (r > 0)
		r = cm_rewrite_if_changed(t->plan, t->sysroot, "timesync", path,
					  &t->old, 1, &t->new, t->why);
	return r < 0 ? r : have;
}

/* Scrubs the files of dir matching pattern; a file named DROPIN.* is
 * ours: its path goes to ours[] (regenerated or deleted later). */
static int scrub_dir(struct ts_run *t, enum cm_timesync_syntax syn,
		     const char *dir, const char *pattern,
		     char (*ours)[CM_PATH_MAX], size_t *n_ours)
{
	char (*names)[CM_SYSROOT_FNAME_MAX], path[CM_PATH_MAX];
	int n, i, r = 0, have = 0;

	if (runtime_dir(dir))
		return 0;
	names = malloc(NAMES_MAX * sizeof(*names));
	if (!names)
		return -ENOMEM;
	n = cm_sysroot_list(t->sysroot, dir, pattern, names, NAMES_MAX);
	if (n < 0) {
		free(names);
		return n;
	}
	for (i = 0; r >= 0 && i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >=
		    (int)sizeof(path))
			continue;
		if (!strncmp(names[i], DROPIN ".", sizeof(DROPIN))) {
			if (*n_ours < 4)
				snprintf(ours[(*n_ours)++], CM_PATH_MAX, "%s", path);
			continue;
		}
		r = scrub_file(t, syn, path);
		have |= r > 0;
	}
	free(names);
	if (n < 0)
		return n;
	return r < 0 ? r : have;
}

/* Our drop-in at path with lines (or none when lines is empty), and
 * every other file of ours deleted. */
static int plan_dropin(struct ts_run *t, const char *path, const char *lines,
		       char (*ours)[CM_PATH_MAX], size_t n_ours)
{
	struct cm_buf content;
	size_t i;
	int r = 0, existed;

	for (i = 0; r >= 0 && i < n_ours; i++)
		if (!path || !*lines || strcmp(ours[i], path))
			r = cm_plan_delete(t->plan, "timesync", ours[i], t->why);
	if (r < 0 || !path || !*lines)
		return r;
	existed = cm_rewrite_read(t->sysroot, path, &t->old);
	if (existed < 0)
		return existed;
	cm_buf_init(&content, CM_TIMESYNC_MAX);
	r = cm_buf_addstr(&content, "# Written by cloudmove; regenerated on "
			  "every adapt: put your own settings in another file.\n");
	if (!r)
		r = cm_buf_addstr(&content, lines);
	if (!r)
		r = cm_rewrite_if_changed(t->plan, t->sysroot, "timesync", path,
					  &t->old, existed, &content, t->why);
	cm_buf_free(&content);
	return r;
}

static int target_lines(struct ts_run *t, enum cm_timesync_syntax syn,
			struct cm_buf *lines)
{
	return cm_timesync_lines(syn, t->p, lines);
}

/* Where the target's chrony lines go: a directory chrony reads them
 * from (refclock lines cannot go in a sourcedir), else "" (the main
 * file). */
static void chrony_dropin(const struct cm_chrony_dir *dirs, int n, int ptp,
			  char *path, size_t size)
{
	static const char order_ntp[] = "sci", order_ptp[] = "ci";
	const char *order = ptp ? order_ptp : order_ntp, *slash;
	int i;

	path[0] = '\0';
	for (; *order; order++)
		for (i = 0; i < n; i++) {
			if (dirs[i].kind != *order || runtime_dir(dirs[i].path))
				continue;
			if (*order == 'i') {
				slash = strrchr(dirs[i].path, '/');
				if (fnmatch(slash + 1, DROPIN ".conf", 0))
					continue;
				snprintf(path, size, "%.*s/" DROPIN ".conf",
					 (int)(slash - dirs[i].path), dirs[i].path);
			} else {
				snprintf(path, size, "%s/" DROPIN "%s", dirs[i].path,
					 *order == 's' ? ".sources" : ".conf");
			}
			return;
		}
}

/* The main file, its scrubbed text in main_text: the target's lines go
 * in when chrony has no directory for them. */
static int chrony_main(struct ts_run *t, const char *conf, const char *lines,
		       struct cm_buf *main_text)
{
	int r = 0;

	if (*lines) {
		/* Before the other sources, as the AWS guide says ("before
		 * any other server or pool statements"). */
		r = cm_timesync_insert(CM_TS_CHRONY, main_text->data,
				       main_text->len, lines, &t->new);
		cm_buf_reset(main_text);
		if (r >= 0)
			r = cm_buf_add(main_text, t->new.data, t->new.len);
	}
	if (r >= 0)
		r = cm_rewrite_read(t->sysroot, conf, &t->old);
	if (r >= 0)
		r = cm_rewrite_if_changed(t->plan, t->sysroot, "timesync", conf,
					  &t->old, 1, main_text, t->why);
	return r;
}

/* The files the main chrony.conf pulls in; 1 when one names one of the
 * target's sources. */
static int chrony_dirs(struct ts_run *t, const struct cm_chrony_dir *dirs,
		       int n, char (*ours)[CM_PATH_MAX], size_t *n_ours)
{
	char dir[CM_PATH_MAX], *slash;
	const char *pattern;
	int i, r = 0, have = 0;

	for (i = 0; r >= 0 && i < n; i++) {
		snprintf(dir, sizeof(dir), "%s", dirs[i].path);
		pattern = dirs[i].kind == 's' ? "*.sources" : "*.conf";
		if (dirs[i].kind == 'i') {	/* include /etc/chrony.d/ *.conf */
			slash = strrchr(dir, '/');
			pattern = dirs[i].path + (slash - dir) + 1;
			if (slash == dir)
				dir[1] = '\0';
			else
				*slash = '\0';
		}
		r = scrub_dir(t, CM_TS_CHRONY, dir, pattern, ours, n_ours);
		have |= r > 0;
	}
	return r < 0 ? r : have;
}

static int plan_chrony(struct ts_run *t, const char *conf)
{
	/* the daemon, or its unit (a root of config files only, as in a
	 * fixture or a partial copy, still says what it runs) */
	static const char *const daemon[] = { "/usr/sbin/chronyd", "/sbin/chronyd",
		"/usr/lib/systemd/system/chronyd.service",
		"/usr/lib/systemd/system/chrony.service",
		"/lib/systemd/system/chrony.service", NULL };
	struct cm_chrony_dir dirs[CM_TIMESYNC_DIRS_MAX];
	char ours[4][CM_PATH_MAX], dropin[CM_PATH_MAX];
	struct cm_buf lines, main_text;
	size_t n_ours = 0;
	int n, r, have = 0;

	if (!any_exists(t->sysroot, daemon))
		return 0;
	r = cm_rewrite_read(t->sysroot, conf, &t->old);
	if (r <= 0)
		return r;
	n = cm_timesync_chrony_dirs(t->old.data, t->old.len, dirs,
				    CM_TIMESYNC_DIRS_MAX);
	r = n < 0 ? n : cm_timesync_scrub(CM_TS_CHRONY, t->old.data, t->old.len,
					  &t->src, &t->new, &have);
	if (r < 0)
		return cm_err(r, "timesync: %s%s", t->sysroot, conf);
	cm_buf_init(&main_text, CM_TIMESYNC_MAX * 2);
	cm_buf_init(&lines, 64 * 1024);
	r = cm_buf_add(&main_text, t->new.data, t->new.len);
	if (r >= 0)
		r = chrony_dirs(t, dirs, n, ours, &n_ours);
	have |= r > 0;
	if (r >= 0)
		r = target_lines(t, CM_TS_CHRONY, &lines);
	chrony_dropin(dirs, n, t->p->time == CM_TIME_PTP, dropin, sizeof(dropin));
	if (r >= 0)
		r = chrony_main(t, conf, have || dropin[0] ? "" : lines.data,
				&main_text);
	if (r >= 0)
		r = plan_dropin(t, dropin[0] ? dropin : NULL, have ? "" : lines.data,
				ours, n_ours);
	cm_buf_free(&lines);
	cm_buf_free(&main_text);
	return r < 0 ? r : 0;
}

static int plan_timesyncd(struct ts_run *t)
{
	static const char *const daemon[] = { "/usr/lib/systemd/systemd-timesyncd",
		"/lib/systemd/systemd-timesyncd",
		"/usr/lib/systemd/system/systemd-timesyncd.service",
		"/lib/systemd/system/systemd-timesyncd.service", NULL };
	char ours[4][CM_PATH_MAX];
	struct cm_buf lines;
	size_t n_ours = 0;
	int r, have;

	if (!any_exists(t->sysroot, daemon))
		return 0;
	have = scrub_file(t, CM_TS_TIMESYNCD, "/etc/systemd/timesyncd.conf");
	if (have < 0)
		return have;
	r = scrub_dir(t, CM_TS_TIMESYNCD, "/etc/systemd/timesyncd.conf.d",
		      "*.conf", ours, &n_ours);
	if (r < 0)
		return r;
	have |= r;
	cm_buf_init(&lines, 64 * 1024);
	r = target_lines(t, CM_TS_TIMESYNCD, &lines);
	if (r >= 0 && t->p->time == CM_TIME_PTP)
		cm_adapt_note(t->rep, "timesync: systemd-timesyncd cannot use the "
			      "PTP clock %s of %s (chrony can): left on its other "
			      "servers", t->p->time_servers.n ?
			      t->p->time_servers.v[0] : "", t->p->name);
	if (r >= 0)
		r = plan_dropin(t, "/etc/systemd/timesyncd.conf.d/" DROPIN ".conf",
				have ? "" : lines.data, ours, n_ours);
	cm_buf_free(&lines);
	return r;
}

static int plan_ntpd(struct ts_run *t, const char *conf)
{
	static const char *const daemon[] = { "/usr/sbin/ntpd", "/sbin/ntpd",
		"/usr/lib/systemd/system/ntpd.service",
		"/lib/systemd/system/ntpsec.service",
		"/usr/lib/systemd/system/ntpsec.service", NULL };
	struct cm_buf lines, text;
	int r, have = 0;

	if (!any_exists(t->sysroot, daemon))
		return 0;
	r = cm_rewrite_read(t->sysroot, conf, &t->old);
	if (r <= 0)
		return r;
	r = cm_timesync_scrub(CM_TS_NTPD, t->old.data, t->old.len, &t->src,
			      &t->new, &have);
	if (r < 0)
		return cm_err(r, "timesync: %s%s", t->sysroot, conf);
	cm_buf_init(&lines, 64 * 1024);
	cm_buf_init(&text, CM_TIMESYNC_MAX * 2);
	r = target_lines(t, CM_TS_NTPD, &lines);
	if (r >= 0 && !have && lines.len)
		r = cm_timesync_insert(CM_TS_NTPD, t->new.data, t->new.len,
				       lines.data, &text);
	else if (r >= 0)
		r = cm_buf_add(&text, t->new.data, t->new.len);
	if (r >= 0)
		r = cm_rewrite_if_changed(t->plan, t->sysroot, "timesync", conf,
					  &t->old, 1, &text, t->why);
	if (r >= 0 && t->p->time == CM_TIME_PTP)
		cm_adapt_note(t->rep, "timesync: ntpd cannot use the PTP clock of "
			      "%s (chrony can): %s left on its other servers", t->p->name,
			      conf);
	cm_buf_free(&lines);
	cm_buf_free(&text);
	return r < 0 ? r : 0;
}

int cm_timesync_plan(const char *sysroot, const struct cm_profile_rt *p,
		     struct cm_plan *plan, struct cm_adapt_report *rep)
{
	struct ts_run *t;
	int r;

	if (p->time == CM_TIME_NONE)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return cm_err(-ENOMEM, "timesync");
	t->sysroot = sysroot;
	t->p = p;
	t->plan = plan;
	t->rep = rep;
	cm_buf_init(&t->old, CM_TIMESYNC_MAX);
	cm_buf_init(&t->new, CM_TIMESYNC_MAX * 2);
	snprintf(t->why, sizeof(t->why), "%s: time from %s%s, other clouds' "
		 "sources off", p->name, p->time_servers.n ? p->time_servers.v[0] :
		 "the distribution's pool", p->time_servers.n > 1 ? " and more" : "");
	r = collect_sources(t);
	if (r >= 0)
		r = exists(sysroot, "/etc/chrony/chrony.conf") ?
		    plan_chrony(t, "/etc/chrony/chrony.conf") :
		    plan_chrony(t, "/etc/chrony.conf");
	if (r >= 0)
		r = plan_timesyncd(t);
	if (r >= 0)
		r = plan_ntpd(t, "/etc/ntp.conf");
	if (r >= 0)
		r = plan_ntpd(t, "/etc/ntpsec/ntp.conf");
	cm_buf_free(&t->old);
	cm_buf_free(&t->new);
	free(t->builtin);
	free(t);
	return r < 0 ? r : 0;
}
