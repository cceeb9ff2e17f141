/* Edits a YAML text in place: parsed with libyaml, changed at the
 * positions libyaml reports for each node (its marks), so comments,
 * quoting and what is not touched stay byte-identical (a YAML emitter
 * would lose them).  Edits are collected, then applied at once; the
 * first error while collecting is kept and returned by cm_yaml_apply.
 * Pure: no I/O. */
#ifndef CM_UTIL_YAMLEDIT_H
#define CM_UTIL_YAMLEDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "buf.h"

#define CM_YAML_EDITS_MAX	512

/* The text and where its lines start, to turn libyaml's marks (line and
 * column, in characters) into byte offsets. */
struct cm_yaml_text {
	const char *buf;
	size_t len;
	size_t *line;		/* byte offset of each line */
	size_t n_lines;
};

struct cm_yaml_edit {
	size_t start, end;	/* bytes replaced */
	char *text;		/* NULL: deleted */
};

struct cm_yaml {
	struct cm_yaml_text t;
	yaml_document_t d;
	bool loaded;
	struct cm_yaml_edit e[CM_YAML_EDITS_MAX];
	size_t n_edits;
	int err;		/* first error while editing */
};

/* The one place a document is parsed: buf (at most max bytes, no NUL)
 * into d, whose mapping keys must be unique.  0, or -EBADMSG with
 * *err_line (1-based) and *why, -EMSGSIZE, -ENOMEM.  cm_yaml_free(d)
 * afterwards in every case. */
int cm_yaml_load(struct cm_yaml *d, const char *buf, size_t len, size_t max,
		 size_t *err_line, const char **why);
void cm_yaml_free(struct cm_yaml *d);

yaml_node_t *cm_yaml_root(struct cm_yaml *d);
yaml_node_t *cm_yaml_node(struct cm_yaml *d, int i);
bool cm_yaml_scalar_is(yaml_node_t *n, const char *s);
void cm_yaml_scalar_copy(yaml_node_t *n, char *out, size_t size);
/* A YAML 1.1 boolean true (true, yes, on, y; any case). */
bool cm_yaml_true(yaml_node_t *n);
/* Mapping m's pair with that key / its value; NULL when none. */
yaml_node_pair_t *cm_yaml_pair(struct cm_yaml *d, yaml_node_t *m, const char *key);
yaml_node_t *cm_yaml_get(struct cm_yaml *d, yaml_node_t *m, const char *key);

/* A "key: value" pair to write (v as written: a plain or flow value). */
struct cm_yaml_kv {
	const char *k;
	char v[64];
};

/* Deletes pair p of the block mapping m / item it of the block
 * sequence seq: their lines. */
void cm_yaml_delete_pair(struct cm_yaml *d, yaml_node_t *m, yaml_node_pair_t *p);
void cm_yaml_delete_item(struct cm_yaml *d, yaml_node_t *seq, yaml_node_item_t *it);

/* Mapping m loses the drop keys (NULL-terminated) and gets the kv pairs
 * (a pair already there with the same plain value stays where it is;
 * the others are written at the end, so a second run finds them as it
 * wrote them).  A flow mapping is written again in flow style. */
void cm_yaml_edit_map(struct cm_yaml *d, yaml_node_t *m, const char *const *drop,
		      struct cm_yaml_kv *kv, size_t n);

/* The text with every edit made (out), or -errno (overlapping edits:
 * -EBADMSG). */
int cm_yaml_apply(struct cm_yaml *d, struct cm_buf *out);

#endif
