#!/bin/bash
# cloudmove stream to s3:// (a benchmark, not a test: prints, never fails on
# time).  A raw image of BENCH_S3_GIB GiB (default 2) of random data to
# s3rver@3.7.1 on 127.0.0.1 (npm, $CLOUDMOVE_CACHE/npm/s3rver-3.7.1) against
# the same bytes piped by `dd bs=4M | curl -T -` to the same server as one
# streamed PUT (SigV4 by curl, UNSIGNED-PAYLOAD: no hashing at all), and
# cloudmove's peak RSS (/usr/bin/time -v).  cloudmove hashes every part
# twice (SHA-256 for the signature, MD5 for Content-MD5) in its two upload
# threads and sends 8 MiB parts two at a time; s3rver then copies the parts
# into the object at CompleteMultipartUpload, which a single PUT never pays.
# Hence a second baseline that speaks the same protocol: s3-multipart.py,
# the same parts, hashes and signatures (botocore), one part at a time.
# s3rver (one node process: one core) is the bottleneck: it MD5s and writes
# each part as it MD5s and writes a single PUT, then at
# CompleteMultipartUpload reads every part back, MD5s and writes them again
# as the object (S3 itself does not copy); on loopback that step is about a
# third of the upload.  Its duration comes from s3rver's request log and is
# printed apart, with the ratio of the parts alone ("parts only").
# Images live under BENCH_TMP (default /var/tmp) and are deleted at the end.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
CLOUDMOVE=${CLOUDMOVE:-$REPO/build/cloudmove}
CACHE=${CLOUDMOVE_CACHE:-$REPO/.cache}
GIB=${BENCH_S3_GIB:-2}
tmp=$(mktemp -d "${BENCH_TMP:-/var/tmp}/cloudmove-bench-s3.XXXXXX")
s3pid=''
trap '[ -n "$s3pid" ] && kill "$s3pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
MiB=$((1024 * 1024))
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
mbs() { awk -v n="$1" -v t="$2" 'BEGIN { printf "%.0f MB/s", n / (t / 1e9) / 1e6 }'; }
row() { printf '%-46s %10s %12s %8s\n' "$@"; }

s3rver=$CACHE/npm/s3rver-3.7.1/node_modules/.bin/s3rver
if [ ! -x "$s3rver" ]; then
	mkdir -p "$CACHE/npm/s3rver-3.7.1" &&
		(cd "$CACHE/npm/s3rver-3.7.1" && npm install --no-audit --no-fund s3rver@3.7.1 >/dev/null 2>&1)
fi
[ -x "$s3rver" ] || { echo "no s3rver (npm install s3rver@3.7.1 failed)"; exit 0; }
mkdir -p "$tmp/data"
# not silent (-s): its request log times CompleteMultipartUpload
"$s3rver" -d "$tmp/data" -a 127.0.0.1 -p 0 --configure-bucket test >"$tmp/s3rver.log" 2>&1 &
s3pid=$!
for _ in $(seq 100); do grep -q listening "$tmp/s3rver.log" 2>/dev/null && break; sleep 0.1; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/s3rver.log")
printf 'aws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n' >"$tmp/creds"
chmod 600 "$tmp/creds"

img=$tmp/full.img
head -c $((64 * MiB)) /dev/urandom >"$tmp/chunk"
for i in $(seq 0 $((GIB * 16 - 1))); do
	dd if="$tmp/chunk" of="$img" bs=1M seek=$((i * 64)) conv=notrunc status=none
done
rm -f "$tmp/chunk"
size=$(stat -c %s "$img")
cat "$img" >/dev/null		# both read it from the page cache

echo "--- raw, $GIB GiB of data, to s3rver on loopback"
t0=$(now)
dd if="$img" bs=4M status=none | curl -sS -f -T - --aws-sigv4 "aws:amz:us-east-1:s3" \
	--user S3RVER:S3RVER -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
	"http://127.0.0.1:$port/test/baseline" -o /dev/null
t1=$(now)
drop() { rm -f "$tmp/data/test/$1._S3rver_"*; sync; }
# complete_ns KEY: how long s3rver took over KEY's CompleteMultipartUpload
# (its log: "/KEY?uploadId=... 200 5,904ms 250b", or "12s" from 10 s on:
# koa-logger), in ns; 0 if not found
complete_ns() {
	sed 's/\x1b\[[0-9;]*m//g' "$tmp/s3rver.log" |
		awk -v k="/$1?uploadId=" 'index($0, k) && / 200 [0-9,]+m?s / {
			for (i = 1; i <= NF; i++) if ($i ~ /^[0-9,]+m?s$/) {
				v = $i; u = (v ~ /ms$/) ? 1e6 : 1e9; gsub(/[,ms]/, "", v); ns = v * u } }
			END { printf "%.0f", ns }'
}
drop baseline
t2=$(now)
/usr/bin/time -v -o "$tmp/time" "$CLOUDMOVE" stream --progress=none --source "$img" \
	--dest "s3://test/cm.img?endpoint=http://127.0.0.1:$port" --creds "$tmp/creds" ||
	echo "WARNING: cloudmove failed"
t3=$(now)
got=$(curl -sf "http://127.0.0.1:$port/test/cm.img" | cmp - "$img" >/dev/null 2>&1 && echo same || echo DIFFERS)
drop cm.img
t4=$(now)
python3 "$(dirname "$0")/s3-multipart.py" "$img" "http://127.0.0.1:$port/test/multipart" ||
	echo "WARNING: s3-multipart.py failed"
t5=$(now)
drop multipart
rss=$(awk -F': ' '/Maximum resident/ { printf "%.1f MiB", $2 / 1024 }' "$tmp/time")
c_cm=$(complete_ns cm.img) c_mp=$(complete_ns multipart)
row "" "seconds" "throughput" "speed"
row "dd bs=4M | curl -T - (baseline)" "$(secs "$t0" "$t1")" "$(mbs "$size" $((t1 - t0)))" "1.00"
row "python/botocore multipart, serial (baseline 2)" "$(secs "$t4" "$t5")" "$(mbs "$size" $((t5 - t4)))" \
	"$(ratio $((t1 - t0)) $((t5 - t4)))"
row "cloudmove stream raw s3:// (object $got)" "$(secs "$t2" "$t3")" "$(mbs "$size" $((t3 - t2)))" \
	"$(ratio $((t1 - t0)) $((t3 - t2)))"
echo "cloudmove vs baseline 2 (same protocol): $(ratio $((t5 - t4)) $((t3 - t2)))"
echo "of which s3rver's CompleteMultipartUpload (it copies the parts):" \
	"cloudmove $(secs 0 "$c_cm") s, botocore $(secs 0 "$c_mp") s"
echo "parts only, vs baseline: cloudmove $(ratio $((t1 - t0)) $((t3 - t2 - c_cm)))," \
	"botocore $(ratio $((t1 - t0)) $((t5 - t4 - c_mp)))"
echo "cloudmove peak RSS: $rss (8 MiB parts; cap 32 MiB)"
