#!/bin/bash
# run-initramfs.sh CLOUDMOVE — adapt a real debootstrapped Debian 12 root
# (images/debootstrap.sh, with dracut, + the kernel of images/kernel.sh)
# in a real chroot: the drivers change makes adapt rebuild the initramfs
# with the root's own dracut (depmod first); the new image holds the
# target's drivers (lsinitrd); rollback puts the old image back byte for
# byte; a generator that fails leaves the old image in place.  Needs root
# (chroot, mount namespace).  Prints the rebuild time.  Ends with
# "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-initramfs.sh CLOUDMOVE}")
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp

ddir=$("$top/images/debootstrap.sh") || suite_abort "debootstrap failed"
kdir=$("$top/images/kernel.sh") || suite_abort "kernel failed"
kver=$(cat "$kdir/kver")
root=$tmp/root
mkdir "$root"
zstd -q -dc "$ddir/rootfs.tar.zst" | tar -C "$root" --numeric-owner -xpf -
mkdir -p "$root/usr/lib/modules" "$root/boot"
cp -a "$kdir/modules/lib/modules/$kver" "$root/usr/lib/modules/"
cp "$kdir/vmlinuz" "$root/boot/vmlinuz-$kver"
cat >"$root/etc/fstab" <<-'EOT'
	# / was on /dev/xvda1 during installation
	UUID=c10d0e00-5a7c-4e1d-8d2b-6f6f7e5a0001 / ext4 errors=remount-ro 0 1
EOT
# The image the system booted with: a stand-in we can recognise.
old=$root/boot/initrd.img-$kver
(cd "$tmp" && mkdir -p early && echo old >early/marker && cd early &&
	echo marker | cpio -o -H newc --quiet) >"$old"
old_sum=$(sha256sum <"$old")
[ -x "$root/usr/bin/dracut" ] && ok "the root has its own dracut" ||
	fail "root" "no dracut in $ddir"

start=$(date +%s%N)
"$bin" adapt --target gcp --root "$root" >"$tmp/out" 2>"$tmp/err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
echo "adapt with initramfs rebuild: ${ms} ms"
img=$root/boot/initrd.img-$kver
if [ $rc -eq 0 ] && grep -q "^initramfs: 1 image rebuilt with dracut" "$tmp/out"; then
	ok "adapt rebuilt the initramfs with the root's dracut ($(grep ^initramfs: "$tmp/out"))"
else
	fail "adapt" "rc $rc $(cat "$tmp/out" "$tmp/err" | tail -20)"
fi
lsinitrd "$img" >"$tmp/list" 2>/dev/null
for m in virtio_scsi gve virtio_net; do
	grep -q "/$m.ko" "$tmp/list" && ok "new image holds $m" ||
		fail "new image" "no $m.ko in $(wc -l <"$tmp/list") entries"
done
[ -f "$root/boot/initrd.img-$kver.cloudmove-0001" ] &&
	[ "$(sha256sum <"$root/boot/initrd.img-$kver.cloudmove-0001")" = "$old_sum" ] &&
	ok "old image kept beside it" || fail "kept image" "$(ls "$root/boot")"
ls "$root/boot" | grep -q cloudmove-new && fail "temp files" "$(ls "$root/boot")" ||
	ok "no temporary file left in /boot"
grep -q "dracut" "$root/var/lib/cloudmove/txn/0001/initramfs.log" &&
	ok "generator output logged in the transaction" || fail "log" "missing"
grep -q "^/boot/initrd.img-$kver " "$root/var/lib/cloudmove/txn/0001/initramfs" &&
	ok "replacement recorded before it happened" || fail "record" "missing"
! mountpoint -q "$root/proc" && ! mountpoint -q "$root/dev" &&
	ok "no mount left behind in the root" || fail "mounts" "$(grep "$root" /proc/mounts)"

"$bin" rollback --root "$root" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ "$(sha256sum <"$img")" = "$old_sum" ] &&
	ok "rollback puts the old image back, byte for byte" ||
	fail "rollback" "rc $rc $(cat "$tmp/err")"

# A generator that fails: the old image stays, exit 1, one clear line.
mv "$root/usr/bin/dracut" "$root/usr/bin/dracut.real"
printf '#!/bin/sh\necho "dracut: broken on purpose" >&2\nexit 1\n' >"$root/usr/bin/dracut"
chmod 755 "$root/usr/bin/dracut"
"$bin" adapt --target azure --root "$root" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ "$(sha256sum <"$img")" = "$old_sum" ] &&
	grep -q "^cloudmove: initramfs: dracut for $kver" "$tmp/err" &&
	grep -q "broken on purpose" "$root"/var/lib/cloudmove/txn/0002/initramfs.log &&
	ok "a failing generator: exit 1, old image in place ($(head -1 "$tmp/err"))" ||
	fail "failing generator" "rc $rc $(cat "$tmp/out" "$tmp/err")"
mv "$root/usr/bin/dracut.real" "$root/usr/bin/dracut"

# --no-initramfs: configuration only.
"$bin" rollback --root "$root" >/dev/null 2>&1
"$bin" adapt --target azure --no-initramfs --root "$root" >"$tmp/out" 2>&1
grep -q "^initramfs:" "$tmp/out" && fail "--no-initramfs" "rebuilt anyway" ||
	ok "--no-initramfs leaves the images alone"

suite_end
