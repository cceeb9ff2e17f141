#!/bin/bash
# run-esp.sh CLOUDMOVE — the removable-media loader a move gives its image,
# on a real FAT (mkfs.vfat, mtools) and a real `cloudmove migrate`: a GPT
# disk with an EFI system partition holding Debian's shim layout
# (EFI/debian/shimx64.efi, grubx64.efi, mmx64.efi, grub.cfg; no
# EFI/BOOT) and the aws-debian12 root with the ESP at /boot/efi.
#   1. the move: the plan says "esp /boot/efi/EFI/BOOT/BOOTX64.EFI: copy
#      of EFI/debian/shimx64.efi: firmware that has never seen this disk
#      boots it"; the image's ESP holds EFI/BOOT/BOOTX64.EFI (shim's bytes)
#      with grubx64.efi, mmx64.efi and grub.cfg beside it; the source's
#      ESP is as it was (no EFI/BOOT), file for file.
#   2. killed after the adaptation: the ESP has the loader; the next
#      `cloudmove boot` undoes the move, the ESP included.
#   3. an ESP that has the fallback already: nothing added, no esp line.
#   4. an ESP the move cannot find (fstab names a UUID no device of the
#      root's disk has): a warning, the move goes on, the image's ESP as
#      the source's.
# Partition device nodes need udev, which containers lack: the ESP is on a
# loop device of its own, mounted at the root's /boot/efi as on a running
# system (cases 1-3; the initramfs path, where the agent mounts it from
# fstab, is qemu-tests' mvk-uefi-removable).
# Needs root (losetup, mount).  Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-esp.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp
loop='' part='' esp='' mnt=$tmp/mnt
cleanup() {
	mountpoint -q "$mnt/boot/efi" && umount_esp
	mountpoint -q "$mnt" && umount "$mnt"
	[ -n "$esp" ] && losetup -d "$esp"
	[ -n "$part" ] && losetup -d "$part"
	[ -n "$loop" ] && losetup -d "$loop"
}
suite_on_exit cleanup
source_machine=(--detect-root "$here/detect/kvm-qemu-q35-fedora/root")

if [ "$(id -u)" != 0 ] || ! losetup -f >/dev/null 2>&1; then
	echo "skip: needs root and loop devices"
	suite_end
fi
if ! command -v mkfs.vfat >/dev/null || ! command -v mcopy >/dev/null; then
	echo "skip: mkfs.vfat (dosfstools) or mcopy (mtools) missing"
	suite_end
fi
export MTOOLS_SKIP_CHECK=1
# The kernel's vfat where there is one, else fusefat (FUSE; Debian package
# fusefat): the ESP mounted as a running system has it.
if grep -qw vfat /proc/filesystems || modprobe -q vfat 2>/dev/null; then
	esp_fs=vfat
	mount_esp() { mount -t vfat -o umask=0077 "$esp" "$mnt/boot/efi"; }
	umount_esp() { umount "$mnt/boot/efi"; }
elif command -v fusefat >/dev/null && [ -e /dev/fuse ]; then
	esp_fs=fusefat
	mount_esp() { fusefat -o rw+ "$esp" "$mnt/boot/efi" >/dev/null; }
	umount_esp() { umount "$mnt/boot/efi"; }
else
	echo "skip: no vfat in this kernel and no fusefat"
	suite_end
fi

# The disk: GPT, partition 1 the ESP (16 MiB at 1 MiB), partition 2 the
# root (40 MiB at 17 MiB).
ESP_OFF=$((2048 * 512)) ROOT_OFF=$((17 * 1048576))
disk=$tmp/disk.img
truncate -s 64M "$disk"
sfdisk -q "$disk" <<-EOF
	label: gpt
	start=2048, size=32768, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
	start=34816, size=81920, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4
EOF
make_esp() {	# LOADERS... : a fresh ESP with EFI/debian/<each>
	local f
	mkfs.vfat -n ESP -i c10d0e15 -C "$tmp/esp.vfat" 16384 >/dev/null
	mmd -i "$tmp/esp.vfat" ::/EFI ::/EFI/debian
	for f in "$@"; do
		case $f in
		BOOT/*)	mmd -i "$tmp/esp.vfat" ::/EFI/BOOT
			printf 'MZ fallback already there\n' >"$tmp/fallback.efi"
			mcopy -i "$tmp/esp.vfat" "$tmp/fallback.efi" "::/EFI/$f" ;;
		*)	printf 'MZ %s of the test ESP\n' "$f" >"$tmp/$f"
			mcopy -i "$tmp/esp.vfat" "$tmp/$f" "::/EFI/debian/$f" ;;
		esac
	done
	dd if="$tmp/esp.vfat" of="$disk" bs=1M seek=1 conv=notrunc status=none
	rm -f "$tmp/esp.vfat"
	# the loop devices' caches forget what the file held before
	for f in ${esp:+"$esp"} ${loop:+"$loop"}; do blockdev --flushbufs "$f"; done
}
make_esp shimx64.efi grubx64.efi mmx64.efi grub.cfg
mkdir -p "$tmp/rootsrc"
cp -a "$here/adapt/aws-debian12/root/." "$tmp/rootsrc/"
mkdir -p "$tmp/rootsrc/boot/efi"
printf 'UUID=C10D-0E15\t/boot/efi\tvfat\tumask=0077\t0\t1\n' >>"$tmp/rootsrc/etc/fstab"
mkfs.ext4 -q -F -E offset=$ROOT_OFF -L root -d "$tmp/rootsrc" "$disk" 40M

loop=$(losetup -f --show -r "$disk")
part=$(losetup -f --show -o $ROOT_OFF --sizelimit $((40 << 20)) "$disk")
esp=$(losetup -f --show -o $ESP_OFF --sizelimit $((16 << 20)) "$disk")
mkdir -p "$mnt" "$tmp/out"
mount -o ro "$part" "$mnt"

esp_list() {	# DISKFILE: every file of its ESP with its sha256
	local d
	d=$(mktemp -d "$tmp/l.XXXXXX")
	mcopy -s -n -i "$1@@$ESP_OFF" '::/*' "$d/" 2>/dev/null
	(cd "$d" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum
	 find . -mindepth 1 -type d | LC_ALL=C sort)
	rm -rf "$d"
}
boot_source() {
	printf 'quiet\n' >"$tmp/cmdline"
	"$bin" boot --root "$mnt" --cmdline "$tmp/cmdline" \
		--metadata-endpoint 127.0.0.1:9 "${source_machine[@]}" >"$tmp/boot.out" 2>&1
}
migrate() {	# DEST [OPTIONS...] -> $rc, $tmp/m.out
	local dest=$1
	shift
	"$bin" migrate --root "$mnt" --source "$loop" --target gcp --dest "$dest" --progress=none \
		"${source_machine[@]}" "$@" >"$tmp/m.out" 2>&1
	rc=$?
}
image_esp() {	# the image's ESP listing -> $tmp/img.list
	rm -f "$tmp/out/disk.raw"
	(cd "$tmp/out" && tar -xzf disk.tar.gz disk.raw) &&
		esp_list "$tmp/out/disk.raw" >"$tmp/img.list"
}

# 1. the move adds the removable loader to the image, not to the source
mount_esp
boot_source
sync
before=$(esp_list "$disk")
migrate "file://$tmp/out/disk.tar.gz"
# (case-blind: fusefat shows FAT's 8.3 names, upper case)
if [ $rc -eq 0 ] &&
   grep -qix 'cloudmove:   esp /boot/efi/EFI/BOOT/BOOTX64.EFI: copy of EFI/debian/shimx64.efi: firmware that has never seen this disk boots it' "$tmp/m.out" &&
   grep -qix 'cloudmove:   esp /boot/efi/EFI/BOOT/grubx64.efi: copy of EFI/debian/grubx64.efi: what EFI/BOOT/BOOTX64.EFI loads from beside itself' "$tmp/m.out"; then
	ok "migrate: the plan adds EFI/BOOT/BOOTX64.EFI (copy of shimx64.efi) and grubx64.efi beside it"
else
	fail "migrate plan" "rc=$rc $(cat "$tmp/m.out")"
fi
image_esp
shim_sum=$(sha256sum <"$tmp/shimx64.efi" | cut -d' ' -f1)
grub_sum=$(sha256sum <"$tmp/grubx64.efi" | cut -d' ' -f1)
if [ "$esp_fs" = fusefat ]; then
	# fusefat keeps its writes until it is unmounted: the stream, which
	# reads the disk under it, cannot see them (the kernel's vfat writes
	# them through on fsync, as the transaction asks)
	skip "the image's ESP content" "fusefat (no vfat in this kernel) does not write through"
elif grep -qx "$shim_sum  ./EFI/BOOT/BOOTX64.EFI" "$tmp/img.list" &&
   grep -qx "$grub_sum  ./EFI/BOOT/grubx64.efi" "$tmp/img.list" &&
   grep -q '  ./EFI/BOOT/mmx64.efi$' "$tmp/img.list" && grep -q '  ./EFI/BOOT/grub.cfg$' "$tmp/img.list"; then
	ok "the image's ESP: EFI/BOOT/BOOTX64.EFI is shim, grubx64.efi, mmx64.efi and grub.cfg beside it"
else
	fail "image ESP" "$(tr '\n' '|' <"$tmp/img.list")"
fi
sync
after=$(esp_list "$disk")
if [ "$before" = "$after" ] && [ ! -e "$mnt/boot/efi/EFI/BOOT" ] && ! grep -q BOOT <<<"$after"; then
	ok "the source's ESP is as it was, file for file (no EFI/BOOT)"
else
	fail "source ESP" "$(diff <(echo "$before") <(echo "$after") | tr '\n' '|')"
fi
mountpoint -q "$mnt/boot/efi" && ok "the ESP mounted by the system stays mounted" ||
	fail "ESP mount" "unmounted by the move"

# 2. killed once the image is adapted: the ESP has the loader, the next
# boot takes it off with the rest
CM_MOVE_CRASH_AT=adapted migrate "file://$tmp/out/c.tar.gz"
if [ $rc -eq 137 ] && [ -e "$mnt/boot/efi/EFI/BOOT/BOOTX64.EFI" ]; then
	boot_source
	sync
	if grep -q "an interrupted move to gcp was undone" "$tmp/boot.out" &&
	   [ "$(esp_list "$disk")" = "$before" ]; then
		ok "killed after the adaptation: the next boot undoes the move, the ESP's loader included"
	else
		fail "crash undo" "$(cat "$tmp/boot.out") $(esp_list "$disk" | tr '\n' '|')"
	fi
else
	fail "crash" "rc=$rc $(ls -R "$mnt/boot/efi" | tr '\n' ' ') $(tail -3 "$tmp/m.out")"
fi
rm -f "$tmp/out/"c.tar.gz*

# 3. the fallback there already: nothing to add
umount_esp
make_esp shimx64.efi grubx64.efi BOOT/BOOTX64.EFI
mount_esp
migrate "file://$tmp/out/disk.tar.gz"
image_esp
if [ $rc -eq 0 ] && ! grep -q '^cloudmove:   esp ' "$tmp/m.out" &&
   [ "$(grep -ic EFI/BOOT/ "$tmp/img.list")" = 1 ]; then
	ok "EFI/BOOT/BOOTX64.EFI there already: nothing added"
else
	fail "fallback there" "rc=$rc $(grep esp "$tmp/m.out") $(tr '\n' '|' <"$tmp/img.list")"
fi

# 4. the ESP not found on the root's disk: said, left alone, moved anyway
umount_esp
make_esp shimx64.efi grubx64.efi
migrate "file://$tmp/out/disk.tar.gz"
image_esp
if [ $rc -eq 0 ] && grep -q 'esp: .* (fstab /boot/efi) .*: the ESP is left alone' "$tmp/m.out" &&
   ! grep -q '^cloudmove:   esp ' "$tmp/m.out" && ! grep -q EFI/BOOT "$tmp/img.list" &&
   ! mountpoint -q "$mnt/boot/efi"; then
	ok "no ESP on the root's disk: a warning, the move goes on, nothing mounted"
else
	fail "ESP not found" "rc=$rc $(cat "$tmp/m.out")"
fi
suite_end
