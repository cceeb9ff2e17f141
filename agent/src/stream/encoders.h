/* The image formats stream writes: the encoder registry (encoders.c).
 * Whoever accepts or names a format asks here, so that a new encoder is
 * one line in the registry (and one in CM_FORMATS_USAGE). */
#ifndef CM_STREAM_ENCODERS_H
#define CM_STREAM_ENCODERS_H

#include <stddef.h>

struct cm_encoder;

/* The names as the usage texts give them, in the registry's order; a
 * string literal so that it joins theirs.  test_stream_encoders holds it
 * to cm_encoder_names(.., "|", "|"). */
#define CM_FORMATS_USAGE "raw|gce|vhd"

/* By name; NULL when unknown.  _n: the name is the len bytes at name (a
 * word in a larger text). */
const struct cm_encoder *cm_encoder_find(const char *name);
const struct cm_encoder *cm_encoder_find_n(const char *name, size_t len);

/* The names for a message, sep between them and last before the final one:
 * (", ", " or ") gives "raw, gce or vhd".  Written to out (cut to size, NUL
 * terminated), which is returned. */
const char *cm_encoder_names(char *out, size_t size, const char *sep, const char *last);

#endif
