#!/bin/bash
# run-launch.sh CLOUDMOVE — `cloudmove launch`, the generic part: usage
# errors (exit 2, one line and the usage), spec errors (unknown, missing,
# repeated names, each one line, exit 1), credentials errors, a cloud whose
# control plane is not there yet ("not supported yet", exit 1, no crash),
# --json's one object; the image's facts (firmware, architecture) from
# disks made with the real tools (sgdisk, sfdisk, mkfs.vfat, mtools): GPT
# with a BIOS boot partition and an ESP, a distro loader only, FAT32, an
# MBR ESP with FAT12, MBR boot code only (the root's /bin/sh naming the
# architecture), nothing bootable; check --spec's findings; the move's
# launch (migrate --launch, cloudmove.launch=): a target that refuses
# means no move.  The clouds' own ops are tested against their
# emulators in the launch-CLOUD suites; a cloud whose ops are there is
# only ever pointed at 127.0.0.1 here (a closed port).  The required spec
# keys are learned from the binary itself (an empty spec names them), so
# these tests hold for stub and real clouds alike.
# Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-launch.sh CLOUDMOVE}")
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp

closed=http://127.0.0.1:9	# discard: nothing listens there
# Never this machine's disk or root: a blank disk, an empty root.
blank=$tmp/blank.img
truncate -s 1M "$blank"
mkdir -p "$tmp/root"
here_only=(--source "$blank" --root "$tmp/root" --api-endpoint "$closed")
launch() {	# launch ARGS...: rc in $rc, stdout in $tmp/out, stderr in $tmp/err
	"$bin" launch "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
check() {	# check ARGS...: rc in $rc, stdout in $tmp/out, stderr in $tmp/err
	"$bin" check "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
lines() { wc -l <"$tmp/err"; }
errs() { tr '\n' '|' <"$tmp/err"; }

# --- usage: exit 2, the error and the usage ------------------------------------
: >"$tmp/empty.spec"
usage_case() {	# usage_case NAME PATTERN ARGS...
	local name=$1 pat=$2
	shift 2
	launch "$@"
	if [ "$rc" -eq 2 ] && grep -q "^cloudmove: launch: $pat" "$tmp/err" &&
		grep -q '^usage: cloudmove launch' "$tmp/err" && [ ! -s "$tmp/out" ]; then
		ok "usage: $name"
	else
		fail "usage: $name" "rc=$rc $(errs)"
	fi
}
usage_case "no arguments" "--target is required"
usage_case "unknown cloud" "--target: 'oracle' is not one of aws gcp azure" \
	--target oracle --image x --spec "$tmp/empty.spec"
usage_case "not a cloud" "--target: 'nowhere' is not one of" \
	--target nowhere --image x --spec "$tmp/empty.spec"
usage_case "no image" "--image is required" --target aws --spec "$tmp/empty.spec"
usage_case "no spec" "--spec is required" --target gcp --image x
usage_case "negative wait" "--wait: '-1' is not" --target aws --image x --spec "$tmp/empty.spec" --wait -1
usage_case "wait not a number" "--wait: '10s' is not" --target aws --image x --spec "$tmp/empty.spec" --wait 10s
usage_case "move id not hex" "--move-id: 'XYZ' is not 32 lowercase hex" \
	--target azure --image x --spec "$tmp/empty.spec" --move-id XYZ
usage_case "move id in capitals" "--move-id: '0123456789ABCDEF0123456789ABCDEF' is not" \
	--target azure --image x --spec "$tmp/empty.spec" --move-id 0123456789ABCDEF0123456789ABCDEF
usage_case "unknown option" "unknown option or missing value: '--colour'" \
	--target aws --image x --spec "$tmp/empty.spec" --colour
usage_case "stray argument" "unexpected argument 'extra'" \
	--target aws --image x --spec "$tmp/empty.spec" extra

# --- spec errors: every problem one line, then exit 1 ----------------------------
for cloud in aws gcp azure; do
	printf 'colour = blue\n\n# a comment\nflavour = mint\n' >"$tmp/unknown.spec"
	launch --target $cloud --image x --spec "$tmp/unknown.spec" "${here_only[@]}"
	grep -q "^cloudmove: spec $tmp/unknown.spec:1: unknown name 'colour'\$" "$tmp/err" &&
		grep -q "^cloudmove: spec $tmp/unknown.spec:4: unknown name 'flavour'\$" "$tmp/err" &&
		[ "$rc" -eq 1 ] && [ "$(grep -vc "is missing" "$tmp/err")" -eq 2 ] &&
		ok "spec $cloud: two unknown names, one line each" ||
		fail "spec $cloud: unknown names" "rc=$rc $(errs)"
	printf 'just words\n' >"$tmp/words.spec"
	launch --target $cloud --image x --spec "$tmp/words.spec" "${here_only[@]}"
	[ "$rc" -eq 1 ] && grep -q "^cloudmove: spec $tmp/words.spec:1: not 'name = value'\$" "$tmp/err" &&
		ok "spec $cloud: a line without '='" || fail "spec $cloud: no '='" "rc=$rc $(errs)"
	launch --target $cloud --image x --spec "$tmp/none.spec" "${here_only[@]}"
	[ "$rc" -eq 1 ] && [ "$(lines)" -eq 1 ] &&
		grep -q "^cloudmove: spec $tmp/none.spec: No such file" "$tmp/err" &&
		ok "spec $cloud: no such file, one line" || fail "spec $cloud: no file" "rc=$rc $(errs)"

	# the cloud's required names, as the binary says them
	launch --target $cloud --image x --spec "$tmp/empty.spec" "${here_only[@]}"
	mapfile -t required < <(sed -n "s/^cloudmove: spec .*: '\(.*\)' is missing\$/\1/p" "$tmp/err")
	: >"$tmp/$cloud.spec"
	for k in "${required[@]}"; do echo "$k = x" >>"$tmp/$cloud.spec"; done
	if [ ${#required[@]} -eq 0 ]; then
		skip "spec $cloud: missing and repeated names" "its spec has no required names yet"
	else
		[ "$rc" -eq 1 ] && [ "$(lines)" -eq ${#required[@]} ] &&
			ok "spec $cloud: ${#required[@]} required names missing, one line each" ||
			fail "spec $cloud: missing names" "rc=$rc $(errs)"
		{ cat "$tmp/$cloud.spec"; echo "${required[0]} = y"; } >"$tmp/twice.spec"
		launch --target $cloud --image x --spec "$tmp/twice.spec" "${here_only[@]}"
		[ "$rc" -eq 1 ] && [ "$(lines)" -eq 1 ] &&
			grep -q "^cloudmove: spec $tmp/twice.spec:$((${#required[@]} + 1)): '${required[0]}' given twice\$" "$tmp/err" &&
			ok "spec $cloud: a name given twice, one line" ||
			fail "spec $cloud: twice" "rc=$rc $(errs)"
	fi

	# --- credentials: the file is read before anything is asked -------------
	launch --target $cloud --image x --spec "$tmp/$cloud.spec" --creds "$tmp/none.creds" \
		"${here_only[@]}"
	[ "$rc" -eq 1 ] && [ "$(lines)" -eq 1 ] &&
		grep -q "^cloudmove: creds $tmp/none.creds: No such file" "$tmp/err" &&
		ok "creds $cloud: no such file, one line" || fail "creds $cloud: no file" "rc=$rc $(errs)"
	printf 'aws_secret_access_key = do-not-print-me\nthis is not a pair\n' >"$tmp/bad.creds"
	chmod 600 "$tmp/bad.creds"
	launch --target $cloud --image x --spec "$tmp/$cloud.spec" --creds "$tmp/bad.creds" \
		"${here_only[@]}"
	[ "$rc" -eq 1 ] && [ "$(lines)" -eq 1 ] && grep -q "^cloudmove: creds $tmp/bad.creds" "$tmp/err" &&
		! grep -q do-not-print-me "$tmp/err" &&
		ok "creds $cloud: a bad line, one line, no secret shown" ||
		fail "creds $cloud: bad line" "rc=$rc $(errs)"
	mkdir -p "$tmp/creds.d" && chmod 700 "$tmp/creds.d"
	launch --target $cloud --image x --spec "$tmp/$cloud.spec" --creds "$tmp/creds.d" \
		"${here_only[@]}"
	[ "$rc" -eq 1 ] && [ "$(lines)" -eq 1 ] && grep -q "^cloudmove: creds $tmp/creds.d" "$tmp/err" &&
		ok "creds $cloud: a directory, one line" || fail "creds $cloud: directory" "rc=$rc $(errs)"

	# --- a cloud without its ops: one line, exit 1, no crash; with them, the
	# closed endpoint refuses the login (nothing made, nothing named) --------
	launch --target $cloud --image x --spec "$tmp/$cloud.spec" "${here_only[@]}" --json
	if grep -q "^cloudmove: launch: $cloud: not supported yet\$" "$tmp/err"; then
		[ "$rc" -eq 1 ] && [ "$(lines)" -eq 2 ] &&
			grep -q "^cloudmove: launch: $cloud: disk $blank: not bootable" "$tmp/err" &&
			ok "$cloud: not supported yet: one line (after the disk's), exit 1" ||
			fail "$cloud: not supported" "rc=$rc $(errs)"
		python3 - "$tmp/out" "$cloud" <<'EOF' && ok "$cloud: --json: one object, failed: unsupported" ||
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
o = json.loads(lines[0])
assert o["target"] == sys.argv[2] and o["failed"] == "unsupported", o
assert o["arrived"] is False and o["image_id"] is None and o["instance_id"] is None, o
EOF
			fail "$cloud: --json" "$(cat "$tmp/out")"
	else
		[ "$rc" -eq 1 ] && ! grep -q "exist" "$tmp/err" &&
			python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["failed"] == "ask" and o["arrived"] is False' "$tmp/out" &&
			ok "$cloud: a closed endpoint: login fails, exit 1, nothing made" ||
			fail "$cloud: closed endpoint" "rc=$rc $(errs) $(cat "$tmp/out")"
	fi
done

# --- the image's facts, from disks made with the real tools ---------------------
# (sgdisk, sfdisk, mkfs.vfat, mtools; loaders: minimal PE headers)
pe() {	# pe MACHINE-HEX >FILE
	python3 -c 'import struct, sys
b = bytearray(1024); b[0:2] = b"MZ"; struct.pack_into("<I", b, 0x3c, 0x80)
b[0x80:0x84] = b"PE\0\0"; struct.pack_into("<H", b, 0x84, int(sys.argv[1], 16))
sys.stdout.buffer.write(b)' "$1"
}
sector_of() { sgdisk -i "$2" "$1" | sed -n "s/^$3 sector: \([0-9]*\).*/\1/p"; }
put_esp() {	# put_esp DISK PARTNO MKFS-ARGS FILE:PATH...: a FAT in the partition
	local disk=$1 no=$2 fsargs=$3 s e f dir
	shift 3
	s=$(sector_of "$disk" "$no" First) e=$(sector_of "$disk" "$no" Last)
	rm -f "$tmp/esp.img"
	truncate -s $(( (e - s + 1) * 512 )) "$tmp/esp.img"
	# shellcheck disable=SC2086 # the mkfs arguments are words
	mkfs.vfat $fsargs "$tmp/esp.img" >/dev/null
	for f in "$@"; do
		dir=$(dirname "${f#*:}")
		mmd -D s -i "$tmp/esp.img" "::/${dir%%/*}" 2>/dev/null
		mmd -D s -i "$tmp/esp.img" "::/$dir" 2>/dev/null
		mcopy -i "$tmp/esp.img" "${f%%:*}" "::/${f#*:}"
	done
	dd if="$tmp/esp.img" of="$disk" bs=512 seek="$s" conv=notrunc status=none
}
bootcode() { head -c 440 /dev/urandom | dd of="$1" conv=notrunc status=none; }
gpt() { sgdisk -o "$@" >/dev/null 2>&1; }
facts() {	# facts NAME DISK ROOT EXPECTED: the disk line launch prints
	launch --target aws --image x --spec "$tmp/aws.spec" --source "$2" --root "$3" \
		--api-endpoint "$closed"
	if grep -qxF "cloudmove: launch: aws: disk $2: $4" "$tmp/err"; then ok "facts: $1"
	else fail "facts: $1" "$(head -1 "$tmp/err")"; fi
}
if ! command -v sgdisk >/dev/null || ! command -v mkfs.vfat >/dev/null ||
	! command -v mcopy >/dev/null || ! command -v sfdisk >/dev/null; then
	skip "facts" "sgdisk, sfdisk, mkfs.vfat (dosfstools) or mcopy (mtools) missing"
else
	pe 8664 >"$tmp/x64.efi"
	pe aa64 >"$tmp/aa64.efi"
	d=$tmp/hybrid.img	# GRUB's hybrid layout: BIOS boot + ESP, FAT16
	truncate -s 64M "$d"
	gpt -n1:2048:+1M -t1:ef02 -n2:0:+33M -t2:ef00 -n3:0:0 -t3:8300 "$d"
	bootcode "$d"
	put_esp "$d" 2 "" "$tmp/x64.efi:EFI/BOOT/BOOTX64.EFI"
	facts "GPT, BIOS boot partition and ESP: both" "$d" "$tmp/root" \
		"bios+uefi, x86_64 (MBR boot code, BIOS boot partition 1; ESP partition 2: EFI/BOOT/BOOTX64.EFI (x86_64))"
	d=$tmp/distro.img	# a distro's loader only, arm64
	truncate -s 64M "$d"
	gpt -n1:2048:+33M -t1:ef00 -n2:0:0 -t2:8300 "$d"
	put_esp "$d" 1 "" "$tmp/aa64.efi:EFI/debian/shimaa64.efi" "$tmp/aa64.efi:EFI/debian/grubaa64.efi"
	facts "GPT, ESP with a distro loader: UEFI, its PE machine" "$d" "$tmp/root" \
		"uefi, arm64 (ESP partition 1: EFI/DEBIAN/SHIMAA64.EFI (arm64))"
	d=$tmp/fat32.img	# FAT32 (a cluster chain for the root directory)
	truncate -s 400M "$d"
	gpt -n1:2048:+300M -t1:ef00 -n2:0:0 -t2:8300 "$d"
	put_esp "$d" 1 "-F 32" "$tmp/x64.efi:EFI/BOOT/BOOTX64.EFI"
	facts "GPT, FAT32 ESP" "$d" "$tmp/root" \
		"uefi, x86_64 (ESP partition 1: EFI/BOOT/BOOTX64.EFI (x86_64))"
	d=$tmp/mbr-esp.img	# MBR, an 0xEF partition with FAT12
	truncate -s 64M "$d"
	printf 'label: dos\nstart=2048, size=8192, type=ef\nstart=10240, type=83\n' |
		sfdisk -q "$d" >/dev/null 2>&1
	rm -f "$tmp/esp.img"
	truncate -s $((8192 * 512)) "$tmp/esp.img"
	mkfs.vfat -F 12 "$tmp/esp.img" >/dev/null
	mmd -i "$tmp/esp.img" ::/EFI ::/EFI/BOOT
	mcopy -i "$tmp/esp.img" "$tmp/aa64.efi" ::/EFI/BOOT/BOOTAA64.EFI
	dd if="$tmp/esp.img" of="$d" bs=512 seek=2048 conv=notrunc status=none
	facts "MBR, an ESP (type 0xEF) with FAT12" "$d" "$tmp/root" \
		"uefi, arm64 (ESP partition 1: EFI/BOOT/BOOTAA64.EFI (arm64))"
	d=$tmp/bios.img		# MBR with boot code only; the root's ELF says x86_64
	truncate -s 64M "$d"
	printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$d" >/dev/null 2>&1
	bootcode "$d"
	facts "MBR boot code, no root: BIOS, architecture not known" "$d" "$tmp/root" \
		"bios, architecture not known (MBR boot code)"
	mkdir -p "$tmp/elfroot/usr/bin"
	head -c 64 "$bin" >"$tmp/elfroot/usr/bin/dash"
	ln -s usr/bin "$tmp/elfroot/bin"
	ln -s /usr/bin/dash "$tmp/elfroot/usr/bin/sh"	# absolute: resolved in the root
	facts "MBR boot code, the root's /bin/sh: BIOS, x86_64" "$d" "$tmp/elfroot" \
		"bios, x86_64 (MBR boot code)"
	d=$tmp/broken.img	# GPT boot code without a BIOS boot partition, an empty ESP
	truncate -s 64M "$d"
	gpt -n1:2048:+33M -t1:ef00 -n2:0:0 -t2:8300 "$d"
	bootcode "$d"
	put_esp "$d" 1 ""
	facts "GPT boot code without a BIOS boot partition, an ESP without a loader" "$d" "$tmp/root" \
		"not bootable, architecture not known (MBR boot code but no BIOS boot partition (GPT); ESP partition 1: no EFI loader; nothing that boots)"
	# a BOOT directory entry whose cluster is 0 (corrupt), a loader in the
	# root directory: cluster 0 must not be read as the root directory
	d=$tmp/corrupt.img
	truncate -s 64M "$d"
	gpt -n1:2048:+33M -t1:ef00 -n2:0:0 -t2:8300 "$d"
	rm -f "$tmp/esp.img"
	truncate -s $((67584 * 512)) "$tmp/esp.img"
	mkfs.vfat "$tmp/esp.img" >/dev/null
	mmd -i "$tmp/esp.img" ::/EFI ::/EFI/BOOT
	mcopy -i "$tmp/esp.img" "$tmp/x64.efi" ::/BOOTX64.EFI
	python3 - "$tmp/esp.img" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = 0
while True:
    i = b.find(b"BOOT       \x10", i)
    assert i >= 0 and i % 32 == 0 or i < 0, i
    if i < 0:
        break
    b[i + 20:i + 22] = b"\0\0"
    b[i + 26:i + 28] = b"\0\0"
    i += 32
open(sys.argv[1], "wb").write(b)
EOF
	dd if="$tmp/esp.img" of="$d" bs=512 seek=2048 conv=notrunc status=none
	facts "an ESP whose EFI/BOOT entry points at cluster 0" "$d" "$tmp/root" \
		"not bootable, architecture not known (ESP partition 1: no EFI loader; nothing that boots)"
	facts "a blank disk" "$blank" "$tmp/root" \
		"not bootable, architecture not known (no MBR boot code and no EFI system partition with a loader)"
fi
launch --target aws --image x --spec "$tmp/aws.spec" --source "$tmp/no.img" --root "$tmp/root" --json
[ "$rc" -eq 1 ] && [ "$(lines)" -eq 1 ] &&
	grep -q "^cloudmove: launch: aws: the disk $tmp/no.img: No such file" "$tmp/err" &&
	python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["failed"] == "source"' "$tmp/out" &&
	ok "--source that is not there: one line, exit 1" || fail "--source not there" "rc=$rc $(errs)"
launch --target aws --image x --spec "$tmp/aws.spec" --source "$blank" --root "$tmp/no-root"
[ "$rc" -eq 1 ] && [ "$(lines)" -eq 1 ] && grep -q "no-root" "$tmp/err" &&
	ok "--root that is not a directory: one line, exit 1" || fail "--root" "rc=$rc $(errs)"

# --- check --spec: the target asked, its facts and the fit among the findings ----
check --target oracle --spec "$tmp/empty.spec"
[ "$rc" -eq 2 ] && grep -q "^cloudmove: check: --spec: 'oracle' is not one of aws gcp azure" "$tmp/err" &&
	ok "check --spec: a cloud without an API is bad usage" || fail "check --spec oracle" "rc=$rc $(errs)"
check --target aws --creds "$tmp/bad.creds"
[ "$rc" -eq 2 ] && grep -q "^cloudmove: check: --creds, --api-endpoint and --source go with --spec" "$tmp/err" &&
	ok "check: --creds without --spec is bad usage" || fail "check --creds" "rc=$rc $(errs)"
check --target aws --spec "$tmp/unknown.spec" --root "$tmp/root" --source "$blank"
[ "$rc" -eq 1 ] && grep -q "^cloudmove: spec $tmp/unknown.spec:1: unknown name 'colour'" "$tmp/err" &&
	grep -q "^MISSING target API: aws could not be asked" "$tmp/out" &&
	ok "check --spec: a bad spec: its lines, and MISSING target API" ||
	fail "check --spec bad spec" "rc=$rc $(errs)"
for cloud in aws gcp azure; do
	[ -f "$tmp/hybrid.img" ] || break
	check --target $cloud --spec "$tmp/$cloud.spec" --root "$tmp/root" --source "$tmp/hybrid.img" \
		--api-endpoint "$closed" --json
	if [ "$rc" -eq 1 ] && python3 - "$tmp/out" <<'EOF'
import json, sys
o = json.load(open(sys.argv[1]))
by = {c["what"]: c for c in o["checks"]}
assert by["disk firmware"]["status"] == "ok", by
assert by["disk firmware"]["detail"].startswith("bios+uefi, x86_64 (MBR boot code"), by
assert by["target API"]["status"] == "MISSING", by
assert o["bootable"] is False, o
EOF
	then ok "check --spec $cloud: the disk's firmware found, the target not reachable: MISSING"
	else fail "check --spec $cloud" "rc=$rc $(errs)"; fi
done

# --- the fit through a real control plane: azure's emulator (no blob store:
# a refusal comes before any import) ------------------------------------------
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/lib/arm_server.py" ] || [ ! -f "$tmp/bios.img" ]; then
	skip "fit through azure's emulator" "no lib/arm_server.py or no disks"
else
	TENANT=72f988bf-86f1-41af-91ab-2d7cd011db47 CLIENT=0f9c0f66-6b5a-4bd0-9a36-2b4c6a1b0c01
	SECRET='cm~launch~suite~secret' SUB=5f4e3d2c-1b0a-4f9e-8d7c-6b5a49382716 RG=rg-launch
	mkdir -p "$tmp/arm"
	suite_bg python3 "$here/lib/arm_server.py" --state "$tmp/arm/state" --port-file "$tmp/arm/port" \
		--log "$tmp/arm/log" --tenant "$TENANT" --client-id "$CLIENT" --client-secret "$SECRET" \
		--subscription "$SUB" --resource-group "$RG" --blob-endpoint "$closed" \
		2>"$tmp/arm/err"
	suite_wait_file "$tmp/arm/port"
	arm=http://127.0.0.1:$(cat "$tmp/arm/port" 2>/dev/null)
	printf 'azure_tenant_id = %s\nazure_client_id = %s\nazure_client_secret = %s\n' \
		"$TENANT" "$CLIENT" "$SECRET" >"$tmp/azcreds"
	chmod 600 "$tmp/azcreds"
	azspec() {	# azspec FILE SIZE
		printf 'subscription_id = %s\nresource_group = %s\nlocation = eastus\nvm_size = %s\nsubnet_id = /subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/virtualNetworks/v/subnets/s\nname = fit1\n' \
			"$SUB" "$RG" "$2" "$SUB" "$RG" >"$1"
	}
	ops() { python3 -c 'import json, sys; print(" ".join(json.loads(l)["op"] for l in open(sys.argv[1])))' "$1"; }
	azspec "$tmp/v6.spec" Standard_D2s_v6
	: >"$tmp/arm/log"
	launch --target azure --image https://a.blob.core.windows.net/i/d.vhd --spec "$tmp/v6.spec" \
		--creds "$tmp/azcreds" --api-endpoint "$arm" --source "$tmp/bios.img" --root "$tmp/root" \
		--wait 5 --json
	if [ "$rc" -eq 1 ] &&
		grep -q "^cloudmove: launch: azure: refused, the image would not boot there: the disk boots with bios only, Standard_D2s_v6 with uefi only$" "$tmp/err" &&
		python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["failed"] == "fit" and o["fit"]["boot"] == "no" and o["image_id"] is None' "$tmp/out" &&
		! grep -qi "disk" <<<"$(ops "$tmp/arm/log")" && ! grep -qF "$SECRET" "$tmp/out" "$tmp/err"; then
		ok "azure: a BIOS-only disk on a Gen2-only size: refused by the fit before any import ($(ops "$tmp/arm/log"))"
	else
		fail "azure: fit refusal" "rc=$rc $(errs) $(cat "$tmp/out") $(ops "$tmp/arm/log")"
	fi
	azspec "$tmp/v5.spec" Standard_D2s_v5
	: >"$tmp/arm/log"
	launch --target azure --image https://a.blob.core.windows.net/i/d.vhd --spec "$tmp/v5.spec" \
		--creds "$tmp/azcreds" --api-endpoint "$arm" --source "$tmp/distro.img" --root "$tmp/root" \
		--wait 5
	[ "$rc" -eq 1 ] &&
		grep -q "^cloudmove: launch: azure: refused, the image would not boot there: the disk is arm64, Standard_D2s_v5 x86_64$" "$tmp/err" &&
		! grep -qi "disk" <<<"$(ops "$tmp/arm/log")" &&
		ok "azure: an arm64 disk on an x64 size: refused by the fit before any import" ||
		fail "azure: arch refusal" "rc=$rc $(errs) $(ops "$tmp/arm/log")"
	check --target azure --spec "$tmp/v6.spec" --creds "$tmp/azcreds" --api-endpoint "$arm" \
		--source "$tmp/hybrid.img" --root "$tmp/root" --json
	if python3 - "$tmp/out" <<'EOF'
import json, sys
o = json.load(open(sys.argv[1]))
by = {c["what"]: c for c in o["checks"]}
assert by["target credentials"]["status"] == "ok", by
assert by["instance type"]["detail"].startswith("Standard_D2s_v6: x86_64, uefi"), by
assert by["fit: boot mode"]["status"] == "ok", by
assert by["fit: architecture"]["status"] == "ok", by
assert "disk firmware" in by, by
EOF
	then ok "check --spec azure: the type's facts, the disk's firmware, the fit in the findings"
	else fail "check --spec azure" "rc=$rc $(cat "$tmp/out") $(errs)"; fi
	check --target azure --spec "$tmp/v6.spec" --creds "$tmp/azcreds" --api-endpoint "$arm" \
		--source "$tmp/bios.img" --root "$tmp/root"
	[ "$rc" -eq 1 ] && grep -q "^MISSING fit: boot mode: the disk boots with bios only, Standard_D2s_v6 with uefi only$" "$tmp/out" &&
		ok "check --spec azure: a BIOS-only disk on a Gen2-only size is MISSING" ||
		fail "check --spec azure bios" "rc=$rc $(cat "$tmp/out")"
fi

# --- the record's move, continued by hand: launch without --move-id waits for
# the record's last move to the target, and notes what it made (azure's
# emulator with azurite holding the streamed VHD; the "VM" prints the arrival
# line with the move id the VM was tagged with) -----------------------------
# shellcheck source=agent/tests/lib/npm.sh
. "$here/lib/npm.sh"
if [ ! -f "$here/lib/arm_server.py" ] || [ ! -f "$tmp/hybrid.img" ] ||
	! azurite=$(npm_bin azurite 3.37.0 azurite-blob 2>/dev/null); then
	skip "the record's move through azure's emulator" "no arm_server.py, disks or azurite"
else
	KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
	bport=$(suite_free_port)
	mkdir -p "$tmp/azurite" "$tmp/arm2"
	suite_bg "$azurite" --blobHost 127.0.0.1 --blobPort "$bport" --location "$tmp/azurite" \
		--disableTelemetry --silent >"$tmp/azurite.log" 2>&1
	suite_wait_port "$bport" 100
	blob=http://127.0.0.1:$bport/devstoreaccount1
	python3 "$here/lib/azblob.py" mkcontainer "$blob/images" >/dev/null 2>&1
	printf 'azure_account_name = devstoreaccount1\nazure_account_key = %s\n' "$KEY" >"$tmp/blobcreds"
	chmod 600 "$tmp/blobcreds"
	"$bin" stream --source "$tmp/hybrid.img" --dest "$blob/images/disk.vhd" --format vhd \
		--creds "$tmp/blobcreds" --progress=none 2>"$tmp/err" || fail "stream to azurite" "$(errs)"
	cat >"$tmp/vm.sh" <<'EOF'
#!/bin/sh
d=$(dirname "$CM_INSTANCE_DISK")
move=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tags"].get("cloudmove-move-id", ""))' "$d/vm.json")
sleep 0.3
printf 'Linux version 6.1.0\r\ncloudmove: arrived in azure from kvm (move %s)\r\n' "$move" >>"$CM_INSTANCE_CONSOLE"
exec sleep 600
EOF
	chmod +x "$tmp/vm.sh"
	suite_bg python3 "$here/lib/arm_server.py" --state "$tmp/arm2/state" --port-file "$tmp/arm2/port" \
		--log "$tmp/arm2/log" --tenant "$TENANT" --client-id "$CLIENT" --client-secret "$SECRET" \
		--subscription "$SUB" --resource-group "$RG" --blob-endpoint "http://127.0.0.1:$bport" \
		--instance-cmd "$tmp/vm.sh" --lro-delay 0.2 2>"$tmp/arm2/err"
	suite_wait_file "$tmp/arm2/port"
	arm2=http://127.0.0.1:$(cat "$tmp/arm2/port" 2>/dev/null)
	move=0123456789abcdef0123456789abcdef
	mkdir -p "$tmp/rroot/var/lib/cloudmove"
	cat >"$tmp/rroot/var/lib/cloudmove/record.json" <<EOF
{"format": "cloudmove-hosting-record", "version": 1, "machine_id": "0123", "stays": [{"seq": 1, "cloud": "kvm", "public": false, "first_seen": "2026-01-01T00:00:00Z", "last_seen": "2026-01-02T00:00:00Z", "boots": 3, "move": {"id": "$move", "target": "azure", "region": null, "dest": "$blob/images/disk.vhd", "image_id": null, "instance_id": null, "bytes": 25165824, "started": "2026-01-02T00:00:00Z", "seconds": 30, "arrived": false, "retired": null, "failed": null}}]}
EOF
	azspec "$tmp/rec.spec" Standard_D2s_v5
	sed -i 's/^name = fit1$/name = rec1/' "$tmp/rec.spec"
	launch --target azure --image https://devstoreaccount1.blob.core.windows.net/images/disk.vhd \
		--spec "$tmp/rec.spec" --creds "$tmp/azcreds" --api-endpoint "$arm2" \
		--source "$tmp/hybrid.img" --root "$tmp/rroot" --wait 60 --json
	if [ "$rc" -eq 0 ] &&
		grep -q "^cloudmove: launch: azure: waiting for move $move (the hosting record's last)$" "$tmp/err" &&
		grep -q "^cloudmove: launch: azure: arrived: rec1, from kvm (move $move)" "$tmp/err" &&
		python3 - "$tmp/out" "$tmp/rroot/var/lib/cloudmove/record.json" "$move" <<'EOF'
import json, sys
o = json.load(open(sys.argv[1]))
assert o["arrived"] is True and o["move_id"] == sys.argv[3] and o["instance_id"] == "rec1", o
assert o["fit"] == {"boot": "ok", "arch": "ok", "drivers": "ok"} or o["fit"]["boot"] == "ok", o
m = json.load(open(sys.argv[2]))["stays"][-1]["move"]
assert m["arrived"] is True and m["instance_id"] == "rec1" and m["image_id"], m
EOF
	then ok "launch without --move-id: the record's move awaited, arrived, noted in the record"
	else fail "record's move" "rc=$rc $(errs) $(cat "$tmp/out")"; fi
fi

# --- the move: migrate --launch, cloudmove.launch= -----------------------------
# The target is asked before anything: a target that refuses (here: a cloud
# whose ops are not there, or a closed endpoint) means no move at all.
kvm=(--detect-root "$(dirname "$0")/detect/kvm-qemu-q35-fedora/root")
migrate() {	# migrate ARGS...: rc, $tmp/out, $tmp/err
	"$bin" migrate "$@" "${kvm[@]}" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
mkdir -p "$tmp/mroot/etc/cloudmove" "$tmp/dest"
migrate --root "$tmp/mroot" --target aws --dest "file://$tmp/dest/x" --wait 5
[ "$rc" -eq 2 ] && grep -q "^cloudmove: migrate: --wait and --api-endpoint go with --launch" "$tmp/err" &&
	ok "migrate: --wait without --launch is bad usage" || fail "migrate --wait" "rc=$rc $(errs)"
migrate --root "$tmp/mroot" --target kvm --dest "file://$tmp/dest/x" --launch "$tmp/aws.spec"
[ "$rc" -eq 2 ] && grep -q "^cloudmove: migrate: --launch: 'kvm' is not one of aws gcp azure" "$tmp/err" &&
	ok "migrate: --launch to a cloud without an API is bad usage" || fail "migrate --launch kvm" "rc=$rc $(errs)"
migrate --root "$tmp/mroot" --target aws --dest "file://$tmp/dest/x" --launch "$tmp/aws.spec" \
	--source "$blank" --api-endpoint "$closed" --wait 5
if [ "$rc" -eq 1 ] && grep -q "^cloudmove: launch: aws: asking aws before the stream" "$tmp/err" &&
	grep -q "^cloudmove: migrate: not moving (the target was asked first); the source is as it was$" "$tmp/err" &&
	[ -z "$(ls -A "$tmp/dest")" ] && [ ! -e "$tmp/mroot/var/lib/cloudmove/move.pending" ]; then
	ok "migrate --launch: the target refuses: no move, nothing streamed, no marker"
else
	fail "migrate --launch refused" "rc=$rc $(errs)"
fi
cp "$tmp/aws.spec" "$tmp/mroot/etc/cloudmove/launch.spec"
printf 'cloudmove.target=aws cloudmove.dest=file://%s cloudmove.launch=/etc/cloudmove/launch.spec cloudmove.wait=5 rd.cloudmove.api_endpoint=%s\n' \
	"$tmp/dest/y" "$closed" >"$tmp/cmdline"
mkdir -p "$tmp/run"
CM_RUNDIR=$tmp/run "$bin" boot --root "$tmp/mroot" --cmdline "$tmp/cmdline" \
	--metadata-endpoint 127.0.0.1:9 "${kvm[@]}" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 0 ] && grep -q "→ moving to aws (cloudmove.dest)" "$tmp/out" &&
	grep -q "^cloudmove: aws refused or could not be asked (cloudmove.launch=/etc/cloudmove/launch.spec): not moving; the source boots as itself$" "$tmp/out" &&
	grep -q "^cloudmove: launch: aws: asking aws before the stream ($tmp/mroot/etc/cloudmove/launch.spec)" "$tmp/err" &&
	[ -z "$(ls -A "$tmp/dest")" ] && [ ! -e "$tmp/run/after" ] &&
	[ ! -e "$tmp/mroot/var/lib/cloudmove/move.pending" ]; then
	ok "cloudmove.launch=: the target refuses: no move, the source boots as itself (no rescue shell)"
else
	fail "cloudmove.launch= refused" "rc=$rc $(cat "$tmp/out" "$tmp/err")"
fi
printf 'cloudmove.target=aws cloudmove.dest=file://%s cloudmove.launch=/etc/cloudmove/none.spec\n' \
	"$tmp/dest/y" >"$tmp/cmdline"
CM_RUNDIR=$tmp/run "$bin" boot --root "$tmp/mroot" --cmdline "$tmp/cmdline" \
	--metadata-endpoint 127.0.0.1:9 "${kvm[@]}" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && grep -q "^cloudmove: spec $tmp/mroot/etc/cloudmove/none.spec: No such file" "$tmp/err" &&
	grep -q "not moving; the source boots as itself" "$tmp/out" && [ -z "$(ls -A "$tmp/dest")" ] &&
	ok "cloudmove.launch= naming no file: said, no move" ||
	fail "cloudmove.launch= no file" "rc=$rc $(cat "$tmp/out" "$tmp/err")"

# --- the binary's own help names the command ------------------------------------
"$bin" --help | grep -q '^  launch   --target aws|gcp|azure' &&
	ok "--help lists launch" || fail "--help lists launch"

suite_end
