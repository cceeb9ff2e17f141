/* profiles.d parser: a small INI dialect (README.profiles).  Pure: no
 * I/O, the buffer is not NUL-terminated, every line and value capped. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "profile.h"
#include "../clouds/clouds.h"
#include "../stream/encoders.h"

enum key_type {
	KEY_LIST = 1,
	KEY_TITLE,
	KEY_DISK,
	KEY_TIME,
	KEY_BOOL,
	KEY_SWAP,	/* bool, inverted into no_swap_on_os_disk */
	KEY_MTU,
	KEY_TIMEOUT,
	KEY_IFNAMES,
	KEY_TIME_OPTIONS,
	KEY_FORMAT,
};

enum item_kind {
	ITEM_DRIVER = 1,	/* kernel module: [A-Za-z0-9_-] */
	ITEM_UNIT,		/* systemd unit: [A-Za-z0-9:_.@-], "|" between
				   alternatives */
	ITEM_KARG,		/* kernel argument: printable, no quotes */
	ITEM_HOST,		/* NTP server or device path */
	ITEM_DSNAME,		/* cloud-init datasource name: [A-Za-z0-9] */
};

struct key {
	const char *name;
	enum key_type type;
	size_t off;		/* into struct cm_profile_rt */
	enum item_kind item;	/* KEY_LIST */
};

#define RT(field) offsetof(struct cm_profile_rt, field)

static const struct key keys[] = {
	{ "title", KEY_TITLE, RT(title), 0 },
	{ "drivers", KEY_LIST, RT(other_drivers), ITEM_DRIVER },
	{ "drivers.storage", KEY_LIST, RT(storage_drivers), ITEM_DRIVER },
	{ "drivers.net", KEY_LIST, RT(net_drivers), ITEM_DRIVER },
	{ "drivers.other", KEY_LIST, RT(other_drivers), ITEM_DRIVER },
	{ "disk", KEY_DISK, RT(disk), 0 },
	{ "kargs.add", KEY_LIST, RT(kargs_add), ITEM_KARG },
	{ "kargs.remove", KEY_LIST, RT(kargs_remove), ITEM_KARG },
	{ "timesync", KEY_TIME, RT(time), 0 },
	{ "timesync.options", KEY_TIME_OPTIONS, RT(time_options), 0 },
	{ "timesync.aliases", KEY_LIST, RT(time_aliases), ITEM_HOST },
	{ "agents.enable", KEY_LIST, RT(agents_enable), ITEM_UNIT },
	{ "agents.disable", KEY_LIST, RT(agents_disable), ITEM_UNIT },
	{ "fstab.by_uuid", KEY_BOOL, RT(fstab_by_uuid), 0 },
	{ "fstab.nofail", KEY_BOOL, RT(fstab_nofail), 0 },
	{ "fstab.device_timeout", KEY_TIMEOUT, RT(fstab_device_timeout), 0 },
	{ "swap", KEY_SWAP, RT(no_swap_on_os_disk), 0 },
	{ "mtu", KEY_MTU, RT(mtu), 0 },
	{ "dhcp4", KEY_BOOL, RT(dhcp4), 0 },
	{ "dhcp6", KEY_BOOL, RT(dhcp6), 0 },
	{ "ifnames", KEY_IFNAMES, RT(ifnames), 0 },
	{ "cloudinit_datasource", KEY_LIST, RT(cloudinit_datasource), ITEM_DSNAME },
	{ "image_format", KEY_FORMAT, RT(image_format), 0 },
	{ NULL, 0, 0, 0 }
};

struct parser {
	const char *fname;
	unsigned line;
	char *err;
	size_t err_size;
	struct cm_profiles *set;
	struct cm_profile_rt *cur;
};

static int fail(struct parser *ps, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct parser *ps, int r, const char *fmt, ...)
{
	char msg[CM_PROFILE_ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->err && ps->err_size)
		snprintf(ps->err, ps->err_size, "%s:%u: %s", ps->fname,
			 ps->line, msg);
	return r;
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int item_char_ok(enum item_kind kind, unsigned char c)
{
	int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9');

	switch (kind) {
	case ITEM_DRIVER:
		return alnum || c == '_' || c == '-';
	case ITEM_UNIT:
		return alnum || c == '_' || c == '-' || c == '.' || c == '@' ||
		       c == ':' || c == '|';
	case ITEM_HOST:
		return alnum || c == '_' || c == '-' || c == '.' || c == ':' ||
		       c == '/' || c == '[' || c == ']';
	case ITEM_DSNAME:
		return alnum;
	case ITEM_KARG:
		return c > 0x20 && c < 0x7f && c != '"' && c != '\'' &&
		       c != '\\' && c != '`' && c != '$';
	}
	return 0;
}

/* Shows a value in an error safely: printable ASCII, cut at 40. */
static void shown(const char *s, size_t len, char *out, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < len && i < 40 && o + 1 < size; i++)
		out[o++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < len && o + 3 < size) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

/* Calls fn for each blank-separated word of v[0..len). */
static int each_word(struct parser *ps, const char *key, enum item_kind kind,
		     const char *v, size_t len,
		     int (*fn)(struct parser *ps, const char *key, const char *w,
			       size_t wlen, void *arg), void *arg)
{
	size_t i = 0, start, j;
	char show[48];
	int r;

	while (i < len) {
		while (i < len && is_blank(v[i]))
			i++;
		if (i >= len)
			break;
		start = i;
		while (i < len && !is_blank(v[i]))
			i++;
		for (j = start; j < i; j++)
			if (!item_char_ok(kind, (unsigned char)v[j])) {
				shown(v + start, i - start, show, sizeof(show));
				return fail(ps, -EBADMSG, "%s: invalid value '%s'",
					    key, show);
			}
		if (i - start >= CM_PROFILE_ITEM_MAX) {
			shown(v + start, i - start, show, sizeof(show));
			return fail(ps, -EMSGSIZE, "%s: value '%s' longer than %d bytes",
				    key, show, CM_PROFILE_ITEM_MAX - 1);
		}
		r = fn(ps, key, v + start, i - start, arg);
		if (r < 0)
			return r;
	}
	return 0;
}

static int word_add(struct parser *ps, const char *key, const char *w,
		    size_t wlen, void *arg)
{
	struct cm_plist *l = arg;
	char item[CM_PROFILE_ITEM_MAX];

	memcpy(item, w, wlen);
	item[wlen] = '\0';
	if (cm_plist_has(l, item))
		return 0;
	if (cm_plist_add(l, w, wlen) < 0)
		return fail(ps, -E2BIG, "%s: more than %d values", key,
			    CM_PROFILE_LIST_MAX);
	return 0;
}

static int word_remove(struct parser *ps, const char *key, const char *w,
		       size_t wlen, void *arg)
{
	char item[CM_PROFILE_ITEM_MAX];

	(void)ps;
	(void)key;
	memcpy(item, w, wlen);
	item[wlen] = '\0';
	cm_plist_remove(arg, item);
	return 0;
}

static int word_eq(const char *v, size_t len, const char *word)
{
	return strlen(word) == len && !memcmp(v, word, len);
}

static int parse_bool(const char *v, size_t len, bool *out)
{
	if (word_eq(v, len, "yes") || word_eq(v, len, "true") ||
	    word_eq(v, len, "on") || word_eq(v, len, "1"))
		*out = true;
	else if (word_eq(v, len, "no") || word_eq(v, len, "false") ||
		 word_eq(v, len, "off") || word_eq(v, len, "0"))
		*out = false;
	else
		return -EBADMSG;
	return 0;
}

/* Decimal, no sign, at most max. */
static int parse_uint(const char *v, size_t len, unsigned max, unsigned *out)
{
	unsigned long n = 0;
	size_t i;

	if (!len || len > 10)
		return -EBADMSG;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EBADMSG;
		n = n * 10 + (unsigned long)(v[i] - '0');
	}
	if (n > max)
		return -ERANGE;
	*out = (unsigned)n;
	return 0;
}

static int set_time(struct parser *ps, const char *v, size_t len)
{
	struct cm_profile_rt *p = ps->cur;
	struct cm_plist servers;
	enum cm_time_kind kind;
	size_t n = 0;
	int r;

	while (n < len && !is_blank(v[n]))
		n++;
	if (word_eq(v, n, "ntp"))
		kind = CM_TIME_NTP;
	else if (word_eq(v, n, "ptp"))
		kind = CM_TIME_PTP;
	else if (word_eq(v, n, "pool"))
		kind = CM_TIME_POOL;
	else if (word_eq(v, n, "none"))
		kind = CM_TIME_NONE;
	else
		return fail(ps, -EBADMSG, "timesync: expected 'ntp SERVER...', "
			    "'ptp DEVICE', 'pool [SERVER...]' or 'none'");
	memset(&servers, 0, sizeof(servers));
	r = each_word(ps, "timesync", ITEM_HOST, v + n, len - n, word_add,
		      &servers);
	if (r < 0)
		return r;
	if (kind == CM_TIME_NTP && !servers.n)
		return fail(ps, -EBADMSG, "timesync: ntp needs at least one server");
	if (kind == CM_TIME_PTP &&
	    (servers.n != 1 || strncmp(servers.v[0], "/dev/", 5)))
		return fail(ps, -EBADMSG, "timesync: ptp needs one /dev/ device");
	if (kind == CM_TIME_NONE && servers.n)
		return fail(ps, -EBADMSG, "timesync: none takes no server");
	p->time = kind;
	p->time_servers = servers;
	/* Another source: the old one's options, names and document no
	 * longer apply (timesync.options and .aliases may follow). */
	p->time_options[0] = '\0';
	memset(&p->time_aliases, 0, sizeof(p->time_aliases));
	p->time_doc[0] = '\0';
	return 0;
}

/* chrony/ntpd options: printable ASCII and blanks, or empty (the
 * default). */
static int set_time_options(struct parser *ps, const char *v, size_t len)
{
	size_t i;

	if (len >= sizeof(ps->cur->time_options))
		return fail(ps, -EMSGSIZE, "timesync.options: longer than %d bytes",
			    (int)sizeof(ps->cur->time_options) - 1);
	for (i = 0; i < len; i++)
		if (!is_blank(v[i]) && (v[i] < 0x21 || v[i] > 0x7e))
			return fail(ps, -EBADMSG, "timesync.options: not printable ASCII");
	memcpy(ps->cur->time_options, v, len);
	ps->cur->time_options[len] = '\0';
	return 0;
}

/* The formats migrate writes (cmd_migrate.c's --format). */
static int set_format(struct parser *ps, const char *v, size_t len)
{
	char names[32];

	if (!cm_encoder_find_n(v, len))
		return fail(ps, -EBADMSG, "image_format: expected %s",
			    cm_encoder_names(names, sizeof(names), ", ", " or "));
	memcpy(ps->cur->image_format, v, len);
	ps->cur->image_format[len] = '\0';
	return 0;
}

static int set_value(struct parser *ps, const struct key *k, char op,
		     const char *v, size_t len)
{
	char *base = (char *)ps->cur;
	unsigned u;
	bool b;
	int r;

	if (k->type != KEY_LIST && op != '=')
		return fail(ps, -EBADMSG, "%s: '%c=' works on lists only",
			    k->name, op);
	switch (k->type) {
	case KEY_LIST: {
		struct cm_plist *l = (struct cm_plist *)(base + k->off);

		if (op == '=')
			memset(l, 0, sizeof(*l));
		return each_word(ps, k->name, k->item, v, len,
				 op == '-' ? word_remove : word_add, l);
	}
	case KEY_TITLE: {
		size_t i;

		if (!len)
			return fail(ps, -EBADMSG, "title: empty");
		if (len >= CM_PROFILE_TITLE_MAX)
			return fail(ps, -EMSGSIZE, "title: longer than %d bytes",
				    CM_PROFILE_TITLE_MAX - 1);
		for (i = 0; i < len; i++)
			if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
				return fail(ps, -EBADMSG, "title: control character");
		memcpy(ps->cur->title, v, len);
		ps->cur->title[len] = '\0';
		return 0;
	}
	case KEY_DISK:
		if (word_eq(v, len, "nvme"))
			ps->cur->disk = CM_DISK_NVME;
		else if (word_eq(v, len, "sd"))
			ps->cur->disk = CM_DISK_SD;
		else if (word_eq(v, len, "vd"))
			ps->cur->disk = CM_DISK_VD;
		else if (word_eq(v, len, "xvd"))
			ps->cur->disk = CM_DISK_XVD;
		else if (word_eq(v, len, "any"))
			ps->cur->disk = CM_DISK_ANY;
		else
			return fail(ps, -EBADMSG, "disk: expected nvme, sd, vd, xvd or any");
		return 0;
	case KEY_IFNAMES:
		if (word_eq(v, len, "keep"))
			ps->cur->ifnames = CM_IFNAMES_KEEP;
		else if (word_eq(v, len, "predictable"))
			ps->cur->ifnames = CM_IFNAMES_PREDICTABLE;
		else if (word_eq(v, len, "kernel"))
			ps->cur->ifnames = CM_IFNAMES_KERNEL;
		else
			return fail(ps, -EBADMSG,
				    "ifnames: expected keep, predictable or kernel");
		return 0;
	case KEY_TIME:
		return set_time(ps, v, len);
	case KEY_TIME_OPTIONS:
		return set_time_options(ps, v, len);
	case KEY_FORMAT:
		return set_format(ps, v, len);
	case KEY_BOOL:
	case KEY_SWAP:
		if (parse_bool(v, len, &b) < 0)
			return fail(ps, -EBADMSG, "%s: expected yes or no", k->name);
		*(bool *)(base + k->off) = k->type == KEY_SWAP ? !b : b;
		return 0;
	case KEY_MTU:
		r = parse_uint(v, len, CM_PROFILE_MTU_MAX, &u);
		if (r < 0 || (u && u < CM_PROFILE_MTU_MIN))
			return fail(ps, -EBADMSG, "mtu: expected 0 (from DHCP) or "
				    "%d to %d", CM_PROFILE_MTU_MIN, CM_PROFILE_MTU_MAX);
		ps->cur->mtu = u;
		return 0;
	case KEY_TIMEOUT:
		if (parse_uint(v, len, CM_PROFILE_TIMEOUT_MAX, &u) < 0)
			return fail(ps, -EBADMSG, "%s: expected seconds, 0 to %d",
				    k->name, CM_PROFILE_TIMEOUT_MAX);
		ps->cur->fstab_device_timeout = u;
		return 0;
	}
	return fail(ps, -EBADMSG, "%s: internal: bad key type", k->name);
}

static int name_ok(const char *s, size_t len)
{
	size_t i;

	if (!len || len >= CM_PROFILE_NAME_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      (i && (c == '-' || c == '_'))))
			return 0;
	}
	return 1;
}

static int open_section(struct parser *ps, const char *s, size_t len)
{
	char name[CM_PROFILE_NAME_MAX], show[48];
	const struct cm_cloud *c;
	struct cm_profile_rt *p;

	while (len && is_blank(*s)) {
		s++;
		len--;
	}
	while (len && is_blank(s[len - 1]))
		len--;
	if (!name_ok(s, len)) {
		shown(s, len, show, sizeof(show));
		return fail(ps, -EBADMSG, "invalid cloud name '%s' (lower case "
			    "letters, digits, '-', '_'; at most %d)", show,
			    CM_PROFILE_NAME_MAX - 1);
	}
	memcpy(name, s, len);
	name[len] = '\0';
	p = cm_profiles_find(ps->set, name);
	if (!p) {
		if (ps->set->n >= CM_PROFILES_MAX)
			return fail(ps, -E2BIG, "too many profiles (at most %d)",
				    CM_PROFILES_MAX);
		p = &ps->set->v[ps->set->n++];
		memset(p, 0, sizeof(*p));
		memcpy(p->name, name, len + 1);
		/* A cloud we detect but had no profile for keeps its title. */
		c = cm_cloud_by_name(name);
		snprintf(p->title, sizeof(p->title), "%s", c && c->title ? c->title : name);
		p->source = CM_PROFILE_USER;
		p->fstab_by_uuid = true;
		p->fstab_nofail = true;
		p->fstab_device_timeout = 30;	/* as the built-in ones */
		p->dhcp4 = true;
	} else if (p->source == CM_PROFILE_BUILTIN) {
		p->source = CM_PROFILE_BUILTIN_USER;
	}
	snprintf(p->last_file, sizeof(p->last_file), "%s", ps->fname);
	ps->cur = p;
	return 0;
}

static int parse_line(struct parser *ps, const char *s, size_t len)
{
	const struct key *k;
	char show[48], op;
	size_t klen, i;

	while (len && is_blank(*s)) {
		s++;
		len--;
	}
	while (len && is_blank(s[len - 1]))
		len--;
	if (!len || *s == '#' || *s == ';')
		return 0;
	if (*s == '[') {
		if (s[len - 1] != ']')
			return fail(ps, -EBADMSG, "section: missing ']'");
		return open_section(ps, s + 1, len - 2);
	}
	for (klen = 0; klen < len; klen++)
		if (is_blank(s[klen]) || s[klen] == '=' ||
		    ((s[klen] == '+' || s[klen] == '-') && klen + 1 < len &&
		     s[klen + 1] == '='))
			break;
	i = klen;
	while (i < len && is_blank(s[i]))
		i++;
	op = 0;
	if (i < len && s[i] == '=') {
		op = '=';
		i++;
	} else if (i + 1 < len && (s[i] == '+' || s[i] == '-') && s[i + 1] == '=') {
		op = s[i];
		i += 2;
	}
	if (!op || !klen) {
		shown(s, len, show, sizeof(show));
		return fail(ps, -EBADMSG, "expected 'key = value' or '[cloud]', "
			    "got '%s'", show);
	}
	for (k = keys; k->name; k++)
		if (word_eq(s, klen, k->name))
			break;
	if (!k->name) {
		shown(s, klen, show, sizeof(show));
		return fail(ps, -EBADMSG, "unknown key '%s'", show);
	}
	if (!ps->cur)
		return fail(ps, -EBADMSG, "'%s' outside a [cloud] section", k->name);
	while (i < len && is_blank(s[i]))
		i++;
	return set_value(ps, k, op, s + i, len - i);
}

int cm_profile_conf_parse(const char *buf, size_t len, const char *fname,
			  struct cm_profiles *set, char *err, size_t err_size)
{
	struct parser ps = {
		.fname = fname ? fname : "profiles.d",
		.err = err, .err_size = err_size, .set = set,
	};
	size_t pos = 0, end, n;
	int r;

	if (err && err_size)
		err[0] = '\0';
	if (len > CM_PROFILE_CONF_MAX)
		return fail(&ps, -EMSGSIZE, "file larger than %d bytes",
			    CM_PROFILE_CONF_MAX);
	while (pos < len) {
		if (++ps.line > CM_PROFILE_LINES_MAX)
			return fail(&ps, -EMSGSIZE, "more than %d lines",
				    CM_PROFILE_LINES_MAX);
		end = pos;
		while (end < len && buf[end] != '\n')
			end++;
		n = end - pos;
		if (n && buf[pos + n - 1] == '\r')
			n--;
		if (n > CM_PROFILE_LINE_MAX)
			return fail(&ps, -EMSGSIZE, "line longer than %d bytes",
				    CM_PROFILE_LINE_MAX);
		if (memchr(buf + pos, '\0', n))
			return fail(&ps, -EBADMSG, "NUL byte");
		r = parse_line(&ps, buf + pos, n);
		if (r < 0)
			return r;
		pos = end + 1;
	}
	return 0;
}
