/* The boot rewriter: the kernel command line a cloud needs (its serial
 * console, timeouts; root= by a name that survives the new disk bus) in
 * every place the root keeps it, so the change holds for the next boot
 * and for every later regeneration or new kernel:
 *  - GRUB's sources: /etc/default/grub and /etc/default/grub.d/NN-*.cfg;
 *  - GRUB's generated grub.cfg (boot/grub, boot/grub2): the next boot
 *    reads it whether or not update-grub runs;
 *  - BLS entries (boot/loader/entries/NAME.conf, RHEL/Fedora/AL2023 and
 *    systemd-boot), and grubenv's kernelopts= where entries use it;
 *  - /etc/kernel/cmdline (kernel-install, UKIs). */
#ifndef CM_ADAPT_BOOT_H
#define CM_ADAPT_BOOT_H

struct cm_profile_rt;
struct cm_plan;
struct cm_adapt_report;

int cm_boot_plan(const char *sysroot, const struct cm_profile_rt *p,
		 struct cm_plan *plan, struct cm_adapt_report *rep);

#endif
