#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "../log.h"
#include "netrules.h"
#include "rewrite.h"
#include "../util/sysroot.h"

#define LINK_DIR "/etc/systemd/network"
#define LINKS_MAX 64

static int check_input(const char *buf, size_t len)
{
	if (len > CM_NETRULES_MAX)
		return -EMSGSIZE;
	if (len && memchr(buf, '\0', len))
		return -EBADMSG;
	return 0;
}

/* The next line without its newline and leading blanks. */
static size_t next_line(const char **p, const char *end, const char **line)
{
	const char *eol = memchr(*p, '\n', (size_t)(end - *p));
	size_t len = eol ? (size_t)(eol - *p) : (size_t)(end - *p);

	*line = *p;
	*p += len + (eol ? 1 : 0);
	while (len && (**line == ' ' || **line == '\t')) {
		(*line)++;
		len--;
	}
	while (len && ((*line)[len - 1] == '\r' || (*line)[len - 1] == ' ' ||
		       (*line)[len - 1] == '\t'))
		len--;
	return len;
}

static int has(const char *l, size_t len, const char *s)
{
	return memmem(l, len, s, strlen(s)) != NULL;
}

int cm_netrules_mac_only(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *l;
	int r = check_input(buf, len), in_rule = 0, mac = 0;
	size_t n;

	if (r)
		return r;
	while (p < end) {
		n = next_line(&p, end, &l);
		if (!in_rule && (!n || *l == '#'))
			continue;
		mac |= has(l, n, "ATTR{address}==") || has(l, n, "ATTRS{address}==");
		in_rule = n && l[n - 1] == '\\';	/* continued */
		if (in_rule)
			continue;
		if (!mac)
			return 0;
		mac = 0;
	}
	return !in_rule || mac;
}

int cm_netrules_link_pins_mac(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *l;
	int r = check_input(buf, len), match = 0, link = 0, mac = 0, name = 0;
	size_t n;

	if (r)
		return r;
	while (p < end) {
		n = next_line(&p, end, &l);
		if (!n || *l == '#' || *l == ';')
			continue;
		if (*l == '[') {
			match = n == 7 && !memcmp(l, "[Match]", 7);
			link = n == 6 && !memcmp(l, "[Link]", 6);
			continue;
		}
		if (match && ((n > 11 && !memcmp(l, "MACAddress=", 11)) ||
			      (n > 20 && !memcmp(l, "PermanentMACAddress=", 20))))
			mac = 1;
		if (link && n > 5 && !memcmp(l, "Name=", 5))
			name = 1;
	}
	return mac && name;
}

/* .link files that name a NIC by its MAC address: noted, not changed. */
static void note_links(const char *sysroot, const char *cloud,
		       struct cm_adapt_report *rep)
{
	static char names[LINKS_MAX][CM_SYSROOT_FNAME_MAX];
	char path[CM_PATH_MAX], first[CM_PATH_MAX];
	struct cm_buf b;
	size_t pins = 0;
	int n, i;

	n = cm_sysroot_list(sysroot, LINK_DIR, "*.link", names, LINKS_MAX);
	if (n <= 0)
		return;
	cm_buf_init(&b, CM_NETRULES_MAX);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), LINK_DIR "/%.255s", names[i]);
		if (cm_sysroot_read(sysroot, path, &b) < 0 ||
		    cm_netrules_link_pins_mac(b.data, b.len) != 1)
			continue;
		if (!pins++)
			snprintf(first, sizeof(first), "%s", path);
	}
	if (pins)
		cm_adapt_note(rep, "netrules: %zu .link file(s) name a NIC by its "
			      "MAC address (first: %.80s), which %s will not have: "
			      "left to the network rewriter", pins, first, cloud);
	cm_buf_free(&b);
}

int cm_netrules_plan(const char *sysroot, const struct cm_profile_rt *p,
		     struct cm_plan *plan, struct cm_adapt_report *rep)
{
	struct cm_buf b;
	struct stat st;
	char why[192];
	int r = 0;

	note_links(sysroot, p->name, rep);
	/* A symlink there (to /dev/null) is a mask: left. */
	if (cm_sysroot_lstat(sysroot, CM_NETRULES_FILE, &st) < 0 ||
	    !S_ISREG(st.st_mode))
		return 0;
	cm_buf_init(&b, CM_NETRULES_MAX);
	r = cm_sysroot_read(sysroot, CM_NETRULES_FILE, &b);
	if (r >= 0)
		r = cm_netrules_mac_only(b.data, b.len);
	cm_buf_free(&b);
	if (r < 0) {
		cm_adapt_note(rep, "netrules: %s: %s; left", CM_NETRULES_FILE,
			      cm_strerror(-r));
		return 0;
	}
	if (!r) {
		cm_adapt_note(rep, "netrules: %s has rules not keyed by MAC "
			      "address; left", CM_NETRULES_FILE);
		return 0;
	}
	snprintf(why, sizeof(why), "%s: NIC names pinned to the old machine's "
		 "MAC addresses (udev persistent-net rules) go", p->name);
	return cm_plan_delete(plan, "netrules", CM_NETRULES_FILE, why);
}
