#!/bin/bash
# images/initramfs.sh — build an initramfs with the real dracut and our module,
# or with the real initramfs-tools and our hook.
#
# Usage: images/initramfs.sh AGENT OUT [--systemd|--itools]
#   AGENT      agent binary, installed as /usr/bin/cloudmove
#   OUT        where to write the initramfs (copied from the cache)
#   --systemd  systemd-initrd flavour (default: dracut's shell init)
#   --itools   initramfs-tools' mkinitramfs (Debian's own), with
#              initramfs-tools/hooks/cloudmove and scripts/local-bottom/cloudmove
#              as initramfs-tools/install.sh installs them, from the test
#              root's own kernel modules (the kernel's of images/kernel.sh)
# Prints OUT.  The image is for the kernel of images/kernel.sh (or the one in
# $CLOUDMOVE_KERNEL_DIR), non-hostonly, minimal: only the dracut modules and
# drivers below, so it boots any of the test disks (virtio-blk, virtio-scsi,
# NVMe, IDE, AHCI) with an ext4 root.
#
# initramfs-tools: nothing of the host's is touched either.  A private
# configuration directory (mkinitramfs -d: MODULES=list, the drivers below
# in its modules file, our hook and script in its hooks/ and scripts/, which
# mkinitramfs runs and copies like /usr/share/initramfs-tools') and, in a
# private mount namespace, an overlay over /usr/lib holding modules/<kver>
# (mkinitramfs reads /lib/modules/<kver>, nothing else) and a /boot holding
# the kernel's config (it checks the compressor against it).  Root only.
#
# /usr/lib/dracut is not touched: its basedir is copied into the build
# directory, dracut-module/install.sh adds modules.d/90cloudmove there, and
# dracut runs with dracutbasedir pointing at the copy.  Host configuration
# (/etc/dracut.conf*) is ignored.
set -euo pipefail
# shellcheck source=images/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

usage() { echo "usage: $0 AGENT OUT [--systemd|--itools]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 3 ] || usage
agent=$1 out=$2 flavour=dracut
case ${3-} in
"") ;;
--systemd) flavour=systemd ;;
--itools) flavour=itools ;;
*) usage ;;
esac
if [ "$flavour" = itools ]; then
	cm_need mkinitramfs lsinitramfs unshare
else
	cm_need dracut lsinitrd
fi
[ -f "$agent" ] && [ -x "$agent" ] || cm_die "agent '$agent' is not an executable file"
agent=$(realpath "$agent")

kdir=${CLOUDMOVE_KERNEL_DIR:-$("$CM_TOP/images/kernel.sh")}
kver=$(cat "$kdir/kver")
sysbase=/usr/lib/dracut
dracut_version=$({ dracut --version 2>/dev/null || :; } | awk '{ print $2 }')
itools_version=$(dpkg-query -W -f '${Version}' initramfs-tools-core 2>/dev/null || :)

case $flavour in
dracut) modules="base rootfs-block kernel-modules cloudmove" ;;
systemd) modules="systemd systemd-initrd dracut-systemd base rootfs-block kernel-modules cloudmove" ;;
itools) modules= ;;
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

# build_itools TMP — mkinitramfs with a private configuration (above).
build_itools() {
	local tmp=$1 conf=$1/conf stage=$1/stage img=$1/initramfs.img d
	cm_log "initramfs-tools $itools_version, kernel $kver, agent $agent"
	"$CM_TOP/initramfs-tools/install.sh" "$stage" "$agent"
	mkdir -p "$conf/conf.d" "$conf/hooks" "$conf/scripts/local-bottom" "$tmp/ns"
	# Debian's defaults but MODULES=list: the image holds the rig's disk
	# drivers and what our hook adds, nothing else (small, quick to boot).
	cat >"$conf/initramfs.conf" <<-EOF
		MODULES=list
		BUSYBOX=auto
		COMPRESS=zstd
		COMPRESSLEVEL=3
		DEVICE=
		NFSROOT=auto
		RUNSIZE=10%
		FSTYPE=auto
	EOF
	for d in $drivers; do echo "$d"; done >"$conf/modules"
	cp "$stage/usr/share/initramfs-tools/hooks/cloudmove" "$conf/hooks/"
	cp "$stage/usr/share/initramfs-tools/scripts/local-bottom/cloudmove" "$conf/scripts/local-bottom/"
	if ! CLOUDMOVE_SHARE=$stage/usr/share/cloudmove unshare -m --propagation private sh -ec '
		mount -t tmpfs cm-initramfs "$1"
		mkdir "$1/u" "$1/w"
		mount -t overlay cm-initramfs -o "lowerdir=/usr/lib,upperdir=$1/u,workdir=$1/w" /usr/lib
		mkdir -p "/usr/lib/modules/$2"
		mount --bind "$3" "/usr/lib/modules/$2"
		mount -t tmpfs cm-initramfs /boot
		cp "$3/../../../../config" "/boot/config-$2"
		exec mkinitramfs -d "$4" -o "$5" "$2"' sh \
		"$tmp/ns" "$kver" "$kdir/modules/lib/modules/$kver" "$conf" "$img" \
		>"$tmp/mkinitramfs.log" 2>&1; then
		tail -n 30 "$tmp/mkinitramfs.log" >&2
		cm_die "mkinitramfs failed (log above)"
	fi
	lsinitramfs "$img" >"$tmp/contents"
	grep -qx 'usr/bin/cloudmove' "$tmp/contents" ||
		cm_die "usr/bin/cloudmove missing from the initramfs (see $tmp/mkinitramfs.log)"
	rm -rf "$conf" "$stage" "$tmp/ns"
	cm_log "initramfs $(($(stat -c %s "$img") / 1024)) KiB"
}

if [ "$flavour" = itools ]; then
	key=$(cm_key "${BASH_SOURCE[0]}" "$CM_TOP/initramfs-tools" "$CM_TOP/hooks" "$agent" \
		-- "$flavour" "${kdir##*/}" "$kver" "$itools_version")
	dir=$(cm_cached "initramfs-$flavour" "$key" build_itools)
else
	key=$(cm_key "${BASH_SOURCE[0]}" "$CM_TOP/dracut-module" "$CM_TOP/hooks" "$agent" \
		-- "$flavour" "${kdir##*/}" "$kver" "$dracut_version")
	dir=$(cm_cached "initramfs-$flavour" "$key" build)
fi
mkdir -p "$(dirname "$out")"
cp "$dir/initramfs.img" "$out.tmp.$$"
mv -f "$out.tmp.$$" "$out"
printf '%s\n' "$out"
