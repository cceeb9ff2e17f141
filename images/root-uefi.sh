#!/bin/bash
# images/root-uefi.sh [--no-removable] — the test root of images/root.sh on a
# UEFI disk, laid out like Debian's cloud images: GPT, partition 15 the EFI
# system partition (FAT, 64 MiB at 1 MiB), partition 1 the same ext4 root
# (same UUIDs, copied block for block from root.img, sparse).
#
# The ESP holds what Debian's grub-install puts there:
#   EFI/debian/grubx64.efi   GRUB (grub-mkstandalone from grub-efi-amd64-bin:
#                            Debian's own build is signed for shim and wants
#                            its modules in /boot/grub, which the test root
#                            does not carry; a standalone image has them inside)
#   EFI/debian/grub.cfg      Debian's stub: find the root by UUID
#   EFI/BOOT/BOOTX64.EFI     the removable-media copy (grub-install
#                            --force-extra-removable; Debian's cloud images
#                            ship it) — left out with --no-removable: a disk
#                            only its own machine's boot entry can start
#                            (FuturFusion/migration-manager#372's case)
# and, for the test harness, cmboot/initrd.img (a 40 MiB placeholder, one
# contiguous run of clusters) and cmboot/grub.cfg (4 KiB): qemu-tests/lib.sh
# writes each boot's initramfs and kernel command line into them (qemu-io on
# the boot's overlay, at the byte offsets of uefi.env) — what -initrd and
# -append are to a BIOS boot.  GRUB loads the kernel from the root's /boot.
#
# Prints the cache directory, holding
#   root.img    raw disk, sparse
#   root.env    root.sh's variables, plus ROOT_PART_OFFSET (bytes),
#               FIRMWARE=uefi, ESP_OFFSET, CMBOOT_INITRD_OFFSET,
#               CMBOOT_INITRD_SIZE, CMBOOT_CFG_OFFSET, CMBOOT_CFG_SIZE
#               (bytes, from the disk's start)
set -euo pipefail
# shellcheck source=images/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cm_need mkfs.vfat mcopy mmd sfdisk grub-mkstandalone python3
[ -d /usr/lib/grub/x86_64-efi ] || cm_die "no /usr/lib/grub/x86_64-efi (Debian package grub-efi-amd64-bin)"

removable=1
[ "${1-}" = --no-removable ] && removable=0
rdir=$("$CM_TOP/images/root.sh")
# shellcheck disable=SC1091
. "$rdir/root.env"

ESP_PARTUUID=c10d0e00-5a7c-4e1d-8d2b-6f6f7e5a0015
ESP_MB=64
ROOT_START_MB=$((1 + ESP_MB))
ROOT_MB=1022		# root.sh: partition 1, 1 MiB .. 1023 MiB
INITRD_MAX=$((40 * 1048576))
CFG_MAX=4096

build() {
	local out=$1 img=$1/root.img esp=$1/esp.vfat w=$1/w off
	mkdir "$w"
	cm_log "grub-mkstandalone (x86_64-efi)"
	# The image's own config: the root by its UUID, then the boot's
	# command line and initramfs from the ESP's cmboot/ (written per boot).
	cat >"$w/embedded.cfg" <<-EOF
		search --no-floppy --fs-uuid --set=root $ROOT_UUID
		search --no-floppy --file --set=esp /cmboot/grub.cfg
		if [ -n "\$esp" ]; then source (\$esp)/cmboot/grub.cfg; fi
		echo "cloudmove-test: no cmboot/grub.cfg on the ESP"
	EOF
	grub-mkstandalone -O x86_64-efi -o "$w/grubx64.efi" \
		--modules="part_gpt fat ext2 search search_fs_uuid search_fs_file" \
		--install-modules="linux normal search search_fs_uuid search_fs_file search_label part_gpt ext2 fat configfile echo test gzio" \
		--locales= --fonts= --themes= \
		"boot/grub/grub.cfg=$w/embedded.cfg"
	printf 'search.fs_uuid %s root\nset prefix=($root)'"'"'/boot/grub'"'"'\nconfigfile $prefix/grub.cfg\n' \
		"$ROOT_UUID" >"$w/debian.cfg"

	cm_log "ESP: FAT, ${ESP_MB} MiB"
	# Placeholders first, into the empty file system: one contiguous run
	# each, found below by their marker.
	python3 - "$w/initrd.img" "$INITRD_MAX" "$w/grub.cfg" "$CFG_MAX" <<-'EOF'
		import sys
		for path, size, tag in ((sys.argv[1], int(sys.argv[2]), b"CMBOOT-INITRD"),
		                        (sys.argv[3], int(sys.argv[4]), b"CMBOOT-GRUBCFG")):
		    with open(path, "wb") as f:
		        f.write(b"#" + tag + b"-START" + b"\0" * (size - 2 * len(tag) - 12) + tag + b"-END\n")
	EOF
	mkfs.vfat -n ESP -i c10d0e15 -C "$esp" $((ESP_MB * 1024)) >/dev/null
	mmd -i "$esp" ::/cmboot ::/EFI ::/EFI/debian
	mcopy -i "$esp" "$w/initrd.img" ::/cmboot/initrd.img
	mcopy -i "$esp" "$w/grub.cfg" ::/cmboot/grub.cfg
	mcopy -i "$esp" "$w/grubx64.efi" ::/EFI/debian/grubx64.efi
	mcopy -i "$esp" "$w/debian.cfg" ::/EFI/debian/grub.cfg
	if [ "$removable" = 1 ]; then
		mmd -i "$esp" ::/EFI/BOOT
		mcopy -i "$esp" "$w/grubx64.efi" ::/EFI/BOOT/BOOTX64.EFI
	fi

	cm_log "disk: GPT, ESP = partition 15, root = partition 1 (from ${rdir##*/})"
	truncate -s "$(( (ROOT_START_MB + ROOT_MB + 1) * 1048576 ))" "$img"
	sfdisk -q "$img" <<-EOF
		label: gpt
		label-id: $DISK_GUID
		unit: sectors
		start=$((ROOT_START_MB * 2048)), size=$((ROOT_MB * 2048)), type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, uuid=$ROOT_PARTUUID, name=$ROOT_LABEL
		15 : start=2048, size=$((ESP_MB * 2048)), type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=$ESP_PARTUUID, name=ESP
	EOF
	dd if="$esp" of="$img" bs=1M seek=1 conv=notrunc,sparse status=none
	dd if="$rdir/root.img" of="$img" bs=1M skip=1 count=$ROOT_MB seek=$ROOT_START_MB \
		conv=notrunc,sparse status=none

	off=$(python3 - "$esp" <<-'EOF'
		import sys
		d = open(sys.argv[1], "rb").read()
		out = []
		for tag in (b"CMBOOT-INITRD", b"CMBOOT-GRUBCFG"):
		    s, e = d.find(b"#" + tag + b"-START"), d.find(tag + b"-END\n")
		    assert s >= 0 and e > s and d.find(b"#" + tag + b"-START", s + 1) < 0, tag
		    out.append("%d %d" % (s, e + len(tag) + 5 - s))
		print(" ".join(out))
	EOF
	)
	read -r io is co cs <<<"$off"
	[ "$is" = "$INITRD_MAX" ] && [ "$cs" = "$CFG_MAX" ] || cm_die "placeholders not contiguous ($off)"
	rm -rf "$w" "$esp"
	{
		cat "$rdir/root.env"
		echo "FIRMWARE=uefi"
		echo "ROOT_PART_OFFSET=$((ROOT_START_MB * 1048576))"
		echo "ESP_OFFSET=1048576"
		echo "ESP_REMOVABLE=$removable"
		echo "CMBOOT_INITRD_OFFSET=$((1048576 + io))"
		echo "CMBOOT_INITRD_SIZE=$is"
		echo "CMBOOT_CFG_OFFSET=$((1048576 + co))"
		echo "CMBOOT_CFG_SIZE=$cs"
	} >"$out/root.env"
	cm_log "root.img (uefi$([ "$removable" = 1 ] || echo ', no removable loader')): $(du -m "$img" | cut -f1) MB used"
}

key=$(cm_key "${BASH_SOURCE[0]}" -- "${rdir##*/}" "$removable" \
	"$(dpkg-query -W -f '${Version}' grub-efi-amd64-bin 2>/dev/null || echo unknown)")
name=root-uefi
[ "$removable" = 1 ] || name=root-uefi-nr
cm_cached "$name" "$key" build
