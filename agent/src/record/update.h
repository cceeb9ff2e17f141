/* One boot noted in the hosting record: load, note, write (through a
 * read-only root if need be), spool the events of a new stay. */
#ifndef CM_RECORD_UPDATE_H
#define CM_RECORD_UPDATE_H

#include <stddef.h>

struct cm_verdict;

/* root: NULL for "/".  On success 0 and a one-line summary in line
 * ("aws i-0abc, stay 2 (new, 1 boot)"); -errno (logged) otherwise.
 * prev (may be NULL) gets the cloud of the last stay before this boot,
 * "" when there was none: what the boot path decides a move by, from the
 * one read of the record. */
int cm_record_update(const char *root, const struct cm_verdict *v,
		     char *line, size_t size, char *prev, size_t prev_size);

#endif
