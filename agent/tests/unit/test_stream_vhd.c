/* The fixed VHD footer: geometry per the spec's CHS algorithm, checksum,
 * fields; and the GCE tar header. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "stream/gce.h"
#include "stream/vhd.h"
#include "test.h"

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64_at(const uint8_t *p)
{
	return (uint64_t)be32_at(p) << 32 | be32_at(p + 4);
}

#define MIB (1024ull * 1024)
#define GIB (1024 * MIB)

static int geometry_is(uint64_t size, unsigned c, unsigned h, unsigned s)
{
	struct cm_vhd_chs chs;

	cm_vhd_geometry(size, &chs);
	return chs.cylinders == c && chs.heads == h && chs.sectors == s;
}

TEST(stream_vhd_geometry_spec_examples)
{
	/* small: 17 sectors per track, heads from the cylinder count */
	CHECK(geometry_is(101 * MIB, 1013, 12, 17));
	CHECK(geometry_is(10 * MIB, 301, 4, 17));
	/* 1 GiB goes past 17 and 31 sectors per track to 63 */
	CHECK(geometry_is(1 * GIB, 2080, 16, 63));
	CHECK(geometry_is(30 * GIB, 62415, 16, 63));
	/* past 65535*16*63 sectors: 255 sectors per track */
	CHECK(geometry_is(64 * GIB, 32896, 16, 255));
	/* capped at 65535*16*255 sectors (~127 GiB) */
	CHECK(geometry_is(3 * 1024 * GIB, 65535, 16, 255));
}

TEST(stream_vhd_size_whole_mib)
{
	CHECK_INT(cm_vhd_size(1), MIB);
	CHECK_INT(cm_vhd_size(MIB), MIB);
	CHECK_INT(cm_vhd_size(MIB + 512), 2 * MIB);
	CHECK_INT(cm_vhd_size(100 * MIB + 12345), 101 * MIB);
}

TEST(stream_vhd_footer_fields_and_checksum)
{
	uint8_t f[CM_VHD_FOOTER_LEN], uuid[16];
	uint32_t sum = 0;
	int i;

	for (i = 0; i < 16; i++)
		uuid[i] = (uint8_t)(0xa0 + i);
	cm_vhd_footer(101 * MIB, CM_VHD_EPOCH + 1000, uuid, f);
	CHECK(!memcmp(f, "conectix", 8));
	CHECK_INT(be32_at(f + 8), 2);
	CHECK_INT(be32_at(f + 12), 0x00010000);
	CHECK(be64_at(f + 16) == UINT64_MAX);
	CHECK_INT(be32_at(f + 24), 1000);
	CHECK(!memcmp(f + 28, "win ", 4));
	CHECK(!memcmp(f + 36, "Wi2k", 4));
	CHECK_INT(be64_at(f + 40), 101 * MIB);
	CHECK_INT(be64_at(f + 48), 101 * MIB);
	CHECK_INT(f[56] << 8 | f[57], 1013);
	CHECK_INT(f[58], 12);
	CHECK_INT(f[59], 17);
	CHECK_INT(be32_at(f + 60), 2);
	CHECK(!memcmp(f + 68, uuid, 16));
	CHECK_INT(f[84], 0);
	for (i = 0; i < CM_VHD_FOOTER_LEN; i++)
		if (i < 64 || i >= 68)
			sum += f[i];
	CHECK_INT(be32_at(f + 64), (uint32_t)~sum);
	CHECK_INT(cm_vhd_checksum(f), be32_at(f + 64));
	f[40] ^= 1;				/* any change shows */
	CHECK(cm_vhd_checksum(f) != be32_at(f + 64));
}

TEST(stream_gce_size_whole_gib)
{
	CHECK_INT(cm_gce_size(1), GIB);
	CHECK_INT(cm_gce_size(GIB), GIB);
	CHECK_INT(cm_gce_size(GIB + 1), 2 * GIB);
}

static unsigned tar_sum(const uint8_t *h)
{
	unsigned s = 0;
	int i;

	for (i = 0; i < CM_TAR_BLOCK; i++)
		s += (i >= 148 && i < 156) ? ' ' : h[i];
	return s;
}

TEST(stream_tar_header_oldgnu)
{
	uint8_t h[CM_TAR_BLOCK];
	char want[8];

	CHECK_INT(cm_tar_header("disk.raw", 2 * GIB, 1700000000, h), 0);
	CHECK_STR((char *)h, "disk.raw");
	CHECK(!memcmp(h + 257, "ustar  \0", 8));
	CHECK_STR((char *)h + 124, "20000000000");	/* 2 GiB, octal */
	CHECK_INT(h[156], '0');
	snprintf(want, sizeof(want), "%06o", tar_sum(h));
	CHECK(!memcmp(h + 148, want, 6) && h[154] == 0 && h[155] == ' ');
	/* past 8 GiB: base-256 */
	CHECK_INT(cm_tar_header("disk.raw", 16 * GIB, 0, h), 0);
	CHECK_INT(h[124], 0x80);
	CHECK_INT(be32_at(h + 128), 4);		/* 16 GiB = 4 << 32 */
	CHECK_INT(be32_at(h + 132), 0);
}
