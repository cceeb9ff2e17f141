#!/bin/bash
# shellcheck disable=SC2154 # moddir, initdir, systemdsystemunitdir, SYSTEMCTL: set by dracut
# dracut module "cloudmove": puts the cloudmove agent into the initramfs and
# runs "cloudmove detect" once the root is mounted, before switch-root.
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
#
# Env: CLOUDMOVE_AGENT = the agent binary to install as /usr/bin/cloudmove
# (default /usr/sbin/cloudmove, where the package installs it).

# called by dracut
check() {
	# Always included when asked for, hostonly or not: the whole point is
	# to boot on a machine other than the one the initramfs was built on.
	return 0
}

# called by dracut
depends() {
	# Nothing: in particular no network module.  Detection with metadata
	# brings its own interface up later; boot must not wait for a network.
	return 0
}

# Storage and network drivers of every cloud we move between.  Installed even
# in hostonly mode (hostonly='') since the next boot may be in another cloud.
# Names missing from the kernel are skipped silently (instmods is optional).
cloudmove_cloud_drivers="
	nvme ena gve
	virtio_blk virtio_scsi virtio_net virtio_pci
	xen-blkfront xen-netfront
	hv_vmbus hv_storvsc hv_netvsc
	vmw_pvscsi vmxnet3 e1000 e1000e
"

# called by dracut
installkernel() {
	# shellcheck disable=SC2086
	hostonly='' instmods $cloudmove_cloud_drivers
	return 0	# a missing driver must never fail the initramfs build
}

# called by dracut
install() {
	local agent=${CLOUDMOVE_AGENT:-/usr/sbin/cloudmove}

	if [[ ! -x $agent ]]; then
		derror "cloudmove: agent '$agent' not found or not executable; module not installed"
		return 1
	fi
	inst_simple "$agent" /usr/bin/cloudmove
	# coreutils timeout bounds the agent; cloudmove-run.sh falls back to a
	# shell watchdog when it is absent.
	inst_multiple -o timeout
	inst_simple "$moddir/cloudmove-run.sh" /usr/lib/cloudmove/cloudmove-run.sh
	chmod 0755 "$initdir/usr/lib/cloudmove/cloudmove-run.sh"

	if dracut_module_included "systemd"; then
		inst_simple "$moddir/cloudmove.service" "$systemdsystemunitdir/cloudmove.service"
		$SYSTEMCTL -q --root "$initdir" add-wants initrd.target cloudmove.service
	else
		inst_hook pre-pivot 50 "$moddir/cloudmove-pre-pivot.sh"
	fi
}
