/* A launch spec: "name = value" lines like the credentials file ('#' and
 * ';' comments, blank lines); which names a cloud takes is its
 * cm_cloud_api's spec_keys.  An unknown name, a repeated one or a required
 * one missing is one clear line each (all of them, then -EINVAL). */
#ifndef CM_CONTROL_SPEC_H
#define CM_CONTROL_SPEC_H

#include <stddef.h>

#define CM_SPEC_KEYS_MAX	16
#define CM_SPEC_VALUE_MAX	1024

struct cm_spec {
	size_t n;
	struct {
		char name[48];
		char value[CM_SPEC_VALUE_MAX];
	} kv[CM_SPEC_KEYS_MAX];
};

/* Pure: parses buf against keys (all it may hold) and required (all it
 * must); each problem is logged as "spec WHAT:LINE: ...".  0 or -EINVAL.
 * Fuzzed. */
int cm_spec_parse(const char *buf, size_t len, const char *what,
		  const char *const *keys, const char *const *required,
		  struct cm_spec *s);

/* Loads path (at most 64 KiB): 0 or -errno (logged). */
int cm_spec_load(const char *path, const char *const *keys,
		 const char *const *required, struct cm_spec *s);

/* The value of name, or NULL when absent (or the empty string). */
const char *cm_spec_get(const struct cm_spec *s, const char *name);

#endif
