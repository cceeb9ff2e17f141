/* What an adaptation was for, kept per stay (record.h's cm_stay_adapted)
 * so that a later boot can tell when the requirements changed:
 *  - the target profile's version: "sha256:" and the first 16 hex chars
 *    of the SHA-256 of the effective profile as `cloudmove profiles show
 *    CLOUD` prints it (built-in data plus profiles.d), so a newer agent's
 *    built-in profile or an edited profiles.d file is a new version, and
 *    a rebuild that changes nothing in it is not;
 *  - the facts the cloud gave about the instance: one short string of
 *    "key=value" words, "type=m5.large arch=x86_64 boot=bios,uefi nvme=1
 *    drivers=ena,nvme".  A launch has them all (the target's API, struct
 *    cm_target_facts); a boot has what the machine and its metadata say
 *    (type, arch).  Two strings differ when a key both have differs. */
#ifndef CM_RECORD_REQUIREMENTS_H
#define CM_RECORD_REQUIREMENTS_H

#include <stddef.h>

struct cm_profile_rt;
struct cm_target_facts;
struct cm_verdict;

#define CM_PROFILE_VERSION_MAX	80
#define CM_FACTS_MAX		256

/* The profile's version into out.  0 or -errno. */
int cm_profile_version(const struct cm_profile_rt *p, char *out, size_t size);

/* The launch's facts as the short string (never longer than size: the
 * driver list is cut at a word). */
void cm_facts_from_target(const struct cm_target_facts *f, char *out,
			  size_t size);

/* What this boot knows: the instance type from the verdict, the machine's
 * architecture (uname). */
void cm_facts_from_boot(const struct cm_verdict *v, char *out, size_t size);

/* 1 when a key present in both strings has different values, else 0
 * (an empty or unknown side is no difference).  changed (may be NULL)
 * gets "type m5.large → m6i.large" for the first. */
int cm_facts_differ(const char *recorded, const char *now, char *changed,
		    size_t size);

/* recorded with now's values laid over it (keys only now has are
 * added): what the stay records after adapting again. */
void cm_facts_merge(const char *recorded, const char *now, char *out,
		    size_t size);

#endif
