#!/bin/bash
# images/kernel.sh — fetch the Debian 12 kernel that linux-image-amd64 depends
# on today, unpacked and depmod'ed, into the cache.
#
# Usage: images/kernel.sh            prints the cache directory, holding
#   vmlinuz                          the kernel (bzImage)
#   vmlinux                          the same, uncompressed ELF: QEMU boots it
#                                    through its PVH entry, which skips the
#                                    ~5 s of decompression under TCG (absent
#                                    if it cannot be extracted)
#   kver                             its version string (e.g. 6.1.0-56-amd64)
#   modules/lib/modules/<kver>/      its modules, depmod'ed (dracut --kmoddir)
#   config, System.map
#
# Env: CLOUDMOVE_KERNEL_PKG=linux-image-6.1.0-NN-amd64 pins the package;
#      CLOUDMOVE_CACHE moves the cache (default <repo>/.cache).
# Needs: apt (with "apt-get update" done once), dpkg-deb, depmod (kmod).
set -euo pipefail
# shellcheck source=images/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cm_need apt-get apt-cache dpkg-deb depmod

# One apt-cache call (~1 s here: this machine keeps no pkgcache.bin):
# the metapackage's Depends names the image package with its exact version.
if [ -n "${CLOUDMOVE_KERNEL_PKG-}" ]; then
	pkg=$CLOUDMOVE_KERNEL_PKG
	ver=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null |
		awk '$1 == "Version:" { print $2; exit }')
else
	read -r pkg ver < <(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" { gsub(/[()=,]/, " "); print $2, $3; exit }') || :
fi
if [ -z "${pkg-}" ] || [ -z "${ver-}" ]; then
	# No apt lists (fresh machine, or cleaned): a cached kernel will do.
	last=$(ls -1dt "$CM_CACHE"/kernel-* 2>/dev/null | head -n 1) || :
	[ -n "$last" ] || cm_die "cannot resolve the kernel package (run 'apt-get update' once)"
	cm_log "apt cannot resolve linux-image-amd64; using the cached $(cat "$last/package")"
	printf '%s\n' "$last"
	exit 0
fi

# extract_vmlinux BZIMAGE OUT — the kernel's own scripts/extract-vmlinux,
# for the xz and zstd payloads Debian uses; OUT must be an ELF with the PVH
# note (CONFIG_PVH).
extract_vmlinux() {
	local bz=$1 out=$2 magic dec off
	for magic in '\xfd7zXZ\x00:xz -dc' '\x28\xb5\x2f\xfd:zstd -dc'; do
		dec=${magic#*:}
		for off in $(LC_ALL=C grep -obUaP "${magic%%:*}" "$bz" | cut -d: -f1); do
			tail -c "+$((off + 1))" "$bz" | $dec >"$out" 2>/dev/null || :
			if [ "$(head -c 4 "$out" 2>/dev/null)" = $'\x7fELF' ] &&
				readelf -n "$out" 2>/dev/null | grep -q 'Xen.*0x00000012'; then
				return 0
			fi
		done
	done
	rm -f "$out"
	return 1
}

build() {
	local out=$1 kver
	cm_log "downloading $pkg=$ver"
	(cd "$out" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >/dev/null)
	cm_log "unpacking"
	dpkg-deb -x "$out"/*.deb "$out/x"
	rm -f "$out"/*.deb
	kver=$(ls "$out/x/lib/modules")
	[ -f "$out/x/boot/vmlinuz-$kver" ] || cm_die "no vmlinuz-$kver in $pkg"
	mv "$out/x/boot/vmlinuz-$kver" "$out/vmlinuz"
	mv "$out/x/boot/config-$kver" "$out/config"
	mv "$out/x/boot/System.map-$kver" "$out/System.map"
	mkdir -p "$out/modules/lib/modules"
	mv "$out/x/lib/modules/$kver" "$out/modules/lib/modules/"
	rm -rf "$out/x"
	cm_log "depmod $kver"
	depmod -b "$out/modules" "$kver"
	extract_vmlinux "$out/vmlinuz" "$out/vmlinux" ||
		cm_log "no vmlinux extracted (tests will boot the bzImage)"
	printf '%s\n' "$kver" >"$out/kver"
	printf '%s=%s\n' "$pkg" "$ver" >"$out/package"
}

cm_cached kernel "$(cm_key "${BASH_SOURCE[0]}" -- "$pkg" "$ver")" build
