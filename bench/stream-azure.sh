#!/bin/bash
# cloudmove stream to an Azure page blob (a benchmark, not a test: prints,
# never fails on time).  A 1 GiB image holding 25% data (16 MiB of random
# bytes every 64 MiB), to azurite 3.37.0 on 127.0.0.1:
#   baseline: `curl -T` Put Blob of the same image file (a block blob, SAS)
#   protocol bound: `curl -T` Put Page of just the data ranges, 4 MiB each,
#     one after the other (what the page blob protocol costs on this server)
#   cloudmove: --format vhd (page blob, Shared Key: only the data is sent)
# Prints both times, the ratio, the bytes sent and cloudmove's peak RSS
# (/usr/bin/time -v).  BENCH_TMP (default /var/tmp) holds the image and
# azurite's store; both go at the end.
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
CLOUDMOVE=${CLOUDMOVE:-$REPO/build/cloudmove}
CACHE=${CLOUDMOVE_CACHE:-$REPO/.cache}
AZBIN=$CACHE/npm/azurite-3.37.0/node_modules/.bin/azurite-blob
tmp=$(mktemp -d "${BENCH_TMP:-/var/tmp}/cloudmove-bench-azure.XXXXXX")
azpid=''
trap '[ -n "$azpid" ] && kill "$azpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
MiB=$((1024 * 1024))
KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
row() { printf '%-44s %9s %12s %8s\n' "$@"; }
az() { python3 "$REPO/agent/tests/lib/azblob.py" "$@"; }

if [ ! -x "$AZBIN" ]; then
	echo "azurite 3.37.0 is not in $CACHE/npm (the stream-azure suite installs it); skipped"
	exit 0
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$tmp/azurite"
"$AZBIN" --blobHost 127.0.0.1 --blobPort "$port" --location "$tmp/azurite" \
	--disableTelemetry --silent >"$tmp/azurite.log" 2>&1 &
azpid=$!
for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
base=http://127.0.0.1:$port/devstoreaccount1
az mkcontainer "$base/images" || { echo "azurite did not start"; exit 0; }
printf 'azure_account_key = %s\n' "$KEY" >"$tmp/creds"
chmod 600 "$tmp/creds"

img=$tmp/disk.img
truncate -s $((1024 * MiB)) "$img"
head -c $((16 * MiB)) /dev/urandom >"$tmp/chunk"
for i in $(seq 0 15); do
	dd if="$tmp/chunk" of="$img" bs=1M seek=$((i * 64 + 8)) conv=notrunc status=none
done
cat "$img" >/dev/null		# both read it from the page cache

t0=$(now)
code=$(curl -s -o /dev/null -w '%{http_code}' -T "$img" -H "x-ms-blob-type: BlockBlob" \
	"$base/images/curl.img?$(az sas devstoreaccount1)")
t1=$(now)
[ "$code" = 201 ] || echo "WARNING: curl Put Blob: HTTP $code"
split -b $((4 * MiB)) -d "$tmp/chunk" "$tmp/part."
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "x-ms-blob-type: PageBlob" \
	-H "x-ms-blob-content-length: $((1024 * MiB))" -H "Content-Length: 0" \
	"$base/images/pages.img?$(az sas devstoreaccount1)")
[ "$code" = 201 ] || echo "WARNING: curl create page blob: HTTP $code"
sas=$(az sas devstoreaccount1)
t4=$(now)
for i in $(seq 0 15); do
	for j in 0 1 2 3; do
		off=$(( (i * 64 + 8) * MiB + j * 4 * MiB ))
		curl -s -o /dev/null -T "$tmp/part.0$j" -H "x-ms-page-write: update" \
			-H "x-ms-range: bytes=$off-$((off + 4 * MiB - 1))" \
			"$base/images/pages.img?$sas&comp=page"
	done
done
t5=$(now)
t2=$(now)
/usr/bin/time -v "$CLOUDMOVE" stream --progress=none --source "$img" --format vhd \
	--creds "$tmp/creds" --dest "$base/images/disk.vhd" 2>"$tmp/time" \
	|| { echo "WARNING: cloudmove failed:"; cat "$tmp/time"; }
t3=$(now)
rss=$(awk -F': ' '/Maximum resident/ { print $2 }' "$tmp/time")
sent=$(az ranges "$base/images/disk.vhd" | awk '{ n += $2 - $1 + 1 } END { print n + 0 }')
echo "1 GiB image, 256 MiB of data (25%), to azurite on loopback"
row "" "seconds" "bytes sent" "speed"
row "curl -T Put Blob, whole file (baseline)" "$(secs "$t0" "$t1")" "$((1024 * MiB))" "1.00"
row "curl -T Put Page x 64, the data only" "$(secs "$t4" "$t5")" "$((256 * MiB))" \
	"$(ratio $((t1 - t0)) $((t5 - t4)))"
row "cloudmove stream vhd (page blob)" "$(secs "$t2" "$t3")" "$sent" \
	"$(ratio $((t1 - t0)) $((t3 - t2)))"
echo "cloudmove vs curl Put Page of the same ranges: $(ratio $((t5 - t4)) $((t3 - t2)))x"
echo "cloudmove peak RSS: ${rss:-?} KiB; blob: $(az props "$base/images/disk.vhd")"
