#!/bin/bash
# Detection latency with metadata, against the budget (a benchmark, not a
# test: prints, never fails on time).  Same fixture root (AWS Nitro DMI),
# same binary, one invocation:
#   DMI only (--no-metadata)                      the baseline
#   metadata on loopback (IMDSv2 emulator)        token + document
#   nothing listening (connection refused)        every probe refused
#   black hole (the server accepts, never answers) the budget
# Each row: mean wall ms over RUNS, ratio to the DMI-only baseline and to
# the budget.  CLOUDMOVE=path (default build/cloudmove), RUNS=20, BUDGET=2000.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
CLOUDMOVE=${CLOUDMOVE:-$REPO/build/cloudmove}
RUNS=${RUNS:-20}
BUDGET=${BUDGET:-2000}
root=$REPO/agent/tests/detect/aws-nitro-c5-vendor/root
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT

serve() {	# serve NAME ARGS... -> port in $tmp/NAME.port
	python3 "$REPO/agent/tests/metadata/mdserver.py" --port 0 \
		--port-file "$tmp/$1.port" "${@:2}" 2>/dev/null &
	pids+=($!)
}
serve ok --cloud aws
serve hang --cloud aws --fault hang
for n in ok hang; do
	for _ in $(seq 100); do [ -s "$tmp/$n.port" ] && break; sleep 0.1; done
done

mean_ms() {	# mean_ms RUNS CMD... : mean wall milliseconds of CMD
	local n=$1 t0 t1
	shift
	"$@" >/dev/null 2>&1	# warm-up
	t0=$(date +%s%N)
	for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1; done
	t1=$(date +%s%N)
	awk -v d=$((t1 - t0)) -v n="$n" 'BEGIN{printf "%.1f", d/n/1e6}'
}

base=$(mean_ms "$RUNS" "$CLOUDMOVE" detect --no-metadata --root "$root")
ok=$(mean_ms "$RUNS" "$CLOUDMOVE" detect --root "$root" --timeout "$BUDGET" \
	--metadata-endpoint "127.0.0.1:$(cat "$tmp/ok.port")")
refused=$(mean_ms "$RUNS" "$CLOUDMOVE" detect --root "$root" --timeout "$BUDGET" \
	--metadata-endpoint 127.0.0.1:9)
hang=$(mean_ms 3 "$CLOUDMOVE" detect --root "$root" --timeout "$BUDGET" \
	--metadata-endpoint "127.0.0.1:$(cat "$tmp/hang.port")")

printf '%-36s %9s %12s %10s\n' case mean_ms "x DMI-only" "of budget"
row() { awk -v n="$1" -v m="$2" -v b="$base" -v B="$BUDGET" \
	'BEGIN{printf "%-36s %9.1f %12.1f %9.1f%%\n", n, m, m/b, 100*m/B}'; }
row "DMI only (--no-metadata)" "$base"
row "metadata on loopback (IMDSv2)" "$ok"
row "nothing listening (refused)" "$refused"
row "black hole (budget $BUDGET ms)" "$hang"
