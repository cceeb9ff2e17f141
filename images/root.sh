#!/bin/bash
# images/root.sh — the test root disk: GPT, one ext4 partition holding a
# Debian 12 minbase with systemd (images/debootstrap.sh), the kernel and
# modules of images/kernel.sh, and the test harness of images/root-overlay/.
# No loop mounts: the file system is made with "mkfs.ext4 -d" straight into
# the partition's place in the disk image.
#
# Usage: images/root.sh              prints the cache directory, holding
#   root.img    raw disk (2 GiB, sparse): GPT, partition 1 = ext4 root
#   root.env    shell variables: ROOT_UUID ROOT_LABEL ROOT_PARTUUID KVER ...
#
# Boot it with the kernel of images/kernel.sh and an initramfs from
# images/initramfs.sh, and "root=UUID=$ROOT_UUID console=ttyS0", plus
#   init=/usr/local/sbin/cm-test-init   fast path: a sh script as PID 1 that
#                                       prints "CLOUDMOVE-TEST: root reached
#                                       fast ..." and powers off at once;
#   (nothing)                           full path: systemd to multi-user.target,
#                                       then cloudmove-test.service prints
#                                       "CLOUDMOVE-TEST: root reached
#                                       multi-user ..." and powers off.
#   cmtest.keep                         either path: do not power off.
# The root password is empty (login on the serial console).
set -euo pipefail
# shellcheck source=images/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cm_need mkfs.ext4 sfdisk zstd tar

# Fixed identities: tests and later recipes refer to them.
ROOT_LABEL=cmroot
ROOT_UUID=c10d0e00-5a7c-4e1d-8d2b-6f6f7e5a0001
ROOT_PARTUUID=c10d0e00-5a7c-4e1d-8d2b-6f6f7e5a0002
DISK_GUID=c10d0e00-5a7c-4e1d-8d2b-6f6f7e5a0000
DISK_MB=1024
PART_START_MB=1		# partition 1 from 1 MiB to the end (less the backup GPT)

overlay=$CM_TOP/images/root-overlay
kdir=${CLOUDMOVE_KERNEL_DIR:-$("$CM_TOP/images/kernel.sh")}
ddir=$("$CM_TOP/images/debootstrap.sh")
kver=$(cat "$kdir/kver")

build() {
	local out=$1 rootfs=$1/rootfs img=$1/root.img part_mb f
	cm_log "unpacking ${ddir##*/}"
	mkdir "$rootfs"
	zstd -q -dc "$ddir/rootfs.tar.zst" |
		tar -C "$rootfs" --numeric-owner --xattrs --xattrs-include='*' -xpf -

	cm_log "adding kernel $kver and its modules"
	mkdir -p "$rootfs/usr/lib/modules" "$rootfs/boot"
	cp -a "$kdir/modules/lib/modules/$kver" "$rootfs/usr/lib/modules/"
	cp "$kdir/vmlinuz" "$rootfs/boot/vmlinuz-$kver"
	cp "$kdir/config" "$rootfs/boot/config-$kver"

	cm_log "configuring"
	cat >"$rootfs/etc/fstab" <<-EOF
		# <file system>	<mount point>	<type>	<options>	<dump>	<pass>
		UUID=$ROOT_UUID	/	ext4	errors=remount-ro	0	1
	EOF
	echo cloudmove-test >"$rootfs/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tcloudmove-test\n' >"$rootfs/etc/hosts"
	sed -i 's/^root:[^:]*:/root::/' "$rootfs/etc/shadow"
	# Overlay: modes from the checkout's exec bit, owner root, whatever the umask.
	(cd "$overlay" && find . -type f) | while read -r f; do
		if [ -x "$overlay/$f" ]; then
			install -D -o 0 -g 0 -m 0755 "$overlay/$f" "$rootfs/$f"
		else
			install -D -o 0 -g 0 -m 0644 "$overlay/$f" "$rootfs/$f"
		fi
	done
	mkdir -p "$rootfs/etc/systemd/system/multi-user.target.wants"
	ln -sf /etc/systemd/system/cloudmove-test.service \
		"$rootfs/etc/systemd/system/multi-user.target.wants/cloudmove-test.service"

	cm_log "partitioning (GPT) and mkfs.ext4 -d"
	truncate -s "${DISK_MB}M" "$img"
	sfdisk -q "$img" <<-EOF
		label: gpt
		label-id: $DISK_GUID
		unit: sectors
		start=$((PART_START_MB * 2048)), size=$(((DISK_MB - PART_START_MB - 1) * 2048)), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=$ROOT_PARTUUID, name=$ROOT_LABEL
	EOF
	part_mb=$((DISK_MB - PART_START_MB - 1))
	mkfs.ext4 -q -F -L "$ROOT_LABEL" -U "$ROOT_UUID" -d "$rootfs" \
		-E "offset=$((PART_START_MB * 1048576)),root_owner=0:0" \
		"$img" "${part_mb}M"
	rm -rf "$rootfs"

	cat >"$out/root.env" <<-EOF
		ROOT_LABEL=$ROOT_LABEL
		ROOT_UUID=$ROOT_UUID
		ROOT_PARTUUID=$ROOT_PARTUUID
		DISK_GUID=$DISK_GUID
		KVER=$kver
		KERNEL_DIR=$kdir
	EOF
	cm_log "root.img: $(du -m "$img" | cut -f1) MB used of $DISK_MB MB"
}

key=$(cm_key "${BASH_SOURCE[0]}" "$overlay" -- "${kdir##*/}" "${ddir##*/}")
cm_cached root "$key" build
