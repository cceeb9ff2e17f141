#!/bin/bash
# shellcheck disable=SC2154 # moddir, initdir, systemdsystemunitdir, SYSTEMCTL: set by dracut
# dracut module "cloudmove": puts the cloudmove agent into the initramfs and
# runs "cloudmove boot" once the root is mounted, before switch-root.
#
# Layout decision: the installed module directory is self-contained.  Every
# file this module installs is looked up in "$moddir" (the directory holding
# this module-setup.sh).  In the source tree those files live in hooks/; the
# install step (dracut-module/install.sh, used by "make install" and by
# images/initramfs.sh) copies dracut-module/90cloudmove/* and the hook files
# from hooks/ into <dracutbasedir>/modules.d/90cloudmove/:
#
#   module-setup.sh           this file
#   cloudmove-run.sh          the one script that runs the agent (both flavours)
#   cloudmove-pre-pivot.sh    non-systemd initramfs: pre-pivot hook, calls it
#   cloudmove.service         systemd initramfs: unit, calls it
#   cloudmove-move.service    the same when cloudmove.dest= asks for a move (no time bound)
#   cloudmove-drivers.sh      the driver list, shared with initramfs-tools/hooks/cloudmove
#
# Env: CLOUDMOVE_AGENT = the agent binary to install as /usr/bin/cloudmove
# (default /usr/sbin/cloudmove, where "make install" puts it).  Like every
# path dracut installs from, it is read under --sysroot when one is given.

cloudmove_agent() {
	printf '%s\n' "${CLOUDMOVE_AGENT:-/usr/sbin/cloudmove}"
}

# called by dracut
check() {
	# Included whenever the agent is installed, hostonly or not (return 0,
	# never 255 "only when asked"): the whole point is to boot on a machine
	# other than the one the initramfs was built on.  Without the agent
	# there is nothing to install: leave the module out quietly.
	[[ -x ${dracutsysrootdir-}$(cloudmove_agent) ]] || return 1
	return 0
}

# called by dracut
depends() {
	# Nothing: in particular no network module.  Detection with metadata
	# brings its own interface up later; boot must not wait for a network.
	return 0
}

# What both initramfs integrations share (cloudmove_cloud_drivers,
# cloudmove_agent_drivers, cloudmove_ca_sources): hooks/cloudmove-drivers.sh,
# installed beside this file.  Sourced here, at the top, where dracut
# sources this file (moddir is only set around the calls).
# shellcheck source=hooks/cloudmove-drivers.sh
. "$(dirname "${BASH_SOURCE[0]}")/cloudmove-drivers.sh"

# The storage and network drivers the agent's own target profiles name
# (under --sysroot when dracut has one).  One name a line.
cloudmove_profile_drivers() {
	cloudmove_agent_drivers "${dracutsysrootdir-}$(cloudmove_agent)" "${dracutsysrootdir:-/}"
}

# called by dracut
installkernel() {
	local drivers
	drivers=$(cloudmove_profile_drivers)
	# hostonly='': install them even when the image is built hostonly, since
	# the next boot may be in another cloud.
	# shellcheck disable=SC2086
	hostonly='' instmods $cloudmove_cloud_drivers $drivers
	# A move mounts the root's ESP (vfat) to give the image its removable
	# loader (agent/src/adapt/esp.h)
	hostonly='' instmods vfat nls_cp437 nls_ascii nls_utf8 nls_iso8859-1
	return 0	# a missing driver must never fail the initramfs build
}

# The CA bundle: cloudmove_ca_bundle from the first of cloudmove_ca_sources
# (hooks/cloudmove-drivers.sh) the host has.
cloudmove_install_ca() {
	local src
	for src in $cloudmove_ca_sources; do
		[[ -f ${dracutsysrootdir-}$src ]] || continue
		# dracut-install follows a symlinked source: the link goes in as
		# a link, its target beside it.
		inst "$src" "$cloudmove_ca_bundle" && return 0
	done
	dwarn "cloudmove: no CA bundle found (install ca-certificates); https to metadata and metering endpoints will fail to verify"
	return 0	# plain-http metadata still works
}

# called by dracut
install() {
	local agent
	agent=$(cloudmove_agent)

	if [[ ! -x ${dracutsysrootdir-}$agent ]]; then
		derror "cloudmove: agent '$agent' not found or not executable; module not installed"
		return 1
	fi
	inst "$agent" /usr/bin/cloudmove
	cloudmove_install_ca
	# coreutils timeout bounds the agent; cloudmove-run.sh falls back to a
	# shell watchdog when it is absent.  sync before a move's poweroff,
	# setsid for the rescue shell of a failed move (without systemd); both
	# optional too.
	inst_multiple -o timeout sync setsid
	inst_simple "$moddir/cloudmove-run.sh" /usr/lib/cloudmove/cloudmove-run.sh
	chmod 0755 "$initdir/usr/lib/cloudmove/cloudmove-run.sh"

	if dracut_module_included "systemd"; then
		inst_simple "$moddir/cloudmove.service" "$systemdsystemunitdir/cloudmove.service"
		inst_simple "$moddir/cloudmove-move.service" "$systemdsystemunitdir/cloudmove-move.service"
		$SYSTEMCTL -q --root "$initdir" add-wants initrd.target cloudmove.service
		$SYSTEMCTL -q --root "$initdir" add-wants initrd.target cloudmove-move.service
	else
		inst_hook pre-pivot 50 "$moddir/cloudmove-pre-pivot.sh"
	fi
}
