#include <errno.h>

#include "detect/smbios.h"
#include "smbios_build.h"
#include "test.h"

static const uint8_t ec2_uuid[16] = {
	0xec, 0x2e, 0x19, 0x16, 0x90, 0x99, 0x7c, 0xaf,
	0xfd, 0x21, 0x01, 0x23, 0x45, 0xab, 0xcd, 0xef,
};

static void gce_table(struct tb *t)
{
	static const char *const bios[] = { "Google", "Google", "01/01/2011", NULL };
	static const char *const sys[] = { "Google", "Google Compute Engine",
		"1.0", "GoogleCloud-0123456789ABCDEF", NULL };
	static const char *const board[] = { "Google", "Google Compute Engine", NULL };
	static const char *const chassis[] = { "Google", NULL };
	static const uint8_t b0[14] = { 1, 2, 0, 0, 3 };
	static const uint8_t b2[11] = { 1, 2, 0, 0, 0 };
	static const uint8_t b3[9] = { 1, 0x81, 0, 0, 0 };	/* lock bit set */

	memset(t, 0, sizeof(*t));
	tb_struct(t, 0, b0, sizeof(b0), bios);
	tb_system(t, ec2_uuid, sys);
	tb_struct(t, 2, b2, sizeof(b2), board);
	tb_struct(t, 3, b3, sizeof(b3), chassis);
	tb_end(t);
}

TEST(smbios_entry_versions)
{
	uint8_t ep[32];
	size_t n;

	n = ep_sm3(ep, 3, 2, 100);
	CHECK_INT(cm_smbios_entry_version(ep, n), 0x030200);
	ep[7] = 9;	/* checksum now wrong */
	CHECK_INT(cm_smbios_entry_version(ep, n), 0);
	n = ep_sm2(ep, 2, 8, 100);
	CHECK_INT(cm_smbios_entry_version(ep, n), 0x020800);
	n = ep_sm2(ep, 2, 0x21, 100);	/* "2.33" firmware bug */
	CHECK_INT(cm_smbios_entry_version(ep, n), 0x020300);
	CHECK_INT(cm_smbios_entry_version(ep, 10), 0);
	CHECK_INT(cm_smbios_entry_version(NULL, 0), 0);
	CHECK_INT(cm_smbios_entry_version((const uint8_t *)"_SM3_junk", 9), 0);
}

TEST(smbios_parse_gce_table)
{
	struct cm_facts facts = { 0 };
	uint8_t ep[32];
	struct tb t;
	size_t n;

	gce_table(&t);
	n = ep_sm3(ep, 3, 0, (uint32_t)t.len);
	CHECK(cm_smbios_parse(ep, n, t.d, t.len, &facts) > 8);
	CHECK_STR(cm_facts_get(&facts, CM_DMI_SYS_VENDOR), "Google");
	CHECK_STR(cm_facts_get(&facts, CM_DMI_PRODUCT_NAME), "Google Compute Engine");
	CHECK_STR(cm_facts_get(&facts, CM_DMI_PRODUCT_VERSION), "1.0");
	CHECK_STR(cm_facts_get(&facts, CM_DMI_PRODUCT_SERIAL),
		  "GoogleCloud-0123456789ABCDEF");
	CHECK_STR(cm_facts_get(&facts, CM_DMI_BIOS_DATE), "01/01/2011");
	CHECK_STR(cm_facts_get(&facts, CM_DMI_BOARD_NAME), "Google Compute Engine");
	CHECK_STR(cm_facts_get(&facts, CM_DMI_CHASSIS_TYPE), "1");
	/* SMBIOS >= 2.6: first three fields little-endian, like the kernel */
	CHECK_STR(cm_facts_get(&facts, CM_DMI_PRODUCT_UUID),
		  "16192eec-9990-af7c-fd21-012345abcdef");
	CHECK_INT(facts.v[CM_DMI_SYS_VENDOR].source, CM_SRC_SMBIOS);
}

TEST(smbios_uuid_before_2_6_is_big_endian)
{
	struct cm_facts facts = { 0 };
	uint8_t ep[32];
	struct tb t;
	size_t n;

	gce_table(&t);
	n = ep_sm2(ep, 2, 4, (uint16_t)t.len);
	CHECK(cm_smbios_parse(ep, n, t.d, t.len, &facts) > 0);
	CHECK_STR(cm_facts_get(&facts, CM_DMI_PRODUCT_UUID),
		  "ec2e1916-9099-7caf-fd21-012345abcdef");
}

TEST(smbios_without_entry_point_assumes_3_0)
{
	struct cm_facts facts = { 0 };
	struct tb t;

	gce_table(&t);
	CHECK(cm_smbios_parse(NULL, 0, t.d, t.len, &facts) > 0);
	CHECK_STR(cm_facts_get(&facts, CM_DMI_PRODUCT_UUID),
		  "16192eec-9990-af7c-fd21-012345abcdef");
}

TEST(smbios_sysfs_wins)
{
	struct cm_facts facts = { 0 };
	struct tb t;

	gce_table(&t);
	cm_facts_set(&facts, CM_DMI_SYS_VENDOR, "Other", 5, CM_SRC_SYSFS);
	cm_smbios_parse(NULL, 0, t.d, t.len, &facts);
	CHECK_STR(cm_facts_get(&facts, CM_DMI_SYS_VENDOR), "Other");
	CHECK_STR(cm_facts_get(&facts, CM_DMI_PRODUCT_NAME), "Google Compute Engine");
}

TEST(smbios_every_truncation_is_safe)
{
	struct tb t;
	size_t cut;

	gce_table(&t);
	for (cut = 0; cut < t.len; cut++) {
		struct cm_facts facts = { 0 };
		int r = cm_smbios_parse(NULL, 0, t.d, cut, &facts);

		CHECK(r >= 0 || r == -EBADMSG);
		/* a cut inside BIOS (type 0) is malformed before anything */
		if (cut < 10)
			CHECK_INT(r, cut == 0 ? 0 : -EBADMSG);
	}
}

TEST(smbios_first_structure_of_a_type_wins)
{
	static const char *const a[] = { "First", "P", NULL };
	static const char *const b[] = { "Second", "Q", NULL };
	struct cm_facts facts = { 0 };
	struct tb t = { .len = 0 };

	tb_system(&t, ec2_uuid, a);
	tb_system(&t, ec2_uuid, b);
	tb_end(&t);
	cm_smbios_parse(NULL, 0, t.d, t.len, &facts);
	CHECK_STR(cm_facts_get(&facts, CM_DMI_SYS_VENDOR), "First");
}

TEST(smbios_bad_string_index_and_short_struct)
{
	static const char *const one[] = { "Only", NULL };
	static const uint8_t short1[2] = { 1, 9 };	/* product idx 9: absent */
	struct cm_facts facts = { 0 };
	struct tb t = { .len = 0 };

	tb_struct(&t, 1, short1, sizeof(short1), one);
	tb_end(&t);
	CHECK_INT(cm_smbios_parse(NULL, 0, t.d, t.len, &facts), 1);
	CHECK_STR(cm_facts_get(&facts, CM_DMI_SYS_VENDOR), "Only");
	CHECK(cm_facts_get(&facts, CM_DMI_PRODUCT_NAME) == NULL);
	CHECK(cm_facts_get(&facts, CM_DMI_PRODUCT_UUID) == NULL);
}

TEST(smbios_null_uuid_is_absent)
{
	static const uint8_t zero[16], ff[16] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const char *const s[] = { "V", NULL };
	struct cm_facts facts = { 0 };
	struct tb t = { .len = 0 };

	tb_system(&t, zero, s);
	tb_end(&t);
	cm_smbios_parse(NULL, 0, t.d, t.len, &facts);
	CHECK(cm_facts_get(&facts, CM_DMI_PRODUCT_UUID) == NULL);
	memset(&t, 0, sizeof(t));
	memset(&facts, 0, sizeof(facts));
	tb_system(&t, ff, s);
	tb_end(&t);
	cm_smbios_parse(NULL, 0, t.d, t.len, &facts);
	CHECK(cm_facts_get(&facts, CM_DMI_PRODUCT_UUID) == NULL);
}

TEST(smbios_garbage_lengths)
{
	struct cm_facts facts = { 0 };
	uint8_t bad[8] = { 1, 2, 0, 0, 0, 0, 0, 0 };	/* length 2 < 4 */

	CHECK_INT(cm_smbios_parse(NULL, 0, bad, sizeof(bad), &facts), -EBADMSG);
	bad[1] = 200;					/* past the end */
	CHECK_INT(cm_smbios_parse(NULL, 0, bad, sizeof(bad), &facts), -EBADMSG);
	bad[1] = 4;					/* no double NUL */
	memset(bad + 4, 'x', 4);
	CHECK_INT(cm_smbios_parse(NULL, 0, bad, sizeof(bad), &facts), -EBADMSG);
	CHECK_INT(cm_smbios_parse(NULL, 0, NULL, 0, &facts), 0);
}
