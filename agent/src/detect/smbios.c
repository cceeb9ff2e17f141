#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "smbios.h"

#define SMBIOS_STRUCT_MAX	4096	/* a real table has < 200 */
#define SMBIOS_END_OF_TABLE	127

/* Which string or byte of which structure feeds which fact: the kernel's
 * own map (drivers/firmware/dmi_scan.c, dmi_decode()), as data. */
struct smbios_field {
	uint8_t type;
	uint8_t offset;
	enum cm_fact fact;
};

static const struct smbios_field string_fields[] = {
	{ 0, 0x04, CM_DMI_BIOS_VENDOR },
	{ 0, 0x05, CM_DMI_BIOS_VERSION },
	{ 0, 0x08, CM_DMI_BIOS_DATE },
	{ 1, 0x04, CM_DMI_SYS_VENDOR },
	{ 1, 0x05, CM_DMI_PRODUCT_NAME },
	{ 1, 0x06, CM_DMI_PRODUCT_VERSION },
	{ 1, 0x07, CM_DMI_PRODUCT_SERIAL },
	{ 1, 0x19, CM_DMI_PRODUCT_SKU },
	{ 1, 0x1a, CM_DMI_PRODUCT_FAMILY },
	{ 2, 0x04, CM_DMI_BOARD_VENDOR },
	{ 2, 0x05, CM_DMI_BOARD_NAME },
	{ 2, 0x06, CM_DMI_BOARD_VERSION },
	{ 2, 0x07, CM_DMI_BOARD_SERIAL },
	{ 2, 0x08, CM_DMI_BOARD_ASSET_TAG },
	{ 3, 0x04, CM_DMI_CHASSIS_VENDOR },
	{ 3, 0x06, CM_DMI_CHASSIS_VERSION },
	{ 3, 0x07, CM_DMI_CHASSIS_SERIAL },
	{ 3, 0x08, CM_DMI_CHASSIS_ASSET_TAG },
};

struct smbios_struct {
	uint8_t type;
	const uint8_t *formatted;	/* header included */
	size_t formatted_len;
	const uint8_t *strings;		/* string-set, double-NUL ended */
	size_t strings_len;
};

static int checksum_ok(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	while (n--)
		sum += *p++;
	return sum == 0;
}

int cm_smbios_entry_version(const uint8_t *ep, size_t ep_len)
{
	if (!ep)
		return 0;
	if (ep_len >= 0x18 && !memcmp(ep, "_SM3_", 5)) {
		if (ep[6] < 0x18 || ep[6] > ep_len || !checksum_ok(ep, ep[6]))
			return 0;
		return ep[7] << 16 | ep[8] << 8;
	}
	if (ep_len >= 0x1f && !memcmp(ep, "_SM_", 4)) {
		if (ep[5] < 0x1f || ep[5] > ep_len || !checksum_ok(ep, ep[5]))
			return 0;
		/* Some firmware says 2.33 for 2.3.3 (the kernel's fixup). */
		if (ep[6] == 2 && (ep[7] == 0x1f || ep[7] == 0x21))
			return 0x020300;
		return ep[6] << 16 | ep[7] << 8;
	}
	if (ep_len >= 15 && !memcmp(ep, "_DMI_", 5) && checksum_ok(ep, 15))
		return (ep[14] >> 4) << 16 | (ep[14] & 0x0f) << 8;
	return 0;
}

/* Reads the structure at *pos; moves *pos past it.  0, 1 at the end of
 * the table, -EBADMSG when it runs off the buffer. */
static int next_struct(const uint8_t *t, size_t len, size_t *pos,
		       struct smbios_struct *s)
{
	size_t p = *pos, end;

	if (len - p < 4)
		return len == p ? 1 : -EBADMSG;
	s->type = t[p];
	s->formatted = t + p;
	s->formatted_len = t[p + 1];
	if (s->formatted_len < 4 || s->formatted_len > len - p)
		return -EBADMSG;
	s->strings = t + p + s->formatted_len;
	/* The string-set ends with two NULs; an empty set is just "\0\0". */
	for (end = p + s->formatted_len; end + 1 < len; end++)
		if (t[end] == 0 && t[end + 1] == 0)
			break;
	if (end + 1 >= len)
		return -EBADMSG;
	s->strings_len = end + 2 - (p + s->formatted_len);
	*pos = end + 2;
	return 0;
}

/* String number n (1-based) of the set, with its length; NULL if none. */
static const char *struct_string(const struct smbios_struct *s, uint8_t n,
				 size_t *len)
{
	const uint8_t *p = s->strings, *end = s->strings + s->strings_len;

	if (!n)
		return NULL;
	while (p < end && *p) {
		size_t l = strnlen((const char *)p, (size_t)(end - p));

		if (--n == 0) {
			*len = l;
			return (const char *)p;
		}
		p += l + 1;
	}
	return NULL;
}

static int fill_strings(const struct smbios_struct *s, struct cm_facts *facts)
{
	size_t i, len;
	int n = 0;

	for (i = 0; i < sizeof(string_fields) / sizeof(string_fields[0]); i++) {
		const struct smbios_field *f = &string_fields[i];
		const char *str;

		if (f->type != s->type || f->offset >= s->formatted_len)
			continue;
		str = struct_string(s, s->formatted[f->offset], &len);
		if (str)
			n += cm_facts_fill(facts, f->fact, str, len, CM_SRC_SMBIOS);
	}
	return n;
}

/* Formats the UUID the way the kernel's dmi_save_uuid() does: from
 * SMBIOS 2.6 on, the first three fields are little-endian. */
static int fill_uuid(const struct smbios_struct *s, int version,
		     struct cm_facts *facts)
{
	static const int le_order[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
					  8, 9, 10, 11, 12, 13, 14, 15 };
	const uint8_t *u = s->formatted + 8;
	int all00 = 1, allff = 1, i, n = 0;
	char text[37];

	if (s->formatted_len < 0x18)
		return 0;
	for (i = 0; i < 16; i++) {
		all00 &= u[i] == 0x00;
		allff &= u[i] == 0xff;
	}
	if (all00 || allff)
		return 0;
	for (i = 0; i < 16; i++) {
		int b = version >= 0x020600 ? le_order[i] : i;

		n += snprintf(text + n, sizeof(text) - (size_t)n, "%02x", u[b]);
		if (i == 3 || i == 5 || i == 7 || i == 9)
			text[n++] = '-';
	}
	return cm_facts_fill(facts, CM_DMI_PRODUCT_UUID, text, 36, CM_SRC_SMBIOS);
}

static int fill_chassis_type(const struct smbios_struct *s,
			     struct cm_facts *facts)
{
	char text[8];
	int n;

	if (s->formatted_len <= 0x05)
		return 0;
	/* Bit 7 is the chassis lock, not part of the type. */
	n = snprintf(text, sizeof(text), "%u", s->formatted[0x05] & 0x7fu);
	return cm_facts_fill(facts, CM_DMI_CHASSIS_TYPE, text, (size_t)n,
			     CM_SRC_SMBIOS);
}

int cm_smbios_parse(const uint8_t *ep, size_t ep_len, const uint8_t *table,
		    size_t table_len, struct cm_facts *facts)
{
	int version = cm_smbios_entry_version(ep, ep_len);
	unsigned seen = 0;	/* bit per type 0..3: the first one counts */
	struct smbios_struct s;
	size_t pos = 0;
	int count, n = 0, r = 0;

	if (!version)
		version = 0x030000;
	if (!table)
		return 0;
	for (count = 0; count < SMBIOS_STRUCT_MAX; count++) {
		r = next_struct(table, table_len, &pos, &s);
		if (r)
			break;
		if (s.type == SMBIOS_END_OF_TABLE)
			break;
		if (s.type > 3 || (seen & (1u << s.type)))
			continue;
		seen |= 1u << s.type;
		n += fill_strings(&s, facts);
		if (s.type == 1)
			n += fill_uuid(&s, version, facts);
		if (s.type == 3)
			n += fill_chassis_type(&s, facts);
	}
	if (r < 0 && !seen)
		return -EBADMSG;
	return n;
}
