# shellcheck shell=sh disable=SC2034 # the variables are for the files sourcing this one
# cloudmove-drivers.sh — sourced (never run) by both initramfs integrations:
# the dracut module (dracut-module/90cloudmove/module-setup.sh, from its
# module directory) and the initramfs-tools hook (initramfs-tools/hooks/
# cloudmove, from /usr/share/cloudmove).  The one list of drivers an
# initramfs carries so that the next boot may be in any cloud, and where the
# CA bundle comes from.  POSIX sh:
# initramfs-tools runs its hooks with /bin/sh (dash).

# Storage and network drivers of every cloud we move between: the floor,
# what a distribution reviewer sees.  agent/tests/run-install.sh checks that
# it covers every built-in profile's storage_drivers and net_drivers
# (agent/src/clouds/*.c), so it holds even when the agent cannot run here
# (another architecture).  Names missing from the kernel are skipped.
cloudmove_cloud_drivers="
	nvme xen-blkfront hv_vmbus hv_storvsc sd_mod ahci
	virtio_pci virtio_blk virtio_scsi vmw_pvscsi
	ena ixgbevf gve virtio_net xen-netfront hv_netvsc mana
	mlx4_en mlx5_core vmxnet3 e1000 e1000e
"

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

# cloudmove_agent_drivers AGENT ROOT — the storage and network drivers the
# agent's own target profiles name: the built-in ones and ROOT's
# /etc/cloudmove/profiles.d, so a user's profile for another cloud brings
# its drivers along.  One name a line; nothing when AGENT cannot run.
cloudmove_agent_drivers() {
	[ -x "$1" ] || return 0
	# "profiles list": a header line, then "ID TITLE... SOURCE";
	# "profiles show ID": "  storage drivers:     a b" ("-" when none).
	# Bounded: an agent that hangs must not hang the initramfs build.
	for cm_cloud in $(timeout 10 "$1" profiles list --root "$2" 2>/dev/null | awk 'NR > 1 { print $1 }'); do
		timeout 10 "$1" profiles show "$cm_cloud" --root "$2" 2>/dev/null |
			awk '/^  (storage|network) drivers:/ {
				for (i = 3; i <= NF; i++) print $i }'
	done | grep -E '^[A-Za-z0-9][A-Za-z0-9_-]*$' | sort -u
}
