/* The network back ends (net_<name>.c) and the loop network.c runs for
 * each: it lists the back end's files, has each scanned into facts,
 * chooses who is what, and has each file rewritten for that and
 * planned.  A back end says where its files are and answers two
 * questions (what does this file configure; what does it become for
 * these roles), the way a libblkid prober only answers "mine?". */
#ifndef CM_ADAPT_NET_BACKENDS_H
#define CM_ADAPT_NET_BACKENDS_H

#include "../limits.h"
#include "../util/buf.h"
#include "network.h"
#include "plan.h"
#include "../util/sysroot.h"

/* Directory listings: cm_sysroot_list (sysroot.h). */
#define CM_NET_FNAME_MAX CM_SYSROOT_FNAME_MAX

/* One interface as a file describes it (what a scan hands on).  Names
 * NULL or "" are not there; lists are space-separated. */
struct cm_net_fact {
	const char *name;
	enum cm_net_kind kind;
	bool gateway, dhcp, mac;	/* mac: bound to a MAC address */
	const char *parent;		/* a VLAN's link */
	const char *master;		/* its bond or bridge */
	const char *alias;		/* what others may call it (a uuid) */
	const char *ports;		/* the ports it lists (bond, bridge) */
	const char *vlans;		/* the VLANs it lists on it */
};

struct cm_net_links;

/* One back end over one root (network.c owns it; the callbacks read it,
 * and a scan adds to it through cm_net_add and cm_net_include). */
struct cm_net_run {
	const struct cm_net_backend *be;
	const char *sysroot, *cloud;
	const char *dir;		/* the one of be->dirs in use */
	size_t dir_index;
	const struct cm_net_opts *o;
	size_t n;			/* files, in the order they are read */
	char (*path)[CM_PATH_MAX];	/* inside the sysroot */
	unsigned char *depth;		/* by file: how deep it is included */
	int *iface_of;			/* by file: what its scan added last */
	size_t cur, ins;		/* the file scanned; where includes go */
	bool said;			/* an error line is already out */
	const char *why;		/* what a scan says a bad line is */
	struct cm_net_ifaces ifaces;
	struct cm_net_links *links;	/* by interface: what the scans listed */
	int primary, gateway;		/* in ifaces, or -1 */
	void *priv;			/* be->priv_size bytes, zeroed */
};

struct cm_net_backend {
	const char *name;		/* in messages and the plan's reasons */
	/* where its files are: the first of dirs (NULL-terminated) with a
	 * file matching glob that skip does not refuse; or one file, and
	 * the files its scan includes (at most include_max deep) */
	const char *const *dirs;
	const char *glob;
	bool (*skip)(const char *fname);
	const char *file;
	unsigned include_max;
	const char *bad_line;		/* what a line scan refuses is not */
	size_t priv_size;
	/* Reads what file run->cur (fname in its directory) configures:
	 * cm_net_add for each interface.  0, or -errno: -EBADMSG with *line
	 * (1-based) and, if it says more than bad_line, run->why; network.c
	 * writes the error line. */
	int (*scan)(struct cm_net_run *run, const char *fname, const char *buf,
		    size_t len, size_t *line);
	/* Rewrites file f for the roles: the number of changes, or -errno;
	 * what changed is counted in s. */
	int (*rewrite)(const struct cm_net_run *run, size_t f, const char *buf,
		       size_t len, struct cm_buf *out, struct cm_net_summary *s);
	/* Optional: before the scans; more of the plan before or after the
	 * files' own (with s, whose primary is set). */
	int (*prepare)(struct cm_net_run *run);
	int (*plan_before)(struct cm_net_run *run, struct cm_plan *plan,
			   struct cm_net_summary *s);
	int (*plan_after)(struct cm_net_run *run, struct cm_plan *plan,
			  struct cm_net_summary *s);
};

extern const struct cm_net_backend cm_net_netplan, cm_net_networkd,
	cm_net_nm, cm_net_ifupdown, cm_net_ifcfg;

/* Adds (or merges) the interface f describes, for file run->cur.  0,
 * or -E2BIG. */
int cm_net_add(struct cm_net_run *run, const struct cm_net_fact *f);
/* Reads path (inside the sysroot) after run->cur and before what it
 * includes next (depth first).  0, or -E2BIG after an error line. */
int cm_net_include(struct cm_net_run *run, const char *path);

/* What interface k is to the adaptation (CM_NET_ROLE_* bits): the
 * primary (and its gateway, and the glob match for an ethernet), the
 * one that carried the default route, the primary's ports, and every
 * other but the loopback secondary.  A back end narrows it to what its
 * format can say.  file_role: of the interface file f configures. */
unsigned cm_net_role(const struct cm_net_run *run, int k);
unsigned cm_net_file_role(const struct cm_net_run *run, size_t f);
/* The roles by name, for formats that say who is what by name: the
 * primary's ports but those not_member refuses, the secondaries but
 * those not_secondary refuses (NULL: none refused). */
void cm_net_names_of(const struct cm_net_run *run,
		     bool (*not_member)(const struct cm_net_iface *v),
		     bool (*not_secondary)(const struct cm_net_iface *v),
		     struct cm_net_names *n);

/* Name lists: w in the space-separated list; w appended (when it fits). */
bool cm_net_in_list(const char *list, const char *w, size_t wl);
void cm_net_list_add(char *list, size_t size, const char *w);

#endif
