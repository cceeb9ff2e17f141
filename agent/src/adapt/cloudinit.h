/* cloudinit rewriter: when the root has cloud-init, pin the target
 * cloud's datasource so that cloud-init neither keeps looking for the
 * old cloud's (an image often pins that one, e.g. Debian's
 * /etc/cloud/cloud.cfg.d/90_dpkg.cfg "[ Ec2, None ]") nor probes every
 * cloud it knows.
 *
 * The pin is a file of ours, CM_CLOUDINIT_PIN, rewritten on every
 * adapt.  Why a later file wins (cloud-init, canonical/cloud-init):
 *  - cloudinit/util.py read_conf_with_confd: the cloud.cfg.d files
 *    override cloud.cfg; read_conf_d reads them "reverse sorted (later
 *    trumps newer)" and mergemanydict keeps the first value of a key, so
 *    the last file name (byte order) sets datasource_list;
 *  - tools/ds-identify check_config greps cloud.cfg then cloud.cfg.d/
 *    *.cfg and keeps the last "datasource_list:" line, which must be a
 *    one-line flow sequence (doc/rtd/reference/base_config_reference.rst:
 *    "This key and its values must be on a single line"); with one
 *    datasource (and None) it is used without probing ("single entry in
 *    datasource_list ... use that"). */
#ifndef CM_ADAPT_CLOUDINIT_H
#define CM_ADAPT_CLOUDINIT_H

#include <stddef.h>

#include "../util/buf.h"

#define CM_CLOUDINIT_CFG	"/etc/cloud/cloud.cfg"
#define CM_CLOUDINIT_DIR	"/etc/cloud/cloud.cfg.d"
#define CM_CLOUDINIT_PIN	CM_CLOUDINIT_DIR "/99_cloudmove-datasource.cfg"
#define CM_CLOUDINIT_MAX	(256 * 1024)	/* one .cfg file */
#define CM_CLOUDINIT_LIST_MAX	2048	/* a datasource_list's items */

/* The whole pin file for cloud: "datasource_list: [ A, B, None ]" (a
 * "None" in ds is skipped: it goes last).  0, -EINVAL when a name is not
 * [A-Za-z0-9]+ or there is none. */
int cm_cloudinit_pin(const char *cloud, const char *const *ds, size_t n,
		     struct cm_buf *out);

/* The datasource_list a YAML file sets on one line, as ds-identify reads
 * it (the last such line at the top level, comments dropped): 1 and the
 * text between the brackets, trimmed, in out ("Ec2, None"); 0 when it
 * sets none; -EMSGSIZE when it does not fit or the file is over
 * CM_CLOUDINIT_MAX, -EBADMSG for a NUL byte. */
int cm_cloudinit_find_list(const char *buf, size_t len, char *out,
			   size_t size);

struct cm_profile_rt;
struct cm_plan;
struct cm_adapt_report;

/* The rewriter (see rewrite.h). */
int cm_cloudinit_plan(const char *sysroot, const struct cm_profile_rt *p,
		      struct cm_plan *plan, struct cm_adapt_report *rep);

#endif
