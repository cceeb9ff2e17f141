#!/bin/bash
# images/initramfs.sh — build an initramfs with the real dracut and our module.
#
# Usage: images/initramfs.sh AGENT OUT [--systemd]
#   AGENT      agent binary, installed as /usr/bin/cloudmove
#   OUT        where to write the initramfs (copied from the cache)
#   --systemd  systemd-initrd flavour (default: dracut's shell init)
# Prints OUT.  The image is for the kernel of images/kernel.sh (or the one in
# $CLOUDMOVE_KERNEL_DIR), non-hostonly, minimal: only the dracut modules and
# drivers below, so it boots any of the test disks (virtio-blk, virtio-scsi,
# NVMe, IDE, AHCI) with an ext4 root.
#
# /usr/lib/dracut is not touched: its basedir is copied into the build
# directory, dracut-module/install.sh adds modules.d/90cloudmove there, and
# dracut runs with dracutbasedir pointing at the copy.  Host configuration
# (/etc/dracut.conf*) is ignored.
set -euo pipefail
# shellcheck source=images/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cm_need dracut lsinitrd

usage() { echo "usage: $0 AGENT OUT [--systemd]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 3 ] || usage
agent=$1 out=$2 flavour=dracut
case ${3-} in
"") ;;
--systemd) flavour=systemd ;;
*) usage ;;
esac
[ -f "$agent" ] && [ -x "$agent" ] || cm_die "agent '$agent' is not an executable file"
agent=$(realpath "$agent")

kdir=${CLOUDMOVE_KERNEL_DIR:-$("$CM_TOP/images/kernel.sh")}
kver=$(cat "$kdir/kver")
sysbase=/usr/lib/dracut
dracut_version=$({ dracut --version 2>/dev/null || :; } | awk '{ print $2 }')

case $flavour in
dracut) modules="base rootfs-block kernel-modules cloudmove" ;;
systemd) modules="systemd systemd-initrd dracut-systemd base rootfs-block kernel-modules cloudmove" ;;
esac
drivers="virtio_pci virtio_blk virtio_scsi nvme sd_mod sr_mod ata_piix ahci ext4 crc32c_generic"

build() {
	local tmp=$1 base=$1/dracut img=$1/initramfs.img
	cm_log "dracut $dracut_version ($flavour flavour), kernel $kver, agent $agent"
	cp -a "$sysbase" "$base"
	rm -rf "$base/modules.d/90cloudmove"
	"$CM_TOP/dracut-module/install.sh" "$base/modules.d"
	mkdir -p "$tmp/conf.d" "$tmp/work"
	if ! CLOUDMOVE_AGENT=$agent dracutbasedir=$base dracut \
		--conf /dev/null --confdir "$tmp/conf.d" --tmpdir "$tmp/work" \
		--force --no-hostonly --no-hostonly-cmdline --no-early-microcode \
		--kmoddir "$kdir/modules/lib/modules/$kver" \
		--modules "$modules" --drivers "$drivers" --compress "zstd -q -3 -T0" \
		"$img" "$kver" >"$tmp/dracut.log" 2>&1; then
		tail -n 30 "$tmp/dracut.log" >&2
		cm_die "dracut failed (log above)"
	fi
	# dracut ignores a failing module install(): make sure ours is in.
	dracutbasedir=$base lsinitrd "$img" >"$tmp/contents"
	grep -q ' usr/bin/cloudmove$' "$tmp/contents" ||
		cm_die "usr/bin/cloudmove missing from the initramfs (see $tmp/dracut.log)"
	rm -rf "$base" "$tmp/conf.d" "$tmp/work"
	cm_log "initramfs $(($(stat -c %s "$img") / 1024)) KiB"
}

key=$(cm_key "${BASH_SOURCE[0]}" "$CM_TOP/dracut-module" "$CM_TOP/hooks" "$agent" \
	-- "$flavour" "${kdir##*/}" "$kver" "$dracut_version")
dir=$(cm_cached "initramfs-$flavour" "$key" build)
mkdir -p "$(dirname "$out")"
cp "$dir/initramfs.img" "$out.tmp.$$"
mv -f "$out.tmp.$$" "$out"
printf '%s\n' "$out"
