/* Builds SMBIOS entry points and tables for tests (and fuzz seeds). */
#ifndef CM_SMBIOS_BUILD_H
#define CM_SMBIOS_BUILD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct tb {
	uint8_t d[4096];
	size_t len;
};

/* One structure: type, formatted bytes after the 4-byte header, strings
 * (NULL-terminated list). */
static inline void tb_struct(struct tb *t, uint8_t type, const uint8_t *fmt,
			     size_t fmt_len, const char *const *strings)
{
	size_t i;

	t->d[t->len++] = type;
	t->d[t->len++] = (uint8_t)(4 + fmt_len);
	t->d[t->len++] = 0x10;	/* any handle */
	t->d[t->len++] = 0;
	memcpy(t->d + t->len, fmt, fmt_len);
	t->len += fmt_len;
	for (i = 0; strings && strings[i]; i++) {
		size_t n = strlen(strings[i]) + 1;

		memcpy(t->d + t->len, strings[i], n);
		t->len += n;
	}
	if (!strings || !strings[0])
		t->d[t->len++] = 0;
	t->d[t->len++] = 0;
}

static inline void tb_end(struct tb *t)
{
	static const uint8_t none[1];

	tb_struct(t, 127, none, 0, NULL);
}

static inline void ep_checksum(uint8_t *ep, size_t len, size_t at)
{
	uint8_t sum = 0;
	size_t i;

	ep[at] = 0;
	for (i = 0; i < len; i++)
		sum += ep[i];
	ep[at] = (uint8_t)(0x100 - sum);
}

static inline size_t ep_sm3(uint8_t *ep, uint8_t major, uint8_t minor,
			    uint32_t table_len)
{
	memset(ep, 0, 24);
	memcpy(ep, "_SM3_", 5);
	ep[6] = 0x18;
	ep[7] = major;
	ep[8] = minor;
	ep[10] = 1;
	memcpy(ep + 12, &table_len, 4);
	ep_checksum(ep, 24, 5);
	return 24;
}

static inline size_t ep_sm2(uint8_t *ep, uint8_t major, uint8_t minor,
			    uint16_t table_len)
{
	memset(ep, 0, 31);
	memcpy(ep, "_SM_", 4);
	ep[5] = 0x1f;
	ep[6] = major;
	ep[7] = minor;
	memcpy(ep + 16, "_DMI_", 5);
	memcpy(ep + 22, &table_len, 2);
	ep_checksum(ep + 16, 15, 5);
	ep_checksum(ep, 31, 4);
	return 31;
}

/* Type 1 with strings 1..4 = vendor, product, version, serial. */
static inline void tb_system(struct tb *t, const uint8_t uuid[16],
			     const char *const *strings)
{
	uint8_t f[23] = { 1, 2, 3, 4 };

	memcpy(f + 4, uuid, 16);
	f[20] = 6;	/* wake-up: power switch */
	tb_struct(t, 1, f, sizeof(f), strings);
}

#endif
