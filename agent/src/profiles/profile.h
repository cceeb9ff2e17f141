/* Target profiles: what a cloud requires of an installed system (drivers
 * in the initramfs, disk naming, kernel arguments, time source, guest
 * agents, fstab, swap, network), as data.
 *
 * Two forms:
 *  - struct cm_profile: the built-in, const data that each clouds/<id>.c
 *    points to from its descriptor (.profile), with its sources cited;
 *  - struct cm_profile_rt: the runtime form with owned strings in fixed
 *    arrays (no heap), built from the built-in data and then overridden
 *    or extended by /etc/cloudmove/profiles.d/<name>.conf (see conf.c and
 *    README.profiles for the file format). */
#ifndef CM_PROFILE_H
#define CM_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

/* Caps on the built-in lists and on every runtime list. */
#define CM_PROFILE_LIST_MAX	24	/* items per list */
#define CM_PROFILE_ITEM_MAX	64	/* bytes per item, NUL included */
#define CM_PROFILE_NAME_MAX	32	/* cloud id, NUL included */
#define CM_PROFILE_TITLE_MAX	64
#define CM_PROFILE_DOC_MAX	128	/* time_doc, NUL included */
#define CM_PROFILE_FORMAT_MAX	8	/* image_format, NUL included */
#define CM_PROFILES_MAX		24	/* built-in + user-defined */
#define CM_PROFILE_FILES_MAX	64	/* profiles.d/<name>.conf files read */
#define CM_PROFILE_CONF_MAX	(64 * 1024)	/* one .conf file */
#define CM_PROFILE_LINE_MAX	1024	/* one line of a .conf file */
#define CM_PROFILE_LINES_MAX	4096	/* lines in one .conf file */
#define CM_PROFILE_ERR_MAX	256	/* one error line */
#define CM_PROFILE_MTU_MIN	576
#define CM_PROFILE_MTU_MAX	9216
#define CM_PROFILE_TIMEOUT_MAX	3600	/* x-systemd.device-timeout, s */

/* How the target names its disks (the root disk in particular). */
enum cm_disk_naming {
	CM_DISK_ANY = 0,	/* no requirement */
	CM_DISK_NVME,		/* /dev/nvme0n1 */
	CM_DISK_SD,		/* /dev/sda (virtio-scsi, storvsc, ...) */
	CM_DISK_VD,		/* /dev/vda (virtio-blk) */
	CM_DISK_XVD,		/* /dev/xvda (Xen blkfront) */
};

enum cm_time_kind {
	CM_TIME_NONE = 0,	/* leave the time configuration alone */
	CM_TIME_NTP,		/* the cloud's own NTP server(s): servers[] */
	CM_TIME_PTP,		/* a PTP hardware clock as chrony refclock:
				 * servers[0] is the device */
	CM_TIME_POOL,		/* public pool: servers[], or the distribution's
				 * default pool when empty */
};

/* The net.ifnames= policy on the kernel command line. */
enum cm_ifnames {
	CM_IFNAMES_KEEP = 0,	/* whatever the system uses */
	CM_IFNAMES_PREDICTABLE,	/* net.ifnames=1 (or absent): ens5, ... */
	CM_IFNAMES_KERNEL,	/* net.ifnames=0: eth0 */
};

/* Lists are NULL-terminated arrays of at most CM_PROFILE_LIST_MAX - 1. */
struct cm_profile {
	const char *storage_drivers[CM_PROFILE_LIST_MAX];
	const char *net_drivers[CM_PROFILE_LIST_MAX];
	const char *other_drivers[CM_PROFILE_LIST_MAX];	/* e.g. udf, vfat */
	enum cm_disk_naming disk;
	/* Kernel arguments: kargs_remove is applied first, then kargs_add.
	 * A remove pattern is an fnmatch(3) glob over one whole argument:
	 * "console=ttyS*" removes every serial console, "rootdelay=*" any
	 * rootdelay; with no '=' it matches the bare flag or the key with
	 * any value ("quiet", "earlyprintk" = "earlyprintk" and
	 * "earlyprintk=..."). */
	const char *kargs_add[CM_PROFILE_LIST_MAX];
	const char *kargs_remove[CM_PROFILE_LIST_MAX];
	enum cm_time_kind time;
	const char *time_servers[CM_PROFILE_LIST_MAX];
	/* What chrony and ntpd get after each server or device (NULL:
	 * "iburst", a PTP clock "poll 3 dpoll -2 offset 0"); other names of
	 * the same source (a line naming one counts as this cloud's, and
	 * goes when the target is another cloud); the document they come
	 * from, cited in the lines adapt writes (NULL: none). */
	const char *time_options;
	const char *time_aliases[CM_PROFILE_LIST_MAX];
	const char *time_doc;
	/* systemd unit names without ".service"; a unit the system does
	 * not have is skipped (walinuxagent on Debian, waagent on RHEL).
	 * What a target disables is derived (cm_profiles_init): every other
	 * profile's agents_enable and agents_own, and the hypervisors'
	 * agents (cm_hypervisor_agents), less its own agents_enable,
	 * agents_own and agents_keep. */
	const char *agents_enable[CM_PROFILE_LIST_MAX];
	/* This cloud's other units, which it leaves as they are but which
	 * the other clouds turn off (GCP's startup scripts, ...). */
	const char *agents_own[CM_PROFILE_LIST_MAX];
	/* Other clouds' or hypervisors' agents this cloud leaves on. */
	const char *agents_keep[CM_PROFILE_LIST_MAX];
	/* fstab: mount by UUID=; data disks (not /, /usr, /boot) get
	 * nofail and x-systemd.device-timeout=<s> (0: no timeout option). */
	bool fstab_by_uuid;
	bool fstab_nofail;
	unsigned fstab_device_timeout;
	bool no_swap_on_os_disk;	/* swap files/partitions on the OS disk off */
	unsigned mtu;			/* 0: as DHCP says */
	bool dhcp4, dhcp6;		/* on the first NIC */
	enum cm_ifnames ifnames;
	/* cloud-init datasource names (dsname: "Ec2", "GCE", ...) pinned in
	 * /etc/cloud/cloud.cfg.d when cloud-init is installed, "None" added
	 * last; empty: cloud-init's own detection decides. */
	const char *cloudinit_datasource[CM_PROFILE_LIST_MAX];
	/* The image format `migrate` writes when --format does not say
	 * ("gce", "vhd"; NULL: "raw"). */
	const char *image_format;
};

/* Agents of the hypervisors the clouds run on (Hyper-V, VMware,
 * KVM/QEMU): every target that neither enables nor keeps one turns it
 * off.  NULL-terminated. */
extern const char *const cm_hypervisor_agents[];

/* --- runtime form ------------------------------------------------------- */

struct cm_plist {
	unsigned n;
	char v[CM_PROFILE_LIST_MAX][CM_PROFILE_ITEM_MAX];
};

enum cm_profile_source {
	CM_PROFILE_BUILTIN = 0,		/* as compiled in */
	CM_PROFILE_BUILTIN_USER,	/* compiled in, changed by a user file */
	CM_PROFILE_USER,		/* defined by a user file only */
};

struct cm_profile_rt {
	char name[CM_PROFILE_NAME_MAX];
	char title[CM_PROFILE_TITLE_MAX];
	enum cm_profile_source source;
	char last_file[CM_PROFILE_ITEM_MAX];	/* last file that changed it */
	struct cm_plist storage_drivers, net_drivers, other_drivers;
	enum cm_disk_naming disk;
	struct cm_plist kargs_add, kargs_remove;
	enum cm_time_kind time;
	struct cm_plist time_servers;
	char time_options[CM_PROFILE_ITEM_MAX];
	struct cm_plist time_aliases;
	char time_doc[CM_PROFILE_DOC_MAX];
	struct cm_plist agents_enable, agents_disable;
	bool fstab_by_uuid, fstab_nofail;
	unsigned fstab_device_timeout;
	bool no_swap_on_os_disk;
	unsigned mtu;
	bool dhcp4, dhcp6;
	enum cm_ifnames ifnames;
	struct cm_plist cloudinit_datasource;
	char image_format[CM_PROFILE_FORMAT_MAX];
};

/* All profiles, in registry order, then user-defined ones in file order.
 * About 220 KiB: callers allocate it once (malloc), never on the stack. */
struct cm_profiles {
	size_t n;
	struct cm_profile_rt v[CM_PROFILES_MAX];
};

/* Fills out from built-in data (items longer than the caps are cut;
 * none of ours are), agents_disable left empty: cm_profiles_init
 * derives it from the other profiles. */
void cm_profile_from_builtin(const struct cm_profile *p, const char *name,
			     const char *title, struct cm_profile_rt *out);
/* Every cloud of the registry that has a .profile, each with its
 * agents_disable derived (see struct cm_profile): 0, or -E2BIG. */
int cm_profiles_init(struct cm_profiles *set);
struct cm_profile_rt *cm_profiles_find(struct cm_profiles *set,
				       const char *name);

/* The runtime list operations, for the parser and for tests: 0,
 * -E2BIG when the list is full, -ENAMETOOLONG when the item is too long,
 * -EINVAL for an empty item. */
int cm_plist_add(struct cm_plist *l, const char *item, size_t len);
void cm_plist_remove(struct cm_plist *l, const char *item);
bool cm_plist_has(const struct cm_plist *l, const char *item);

/* 1 when the kargs_remove pattern removes the kernel argument arg. */
int cm_karg_pattern_match(const char *pattern, const char *arg);

const char *cm_disk_naming_name(enum cm_disk_naming d);
const char *cm_time_kind_name(enum cm_time_kind t);
const char *cm_ifnames_name(enum cm_ifnames i);
const char *cm_profile_source_name(enum cm_profile_source s);

/* --- user files (conf.c: pure; load.c: I/O) ---------------------------- */

/* Applies one profiles.d file, buf[0..len) (not NUL-terminated), to set.
 * fname names the file in errors ("profiles.d/10-x.conf").  On error,
 * err gets one line "<fname>:<line>: <why>" and the return is -EBADMSG
 * (malformed), -EMSGSIZE (over a cap) or -E2BIG (too many profiles or
 * items); set may then be partly changed: pass a copy to get
 * all-or-nothing (cm_profiles_load does). */
int cm_profile_conf_parse(const char *buf, size_t len, const char *fname,
			  struct cm_profiles *set, char *err, size_t err_size);

/* Reads SYSROOT/etc/cloudmove/profiles.d/<name>.conf in name (strcmp) order
 * into set (already initialised with cm_profiles_init).  A bad file is
 * reported on stderr (one warning line) and skipped whole; a missing
 * directory is no error.  Returns the number of files skipped (>= 0) or
 * -ENOMEM. */
int cm_profiles_load(const char *root, struct cm_profiles *set);

/* --- output (format.c) ------------------------------------------------- */

struct cm_buf;
/* Human-readable: every requirement, one per line. */
int cm_profile_format_text(const struct cm_profile_rt *p, struct cm_buf *out);
/* One JSON object (pretty), newline-terminated. */
int cm_profile_format_json(const struct cm_profile_rt *p, struct cm_buf *out);

#endif
