/* netrules rewriter: names pinned to the old machine's NICs.
 *
 * udev's persistent-net generator (75-persistent-net-generator.rules, in
 * udev before systemd 209 and some distributions after) wrote
 * /etc/udev/rules.d/70-persistent-net.rules: one rule per NIC, keyed by
 * its MAC address (ATTR{address}==), naming it eth0, eth1, ...  On
 * another machine the NIC has another MAC: the old rule keeps "eth0"
 * and the new NIC gets eth1, which the network configuration does not
 * know.  That file goes, when every rule in it is of that shape.
 *
 * Left alone, on purpose:
 *  - /etc/udev/rules.d/75-persistent-net-generator.rules: there it is a
 *    mask ("#", empty, or a link to /dev/null) that keeps the generator
 *    off; deleting it would turn MAC pinning back on;
 *  - systemd .link files in /etc/systemd/network naming a NIC by
 *    MACAddress=: they only stop matching on the new machine; the NIC
 *    then gets its default name, which is the network rewriter's
 *    concern (noted). */
#ifndef CM_ADAPT_NETRULES_H
#define CM_ADAPT_NETRULES_H

#include <stddef.h>

#define CM_NETRULES_FILE	"/etc/udev/rules.d/70-persistent-net.rules"
#define CM_NETRULES_MAX		(64 * 1024)

/* 1 when every rule of a udev rules file matches its device by MAC
 * address (ATTR{address}== or ATTRS{address}==), the generator's shape
 * (a file of comments only counts too); 0 when a rule matches on
 * something else; -EMSGSIZE over CM_NETRULES_MAX, -EBADMSG for a NUL. */
int cm_netrules_mac_only(const char *buf, size_t len);

/* 1 when a systemd .link file matches by MACAddress= and sets Name=. */
int cm_netrules_link_pins_mac(const char *buf, size_t len);

struct cm_profile_rt;
struct cm_plan;
struct cm_adapt_report;

/* The rewriter (see rewrite.h). */
int cm_netrules_plan(const char *sysroot, const struct cm_profile_rt *p,
		     struct cm_plan *plan, struct cm_adapt_report *rep);

#endif
