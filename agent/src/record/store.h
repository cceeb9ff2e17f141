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

/* 0 when the record's directory is on the filesystem mounted at root,
 * -EXDEV when the root's fstab mounts /var (or below) separately and that
 * filesystem is not mounted yet (before the pivot): writing would then
 * land under the mount point, hidden. */
int cm_record_location_ok(const char *root);

/* /etc/machine-id of the root into out, "" when absent. */
void cm_record_machine_id(const char *root, char *out, size_t size);

#endif
