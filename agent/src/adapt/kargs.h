/* Kernel command line in the boot loader: the arguments a cloud needs
 * (its serial console, NVMe timeouts, ...) added, other clouds' removed.
 * Edits both the source of truth for future regenerations
 * (/etc/default/grub) and what the next boot reads (grub.cfg's linux
 * lines), so the change holds whether or not update-grub runs. */
#ifndef CM_ADAPT_KARGS_H
#define CM_ADAPT_KARGS_H

#include <stddef.h>

#include "../util/buf.h"

#define CM_KARGS_MAX 4096
#define CM_GRUB_CFG_MAX (1024 * 1024)

struct cm_kargs_edit {
	const char *const *add;		/* "console=ttyS0,38400n8" */
	size_t n_add;
	const char *const *remove;	/* "earlyprintk" (the key, any value)
					   or a glob: "console=ttyS*" */
	size_t n_remove;
};

/* One argument string -> edited (pure).  Returns the number of
 * arguments added or removed, or -EMSGSIZE. */
int cm_kargs_apply(const char *args, size_t len, const struct cm_kargs_edit *e,
		   struct cm_buf *out);

/* /etc/default/grub: GRUB_CMDLINE_LINUX_DEFAULT (created if absent).
 * Returns changes made (0: out equals the input), or -errno (-EBADMSG:
 * not text). */
int cm_kargs_grub_default(const char *buf, size_t len,
			  const struct cm_kargs_edit *e, struct cm_buf *out);

/* grub.cfg: every "linux"/"linuxefi" line's arguments.  Returns changes
 * made, or -errno. */
int cm_kargs_grub_cfg(const char *buf, size_t len, const struct cm_kargs_edit *e,
		      struct cm_buf *out);

struct cm_profile_rt;
struct cm_plan;
struct cm_adapt_report;

/* The rewriter (see rewrite.h): adds what profile p needs to plan. */
int cm_kargs_plan(const char *sysroot, const struct cm_profile_rt *p,
		  struct cm_plan *plan, struct cm_adapt_report *rep);

#endif
