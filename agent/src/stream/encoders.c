/* The encoder registry: each image format is an encoder (raw.c, gce.c,
 * vhd.c); the order is the one users read them in. */
#include <stdio.h>
#include <string.h>

#include "encoders.h"
#include "stream.h"

static const struct cm_encoder *const encoders[] = {
	&cm_encoder_raw, &cm_encoder_gce, &cm_encoder_vhd,
};
#define N_ENCODERS (sizeof(encoders) / sizeof(encoders[0]))

const struct cm_encoder *cm_encoder_find_n(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < N_ENCODERS; i++)
		if (strlen(encoders[i]->name) == len && !memcmp(name, encoders[i]->name, len))
			return encoders[i];
	return NULL;
}

const struct cm_encoder *cm_encoder_find(const char *name)
{
	return cm_encoder_find_n(name, strlen(name));
}

const char *cm_encoder_names(char *out, size_t size, const char *sep, const char *last)
{
	size_t i, n = 0;

	if (!size)
		return out;
	out[0] = '\0';
	for (i = 0; i < N_ENCODERS && n < size; i++) {
		int w = snprintf(out + n, size - n, "%s%s",
				 i == 0 ? "" : i + 1 == N_ENCODERS ? last : sep, encoders[i]->name);

		if (w < 0)
			break;
		n += (size_t)w;
	}
	return out;
}
