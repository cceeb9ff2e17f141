/* A disk's boot firmware and architecture, from its bytes (firmware.h). */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../log.h"
#include "../util/file.h"
#include "../util/sysroot.h"
#include "firmware.h"

#define SECTOR		512

static const uint8_t esp_guid[16] = {	/* C12A7328-F81F-11D2-BA4B-00A0C93EC93B */
	0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
	0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b,
};
static const uint8_t bios_boot_guid[16] = {	/* "Hah!IdontNeedEFI" */
	0x48, 0x61, 0x68, 0x21, 0x49, 0x64, 0x6f, 0x6e,
	0x74, 0x4e, 0x65, 0x65, 0x64, 0x45, 0x46, 0x49,
};

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}
static uint64_t le64(const uint8_t *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static int rd(const struct cm_disk_reader *d, uint64_t off, void *buf, size_t len)
{
	if (off > d->size || len > d->size - off)
		return -EIO;
	return d->read(d->arg, off, buf, len);
}

/* --- FAT ------------------------------------------------------------------- */

struct fat {
	const struct cm_disk_reader *d;
	uint64_t base;			/* the partition's first byte */
	uint64_t bytes;			/* the partition's length */
	unsigned bps, spc, bits;	/* bytes/sector, sectors/cluster, 12/16/32 */
	uint64_t fat_off;		/* the first FAT, from base */
	uint64_t root_off, root_len;	/* FAT12/16's fixed root directory */
	uint32_t root_cluster;		/* FAT32's */
	uint64_t data_off;		/* cluster 2, from base */
	uint32_t clusters;		/* data clusters */
};

static int pow2_in(unsigned v, unsigned lo, unsigned hi)
{
	return v >= lo && v <= hi && !(v & (v - 1));
}

/* The boot sector's BPB: 0, or 1 not FAT (or not one we read). */
static int fat_open(struct fat *fs, const struct cm_disk_reader *d, uint64_t base,
		    uint64_t bytes)
{
	uint8_t b[SECTOR];
	uint32_t total, fatsz, root_sectors, first_data;
	unsigned reserved, nfats, root_entries;

	memset(fs, 0, sizeof(*fs));
	if (bytes < SECTOR || rd(d, base, b, sizeof(b)) < 0 || b[510] != 0x55 || b[511] != 0xaa)
		return 1;
	fs->d = d;
	fs->base = base;
	fs->bytes = bytes;
	fs->bps = le16(b + 11);
	fs->spc = b[13];
	reserved = le16(b + 14);
	nfats = b[16];
	root_entries = le16(b + 17);
	total = le16(b + 19) ? le16(b + 19) : le32(b + 32);
	fatsz = le16(b + 22) ? le16(b + 22) : le32(b + 36);
	if (!pow2_in(fs->bps, 512, 4096) || !pow2_in(fs->spc, 1, 128) || !reserved ||
	    !nfats || nfats > 4 || !fatsz || !total)
		return 1;
	root_sectors = ((uint32_t)root_entries * 32 + fs->bps - 1) / fs->bps;
	first_data = reserved + (uint32_t)nfats * fatsz + root_sectors;
	if ((uint64_t)reserved + (uint64_t)nfats * fatsz + root_sectors >= total ||
	    (uint64_t)total * fs->bps > bytes)
		return 1;
	fs->clusters = (total - first_data) / fs->spc;
	fs->bits = fs->clusters < 4085 ? 12 : fs->clusters < 65525 ? 16 : 32;
	if ((fs->bits == 32) != (root_entries == 0))
		return 1;
	fs->fat_off = (uint64_t)reserved * fs->bps;
	fs->root_off = fs->fat_off + (uint64_t)nfats * fatsz * fs->bps;
	fs->root_len = (uint64_t)root_sectors * fs->bps;
	fs->data_off = (uint64_t)first_data * fs->bps;
	fs->root_cluster = fs->bits == 32 ? le32(b + 44) & 0x0fffffff : 0;
	return 0;
}

static uint64_t cluster_bytes(const struct fat *fs)
{
	return (uint64_t)fs->spc * fs->bps;
}

/* The FAT entry of cluster c: 0 and *next, or -errno. */
static int fat_next(const struct fat *fs, uint32_t c, uint32_t *next)
{
	uint8_t b[4];
	uint64_t off;
	int r;

	if (fs->bits == 12)
		off = c + c / 2;
	else
		off = (uint64_t)c * (fs->bits / 8);
	r = rd(fs->d, fs->base + fs->fat_off + off, b, fs->bits == 32 ? 4 : 2);
	if (r < 0)
		return r;
	if (fs->bits == 12)
		*next = c & 1 ? le16(b) >> 4 : le16(b) & 0xfff;
	else if (fs->bits == 16)
		*next = le16(b);
	else
		*next = le32(b) & 0x0fffffff;
	return 0;
}

static int cluster_valid(const struct fat *fs, uint32_t c)
{
	return c >= 2 && c - 2 < fs->clusters;
}

/* Reads a directory (cluster 0: FAT12/16's root) into buf, at most size
 * bytes: its length, or -errno. */
static long fat_read_dir(const struct fat *fs, uint32_t c, uint8_t *buf, size_t size)
{
	uint64_t cb = cluster_bytes(fs);
	size_t len = 0;
	unsigned hops = 0;
	int r;

	if (c == 0 && fs->bits != 32) {
		len = fs->root_len < size ? (size_t)fs->root_len : size;
		r = rd(fs->d, fs->base + fs->root_off, buf, len);
		return r < 0 ? r : (long)len;
	}
	while (cluster_valid(fs, c) && hops++ < CM_FW_CHAIN_MAX && len + cb <= size) {
		r = rd(fs->d, fs->base + fs->data_off + (uint64_t)(c - 2) * cb, buf + len, cb);
		if (r < 0)
			return r;
		len += cb;
		r = fat_next(fs, c, &c);
		if (r < 0)
			return r;
	}
	return (long)len;
}

struct dirent83 {
	char name[13];		/* "BOOTX64.EFI" */
	int dir;
	uint32_t cluster;
	uint32_t size;
};

/* Entry i of a directory's bytes: 1 a live entry, 0 skip, -1 the end. */
static int fat_entry(const uint8_t *e, struct dirent83 *out)
{
	size_t n = 0, i;

	if (e[0] == 0)
		return -1;
	if (e[0] == 0xe5 || e[0] == '.' || (e[11] & 0x0f) == 0x0f || (e[11] & 0x08))
		return 0;
	for (i = 0; i < 8 && e[i] != ' '; i++)
		out->name[n++] = (char)(i == 0 && e[0] == 0x05 ? 0xe5 : e[i]);
	if (e[8] != ' ') {
		out->name[n++] = '.';
		for (i = 8; i < 11 && e[i] != ' '; i++)
			out->name[n++] = (char)e[i];
	}
	out->name[n] = '\0';
	out->dir = !!(e[11] & 0x10);
	out->cluster = (uint32_t)le16(e + 20) << 16 | le16(e + 26);
	out->size = le32(e + 28);
	return 1;
}

/* name in directory c: 1 found (*out), 0 not, -errno. */
static int fat_find(const struct fat *fs, uint8_t *buf, uint32_t c, const char *name,
		    int want_dir, struct dirent83 *out)
{
	long len = fat_read_dir(fs, c, buf, CM_FW_DIR_MAX);
	long i;

	if (len < 0)
		return (int)len;
	for (i = 0; i + 32 <= len; i += 32) {
		int r = fat_entry(buf + i, out);

		if (r < 0)
			break;
		if (r > 0 && out->dir == want_dir && !strcasecmp(out->name, name))
			return 1;
	}
	return 0;
}

/* The PE machine of a loader file's first bytes: "x86_64", ... or NULL. */
static const char *pe_arch(const uint8_t *b, size_t len)
{
	uint32_t pe;

	if (len < 0x40 || b[0] != 'M' || b[1] != 'Z')
		return NULL;
	pe = le32(b + 0x3c);
	if (pe > len - 6 || memcmp(b + pe, "PE\0\0", 4))
		return NULL;
	switch (le16(b + pe + 4)) {
	case 0x8664: return "x86_64";
	case 0xaa64: return "arm64";
	case 0x014c: return "i386";
	}
	return NULL;
}

static const char *loader_arch(const struct fat *fs, const struct dirent83 *e)
{
	uint8_t b[1024];
	size_t len = e->size < sizeof(b) ? e->size : sizeof(b);

	if (!cluster_valid(fs, e->cluster) || len > cluster_bytes(fs) ||
	    rd(fs->d, fs->base + fs->data_off + (uint64_t)(e->cluster - 2) * cluster_bytes(fs),
	       b, len) < 0)
		return NULL;
	return pe_arch(b, len);
}

static int has_ext(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);

	return n > e && !strcasecmp(name + n - e, ext);
}

/* A loader under EFI/ of the ESP: 1 found (path, arch), 0 not, -errno. */
static int esp_loader(const struct fat *fs, uint8_t *buf, char *path, size_t size,
		      const char **arch)
{
	static const char *const fallback[] = {
		"BOOTX64.EFI", "BOOTAA64.EFI", "BOOTIA32.EFI",
	};
	struct dirent83 efi, sub, f;
	uint32_t root = fs->bits == 32 ? fs->root_cluster : 0;
	long len, i;
	size_t k;
	int r;

	r = fat_find(fs, buf, root, "EFI", 1, &efi);
	if (r <= 0 || !cluster_valid(fs, efi.cluster))
		return r;
	r = fat_find(fs, buf, efi.cluster, "BOOT", 1, &sub);
	if (r < 0)
		return r;
	if (r > 0 && !cluster_valid(fs, sub.cluster))
		r = 0;	/* cluster 0 would read the root directory instead */
	for (k = 0; r > 0 && k < sizeof(fallback) / sizeof(fallback[0]); k++) {
		int found = fat_find(fs, buf, sub.cluster, fallback[k], 0, &f);

		if (found < 0)
			return found;
		if (found) {
			snprintf(path, size, "EFI/BOOT/%s", f.name);
			*arch = loader_arch(fs, &f);
			return 1;
		}
	}
	/* a distro's directory: its first *.EFI (shim, grub) */
	len = fat_read_dir(fs, efi.cluster, buf, CM_FW_DIR_MAX / 2);
	if (len < 0)
		return (int)len;
	for (i = 0; i + 32 <= len; i += 32) {
		uint8_t *sbuf = buf + CM_FW_DIR_MAX / 2;
		long slen, j;

		r = fat_entry(buf + i, &sub);
		if (r < 0)
			break;
		if (!r || !sub.dir || !cluster_valid(fs, sub.cluster))
			continue;
		slen = fat_read_dir(fs, sub.cluster, sbuf, CM_FW_DIR_MAX / 2);
		if (slen < 0)
			return (int)slen;
		for (j = 0; j + 32 <= slen; j += 32) {
			r = fat_entry(sbuf + j, &f);
			if (r < 0)
				break;
			if (r && !f.dir && has_ext(f.name, ".EFI")) {
				snprintf(path, size, "EFI/%s/%s", sub.name, f.name);
				*arch = loader_arch(fs, &f);
				return 1;
			}
		}
	}
	return 0;
}

/* --- partition tables ------------------------------------------------------ */

struct part {
	unsigned no;			/* 1-based */
	uint64_t start, bytes;
	int esp, bios_boot;
};

struct table {
	int gpt;
	int boot_code;
	size_t n;
	struct part v[CM_FW_PARTS_MAX];
};

static void add_part(struct table *t, unsigned no, uint64_t start, uint64_t bytes,
		     int esp, int bios_boot)
{
	if (t->n < CM_FW_PARTS_MAX)
		t->v[t->n++] = (struct part){ no, start, bytes, esp, bios_boot };
}

static int read_gpt(const struct cm_disk_reader *d, struct table *t)
{
	uint8_t h[SECTOR], e[512];
	uint64_t entries;
	uint32_t count, esize, i;
	int r;

	r = rd(d, SECTOR, h, sizeof(h));
	if (r < 0 || memcmp(h, "EFI PART", 8))
		return r < 0 ? r : 1;
	entries = le64(h + 72);
	count = le32(h + 80);
	esize = le32(h + 84);
	if (esize < 128 || esize > sizeof(e) || (esize & 7) || entries > d->size / SECTOR)
		return 1;
	if (count > CM_FW_PARTS_MAX)
		count = CM_FW_PARTS_MAX;
	t->gpt = 1;
	for (i = 0; i < count; i++) {
		uint64_t first, last;

		r = rd(d, entries * SECTOR + (uint64_t)i * esize, e, esize);
		if (r < 0)
			return r;
		first = le64(e + 32);
		last = le64(e + 40);
		if (!first || last < first || last >= d->size / SECTOR)
			continue;
		add_part(t, i + 1, first * SECTOR, (last - first + 1) * SECTOR,
			 !memcmp(e, esp_guid, 16), !memcmp(e, bios_boot_guid, 16));
	}
	return 0;
}

static int read_table(const struct cm_disk_reader *d, struct table *t)
{
	uint8_t m[SECTOR];
	unsigned i;
	int r, protective = 0;

	memset(t, 0, sizeof(*t));
	r = rd(d, 0, m, sizeof(m));
	if (r < 0)
		return r;
	if (m[510] != 0x55 || m[511] != 0xaa)
		return 0;
	for (i = 0; i < 440; i++)
		if (m[i]) {
			t->boot_code = 1;
			break;
		}
	for (i = 0; i < 4; i++)
		if (m[446 + i * 16 + 4] == 0xee)
			protective = 1;
	if (protective)
		return read_gpt(d, t) < 0 ? -EIO : 0;
	for (i = 0; i < 4; i++) {
		const uint8_t *p = m + 446 + i * 16;
		uint64_t start = (uint64_t)le32(p + 8) * SECTOR;
		uint64_t bytes = (uint64_t)le32(p + 12) * SECTOR;

		if (p[4] && bytes && start < d->size)
			add_part(t, i + 1, start, bytes, p[4] == 0xef, 0);
	}
	return 0;
}

/* --- the facts ----------------------------------------------------------- */

/* Appends one finding to the evidence line, "; " between findings. */
__attribute__((format(printf, 3, 4)))
static void note(char *out, size_t size, const char *fmt, ...)
{
	size_t len = strlen(out);
	va_list ap;

	if (len && len + 2 < size) {
		memcpy(out + len, "; ", 3);
		len += 2;
	}
	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(out + len, size - len, fmt, ap);
	va_end(ap);
}

static unsigned bios_boot_part(const struct table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].bios_boot)
			return t->v[i].no;
	return 0;
}

/* The first ESP with a loader: CM_BOOT_UEFI and *arch, 0 none, -errno. */
static int probe_esps(const struct cm_disk_reader *d, const struct table *t,
		      const char **arch, char *evidence, size_t size)
{
	static uint8_t buf[CM_FW_DIR_MAX];
	size_t i;
	int r;

	for (i = 0; i < t->n; i++) {
		struct fat fs;
		char path[64];

		if (!t->v[i].esp)
			continue;
		if (fat_open(&fs, d, t->v[i].start, t->v[i].bytes)) {
			note(evidence, size, "ESP partition %u: no FAT file system", t->v[i].no);
			continue;
		}
		r = esp_loader(&fs, buf, path, sizeof(path), arch);
		if (r < 0)
			return r;
		if (r == 0) {
			note(evidence, size, "ESP partition %u: no EFI loader", t->v[i].no);
			continue;
		}
		note(evidence, size, "ESP partition %u: %s (%s)", t->v[i].no, path,
		     *arch ? *arch : "machine type not known");
		return CM_BOOT_UEFI;
	}
	return 0;
}

int cm_firmware_probe(const struct cm_disk_reader *d, struct cm_image_facts *f,
		      char *evidence, size_t size)
{
	struct table t;
	const char *arch = NULL;
	unsigned bios_part;
	int r;

	memset(f, 0, sizeof(*f));
	evidence[0] = '\0';
	f->size = d->size;
	r = read_table(d, &t);
	if (r < 0)
		return r;
	bios_part = bios_boot_part(&t);
	if (t.boot_code && (!t.gpt || bios_part)) {
		f->firmware |= CM_BOOT_BIOS;
		if (bios_part)
			note(evidence, size, "MBR boot code, BIOS boot partition %u", bios_part);
		else
			note(evidence, size, "MBR boot code");
	} else if (t.boot_code) {
		note(evidence, size, "MBR boot code but no BIOS boot partition (GPT)");
	}
	r = probe_esps(d, &t, &arch, evidence, size);
	if (r < 0)
		return r;
	f->firmware |= (unsigned)r;
	if (arch)
		snprintf(f->arch, sizeof(f->arch), "%s", arch);
	if (!f->firmware)
		note(evidence, size, evidence[0] ? "nothing that boots" :
		     "no MBR boot code and no EFI system partition with a loader");
	return 0;
}

static int mem_read(void *arg, uint64_t off, void *buf, size_t len)
{
	const struct cm_mem_disk *m = arg;

	if (off > m->len || len > m->len - off)
		return -EIO;
	memcpy(buf, m->data + off, len);
	return 0;
}

void cm_mem_disk_reader(struct cm_mem_disk *m, struct cm_disk_reader *d)
{
	d->read = mem_read;
	d->arg = m;
	d->size = m->len;
}

static int fd_read(void *arg, uint64_t off, void *buf, size_t len)
{
	int fd = *(int *)arg;
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (char *)buf + done, len - done, (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

int cm_firmware_of(const char *path, struct cm_image_facts *f, char *evidence,
		   size_t size)
{
	struct cm_disk_reader d = { fd_read, NULL, 0 };
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	d.arg = &fd;
	if (fstat(fd, &st) < 0) {
		r = -errno;
	} else if (S_ISBLK(st.st_mode)) {
		r = ioctl(fd, BLKGETSIZE64, &d.size) < 0 ? -errno : 0;
	} else if (S_ISREG(st.st_mode)) {
		d.size = (uint64_t)st.st_size;
		r = 0;
	} else {
		r = -CM_ENOTREG;
	}
	if (r == 0)
		r = cm_firmware_probe(&d, f, evidence, size);
	close(fd);
	return r;
}

const char *cm_elf_arch(const uint8_t *h, size_t len)
{
	unsigned machine;

	if (len < 20 || memcmp(h, "\177ELF", 4) || (h[5] != 1 && h[5] != 2))
		return NULL;
	machine = h[5] == 1 ? le16(h + 18) : (unsigned)(h[18] << 8 | h[19]);
	switch (machine) {
	case 62: return "x86_64";
	case 183: return "arm64";
	case 3: return "i386";
	}
	return NULL;
}

int cm_root_arch(const char *root, char *arch, size_t size)
{
	static const char *const probes[] = { "/bin/sh", "/usr/bin/sh", "/sbin/init" };
	uint8_t h[64];
	size_t i;

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		/* inside the root: its absolute symlinks resolve there */
		int fd = cm_sysroot_open_file(root, probes[i]);
		const char *a;
		ssize_t n;

		if (fd < 0)
			continue;
		n = read(fd, h, sizeof(h));
		close(fd);
		a = n > 0 ? cm_elf_arch(h, (size_t)n) : NULL;
		if (a) {
			snprintf(arch, size, "%s", a);
			return 0;
		}
	}
	return -ENOENT;
}
