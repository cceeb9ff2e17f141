/* Which disk a move streams: the whole disk holding the root file system
 * (partition table, boot loader and every partition go with it). */
#ifndef CM_MOVE_DISK_H
#define CM_MOVE_DISK_H

#include <stddef.h>

/* /dev/NAME of the whole disk under root's file system into out: 0, or
 * -errno (logged: a root on device-mapper, md or a network file system
 * names no single disk; pass --source then). */
int cm_root_disk(const char *root, char *out, size_t size);

#endif
