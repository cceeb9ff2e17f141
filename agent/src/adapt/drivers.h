/* drivers rewriter: the target's storage and network drivers must be in
 * the initramfs and must not be blacklisted.  Pure text functions; the
 * caller reads the files from the sysroot and puts the results in the
 * plan. */
#ifndef CM_ADAPT_DRIVERS_H
#define CM_ADAPT_DRIVERS_H

#include <stddef.h>

#include "../util/buf.h"

#define CM_DRIVERS_CONF "/etc/dracut.conf.d/90-cloudmove.conf"
#define CM_MODPROBE_MAX (256 * 1024)
#define CM_MODPROBE_FILES_MAX 128	/* .conf files in modprobe.d */

/* The whole dracut.conf.d snippet that asks for the drivers (ours: the
 * file is generated, its previous content does not matter). */
int cm_drivers_dracut_conf(const char *cloud, const char *const *drivers,
			   size_t n, struct cm_buf *out);

/* initramfs-tools' /etc/initramfs-tools/modules: missing drivers are
 * appended, one per line, under a marker comment; the rest is kept.
 * Returns the number added, or -errno. */
int cm_drivers_initramfs_tools(const char *buf, size_t len,
			       const char *const *drivers, size_t n,
			       struct cm_buf *out);

/* A modprobe.d file: "blacklist <driver>" and "install <driver>
 * /bin/false|/bin/true" lines for needed drivers are commented out with
 * the reason.  Returns the number of lines disabled, or -errno. */
int cm_drivers_unblacklist(const char *buf, size_t len,
			   const char *const *drivers, size_t n,
			   struct cm_buf *out);

struct cm_profile_rt;
struct cm_plan;
struct cm_adapt_report;

/* The rewriter (see rewrite.h): adds what profile p needs to plan. */
int cm_drivers_plan(const char *sysroot, const struct cm_profile_rt *p,
		  struct cm_plan *plan, struct cm_adapt_report *rep);

#endif
