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

# Storage and network drivers of every cloud we move between: the floor,
# what a distribution reviewer sees.  agent/tests/run-install.sh checks that
# it covers every built-in profile's storage_drivers and net_drivers
# (agent/src/clouds/*.c), so it holds even when the agent cannot run here
# (another architecture).  Names missing from the kernel are skipped
# (instmods is optional without -c).
cloudmove_cloud_drivers="
	nvme xen-blkfront hv_vmbus hv_storvsc sd_mod ahci
	virtio_pci virtio_blk virtio_scsi vmw_pvscsi
	ena ixgbevf gve virtio_net xen-netfront hv_netvsc mana
	mlx4_en mlx5_core vmxnet3 e1000 e1000e
"

# The storage and network drivers the agent's own target profiles name: the
# built-in ones and the host's /etc/cloudmove/profiles.d, so a user's profile
# for another cloud brings its drivers along.  One name a line; nothing when
# the agent cannot run.
cloudmove_profile_drivers() {
	local agent root=${dracutsysrootdir:-/} cloud
	agent=${dracutsysrootdir-}$(cloudmove_agent)
	[[ -x $agent ]] || return 0
	# "profiles list": a header line, then "ID TITLE... SOURCE";
	# "profiles show ID": "  storage drivers:     a b" ("-" when none).
	# Bounded: an agent that hangs must not hang the initramfs build.
	for cloud in $(timeout 10 "$agent" profiles list --root "$root" 2>/dev/null | awk 'NR > 1 { print $1 }'); do
		timeout 10 "$agent" profiles show "$cloud" --root "$root" 2>/dev/null |
			awk '/^  (storage|network) drivers:/ {
				for (i = 3; i <= NF; i++) print $i }'
	done | grep -E '^[A-Za-z0-9][A-Za-z0-9_-]*$' | sort -u
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

# The TLS trust store for the agent's libcurl + mbedTLS: it reads the bundle
# at the path it was built with (agent/deps/build-deps.sh:
# --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt, no CA path, no
# fallback), so the host's bundle goes there whatever the host calls it.
cloudmove_ca_bundle=/etc/ssl/certs/ca-certificates.crt
cloudmove_ca_sources="
	/etc/ssl/certs/ca-certificates.crt
	/etc/pki/tls/certs/ca-bundle.crt
	/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem
	/etc/ssl/ca-bundle.pem
	/etc/ssl/cert.pem
"
# (Debian/Ubuntu/Arch; RHEL/Fedora; RHEL's extracted file; SUSE; Alpine/BSDs.)

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
