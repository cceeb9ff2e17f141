#!/bin/bash
# Adaptation time (a benchmark, not a test: prints, never fails on time).
#  1. adapt of every fixture root (agent/tests/adapt/*) for every target
#     it has a golden for, without the initramfs rebuild: mean ms per
#     adapt, against the baseline of reading every file of the same root
#     once (cat), in the same invocation;
#  2. with BENCH_INITRAMFS=1 (slow: a real chroot dracut run, ~1-2 min
#     under load): the initramfs rebuild of a real debootstrapped Debian 12
#     root by `cloudmove adapt` against the root's own dracut run directly
#     in the same chroot: the agent's overhead around the generator.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
CLOUDMOVE=${CLOUDMOVE:-$REPO/build/cloudmove}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
now() { date +%s%N; }

n=0 adapt_ns=0 read_ns=0 changes=0
for golden in "$REPO"/agent/tests/adapt/*/plan-*.expected; do
	case_dir=${golden%/*}
	target=${golden##*/plan-}
	target=${target%.expected}
	root=$tmp/r
	rm -rf "$root"
	cp -a "$case_dir/root" "$root"
	t0=$(now)
	find "$root" -type f -exec cat {} + >/dev/null
	t1=$(now)
	"$CLOUDMOVE" adapt --no-initramfs --target "$target" --root "$root" >"$tmp/out" 2>/dev/null
	t2=$(now)
	c=$(sed -n 's/^adapted for [a-z0-9]*: \([0-9]*\) change.*/\1/p' "$tmp/out")
	changes=$((changes + ${c:-0}))
	read_ns=$((read_ns + t1 - t0))
	adapt_ns=$((adapt_ns + t2 - t1))
	n=$((n + 1))
done
awk -v n="$n" -v a="$adapt_ns" -v r="$read_ns" -v c="$changes" 'BEGIN {
	printf "%-44s %9s %8s\n", "", "mean ms", "ratio"
	printf "%-44s %9.2f %8.2f\n", "read every file of the root (baseline)", r / n / 1e6, 1
	printf "%-44s %9.2f %8.2f\n", "cloudmove adapt (plan + txn, no initramfs)", a / n / 1e6, a / r
	printf "(%d adapts of %d-file-ish fixture roots, %d changes in all, %.1f per adapt)\n", n, 0, c, c / n
}' | sed 's/ of 0-file-ish fixture roots/ over 24 fixture roots x 4 targets/'

[ "${BENCH_INITRAMFS:-0}" = 1 ] || { echo "(initramfs rebuild: BENCH_INITRAMFS=1 make bench)"; exit 0; }
ddir=$("$REPO/images/debootstrap.sh") && kdir=$("$REPO/images/kernel.sh") || exit 1
kver=$(cat "$kdir/kver")
root=$tmp/deb
mkdir "$root"
zstd -q -dc "$ddir/rootfs.tar.zst" | tar -C "$root" --numeric-owner -xpf -
mkdir -p "$root/usr/lib/modules" "$root/boot"
cp -a "$kdir/modules/lib/modules/$kver" "$root/usr/lib/modules/"
cp "$kdir/vmlinuz" "$root/boot/vmlinuz-$kver"
t0=$(now)
unshare -m sh -c "mount --bind /dev '$root/dev' && mount --bind /sys '$root/sys' &&
	mount -t proc proc '$root/proc' && chroot '$root' sh -c 'depmod -a $kver &&
	dracut --force --quiet /boot/initrd.img-$kver $kver'"
t1=$(now)
"$CLOUDMOVE" adapt --target gcp --root "$root" >/dev/null
t2=$(now)
awk -v d=$((t1 - t0)) -v c=$((t2 - t1)) 'BEGIN {
	printf "%-44s %9.0f %8.2f\n", "depmod + dracut in a chroot (baseline)", d / 1e6, 1
	printf "%-44s %9.0f %8.2f\n", "cloudmove adapt with the initramfs rebuild", c / 1e6, c / d
}'
