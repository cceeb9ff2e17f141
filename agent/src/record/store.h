/* The record on the root: read, kept aside when corrupt, written
 * atomically. */
#ifndef CM_STORE_H
#define CM_STORE_H

#include "record.h"

/* root: NULL for "/".  Missing file: an empty record.  A file that is no
 * record of ours is renamed aside (record.json.bad-<time>) with a warning
 * and an empty record returned: a bad file never fails a boot.  Returns
 * 0, 1 when a bad file was kept aside, or -errno (unreadable). */
int cm_record_load(const char *root, struct cm_record *r);
int cm_record_save(const char *root, const struct cm_record *r);

/* /etc/machine-id of the root into out, "" when absent. */
void cm_record_machine_id(const char *root, char *out, size_t size);

#endif
