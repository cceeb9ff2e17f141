#include <fnmatch.h>
#include <string.h>
#include <strings.h>

#include "clouds.h"

/* The registry, in the order of clouds.def (the order is policy). */
static const struct cm_cloud *const clouds[] = {
#define CM_CLOUD(id) &id##_cloud,
#include "clouds.def"
#undef CM_CLOUD
};

const struct cm_cloud *const *cm_clouds_all(size_t *count)
{
	*count = sizeof(clouds) / sizeof(clouds[0]);
	return clouds;
}

const struct cm_cloud *cm_cloud_by_name(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(clouds) / sizeof(clouds[0]); i++)
		if (clouds[i]->kind != CM_KIND_OTHER_VM &&
		    !strcmp(clouds[i]->name, name))
			return clouds[i];
	return NULL;
}

static int has_prefix(const char *s, const char *prefix)
{
	return !strncasecmp(s, prefix, strlen(prefix));
}

static int contains(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s; s++)
		if (!strncasecmp(s, needle, n))
			return 1;
	return 0;
}

/* SMBIOS 2.6+ stores the first three UUID fields little-endian and
 * firmware disagrees on it, so EC2's "ec2..." can read "...2aec-...":
 * AWS documents both forms.  Rebuild the other order and test it too. */
static int uuid_prefix(const char *uuid, const char *prefix)
{
	static const int swap[36] = {
		6, 7, 4, 5, 2, 3, 0, 1, 8, 11, 12, 9, 10, 13, 16, 17, 14, 15,
		18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33,
		34, 35,
	};
	char other[37];
	int i;

	if (has_prefix(uuid, prefix))
		return 1;
	if (strlen(uuid) != 36)
		return 0;
	for (i = 0; i < 36; i++)
		other[i] = uuid[swap[i]];
	other[36] = '\0';
	return has_prefix(other, prefix);
}

int cm_rule_match(const struct cm_rule *rule, const struct cm_facts *facts)
{
	const char *v = cm_facts_get(facts, rule->fact);

	if (rule->match == CM_MATCH_ABSENT)
		return v == NULL;
	if (!v)
		return 0;
	switch (rule->match) {
	case CM_MATCH_EQ:
		return !strcasecmp(v, rule->value);
	case CM_MATCH_PREFIX:
		return has_prefix(v, rule->value);
	case CM_MATCH_CONTAINS:
		return contains(v, rule->value);
	case CM_MATCH_UUID_PREFIX:
		return uuid_prefix(v, rule->value);
	case CM_MATCH_GLOB:
		return fnmatch(rule->value, v, FNM_CASEFOLD) == 0;
	case CM_MATCH_ABSENT:
		break;
	}
	return 0;
}

int cm_signature_match(const struct cm_signature *sig,
		       const struct cm_facts *facts)
{
	int i;

	for (i = 0; i < CM_RULES_MAX && sig->all[i].fact; i++)
		if (!cm_rule_match(&sig->all[i], facts))
			return 0;
	return i > 0;
}
