#include <errno.h>
#include <string.h>

#include "drivers.h"

/* Module names: dashes and underscores are the same to modprobe. */
static int same_module(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (alen != strlen(b))
		return 0;
	for (i = 0; i < alen; i++) {
		char x = a[i] == '-' ? '_' : a[i], y = b[i] == '-' ? '_' : b[i];

		if (x != y)
			return 0;
	}
	return 1;
}

static int wanted(const char *name, size_t len, const char *const *drivers,
		  size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (same_module(name, len, drivers[i]))
			return 1;
	return 0;
}

int cm_drivers_dracut_conf(const char *cloud, const char *const *drivers,
			   size_t n, struct cm_buf *out)
{
	size_t i;
	int r;

	cm_buf_reset(out);
	r = cm_buf_printf(out, "# Written by cloudmove: drivers %s needs to boot "
			  "(storage, network).\n# Regenerated on every adapt; "
			  "put your own settings in another file.\nadd_drivers+=\" ",
			  cloud);
	for (i = 0; r == 0 && i < n; i++)
		r = cm_buf_printf(out, "%s ", drivers[i]);
	if (r == 0)
		r = cm_buf_addstr(out, "\"\n");
	return r;
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

/* First word of a line (after blanks), or 0 for comments and blanks. */
static size_t first_word(const char *l, size_t len, const char **w)
{
	size_t i = 0, s;

	while (i < len && (l[i] == ' ' || l[i] == '\t'))
		i++;
	if (i == len || l[i] == '#')
		return 0;
	s = i;
	while (i < len && l[i] != ' ' && l[i] != '\t')
		i++;
	*w = l + s;
	return i - s;
}

int cm_drivers_initramfs_tools(const char *buf, size_t len,
			       const char *const *drivers, size_t n,
			       struct cm_buf *out)
{
	const char *p = buf, *end = buf + len, *line, *w;
	size_t i, l, wl;
	int nl, added = 0, r;
	unsigned char have[64] = { 0 };

	if (len > CM_MODPROBE_MAX)
		return -EMSGSIZE;
	if (memchr(buf, '\0', len) || n > sizeof(have))
		return -EBADMSG;
	while (p < end) {
		next_line(&p, end, &line, &l, &nl);
		wl = first_word(line, l, &w);
		for (i = 0; wl && i < n; i++)
			if (same_module(w, wl, drivers[i]))
				have[i] = 1;
	}
	cm_buf_reset(out);
	r = cm_buf_add(out, buf, len);
	for (i = 0; r == 0 && i < n; i++) {
		if (have[i])
			continue;
		if (!added && len && buf[len - 1] != '\n')
			r = cm_buf_add(out, "\n", 1);
		if (r == 0 && !added)
			r = cm_buf_addstr(out, "# added by cloudmove: drivers the "
					  "target cloud boots from\n");
		if (r == 0)
			r = cm_buf_printf(out, "%s\n", drivers[i]);
		added++;
	}
	if (r == 0 && !out->data)
		r = cm_buf_add(out, "", 0);
	return r < 0 ? r : added;
}

/* "blacklist nvme" or "install nvme /bin/false": the module it names. */
static int blocks(const char *l, size_t len, const char *const *drivers,
		  size_t n)
{
	const char *w, *rest;
	size_t wl, ml;

	wl = first_word(l, len, &w);
	if (!wl)
		return 0;
	if (!(wl == 9 && !memcmp(w, "blacklist", 9)) &&
	    !(wl == 7 && !memcmp(w, "install", 7)))
		return 0;
	rest = w + wl;
	ml = first_word(rest, len - (size_t)(rest - l), &w);
	if (!ml || !wanted(w, ml, drivers, n))
		return 0;
	if (wl == 7) {	/* install: only the ones that disable the module */
		const char *cmd = w + ml;
		size_t cl = len - (size_t)(cmd - l);

		return (cl && (memmem(cmd, cl, "/bin/false", 10) ||
			       memmem(cmd, cl, "/bin/true", 9)));
	}
	return 1;
}

int cm_drivers_unblacklist(const char *buf, size_t len,
			   const char *const *drivers, size_t n,
			   struct cm_buf *out)
{
	const char *p = buf, *end = buf + len, *line;
	size_t l;
	int nl, count = 0, r = 0;

	if (len > CM_MODPROBE_MAX)
		return -EMSGSIZE;
	if (memchr(buf, '\0', len))
		return -EBADMSG;
	cm_buf_reset(out);
	while (r == 0 && p < end) {
		next_line(&p, end, &line, &l, &nl);
		if (blocks(line, l, drivers, n)) {
			r = cm_buf_addstr(out, "# cloudmove: the target cloud boots "
					  "from this driver: ");
			count++;
		}
		if (r == 0)
			r = cm_buf_add(out, line, l);
		if (r == 0 && nl)
			r = cm_buf_add(out, "\n", 1);
	}
	if (r == 0 && !out->data)
		r = cm_buf_add(out, "", 0);
	return r < 0 ? r : count;
}
