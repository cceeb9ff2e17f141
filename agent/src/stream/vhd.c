/* vhd: a fixed VHD; see vhd.h for the sources.  The data part is the raw
 * disk (zeros skipped as in raw), padded with zeros to a whole MiB; the
 * footer follows, big-endian:
 *   0 cookie "conectix"        8 features (2: the reserved bit, always set)
 *  12 version 0x00010000      16 data offset (fixed: 0xFFFFFFFFFFFFFFFF)
 *  24 timestamp (s since 2000-01-01 UTC)    28 creator app   32 creator version
 *  36 creator host OS         40 original size   48 current size
 *  56 geometry C(2) H(1) S(1) 60 disk type (2: fixed)   64 checksum
 *  68 unique id (16)          84 saved state (0)   85 reserved (zeros)
 * Readers disagree on CHS vs current size: Virtual PC used the geometry,
 * Hyper-V the current size; qemu's block/vpc.c (7.2, Debian 12) trusts
 * the current size only for creators "win " (Hyper-V), "qem2", "d2v ",
 * "CTXS" and "tap\0", and CHS (which rounds the size down) for any other.
 * So we write Hyper-V's creator app "win " with host "Wi2k", as Azure's
 * own tools do: every reader then takes the exact, MiB-aligned size.  The
 * geometry is still the spec's. */
#include <errno.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "../log.h"
#include "progress.h"
#include "sinks/sink.h"
#include "stream.h"
#include "vhd.h"

#define VHD_FEATURES_RESERVED	0x00000002u
#define VHD_VERSION		0x00010000u
#define VHD_FIXED_OFFSET	0xFFFFFFFFFFFFFFFFull
#define VHD_CREATOR_APP		"win "
#define VHD_CREATOR_VERSION	0x00010000u
#define VHD_CREATOR_HOST	"Wi2k"	/* the spec knows Wi2k and Mac */
#define VHD_TYPE_FIXED		2u

uint64_t cm_vhd_size(uint64_t size)
{
	return (size + CM_VHD_ALIGN - 1) / CM_VHD_ALIGN * CM_VHD_ALIGN;
}

void cm_vhd_geometry(uint64_t size, struct cm_vhd_chs *chs)
{
	uint64_t total = size / 512, cth;
	uint32_t spt, heads;

	if (total > 65535ull * 16 * 255)
		total = 65535ull * 16 * 255;
	if (total >= 65535ull * 16 * 63) {
		spt = 255;
		heads = 16;
		cth = total / spt;
	} else {
		spt = 17;
		cth = total / spt;
		heads = (uint32_t)((cth + 1023) / 1024);
		if (heads < 4)
			heads = 4;
		if (cth >= heads * 1024ull || heads > 16) {
			spt = 31;
			heads = 16;
			cth = total / spt;
		}
		if (cth >= heads * 1024ull) {
			spt = 63;
			heads = 16;
			cth = total / spt;
		}
	}
	chs->cylinders = (uint16_t)(cth / heads);
	chs->heads = (uint8_t)heads;
	chs->sectors = (uint8_t)spt;
}

uint32_t cm_vhd_checksum(const uint8_t f[CM_VHD_FOOTER_LEN])
{
	uint32_t sum = 0;
	int i;

	for (i = 0; i < CM_VHD_FOOTER_LEN; i++)
		if (i < 64 || i >= 68)
			sum += f[i];
	return ~sum;
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void be64(uint8_t *p, uint64_t v)
{
	be32(p, (uint32_t)(v >> 32));
	be32(p + 4, (uint32_t)v);
}

void cm_vhd_footer(uint64_t size, int64_t now, const uint8_t uuid[16],
		   uint8_t f[CM_VHD_FOOTER_LEN])
{
	struct cm_vhd_chs chs;

	memset(f, 0, CM_VHD_FOOTER_LEN);
	memcpy(f, "conectix", 8);
	be32(f + 8, VHD_FEATURES_RESERVED);
	be32(f + 12, VHD_VERSION);
	be64(f + 16, VHD_FIXED_OFFSET);
	be32(f + 24, now > CM_VHD_EPOCH ? (uint32_t)(now - CM_VHD_EPOCH) : 0);
	memcpy(f + 28, VHD_CREATOR_APP, 4);
	be32(f + 32, VHD_CREATOR_VERSION);
	memcpy(f + 36, VHD_CREATOR_HOST, 4);
	be64(f + 40, size);
	be64(f + 48, size);
	cm_vhd_geometry(size, &chs);
	f[56] = (uint8_t)(chs.cylinders >> 8);
	f[57] = (uint8_t)chs.cylinders;
	f[58] = chs.heads;
	f[59] = chs.sectors;
	be32(f + 60, VHD_TYPE_FIXED);
	memcpy(f + 68, uuid, 16);
	be32(f + 64, cm_vhd_checksum(f));
}

static uint64_t vhd_out_size(uint64_t src_size)
{
	return cm_vhd_size(src_size) + CM_VHD_FOOTER_LEN;
}

static uint64_t vhd_work_size(uint64_t src_size)
{
	return cm_vhd_size(src_size);
}

/* A random (version 4) UUID, as the spec's unique id. */
static int make_uuid(uint8_t u[16])
{
	if (getrandom(u, 16, 0) != 16)
		return cm_err(-errno, "vhd: unique id");
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	return 0;
}

int cm_vhd_trailer(struct cm_stream *st)
{
	uint64_t size = cm_vhd_size(st->src->size);
	uint8_t footer[CM_VHD_FOOTER_LEN], uuid[16];
	int r;

	r = make_uuid(uuid);
	if (r < 0)
		return r;
	r = cm_sink_skip(st->sink, st->src->size, size - st->src->size);
	if (r < 0)
		return r;
	cm_vhd_footer(size, (int64_t)time(NULL), uuid, footer);
	r = cm_sink_write(st->sink, size, footer, sizeof(footer));
	if (r == 0)
		cm_progress_update(st->progress, size);
	return r;
}

static int vhd_run(struct cm_stream *st)
{
	int r = cm_raw_copy(st);

	return r < 0 ? r : cm_vhd_trailer(st);
}

const struct cm_encoder cm_encoder_vhd = {
	.name      = "vhd",
	.out_size  = vhd_out_size,
	.work_size = vhd_work_size,
	.run       = vhd_run,
};
