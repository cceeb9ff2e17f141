#!/bin/bash
# images/debootstrap.sh — a Debian 12 (bookworm) minbase root with systemd,
# kept as a tarball in the cache so that images/root.sh only has to assemble.
#
# Usage: images/debootstrap.sh       prints the cache directory, holding
#   rootfs.tar.zst                   the root (numeric owners, xattrs)
#   packages                         dpkg -l of the result
#
# Env: CLOUDMOVE_MIRROR (default http://deb.debian.org/debian),
#      CLOUDMOVE_CACHE.
# Needs: debootstrap, zstd, tar. Runs as root (debootstrap chroots).
set -euo pipefail
# shellcheck source=images/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cm_need debootstrap zstd tar

suite=bookworm
mirror=${CLOUDMOVE_MIRROR:-http://deb.debian.org/debian}
# What later work needs in a "real Debian with systemd": init, udev, the
# ifupdown network stack that adapt/network.c rewrites, mkfs/fsck, modprobe.
include=systemd-sysv,udev,ifupdown,iproute2,e2fsprogs,kmod,dracut

build() {
	local out=$1 dir=$1/root
	[ "$(id -u)" = 0 ] || cm_die "debootstrap needs root"
	cm_log "debootstrap --variant=minbase $suite (+$include) from $mirror"
	if ! debootstrap --variant=minbase --include="$include" \
		"$suite" "$dir" "$mirror" >"$out/debootstrap.log" 2>&1; then
		tail -n 20 "$out/debootstrap.log" >&2
		cm_die "debootstrap failed (log above)"
	fi
	# debootstrap leaves the downloaded .debs and apt lists behind: drop them.
	rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*_Packages
	chroot "$dir" dpkg-query -W -f '${Package} ${Version}\n' >"$out/packages"
	cm_log "packing ($(du -sm "$dir" | cut -f1) MB)"
	tar -C "$dir" --numeric-owner --xattrs --xattrs-include='*' -cf - . |
		zstd -q -T0 -3 -o "$out/rootfs.tar.zst"
	rm -rf "$dir" "$out/debootstrap.log"
}

cm_cached debootstrap "$(cm_key "${BASH_SOURCE[0]}" -- "$suite" "$mirror" "$include")" build
