/* Kernel command line in the boot loader: the arguments a cloud needs
 * (its serial console, NVMe timeouts, ...) added, other clouds' removed.
 * Edits both the source of truth for future regenerations
 * (/etc/default/grub) and what the next boot reads (grub.cfg's linux
 * lines), so the change holds whether or not update-grub runs. */
#ifndef CM_ADAPT_KARGS_H
#define CM_ADAPT_KARGS_H

#include <stddef.h>

#include "../util/buf.h"
#include "fstab.h"

#define CM_KARGS_MAX 4096
#define CM_GRUB_CFG_MAX (1024 * 1024)

struct cm_kargs_edit {
	const char *const *add;		/* "console=ttyS0,38400n8" */
	size_t n_add;
	const char *const *remove;	/* "earlyprintk" (the key, any value)
					   or a glob: "console=ttyS*" */
	size_t n_remove;
	int no_append;			/* add[] only keeps args from removal */
	/* root= and resume= naming an unstable device (/dev/xvda1) become
	 * root's stable name (root= only) or what resolve says. */
	const char *root;		/* "UUID=...", or NULL */
	cm_fstab_resolve_fn resolve;	/* NULL: leave devices alone */
	void *ctx;
};

/* One argument string -> edited (pure).  Returns the number of
 * arguments added or removed, or -EMSGSIZE. */
int cm_kargs_apply(const char *args, size_t len, const struct cm_kargs_edit *e,
		   struct cm_buf *out);

/* /etc/default/grub and /etc/default/grub.d/NN-*.cfg (shell, sourced in
 * that order, the last assignment wins): removals and device renames in
 * every GRUB_CMDLINE_LINUX and GRUB_CMDLINE_LINUX_DEFAULT; additions only
 * with add_here (the file whose _DEFAULT wins), where _DEFAULT is created
 * if absent.  Returns changes made (0: out equals the input), or -errno
 * (-EBADMSG: not text). */
int cm_kargs_grub_vars(const char *buf, size_t len,
		       const struct cm_kargs_edit *e, int add_here,
		       struct cm_buf *out);
/* cm_kargs_grub_vars with add_here. */
int cm_kargs_grub_default(const char *buf, size_t len,
			  const struct cm_kargs_edit *e, struct cm_buf *out);

/* grub.cfg: every "linux"/"linuxefi" line's arguments.  Returns changes
 * made, or -errno. */
int cm_kargs_grub_cfg(const char *buf, size_t len, const struct cm_kargs_edit *e,
		      struct cm_buf *out);

/* A BLS entry (boot/loader/entries/NAME.conf): its "options" lines. */
int cm_kargs_bls_entry(const char *buf, size_t len,
		       const struct cm_kargs_edit *e, struct cm_buf *out);
/* /etc/kernel/cmdline (what kernel-install gives new kernels): one line. */
int cm_kargs_cmdline_file(const char *buf, size_t len,
			  const struct cm_kargs_edit *e, struct cm_buf *out);
/* grubenv: the 1024-byte block; its kernelopts= (RHEL 8/9 BLS entries
 * say "options $kernelopts").  -EBADMSG not a grubenv, -EMSGSIZE when
 * the edit would not fit the block. */
int cm_kargs_grubenv(const char *buf, size_t len, const struct cm_kargs_edit *e,
		     struct cm_buf *out);
/* 1 when the file assigns GRUB_CMDLINE_LINUX_DEFAULT. */
int cm_kargs_grub_sets_default(const char *buf, size_t len);

#endif
