#!/bin/bash
# cloudmove stream to http(s):// (plain PUT), a benchmark, not a test:
# prints, never fails on time.
#  A raw 1 GiB image (all data, no zeros) PUT to agent/tests/lib/put_server.py
#  on 127.0.0.1 by `cloudmove stream` and by `curl -T FILE` (the baseline)
#  against the same server, over http and over https (a CA made here);
#  speed ratio (>= 1.0 means cloudmove is as fast) and cloudmove's peak RSS
#  (/usr/bin/time -v; target <= 32 MiB).  Then the same image with 3/4 of
#  it zeros (holes): zeros go as bytes, so it should cost about the same.
# Both clients go through the same Python server, which is likely the
# bottleneck: the ratio says whether cloudmove keeps up, not the wire speed.
# Images live under BENCH_TMP (default /var/tmp: a disk, not a tmpfs).
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
CLOUDMOVE=${CLOUDMOVE:-$REPO/build/cloudmove}
tmp=$(mktemp -d "${BENCH_TMP:-/var/tmp}/cloudmove-bench-put.XXXXXX")
srv_pid=''
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
MiB=$((1024 * 1024)) GiB=$((1024 * 1024 * 1024))
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
mbps() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f MB/s", n / ((b - a) / 1e3) }'; }
row() { printf '%-44s %9s %11s %8s %10s\n' "$@"; }

# --- a CA and a certificate for localhost (as run-stream-tls.sh) -------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/ca.key" \
	-out "$tmp/ca.crt" -days 1 -subj "/CN=bench CA" -addext "basicConstraints=critical,CA:TRUE" \
	>/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/srv.key" \
	-out "$tmp/srv.csr" -subj "/CN=localhost" >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost\n' >"$tmp/srv.ext"
openssl x509 -req -in "$tmp/srv.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" -CAcreateserial \
	-out "$tmp/srv.crt" -extfile "$tmp/srv.ext" -days 1 >/dev/null 2>&1

serve() {	# serve [ARGS...]: sets $port
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	rm -rf "$tmp/store" "$tmp/port"; mkdir -p "$tmp/store"
	python3 "$REPO/agent/tests/lib/put_server.py" --dir "$tmp/store" --port-file "$tmp/port" "$@" &
	srv_pid=$!
	for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
	port=$(cat "$tmp/port")
}

# --- images: 1 GiB of random data; 1 GiB with 256 MiB of data ----------------
img=$tmp/full.img holes=$tmp/holes.img
head -c $((64 * MiB)) /dev/urandom >"$tmp/chunk"
for i in $(seq 0 15); do
	dd if="$tmp/chunk" of="$img" bs=1M seek=$((i * 64)) conv=notrunc status=none
done
truncate -s $GiB "$holes"
for i in 0 4 8 12; do
	dd if="$tmp/chunk" of="$holes" bs=1M seek=$((i * 64)) conv=notrunc status=none
done
cat "$img" "$holes" >/dev/null	# both clients read from the page cache

put() {	# put NAME SCHEME IMAGE: one curl run and one cloudmove run, a row each
	local name=$1 scheme=$2 src=$3 t0 t1 t2 t3 rss
	local url="$scheme://localhost:$port"
	t0=$(now)
	curl -sS --fail -o /dev/null --cacert "$tmp/ca.crt" -T "$src" "$url/curl.img" || echo "WARNING: curl failed"
	t1=$(now)
	rm -f "$tmp/store/curl.img"; sync
	t2=$(now)
	rss=$(CLOUDMOVE_CA_BUNDLE=$tmp/ca.crt /usr/bin/time -v "$CLOUDMOVE" stream --progress=none \
		--source "$src" --dest "$url/cm.img" 2>&1 >/dev/null |
		awk -F: '/Maximum resident set size/ { gsub(/ /, "", $2); print $2 }')
	t3=$(now)
	cmp -s "$src" "$tmp/store/cm.img" || echo "WARNING: the stored image differs"
	rm -f "$tmp/store/cm.img"; sync
	row "curl -T ($name, baseline)" "$(secs "$t0" "$t1")" "$(mbps $GiB "$t0" "$t1")" "1.00" ""
	row "cloudmove stream raw $scheme:// ($name)" "$(secs "$t2" "$t3")" "$(mbps $GiB "$t2" "$t3")" \
		"$(ratio $((t1 - t0)) $((t3 - t2)))" "${rss} KiB"
}

echo "--- raw 1 GiB to a PUT server on 127.0.0.1: cloudmove vs curl -T"
row "" "seconds" "rate" "speed" "peak RSS"
serve
put "all data" http "$img"
put "3/4 zeros" http "$holes"
serve --cert "$tmp/srv.crt" --key "$tmp/srv.key"
put "all data" https "$img"
