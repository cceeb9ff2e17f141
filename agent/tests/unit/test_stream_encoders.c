/* The encoder registry (stream/encoders.c): the format names every usage
 * text and message gives come from it. */
#include "boot/cmdline.h"
#include "profiles/profile.h"
#include "stream/encoders.h"
#include "stream/stream.h"
#include "test.h"

TEST(encoders_usage_names_the_registry)
{
	char names[32];

	/* the usage texts' literal and the registry say the same */
	CHECK(!strcmp(cm_encoder_names(names, sizeof(names), "|", "|"), CM_FORMATS_USAGE));
	CHECK(!strcmp(cm_encoder_names(names, sizeof(names), ", ", " or "), "raw, gce or vhd"));
	CHECK(!strcmp(cm_encoder_names(names, sizeof(names), ", ", ", "), "raw, gce, vhd"));
}

TEST(encoders_names_cut_to_size)
{
	char small[6];

	CHECK(!strcmp(cm_encoder_names(small, sizeof(small), ", ", " or "), "raw, "));
	CHECK(!strcmp(cm_encoder_names(small, 1, ", ", " or "), ""));
}

TEST(encoders_find)
{
	CHECK(cm_encoder_find("raw") == &cm_encoder_raw);
	CHECK(cm_encoder_find("gce") == &cm_encoder_gce);
	CHECK(cm_encoder_find("vhd") == &cm_encoder_vhd);
	CHECK(cm_encoder_find("vhdx") == NULL);
	CHECK(cm_encoder_find("") == NULL);
	/* a word in a longer text */
	CHECK(cm_encoder_find_n("vhd, more", 3) == &cm_encoder_vhd);
	CHECK(cm_encoder_find_n("vh", 2) == NULL);
}

/* a new format's name must fit where cloudmove.format= and image_format
 * keep it */
TEST(encoders_names_fit_their_fields)
{
	struct cm_boot_opts o;
	char names[64], *name, *save = NULL;

	cm_encoder_names(names, sizeof(names), " ", " ");
	for (name = strtok_r(names, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
		CHECK(strlen(name) < sizeof(o.format));
		CHECK(strlen(name) < CM_PROFILE_FORMAT_MAX);
	}
}
