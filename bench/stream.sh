#!/bin/bash
# cloudmove stream (a benchmark, not a test: prints, never fails on time).
#  1. raw stream of a 2 GiB image (all data) to file:// against
#     `dd bs=4M conv=fsync` to the same place (cloudmove fsyncs too);
#  2. an 8 GiB image holding 0.5 GiB of data against a 0.5 GiB image
#     (raw to file://): holes must cost next to nothing (target <= 1.3);
#  3. gce encode (disk.raw in a tar.gz, ISA-L on all cores) against
#     `tar -Sczf` (gzip -6) and `tar -Scf - | pigz -1` on the same disk:
#     a real Debian root image from the cache (root-*/root.img, made by
#     images/) when there is one, else a synthetic one: time and size;
#  4. peak RSS (/usr/bin/time -v) of 1 GiB and 8 GiB streams, raw and gce.
# Images live under BENCH_TMP (default /var/tmp: a disk, not a tmpfs) and
# are deleted at the end.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
CLOUDMOVE=${CLOUDMOVE:-$REPO/build/cloudmove}
CACHE=${CLOUDMOVE_CACHE:-$REPO/.cache}
tmp=$(mktemp -d "${BENCH_TMP:-/var/tmp}/cloudmove-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
MiB=$((1024 * 1024)) GiB=$((1024 * 1024 * 1024))
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
stream() { "$CLOUDMOVE" stream --progress=none "$@"; }
row() { printf '%-46s %10s %12s %8s\n' "$@"; }

# data: 64 MiB of random bytes, repeated (no zeros, not compressible)
head -c $((64 * MiB)) /dev/urandom >"$tmp/chunk"
fill() {	# fill FILE MiB-OFFSET COUNT-OF-64MiB
	local i
	for i in $(seq 0 $(($3 - 1))); do
		dd if="$tmp/chunk" of="$1" bs=1M seek=$(($2 + i * 64)) conv=notrunc status=none
	done
}

echo "--- 1. raw, 2 GiB of data, to file://"
img=$tmp/full.img
fill "$img" 0 32
cat "$img" >/dev/null		# both read it from the page cache
t0=$(now); dd if="$img" of="$tmp/dd.out" bs=4M conv=fsync status=none; t1=$(now)
rm -f "$tmp/dd.out"; sync
t2=$(now); stream --source "$img" --dest "file://$tmp/cm.out"; t3=$(now)
cmp -s "$img" "$tmp/cm.out" || echo "WARNING: output differs"
rm -f "$tmp/cm.out" "$img"
row "" "seconds" "" "speed"
row "dd bs=4M conv=fsync (baseline)" "$(secs "$t0" "$t1")" "" "1.00"
row "cloudmove stream raw file://" "$(secs "$t2" "$t3")" "" "$(ratio $((t1 - t0)) $((t3 - t2)))"

echo
echo "--- 2. 8 GiB holding 0.5 GiB of data vs 0.5 GiB (raw, file://)"
small=$tmp/small.img big=$tmp/big.img
fill "$small" 0 8
truncate -s $((8 * GiB)) "$big"
for k in 0 1 2 3 4 5 6 7; do fill "$big" $((k * 1024)) 1; done
cat "$small" "$big" >/dev/null
t0=$(now); stream --source "$small" --dest "file://$tmp/s.out"; t1=$(now)
t2=$(now); stream --source "$big" --dest "file://$tmp/b.out"; t3=$(now)
cmp -s "$big" "$tmp/b.out" || echo "WARNING: output differs"
rm -f "$tmp/s.out" "$tmp/b.out"
row "" "seconds" "" "ratio"
row "0.5 GiB image" "$(secs "$t0" "$t1")" "" "1.00"
row "8 GiB image, 0.5 GiB data (target <= 1.3)" "$(secs "$t2" "$t3")" "" "$(ratio $((t3 - t2)) $((t1 - t0)))"

echo
echo "--- 3. gce encode vs tar -Sczf (gzip -6) and pigz -1"
disk=$(ls -t "$CACHE"/root-*/root.img 2>/dev/null | head -1)
if [ -n "$disk" ]; then
	echo "disk: $disk ($(du -h "$disk" | cut -f1) allocated of $(du -h --apparent-size "$disk" | cut -f1); a Debian root)"
else
	disk=$tmp/synthetic.img	# 1 GiB: a file system with text and binaries
	truncate -s $GiB "$disk"
	mkdir -p "$tmp/tree"; cp -a /usr/bin /usr/share/doc "$tmp/tree/" 2>/dev/null
	mkfs.ext4 -q -F -d "$tmp/tree" "$disk"; rm -rf "$tmp/tree"
	echo "disk: synthetic ext4 of /usr/bin and /usr/share/doc (no cached root image)"
fi
ln -sf "$disk" "$tmp/disk.raw"
cat "$disk" >/dev/null
t0=$(now); (cd "$tmp" && tar -Sczhf "$tmp/tar.tar.gz" disk.raw); t1=$(now)
g6=$(stat -c %s "$tmp/tar.tar.gz"); rm -f "$tmp/tar.tar.gz"
if command -v pigz >/dev/null; then
	t2=$(now); (cd "$tmp" && tar -Schf - disk.raw | pigz -1 >"$tmp/pigz.tar.gz"); t3=$(now)
	p1=$(stat -c %s "$tmp/pigz.tar.gz"); rm -f "$tmp/pigz.tar.gz"
fi
t4=$(now); stream --source "$disk" --dest "file://$tmp/cm.tar.gz" --format gce; t5=$(now)
cm=$(stat -c %s "$tmp/cm.tar.gz")
gzip -t "$tmp/cm.tar.gz" || echo "WARNING: gzip -t failed"
rm -f "$tmp/cm.tar.gz" "$tmp/disk.raw"
row "" "seconds" "bytes" "speed"
row "tar -Sczf (gzip -6, baseline)" "$(secs "$t0" "$t1")" "$g6" "1.00"
if command -v pigz >/dev/null; then
	row "tar -Scf - | pigz -1 ($(nproc) cores)" "$(secs "$t2" "$t3")" "$p1" "$(ratio $((t1 - t0)) $((t3 - t2)))"
fi
row "cloudmove stream --format gce" "$(secs "$t4" "$t5")" "$cm" "$(ratio $((t1 - t0)) $((t5 - t4)))"
echo "gce vs gzip -6: $(ratio $((t1 - t0)) $((t5 - t4)))x faster (target >= 10), size $(ratio "$cm" "$g6")x (target <= 1.15)"
[ -n "${p1:-}" ] && echo "gce vs pigz -1: $(ratio $((t3 - t2)) $((t5 - t4)))x faster (target >= 1.5), size $(ratio "$cm" "$p1")x"

echo
echo "--- 4. peak RSS (/usr/bin/time -v), target flat and <= 32 MiB"
gib1=$tmp/one.img
truncate -s $GiB "$gib1"; fill "$gib1" 0 4; fill "$gib1" 512 4
rss() {	# rss ARGS...: peak resident KiB of cloudmove stream ARGS
	/usr/bin/time -v "$CLOUDMOVE" stream --progress=none "$@" 2>&1 >/dev/null |
		awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }'
}
row "" "1 GiB KiB" "8 GiB KiB" ""
for fmt in raw gce vhd; do
	a=$(rss --source "$gib1" --dest "file://$tmp/r1" --format $fmt); rm -f "$tmp/r1"
	b=$(rss --source "$big" --dest "file://$tmp/r8" --format $fmt); rm -f "$tmp/r8"
	row "peak RSS, $fmt" "$a" "$b" ""
done
