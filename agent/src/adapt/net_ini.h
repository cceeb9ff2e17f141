/* A line editor for the INI files of systemd-networkd (.network, .netdev,
 * .link: systemd.syntax(7)) and NetworkManager keyfiles (GKeyFile,
 * nm-settings-keyfile(5)): "[Section]" headers, "Key=Value" lines,
 * comments ('#', and ';' for systemd), blank lines.  Lines are only ever
 * deleted, replaced or inserted whole, so every line not edited stays
 * byte-identical.  Pure: no I/O. */
#ifndef CM_ADAPT_NET_INI_H
#define CM_ADAPT_NET_INI_H

#include <stdbool.h>
#include <stddef.h>

#include "../util/buf.h"
#include "network.h"

#define CM_INI_LINES_MAX	8192
#define CM_INI_SECTIONS_MAX	512

enum cm_ini_type {
	CM_INI_BLANK = 0,	/* blank or comment */
	CM_INI_SECTION,		/* [Name] */
	CM_INI_KEY,		/* Key=Value (with its continuation lines) */
	CM_INI_CONT,		/* continuation of the key line above */
};

struct cm_ini_line {
	size_t off, len;	/* the line without its '\n' */
	enum cm_ini_type type;
	int section;		/* index in sections[], -1 before the first */
	size_t key_off, key_len, val_off, val_len;	/* CM_INI_KEY (trimmed) */
	long repl;		/* -1 keep, -2 deleted, else offset in edits */
};

struct cm_ini_section {
	size_t name_off, name_len;
	size_t header;		/* its line */
	size_t end;		/* one past its last line */
	bool deleted;
};

/* Lines inserted after a line of the input (in the order added). */
struct cm_ini_insert {
	size_t line;
	size_t off;		/* in edits */
};

#define CM_INI_NEW_MAX	8	/* sections added at the end */

struct cm_ini {
	const char *buf;
	size_t len;
	struct cm_ini_line *lines;
	size_t n;
	struct cm_ini_section *sections;
	size_t n_sections;
	struct cm_ini_insert *ins;
	size_t n_ins;
	struct cm_buf edits;	/* NUL-terminated texts of new lines */
	char new_name[CM_INI_NEW_MAX][32];
	struct cm_buf new_text[CM_INI_NEW_MAX];
	size_t n_new;
	bool final_nl;		/* the input ended with '\n' (or was empty) */
	bool systemd;
	bool shell;
};

/* systemd: ';' starts a comment too, and '\' continues a line. */
#define CM_INI_SYSTEMD	1
/* Shell variable files (ifcfg): no sections, every key in one implicit
 * section called "" that starts before the first line. */
#define CM_INI_SHELL	2

/* Splits buf into lines.  0; -EBADMSG (NUL byte, a line that is neither
 * a section, a comment nor Key=Value, a key before any section),
 * -EMSGSIZE over the caps (CM_NET_FILE_MAX bytes, the line and section
 * counts), -ENOMEM.  err_line (may be NULL) gets the 1-based line of a
 * -EBADMSG. */
int cm_ini_parse(const char *buf, size_t len, int flags, struct cm_ini *ini,
		 size_t *err_line);
void cm_ini_free(struct cm_ini *ini);

/* Section i's name is name. */
bool cm_ini_section_is(const struct cm_ini *ini, int i, const char *name);
/* Line i is a live key line called key in a section called section
 * (NULL: any section). */
bool cm_ini_key_is(const struct cm_ini *ini, size_t i, const char *section,
		   const char *key);
/* Copies line i's value (NUL-terminated, cut at size). */
void cm_ini_value(const struct cm_ini *ini, size_t i, char *out, size_t size);
/* The first value of key in the first section called section: 1 found
 * (copied to out), 0 not. */
int cm_ini_get(const struct cm_ini *ini, const char *section, const char *key,
	       char *out, size_t size);

void cm_ini_delete(struct cm_ini *ini, size_t line);
void cm_ini_delete_section(struct cm_ini *ini, int section);
/* Replaces line i (and its continuations) by text (no final '\n'). */
int cm_ini_replace(struct cm_ini *ini, size_t line, const char *text);
/* Deletes key from every section called section; the number deleted. */
int cm_ini_unset(struct cm_ini *ini, const char *section, const char *key);
/* key=value in the first section called section: its first key line
 * replaced (when different) and later ones deleted, else a line added
 * after the section's last key, else the section added at the end. */
int cm_ini_set(struct cm_ini *ini, const char *section, const char *key,
	       const char *value);

/* The edited file. */
int cm_ini_write(const struct cm_ini *ini, struct cm_buf *out);

/* What one file becomes for its role (CM_NET_ROLE_* and a back end's
 * own bits): 0 or -errno; what changed is counted in s. */
typedef int cm_ini_edit_fn(struct cm_ini *ini, unsigned role,
			   const struct cm_net_opts *o, struct cm_net_summary *s);
/* buf (flags as cm_ini_parse) changed by edit and written to out: 1 it
 * changed, 0 it did not, -errno. */
int cm_ini_rewrite(const char *buf, size_t len, int flags, cm_ini_edit_fn *edit,
		   unsigned role, const struct cm_net_opts *o, struct cm_buf *out,
		   struct cm_net_summary *s);

#endif
