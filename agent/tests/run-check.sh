#!/bin/bash
# run-check.sh CLOUDMOVE — `cloudmove check` end to end.  Roots are built
# here, at test time, in a temporary directory: a module tree of empty
# module files (.ko, .ko.xz, .ko.zst, .ko.gz) with modules.dep and
# modules.builtin, initramfs images made with the real cpio(1) -H newc and
# gzip/zstd/xz/bzip2/lz4 (and one with an early microcode archive in
# front), fstab, grub.cfg or BLS entries.  Then the real Debian 12 root
# of the QEMU rig (images/root.sh) with a real dracut initramfs
# (images/initramfs.sh), skipped with a "skip" line when they cannot be
# built.  Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-check.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp

KV=6.1.0-9-amd64
# module path (relative to the tree) and its dependencies, modules.dep style
modules=(
	"kernel/drivers/virtio/virtio.ko.xz:"
	"kernel/drivers/virtio/virtio_ring.ko.xz:"
	"kernel/drivers/scsi/virtio_scsi.ko.xz: kernel/drivers/virtio/virtio.ko.xz kernel/drivers/virtio/virtio_ring.ko.xz"
	"kernel/drivers/nvme/host/nvme-core.ko.zst:"
	"kernel/drivers/nvme/host/nvme.ko.zst: kernel/drivers/nvme/host/nvme-core.ko.zst"
	"kernel/drivers/block/xen-blkfront.ko:"
	"kernel/drivers/net/virtio_net.ko.gz: kernel/drivers/virtio/virtio.ko.xz"
	"kernel/drivers/net/ethernet/google/gve/gve.ko:"
	"kernel/drivers/net/ethernet/amazon/ena/ena.ko:"
)
builtin="kernel/drivers/scsi/sd_mod.ko
kernel/fs/ext4/ext4.ko"

# mkroot DIR: a root that boots on gcp (and aws): kernel, module tree,
# zstd initramfs with the storage modules, fstab by UUID, grub.cfg.
mkroot() {
	local r=$1 m line p
	m=$r/usr/lib/modules/$KV
	mkdir -p "$r/boot/grub" "$r/etc" "$m" "$r/usr/lib"
	ln -s usr/lib "$r/lib"
	: >"$r/boot/vmlinuz-$KV"
	: >"$m/modules.dep"
	for line in "${modules[@]}"; do
		p=${line%%:*}
		mkdir -p "$m/$(dirname "$p")"
		: >"$m/$p"
		echo "$line" >>"$m/modules.dep"
	done
	echo "$builtin" >"$m/modules.builtin"
	printf 'UUID=c10d0e00-0000-4000-8000-000000000001\t/\text4\terrors=remount-ro\t0 1\n' >"$r/etc/fstab"
	printf 'tmpfs\t/tmp\ttmpfs\tdefaults\t0 0\n' >>"$r/etc/fstab"
	printf 'menuentry "Debian" {\n\tlinux /boot/vmlinuz-%s root=UUID=c10d0e00-0000-4000-8000-000000000001 ro quiet\n\tinitrd /boot/initrd.img-%s\n}\n' \
		"$KV" "$KV" >"$r/boot/grub/grub.cfg"
	mkinitrd "$r" zstd >"$r/boot/initrd.img-$KV"
}

# mkinitrd ROOT COMP [MODULE-PATTERN-TO-LEAVE-OUT] — a dracut-like image of
# ROOT's module tree: cpio -o -H newc of usr/lib/modules/<ver>/ (every
# module but those matching the pattern) and a few files, compressed.
mkinitrd() {
	local r=$1 comp=$2 leave=${3:-}
	local s
	s=$(mktemp -d "$tmp/stage.XXXX")
	mkdir -p "$s/usr/lib/modules/$KV" "$s/usr/bin" "$s/etc"
	(cd "$r/usr/lib/modules/$KV" && find . -name '*.ko*' | grep -v "${leave:-^$}" |
		cpio -pdm --quiet "$s/usr/lib/modules/$KV")
	cp "$r/usr/lib/modules/$KV/modules.dep" "$s/usr/lib/modules/$KV/"
	echo "dracut-059" >"$s/etc/initrd-release"
	printf '#!/bin/sh\n' >"$s/init"
	(cd "$s" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) | case $comp in
		none) cat ;;
		gzip) gzip -9 ;;
		zstd) zstd -q -3 ;;
		xz) xz --check=crc32 --lzma2=dict=1MiB ;;
		lzma) xz --format=lzma ;;
		bzip2) bzip2 ;;
		lz4) lz4 -l -q ;;
	esac
	rm -rf "$s"
}

# An early microcode archive, as dracut --early-microcode makes it:
# uncompressed, with early_cpio and kernel/x86/microcode/*.bin, padded
# with zeros after its trailer.
mkearly() {
	local s
	s=$(mktemp -d "$tmp/early.XXXX")
	mkdir -p "$s/kernel/x86/microcode"
	echo 1 >"$s/early_cpio"
	head -c 3000 /dev/urandom >"$s/kernel/x86/microcode/GenuineIntel.bin"
	(cd "$s" && find . | LC_ALL=C sort | cpio -o -H newc --quiet)
	head -c 512 /dev/zero
	rm -rf "$s"
}

# check NAME EXPECTED-RC [GREP...] -- ARGS: runs check, asserts the exit
# status and that each pattern is in stdout.
run() {
	"$bin" check "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
expect() {
	local name=$1 want=$2 pat
	shift 2
	if [ "$rc" -ne "$want" ]; then
		fail "$name" "exit $rc, want $want; $(head -c 2000 "$tmp/out" "$tmp/err")"
		return
	fi
	for pat in "$@"; do
		if ! grep -qE -- "$pat" "$tmp/out" "$tmp/err"; then
			fail "$name" "no line matching '$pat'; $(cat "$tmp/out" "$tmp/err")"
			return
		fi
	done
	ok "$name"
}
# one stderr line, starting "cloudmove: "
one_err_line() {
	[ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^cloudmove: ' "$tmp/err"
}

# --- bootable, every compression ---------------------------------------------
base=$tmp/base
mkroot "$base"
run --target gcp --root "$base"
expect "bootable gcp root (zstd initramfs): exit 0" 0 \
	"^ok kernel $KV: /boot/vmlinuz-$KV, modules in /lib/modules/$KV" \
	"^ok storage driver virtio_scsi \($KV\): module kernel/drivers/scsi/virtio_scsi.ko.xz" \
	"^ok storage driver sd_mod \($KV\): built into the kernel" \
	"^ok storage driver nvme \($KV\): module kernel/drivers/nvme/host/nvme.ko.zst" \
	"^ok network driver virtio_net \($KV\): module .*virtio_net.ko.gz" \
	"^ok initramfs $KV: /boot/initrd.img-$KV \(zstd, " \
	"^ok initramfs driver virtio_scsi \($KV\): in /boot/initrd.img-$KV" \
	"^ok initramfs driver sd_mod \($KV\): built into the kernel" \
	"^ok fstab /: UUID=" "^ok boot loader: GRUB /boot/grub/grub.cfg \(1 kernel entry\)" \
	"^ok root= UUID=c10d0e00" "^verdict: bootable on gcp \(0 missing"
[ -s "$tmp/err" ] && fail "bootable root: stderr is empty" "$(cat "$tmp/err")"

for comp in gzip xz lzma none; do
	r=$tmp/comp-$comp
	cp -a "$base" "$r"
	mkinitrd "$r" "$comp" >"$r/boot/initrd.img-$KV"
	run --target gcp --root "$r"
	want=$comp; [ "$comp" = none ] && want=cpio
	expect "initramfs in $comp is read" 0 "^ok initramfs $KV: .*\($want, " \
		"^ok initramfs driver nvme \($KV\): in "
done

for comp in gzip zstd xz; do
	r=$tmp/early-$comp
	cp -a "$base" "$r"
	{ mkearly; mkinitrd "$r" "$comp"; } >"$r/boot/initrd.img-$KV"
	run --target gcp --root "$r"
	expect "early microcode cpio + $comp main archive" 0 \
		"^ok initramfs $KV: .*\(cpio\+$comp, " "^ok initramfs driver virtio_scsi \($KV\): in "
done

# RHEL layout: BLS entries with $kernelopts from grubenv, initramfs-<v>.img
r=$tmp/rhel
cp -a "$base" "$r"
rm -rf "$r/boot/grub"
mkdir -p "$r/boot/grub2" "$r/boot/loader/entries"
mv "$r/boot/initrd.img-$KV" "$r/boot/initramfs-$KV.img"
printf 'set default=0\nblscfg\n' >"$r/boot/grub2/grub.cfg"
printf '# GRUB Environment Block\nkernelopts=root=/dev/xvda1 ro crashkernel=auto\n' >"$r/boot/grub2/grubenv"
printf 'title Red Hat\nversion %s\nlinux /vmlinuz-%s\ninitrd /initramfs-%s.img\noptions $kernelopts\n' \
	"$KV" "$KV" "$KV" >"$r/boot/loader/entries/abc-$KV.conf"
run --target aws --root "$r"
expect "RHEL layout, BLS + grubenv \$kernelopts root=/dev/xvda1 on aws: exit 1" 1 \
	"^ok boot loader: GRUB /boot/grub2/grub.cfg .*blscfg" \
	"^ok boot loader: BLS entries /boot/loader/entries \(1 entry\)" \
	"^MISSING root= /dev/xvda1: the target's disks are /dev/nvmeXnY" \
	"^ok initramfs $KV: /boot/initramfs-$KV.img" \
	"^ok storage driver xen-blkfront \($KV\): module kernel/drivers/block/xen-blkfront.ko"
sed -i 's|kernelopts=root=/dev/xvda1|kernelopts=root=UUID=c10d0e00-0000-4000-8000-000000000001|' \
	"$r/boot/grub2/grubenv"
run --target aws --root "$r"
expect "RHEL layout with root=UUID= boots on aws" 0 "^ok root= UUID=" \
	"^ok initramfs driver xen-blkfront \($KV\): in /boot/initramfs-$KV.img"

# --- what would not boot --------------------------------------------------------
r=$tmp/nodriver
cp -a "$base" "$r"
sed -i '/nvme.ko.zst:/d' "$r/usr/lib/modules/$KV/modules.dep"
run --target gcp --root "$r"
expect "storage driver missing from the module tree: exit 1" 1 \
	"^MISSING storage driver nvme \($KV\): not built in, no module in modules.dep" \
	"^verdict: NOT bootable on gcp"
one_err_line && grep -q "would not boot on gcp: storage driver nvme" "$tmp/err" &&
	ok "not bootable: one stderr line naming the first reason" ||
	fail "not bootable stderr" "$(cat "$tmp/err")"

r=$tmp/nofile
cp -a "$base" "$r"
rm "$r/usr/lib/modules/$KV/kernel/drivers/virtio/virtio_ring.ko.xz"
run --target gcp --root "$r"
expect "a dependency's module file absent: exit 1" 1 \
	"^MISSING storage driver virtio_scsi \($KV\): module .* is there, but .*virtio_ring.ko.xz"

r=$tmp/noinitrd-driver
cp -a "$base" "$r"
mkinitrd "$r" zstd 'nvme' >"$r/boot/initrd.img-$KV"
run --target gcp --root "$r"
expect "initramfs lacks a storage driver: exit 1" 1 \
	"^ok storage driver nvme \($KV\): module" \
	"^MISSING initramfs driver nvme \($KV\): not in /boot/initrd.img-$KV" \
	"^ok initramfs driver virtio_scsi"

r=$tmp/noinitrd
cp -a "$base" "$r"
rm "$r/boot/initrd.img-$KV"
run --target gcp --root "$r"
expect "no initramfs: exit 1" 1 "^MISSING initramfs $KV: none of /boot/initrd.img-$KV"

r=$tmp/xvda
cp -a "$base" "$r"
sed -i 's|^UUID=[^\t]*|/dev/xvda1|' "$r/etc/fstab"
run --target gcp --root "$r"
expect "/dev/xvda1 in fstab, target gcp: exit 1" 1 \
	"^MISSING fstab /: /dev/xvda1: the target's disks are /dev/sdX: no /dev/xvdX there"
run --target aws --root "$r"
expect "/dev/xvda1 in fstab, target aws (NVMe): exit 1" 1 "^MISSING fstab /: /dev/xvda1"

r=$tmp/datadisk
cp -a "$base" "$r"
printf '/dev/xvdb1\t/data\text4\tdefaults,nofail\t0 2\n/dev/sda2\t/srv\text4\tdefaults\t0 2\n' >>"$r/etc/fstab"
run --target gcp --root "$r"
expect "data disk /dev/xvdb1 with nofail: a warning, exit 0" 0 \
	"^warn fstab /data: /dev/xvdb1: .*optional" "^warn fstab /srv: /dev/sda2: .*order"
printf '/dev/xvdc1\t/var/log\text4\tdefaults\t0 2\n' >>"$r/etc/fstab"
run --target gcp --root "$r"
expect "data disk without nofail: emergency mode, exit 1" 1 \
	"^MISSING fstab /var/log: /dev/xvdc1: .*emergency mode"

r=$tmp/rootarg
cp -a "$base" "$r"
sed -i 's|root=UUID=[^ ]*|root=/dev/xvda1|' "$r/boot/grub/grub.cfg"
run --target gcp --root "$r"
expect "root=/dev/xvda1 in grub.cfg, target gcp: exit 1" 1 "^MISSING root= /dev/xvda1: "

r=$tmp/nokernel
cp -a "$base" "$r"
rm -rf "$r/boot/vmlinuz-$KV" "$r/usr/lib/modules/$KV"
run --target gcp --root "$r"
expect "no kernel: exit 1" 1 "^MISSING kernel: no kernel installed"

r=$tmp/noloader
cp -a "$base" "$r"
rm -rf "$r/boot/grub"
run --target gcp --root "$r"
expect "no boot loader: exit 1" 1 "^MISSING boot loader: none found"

r=$tmp/nonet
cp -a "$base" "$r"
sed -i '/gve.ko:/d' "$r/usr/lib/modules/$KV/modules.dep"
run --target gcp --root "$r"
expect "one network driver missing: a warning, exit 0" 0 \
	"^warn network driver gve \($KV\): not built in"
sed -i '/virtio_net.ko.gz:/d' "$r/usr/lib/modules/$KV/modules.dep"
run --target gcp --root "$r"
expect "no network driver of the target at all: exit 1" 1 \
	"^MISSING network \($KV\): none of gcp's network drivers"

# --- images we cannot read, or that are broken ----------------------------------
for comp in lz4 bzip2; do
	r=$tmp/$comp
	cp -a "$base" "$r"
	mkinitrd "$r" "$comp" >"$r/boot/initrd.img-$KV"
	run --target gcp --root "$r"
	expect "$comp initramfs: cannot inspect, a warning" 0 \
		"^warn initramfs $KV: /boot/initrd.img-$KV: cannot inspect \($comp\)"
done

corrupt() {	# corrupt NAME HOW PATTERN
	local r=$tmp/corrupt-$1 img
	cp -a "$base" "$r"
	img=$r/boot/initrd.img-$KV
	case $2 in
	truncate-zstd) head -c $(($(stat -c %s "$img") / 2)) "$img" >"$img.t" ;;
	truncate-cpio) mkinitrd "$r" none | head -c 700 >"$img.t" ;;
	flip-gzip) mkinitrd "$r" gzip >"$img.t"
		printf '\xff\xff\xff\xff\xff\xff\xff\xff' |
			dd of="$img.t" bs=1 seek=40 conv=notrunc status=none ;;
	truncate-early) mkearly | head -c 300 >"$img.t" ;;
	junk) head -c 4096 /dev/urandom | tr '\0\060' '\001\001' >"$img.t" ;;
	empty) : >"$img.t" ;;
	esac
	mv "$img.t" "$img"
	run --target gcp --root "$r"
	if [ $rc -eq 1 ] && one_err_line && grep -qE "^MISSING initramfs $KV: .*$3" "$tmp/out"; then
		ok "corrupt initramfs ($1): exit 1, one error line, no crash"
	else
		fail "corrupt initramfs ($1)" "rc $rc; $(cat "$tmp/out" "$tmp/err")"
	fi
}
corrupt truncated-zstd truncate-zstd "truncated zstd stream"
corrupt truncated-cpio truncate-cpio "truncated cpio archive"
corrupt flipped-gzip flip-gzip "corrupt gzip stream|gzip stream:"
corrupt truncated-early truncate-early "truncated cpio archive"
corrupt junk junk "neither cpio nor a known compression"
corrupt empty empty "empty image"

# --- usage, targets, JSON -------------------------------------------------------
run --target nosuchcloud --root "$base"
expect "unknown target: exit 1" 1 "^cloudmove: check: no profile for 'nosuchcloud'"
one_err_line || fail "unknown target: one line" "$(cat "$tmp/err")"
run --root "$base"
expect "no --target: exit 2" 2 "--target is required"
run --target gcp --frobnicate
expect "unknown option: exit 2" 2 "unknown option"
run --target gcp --root "$base" extra
expect "extra argument: exit 2" 2 "unexpected argument 'extra'"
run --target gcp --root "$tmp/does-not-exist"
expect "a --root that is not there: exit 1" 1 "^cloudmove: "

run --target gcp --root "$base" --json
if [ $rc -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["bootable"] is True and d["target"] == "gcp" and d["missing"] == 0
assert any(c["what"].startswith("storage driver virtio_scsi") and c["status"] == "ok" for c in d["checks"])
' "$tmp/out"; then ok "--json: one object, bootable true"; else fail "--json" "$(cat "$tmp/out" "$tmp/err")"; fi
run --target gcp --root "$tmp/xvda" --json
if [ $rc -eq 1 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["bootable"] is False and d["missing"] >= 1
assert any(c["status"] == "MISSING" and c["what"] == "fstab /" for c in d["checks"])
' "$tmp/out"; then ok "--json: bootable false, the MISSING check listed"; else fail "--json not bootable" "$(cat "$tmp/out" "$tmp/err")"; fi

# --- the real Debian 12 root and a real dracut initramfs -------------------------
real_root() {
	local rdir img real=$tmp/real kver ird agent list m
	export CLOUDMOVE_CACHE=${CLOUDMOVE_CACHE:-$top/.cache}
	rdir=$("$top/images/root.sh" 2>"$tmp/root.log") || { skip "real root: images/root.sh failed ($(tail -1 "$tmp/root.log"))"; return; }
	# shellcheck disable=SC1091
	. "$rdir/root.env"
	img="$rdir/root.img?offset=1048576"	# partition 1 starts at 1 MiB
	command -v debugfs >/dev/null || { skip "real root: no debugfs"; return; }
	ird=$(ls -t "$CLOUDMOVE_CACHE"/initramfs-dracut-*/initramfs.img 2>/dev/null | head -1)
	if [ -z "$ird" ]; then
		agent=$top/build/cloudmove
		[ -x "$agent" ] || agent=$bin
		"$top/images/initramfs.sh" "$agent" "$tmp/initramfs.img" >/dev/null 2>"$tmp/ird.log" ||
			{ skip "real root: images/initramfs.sh failed ($(tail -1 "$tmp/ird.log"))"; return; }
		ird=$tmp/initramfs.img
	fi
	kver=$KVER
	mkdir -p "$real/etc" "$real/boot/grub" "$real/usr/lib/modules/$kver"
	ln -s usr/lib "$real/lib"
	# the root's own files: fstab, kernel, module index; then the module
	# files of the drivers checked and their dependencies
	debugfs -R "dump /etc/fstab $real/etc/fstab" "$img" 2>/dev/null
	debugfs -R "dump /boot/vmlinuz-$kver $real/boot/vmlinuz-$kver" "$img" 2>/dev/null
	for f in modules.dep modules.builtin; do
		debugfs -R "dump /usr/lib/modules/$kver/$f $real/usr/lib/modules/$kver/$f" "$img" 2>/dev/null
	done
	[ -s "$real/usr/lib/modules/$kver/modules.dep" ] && [ -s "$real/boot/vmlinuz-$kver" ] ||
		{ skip "real root: could not read the root image with debugfs"; return; }
	list=$(awk -F: '
		{ n = $1; sub(/.*\//, "", n); sub(/\.ko.*/, "", n); gsub(/-/, "_", n)
		  if (n ~ /^(virtio_scsi|virtio_blk|virtio_pci|virtio_net|nvme|sd_mod|gve|ena|xen_blkfront|xen_netfront|ixgbevf|hv_storvsc|hv_vmbus|hv_netvsc|megaraid_sas|mlx4_en|mlx5_core|mana)$/) {
			print $1; k = split($2, d, " "); for (i = 1; i <= k; i++) print d[i] } }' \
		"$real/usr/lib/modules/$kver/modules.dep" | sort -u)
	: >"$tmp/dump.cmd"
	for m in $list; do
		mkdir -p "$real/usr/lib/modules/$kver/$(dirname "$m")"
		echo "dump /usr/lib/modules/$kver/$m $real/usr/lib/modules/$kver/$m" >>"$tmp/dump.cmd"
	done
	debugfs -f "$tmp/dump.cmd" "$img" >/dev/null 2>&1
	cp "$ird" "$real/boot/initrd.img-$kver"
	# the rig boots the kernel directly; its command line as a grub.cfg
	printf 'menuentry "Debian" {\n\tlinux /boot/vmlinuz-%s root=UUID=%s console=ttyS0\n\tinitrd /boot/initrd.img-%s\n}\n' \
		"$kver" "$ROOT_UUID" "$kver" >"$real/boot/grub/grub.cfg"

	run --target gcp --root "$real"
	expect "real Debian 12 root + dracut initramfs ($(basename "$(dirname "$ird")")): bootable on gcp" 0 \
		"^ok kernel $kver: /boot/vmlinuz-$kver, modules in /lib/modules/$kver" \
		"^ok storage driver virtio_scsi \($kver\): module kernel/drivers/scsi/virtio_scsi.ko" \
		"^ok storage driver nvme \($kver\): module kernel/drivers/nvme/host/nvme.ko" \
		"^ok storage driver sd_mod \($kver\): (module kernel/drivers/scsi/sd_mod.ko|built into)" \
		"^ok network driver gve \($kver\): module .*gve.ko" \
		"^ok initramfs $kver: /boot/initrd.img-$kver \(zstd, [0-9]+ files, [0-9]+ modules" \
		"^ok initramfs driver virtio_scsi \($kver\): in /boot/initrd.img-$kver" \
		"^ok initramfs driver nvme \($kver\): in /boot/initrd.img-$kver" \
		"^ok fstab /: UUID=$ROOT_UUID" "^verdict: bootable on gcp"
	# dracut's own lister must count the same modules
	local ours theirs
	ours=$(sed -n "s/^ok initramfs $kver: .* \([0-9]*\) modules of .*/\1/p" "$tmp/out")
	if command -v lsinitrd >/dev/null; then
		lsinitrd "$ird" >"$tmp/lsinitrd" 2>/dev/null
		theirs=$(grep -cE "usr/lib/modules/$kver/.*\.ko(\.xz|\.zst|\.gz)?\$" "$tmp/lsinitrd")
		[ -n "$ours" ] && [ "$ours" = "$theirs" ] &&
			ok "real initramfs: $ours modules, as lsinitrd lists them" ||
			fail "real initramfs module count" "ours '$ours', lsinitrd '$theirs'"
	else
		skip "real initramfs: no lsinitrd to compare with"
	fi
	run --target aws --root "$real"
	expect "real root on aws: nvme, xen-blkfront, ena" 0 \
		"^ok storage driver xen-blkfront \($kver\): module .*xen-blkfront.ko" \
		"^ok initramfs driver nvme \($kver\): in " "^ok network driver ena \($kver\): module"
	# a driver the module tree has and this initramfs does not
	mkdir -p "$real/etc/cloudmove/profiles.d"
	printf '[raidcloud]\ndrivers.storage = virtio_scsi megaraid_sas\ndrivers.net = virtio_net\ndisk = sd\n' \
		>"$real/etc/cloudmove/profiles.d/10-raid.conf"
	run --target raidcloud --root "$real"
	expect "real root on a cloud needing megaraid_sas: in the tree, not in the initramfs" 1 \
		"^ok storage driver megaraid_sas \($kver\): module " \
		"^MISSING initramfs driver megaraid_sas \($kver\): not in /boot/initrd.img-$kver"
}
real_root

# --- issue 15: a FIFO where a file is read ----------------------------------
# etc/fstab, etc/default/grub, the initramfs image: each a FIFO hung check
# (a blocking open); now "not a regular file", bounded by timeout 10.
fifo_check() {	# fifo_check REL EXPECTED-RC PATTERN
	local r=$tmp/fifo
	rm -rf "$r"
	mkroot "$r"
	mkdir -p "$(dirname "$r/$1")"
	rm -f "$r/$1"
	mkfifo "$r/$1"
	timeout 10 "$bin" check --target gcp --root "$r" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	expect "a FIFO at $1: no hang, said so" "$2" "$3"
}
fifo_check etc/fstab 1 "^MISSING fstab: .*/etc/fstab: not a regular file"
fifo_check etc/default/grub 0 "^verdict: bootable on gcp"
fifo_check boot/grub/grub.cfg 1 "grub.cfg: not a regular file"
fifo_check "boot/initrd.img-$KV" 1 "^MISSING initramfs $KV: /boot/initrd.img-$KV: not a regular file"

suite_end
