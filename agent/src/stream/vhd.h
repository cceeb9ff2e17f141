/* Fixed VHD (the only kind Azure takes): the raw disk, its size rounded up
 * to a whole MiB, then a 512-byte footer.  Pure functions, unit tested.
 * Source: Microsoft, "Virtual Hard Disk Image Format Specification",
 * version 1.0 (2006), "Hard Disk Footer Format" and Appendix "CHS
 * Calculation"; Azure: "Prepare a Windows VHD or VHDX" / "generic Linux":
 * fixed VHD, virtual size aligned to 1 MiB. */
#ifndef CM_STREAM_VHD_H
#define CM_STREAM_VHD_H

#include <stdint.h>

#define CM_VHD_FOOTER_LEN	512
#define CM_VHD_ALIGN		(1024 * 1024)
#define CM_VHD_EPOCH		946684800	/* 2000-01-01T00:00:00Z */

struct cm_vhd_chs {
	uint16_t cylinders;
	uint8_t heads;
	uint8_t sectors;	/* per track */
};

/* The virtual size for a disk of size bytes: a whole number of MiB. */
uint64_t cm_vhd_size(uint64_t size);
/* The spec's CHS algorithm for a disk of size bytes. */
void cm_vhd_geometry(uint64_t size, struct cm_vhd_chs *chs);
/* One's complement of the byte sum, the checksum field counted as 0. */
uint32_t cm_vhd_checksum(const uint8_t footer[CM_VHD_FOOTER_LEN]);
/* The footer of a fixed disk of size bytes (a multiple of 512), made at
 * unix time now, with that unique id. */
void cm_vhd_footer(uint64_t size, int64_t now, const uint8_t uuid[16],
		   uint8_t footer[CM_VHD_FOOTER_LEN]);

struct cm_stream;
/* After the raw disk: the zeros up to a whole MiB and the footer (with a
 * new unique id and the time), as the vhd encoder ends; the delta stream
 * (--delta-map) ends a vhd image the same way.  0 or -errno (logged). */
int cm_vhd_trailer(struct cm_stream *st);

#endif
