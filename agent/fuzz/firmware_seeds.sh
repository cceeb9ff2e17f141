#!/bin/bash
# firmware_seeds.sh OUTDIR — seeds for fuzz_firmware: small disks (about
# 50 KiB: the FAT12 is mkfs.vfat's smallest) whose ESP is a real FAT12 made
# by mkfs.vfat and filled by mtools (dosfstools, mtools), the partition
# tables written here (MBR; GPT with the fields cm_firmware_probe reads:
# the header's entry LBA, count and size, each entry's type and LBAs; no
# CRCs, which it does not check).  The loaders are minimal PE headers.
set -euo pipefail
out=${1:?usage: firmware_seeds.sh OUTDIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

pe() {	# pe MACHINE-HEX: 256 bytes, MZ, e_lfanew 0x40, PE\0\0, the machine
	python3 -c 'import struct, sys
b = bytearray(256); b[0:2] = b"MZ"; struct.pack_into("<I", b, 0x3c, 0x40)
b[0x40:0x44] = b"PE\0\0"; struct.pack_into("<H", b, 0x44, int(sys.argv[1], 16))
sys.stdout.buffer.write(b)' "$1"
}
fat() {	# fat FILE PE:PATH...: a 48 KiB FAT12 (mkfs.vfat's smallest) holding each PE at PATH
	local img=$1 f dir
	shift
	mkfs.vfat -s 1 -S 512 -r 16 -f 1 -R 1 -C "$img" 48 >/dev/null
	for f in "$@"; do
		dir=$(dirname "${f#*:}")
		mmd -D s -i "$img" "::/${dir%%/*}" 2>/dev/null || true
		mmd -D s -i "$img" "::/$dir" 2>/dev/null || true
		mcopy -i "$img" "${f%%:*}" "::/${f#*:}"
	done
}
# table OUT KIND BOOTCODE PARTS...: KIND mbr|gpt; PARTS "type:first:count"
# (mbr: a type byte in hex; gpt: esp|bios|linux); the FAT goes into the
# first esp partition.
table() {
	python3 - "$@" <<'PY'
import struct, sys, os
out, kind, bootcode, fatimg = sys.argv[1:5]
parts = [p.split(":") for p in sys.argv[5:]]
GUID = {"esp": bytes.fromhex("28732ac11ff8d211ba4b00a0c93ec93b"),
        "bios": b"Hah!IdontNeedEFI",
        "linux": bytes.fromhex("af3dc60f838472478e793d69d8477de4")}
end = max(int(f) + int(c) for _, f, c in parts)
disk = bytearray(end * 512)
mbr = bytearray(512)
if bootcode == "1":
    mbr[0:3] = b"\xeb\x63\x90"; mbr[3:440] = bytes((i * 7 + 1) & 0xff for i in range(437))
mbr[510:512] = b"\x55\xaa"
if kind == "mbr":
    for i, (t, f, c) in enumerate(parts):
        e = 446 + 16 * i
        mbr[e + 4] = int(t, 16)
        struct.pack_into("<II", mbr, e + 8, int(f), int(c))
else:
    mbr[446 + 4] = 0xee
    struct.pack_into("<II", mbr, 446 + 8, 1, end - 1)
    h = bytearray(512); h[0:8] = b"EFI PART"
    struct.pack_into("<QII", h, 72, 2, 4, 128)
    disk[512:1024] = h
    for i, (t, f, c) in enumerate(parts):
        e = 1024 + 128 * i
        disk[e:e + 16] = GUID[t]
        struct.pack_into("<QQ", disk, e + 32, int(f), int(f) + int(c) - 1)
disk[0:512] = mbr
fat = open(fatimg, "rb").read() if fatimg != "-" else b""
for t, f, c in parts:
    if t in ("esp", "ef") and fat:
        disk[int(f) * 512:int(f) * 512 + len(fat)] = fat
        break
open(out, "wb").write(disk)
PY
}
pe 8664 >"$tmp/x64.efi"
pe aa64 >"$tmp/aa64.efi"
fat "$tmp/boot.fat" "$tmp/x64.efi:EFI/BOOT/BOOTX64.EFI"
fat "$tmp/distro.fat" "$tmp/aa64.efi:EFI/debian/shimaa64.efi" "$tmp/aa64.efi:EFI/debian/grubaa64.efi"
fat "$tmp/empty.fat"
table "$out/mbr-bios" mbr 1 - 83:1:1
table "$out/mbr-esp" mbr 0 "$tmp/boot.fat" ef:1:96
table "$out/gpt-hybrid" gpt 1 "$tmp/boot.fat" bios:3:1 esp:4:96
table "$out/gpt-distro" gpt 0 "$tmp/distro.fat" esp:3:96 linux:99:1
table "$out/gpt-no-loader" gpt 1 "$tmp/empty.fat" esp:3:96
