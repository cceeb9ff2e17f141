/* gce: the image Compute Engine imports (gcloud compute images create
 * --source-uri, "Manually import boot disks"): a gzip'ed tar holding one
 * file named disk.raw, the raw disk, its size a whole number of GiB
 * (Google: "The size of the disk must be a multiple of 1 GB"; GiB here,
 * as qemu-img resize ...G does).  Google's recipe is
 * `tar --format=oldgnu -Sczf`: we write the oldgnu header (magic
 * "ustar  \0", base-256 size past 8 GiB as GNU tar does) and a plain
 * (non-sparse) member: the holes compress to ~1 KiB per MiB instead,
 * which needs no map of the holes before the first byte is sent. */
#ifndef CM_STREAM_GCE_H
#define CM_STREAM_GCE_H

#include <stdint.h>

#define CM_TAR_BLOCK		512
#define CM_GCE_ALIGN		(1024ull * 1024 * 1024)
#define CM_GCE_NAME		"disk.raw"

/* The raw size for a disk of size bytes: a whole number of GiB, >= 1. */
uint64_t cm_gce_size(uint64_t size);
/* The tar header of disk.raw of size bytes: 0, or -EOVERFLOW. */
int cm_tar_header(const char *name, uint64_t size, int64_t mtime,
		  uint8_t hdr[CM_TAR_BLOCK]);

#endif
