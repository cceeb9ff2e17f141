#!/bin/bash
# cloudmove stream --delta-map (a benchmark, not a test: prints, never
# fails on time).  In one run:
#  1. a 1 GiB disk holding 600 MiB of data (random, in 64 MiB pieces with
#     holes between): a full move (no map) against a pre-copy (the first
#     delta run: all sent, the map written), then 1 % of the disk (10 MiB)
#     rewritten and the cut-over (the delta run): bytes sent and seconds,
#     as ratios to the full move.  Rewritten two ways: 10 runs of 1 MiB
#     (files rewritten whole) and 160 runs of 64 KiB (scattered writes: each
#     touches a 512 KiB block, so more is sent than was written).
#     file:// always; the EBS test server (lib/ec2_server.py) and azurite
#     when BENCH_DELTA_REMOTE=1 (slower: the servers are Python and node).
#  2. the cut-over's floor, the re-read: a delta run where nothing changed
#     against `dd bs=4M of=/dev/null` reading the same file (both from the
#     page cache: it is warmed first), and (root) the same file as a loop
#     device, read with O_DIRECT by both, as a disk is at the cut-over.
#  3. peak RSS (/usr/bin/time -v) of delta runs of 1 GiB and 8 GiB disks
#     (sparse, data at 8 places), the map of the 8 GiB one read and written.
# Images live under BENCH_TMP (default /var/tmp) and are deleted at the end.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
CLOUDMOVE=${CLOUDMOVE:-$REPO/build/cloudmove}
tmp=$(mktemp -d "${BENCH_TMP:-/var/tmp}/cloudmove-bench-delta.XXXXXX")
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"' EXIT
MiB=$((1024 * 1024)) GiB=$((1024 * 1024 * 1024))
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
row() { printf '%-44s %10s %14s %9s %9s\n' "$@"; }
# run DEST MAP [ARGS...]: sets $t (ns) and $sent (the done event's)
run() {
	local dest=$1 map=$2 t0 t1
	shift 2
	t0=$(now)
	"$CLOUDMOVE" stream --source "$img" --dest "$dest" ${map:+--delta-map "$map"} \
		--progress=json "$@" >"$tmp/out" 2>"$tmp/err" || { echo "FAILED: $(cat "$tmp/err")"; }
	t1=$(now)
	t=$((t1 - t0))
	sent=$(sed -n 's/.*"event":"done".*"sent":\([0-9]*\).*/\1/p' "$tmp/out")
}

head -c $((64 * MiB)) /dev/urandom >"$tmp/chunk"
make_disk() {	# 1 GiB, 600 MiB of data: 9 x 64 MiB + 24 MiB, 40 MiB apart
	rm -f "$img"
	truncate -s "$GiB" "$img"
	local k
	for k in 0 1 2 3 4 5 6 7 8; do
		dd if="$tmp/chunk" of="$img" bs=1M seek=$((k * 104)) conv=notrunc status=none
	done
	dd if="$tmp/chunk" of="$img" bs=1M seek=$((9 * 104)) count=24 conv=notrunc status=none
}
rewrite() {	# rewrite RUNS BYTES: RUNS random runs of BYTES each inside the data
	python3 - "$img" "$1" "$2" <<'PY'
import os, random, sys
path, runs, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
M = 1 << 20
spans = [(k * 104 * M, (k * 104 + 64) * M) for k in range(9)] + [(9 * 104 * M, (9 * 104 + 24) * M)]
rnd = random.Random(42)
with open(path, "r+b") as f:
    for _ in range(runs):
        a, b = rnd.choice(spans)
        off = rnd.randrange(a, b - size) // 4096 * 4096
        f.seek(off)
        f.write(os.urandom(size))
PY
}

# one destination: full move, pre-copy, rewrite, cut-over; rows printed
bench_dest() {	# NAME DEST-FULL DEST-DELTA [ARGS...]
	local name=$1 full=$2 dest=$3 runs=$4 size=$5
	shift 5
	local map=$tmp/$name.map tf sf tp sp
	make_disk
	cat "$img" >/dev/null
	# the full move twice, the faster kept (a shared machine's disk)
	run "$full" "" "$@"; tf=$t sf=$sent
	run "$full" "" "$@"; [ "$t" -lt "$tf" ] && tf=$t
	rm -f "$map"
	run "$dest" "$map" "$@"; tp=$t sp=$sent
	rewrite "$runs" "$size"
	cat "$img" >/dev/null
	run "$dest" "$map" "$@"
	row "$name: full move (no map)" "$(secs 0 "$tf")" "$sf" "1.000" "1.000"
	row "$name: pre-copy (first delta run)" "$(secs 0 "$tp")" "$sp" "$(ratio "$tp" "$tf")" "$(ratio "$sp" "$sf")"
	row "$name: cut-over, $runs x $((size / 1024)) KiB rewritten" "$(secs 0 "$t")" "$sent" \
		"$(ratio "$t" "$tf")" "$(ratio "$sent" "$sf")"
	grep -o "[0-9]* of [0-9]* blocks sent.*" "$tmp/err" | sed 's/^/    /'
}

img=$tmp/disk.img
echo "--- 1. 1 GiB holding 600 MiB; 1 % (10 MiB) rewritten; ratios to a full move"
row "" "seconds" "bytes sent" "time" "bytes"
bench_dest file-1MiB "file://$tmp/full.out" "file://$tmp/delta.out" 10 $MiB
rm -f "$tmp/full.out"
bench_dest file-64KiB "file://$tmp/full.out" "file://$tmp/delta.out" 160 $((64 * 1024))
rm -f "$tmp/full.out"

if [ "${BENCH_DELTA_REMOTE:-0}" = 1 ]; then
	here=$REPO/agent/tests
	akid=AKIDBENCH0001 secret=bench-secret
	printf 'aws_access_key_id = %s\naws_secret_access_key = %s\n' "$akid" "$secret" >"$tmp/ebs-creds"
	chmod 600 "$tmp/ebs-creds"
	python3 "$here/lib/ec2_server.py" --state "$tmp/ec2" --key "$akid:$secret" \
		--port-file "$tmp/ec2.port" 2>/dev/null &
	pids+=($!)
	for _ in $(seq 100); do [ -s "$tmp/ec2.port" ] && break; sleep 0.05; done
	e="ebs://us-east-1?endpoint=http://127.0.0.1:$(cat "$tmp/ec2.port")"
	bench_dest ebs-1MiB "$e" "$e" 10 $MiB --creds "$tmp/ebs-creds"
	rm -rf "$tmp/ec2/snapshots"
	# shellcheck source=agent/tests/lib/npm.sh
	. "$here/lib/npm.sh"
	if azurite=$(npm_bin azurite 3.37.0 azurite-blob); then
		port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
		mkdir -p "$tmp/azurite"
		"$azurite" --blobHost 127.0.0.1 --blobPort "$port" --location "$tmp/azurite" \
			--disableTelemetry --silent >/dev/null 2>&1 &
		pids+=($!)
		for _ in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
		KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
		printf 'azure_account_name = devstoreaccount1\nazure_account_key = %s\n' "$KEY" >"$tmp/az-creds"
		chmod 600 "$tmp/az-creds"
		python3 "$here/lib/azblob.py" mkcontainer "http://127.0.0.1:$port/devstoreaccount1/bench"
		bench_dest azure-1MiB "http://127.0.0.1:$port/devstoreaccount1/bench/full.raw" \
			"http://127.0.0.1:$port/devstoreaccount1/bench/delta.raw" 10 $MiB --creds "$tmp/az-creds"
	fi
fi

echo
echo "--- 2. the re-read (nothing changed) vs dd of the same 1 GiB file (page cache)"
make_disk
map=$tmp/reread.map
run "file://$tmp/delta.out" "$map"
cat "$img" >/dev/null
t0=$(now); dd if="$img" of=/dev/null bs=4M status=none; t1=$(now)
run "file://$tmp/delta.out" "$map"
row "" "seconds" "" "speed" ""
row "dd bs=4M of=/dev/null (baseline)" "$(secs "$t0" "$t1")" "" "1.000" ""
row "delta run, nothing changed (read + SHA-256)" "$(secs 0 "$t")" "$sent" "$(ratio $((t1 - t0)) "$t")" ""
full=$tmp/full-data.img
head -c 0 /dev/null >"$full"
for k in $(seq 0 15); do cat "$tmp/chunk" >>"$full"; done
cat "$full" >/dev/null
t0=$(now); dd if="$full" of=/dev/null bs=4M status=none; t1=$(now)
img=$full
run "file://$tmp/delta2.out" "$tmp/full.map"
cat "$full" >/dev/null
run "file://$tmp/delta2.out" "$tmp/full.map"
row "dd, 1 GiB all data (baseline)" "$(secs "$t0" "$t1")" "" "1.000" ""
row "delta run, 1 GiB all data, nothing changed" "$(secs 0 "$t")" "$sent" "$(ratio $((t1 - t0)) "$t")" ""
# as at the cut-over: a block device, read with O_DIRECT (the disk, not
# the page cache), against dd iflag=direct of the same device
if [ "$(id -u)" = 0 ] && loop=$(losetup -f --show -r "$full" 2>/dev/null); then
	img=$loop
	run "file://$tmp/delta2.out" "$tmp/loop.map"
	t0=$(now); dd if="$loop" of=/dev/null bs=4M iflag=direct status=none; t1=$(now)
	run "file://$tmp/delta2.out" "$tmp/loop.map"
	row "dd iflag=direct, a loop device (baseline)" "$(secs "$t0" "$t1")" "" "1.000" ""
	row "delta run of the device (O_DIRECT)" "$(secs 0 "$t")" "$sent" "$(ratio $((t1 - t0)) "$t")" ""
	losetup -d "$loop"
fi
rm -f "$full" "$tmp/delta2.out" "$tmp/delta.out"

echo
echo "--- 3. peak RSS of delta runs (the map read and written as they go)"
rss() {	# rss SIZE: peak RSS in KiB of the second delta run of a sparse disk of SIZE
	local d=$tmp/rss.img k
	rm -f "$d" "$tmp/rss.map" "$tmp/rss.out"
	truncate -s "$1" "$d"
	for k in 0 1 2 3 4 5 6 7; do
		dd if="$tmp/chunk" of="$d" bs=1M seek=$((k * $1 / 8 / MiB)) count=8 conv=notrunc status=none
	done
	"$CLOUDMOVE" stream --source "$d" --dest "file://$tmp/rss.out" --delta-map "$tmp/rss.map" \
		--progress=none 2>/dev/null
	dd if=/dev/urandom of="$d" bs=1M seek=1 count=1 conv=notrunc status=none
	/usr/bin/time -v "$CLOUDMOVE" stream --source "$d" --dest "file://$tmp/rss.out" \
		--delta-map "$tmp/rss.map" --progress=none 2>&1 >/dev/null |
		sed -n 's/.*Maximum resident set size (kbytes): //p'
	rm -f "$d" "$tmp/rss.out"
}
row "" "peak RSS KiB" "" "" ""
row "1 GiB" "$(rss "$GiB")" "" "" ""
row "8 GiB" "$(rss $((8 * GiB)))" "" "" ""
