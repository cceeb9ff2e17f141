#!/bin/bash
# cloudmove stream to gs:// (a benchmark, not a test: prints, never fails
# on time), against the test Cloud Storage server on 127.0.0.1
# (agent/tests/lib/gcs_server.py, crc32c off: it is computed in Python):
#  1. gce of a 1 GiB disk (an ext4 file system holding /usr/bin and
#     /usr/share/doc) against `tar -Sczf - disk.raw | curl -T -` (gzip -6,
#     one streamed POST uploadType=media to the same server): time, size;
#  2. raw of the same disk against `curl -T disk.img` (one POST, the whole
#     file): time;
#  3. peak RSS (/usr/bin/time -v) of both cloudmove streams.
# BENCH_GCS_DISK=FILE uses that disk image instead (e.g. a cached Debian
# root, .cache/root-*/root.img).  Images live under BENCH_TMP (default
# /var/tmp: a disk, not a tmpfs) and are deleted at the end.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
CLOUDMOVE=${CLOUDMOVE:-$REPO/build/cloudmove}
tmp=$(mktemp -d "${BENCH_TMP:-/var/tmp}/cloudmove-bench-gcs.XXXXXX")
srv=''
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
GiB=$((1024 * 1024 * 1024))
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
row() { printf '%-48s %9s %12s %8s\n' "$@"; }
rss() { awk '/Maximum resident set size/ { printf "%.1f MiB", $NF / 1024 }' "$1"; }

token=bench-token-$$
printf 'gcp_access_token = %s\n' "$token" >"$tmp/creds"
chmod 600 "$tmp/creds"
python3 "$REPO/agent/tests/lib/gcs_server.py" --data "$tmp/srv" --token "$token" \
	--bucket bucket --port-file "$tmp/port" &
srv=$!
for i in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
port=$(cat "$tmp/port")
url=http://127.0.0.1:$port
obj() { stat -c %s "$tmp/srv/objects/bucket/$1"; }

disk=${BENCH_GCS_DISK:-}
if [ -n "$disk" ]; then
	echo "disk: $disk ($(du -h "$disk" | cut -f1) allocated of $(du -h --apparent-size "$disk" | cut -f1))"
else
	disk=$tmp/disk.img
	truncate -s $GiB "$disk"
	mkdir -p "$tmp/tree"
	cp -a /usr/bin /usr/share/doc "$tmp/tree/" 2>/dev/null
	mkfs.ext4 -q -F -d "$tmp/tree" "$disk"
	rm -rf "$tmp/tree"
	echo "disk: 1 GiB ext4 holding /usr/bin and /usr/share/doc ($(du -h "$disk" | cut -f1) allocated)"
fi
ln -sf "$disk" "$tmp/disk.raw"
cat "$disk" >/dev/null		# both read it from the page cache

echo "--- 1. gce to gs:// vs tar -Sczf - | curl -T - (gzip -6, one streamed POST)"
t0=$(now)
(cd "$tmp" && tar -Sczhf - disk.raw) | curl -sf -X POST -T - -H "Authorization: Bearer $token" \
	"$url/upload/storage/v1/b/bucket/o?uploadType=media&name=base.tar.gz" >/dev/null \
	|| echo "WARNING: baseline upload failed"
t1=$(now)
/usr/bin/time -v -o "$tmp/time.gce" "$CLOUDMOVE" stream --source "$disk" --format gce \
	--dest "gs://bucket/cm.tar.gz?endpoint=$url" --creds "$tmp/creds" --progress=none \
	|| echo "WARNING: cloudmove failed"
t2=$(now)
gzip -t "$tmp/srv/objects/bucket/cm.tar.gz" || echo "WARNING: the gce object fails gzip -t"
row "" "seconds" "bytes" "speed"
row "tar -Sczf - | curl -T - (baseline)" "$(secs "$t0" "$t1")" "$(obj base.tar.gz)" "1.00"
row "cloudmove stream --format gce gs://" "$(secs "$t1" "$t2")" "$(obj cm.tar.gz)" \
	"$(ratio $((t1 - t0)) $((t2 - t1)))"
echo "size ratio cloudmove/gzip -6: $(ratio "$(obj cm.tar.gz)" "$(obj base.tar.gz)")"

echo
echo "--- 2. raw to gs:// vs curl -T disk.img (one POST of the whole file)"
t0=$(now)
curl -sf -X POST -T "$disk" -H "Authorization: Bearer $token" \
	"$url/upload/storage/v1/b/bucket/o?uploadType=media&name=base.raw" >/dev/null \
	|| echo "WARNING: baseline upload failed"
t1=$(now)
/usr/bin/time -v -o "$tmp/time.raw" "$CLOUDMOVE" stream --source "$disk" --format raw \
	--dest "gs://bucket/cm.raw?endpoint=$url" --creds "$tmp/creds" --progress=none \
	|| echo "WARNING: cloudmove failed"
t2=$(now)
cmp -s "$disk" "$tmp/srv/objects/bucket/cm.raw" || echo "WARNING: the raw object differs"
row "" "seconds" "" "speed"
row "curl -T disk.img (baseline)" "$(secs "$t0" "$t1")" "" "1.00"
row "cloudmove stream --format raw gs:// (8 MiB chunks)" "$(secs "$t1" "$t2")" "" \
	"$(ratio $((t1 - t0)) $((t2 - t1)))"

echo
echo "--- 3. peak RSS (target <= 32 MiB)"
row "gce, $(du -h --apparent-size "$disk" | cut -f1)" "" "$(rss "$tmp/time.gce")" ""
row "raw, $(du -h --apparent-size "$disk" | cut -f1)" "" "$(rss "$tmp/time.raw")" ""
