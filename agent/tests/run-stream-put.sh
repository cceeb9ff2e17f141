#!/bin/bash
# run-stream-put.sh CLOUDMOVE — cloudmove stream to http:// (the plain PUT
# sink) against lib/put_server.py on 127.0.0.1, checked with the real tools:
# raw (cmp), vhd (qemu-img compare), gce (gzip -t, tar, disk.raw) of a
# sparse image and of a real ext4; the wire: Content-Length for raw and
# vhd, chunked for gce, zeros sent as bytes but never read from the source
# (--debug's read count), one request per stream; --resume refused; a
# presigned-style query kept on the request, never shown; kill -9 mid-upload
# leaves only the server's partial file, and so does the source failing
# mid-stream (exit 1 at once); a server that answers 200 before
# the body, or redirects, fails the stream.  (TLS and retries:
# run-stream-tls.sh.)  Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-stream-put.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp
srv_pid='' cm_pid=''
cleanup() {
	[ -n "$cm_pid" ] && kill -9 "$cm_pid" 2>/dev/null
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
}
suite_on_exit cleanup
MiB=$((1024 * 1024)) GiB=$((1024 * 1024 * 1024))
size_of() { stat -c %s "$1"; }
roundup() { echo $(( ($1 + $2 - 1) / $2 * $2 )); }

# --- images (as run-stream.sh) ---------------------------------------------------
sparse=$tmp/sparse.img		# 64 MiB + 12345, data at 0, 7 MiB + 100, the end
truncate -s $((64 * MiB + 12345)) "$sparse"
head -c 4096 /dev/urandom | dd of="$sparse" conv=notrunc status=none
head -c $((300 * 1024)) /dev/urandom | dd of="$sparse" bs=1 seek=$((7 * MiB + 100)) conv=notrunc status=none
head -c 777 /dev/urandom | dd of="$sparse" bs=1 seek=$((64 * MiB + 12345 - 777)) conv=notrunc status=none
ext4=$tmp/ext4.img		# a real file system, 40 MiB + 3 blocks
mkdir -p "$tmp/tree/etc" "$tmp/tree/var/lib"
echo "cloudmove test root" >"$tmp/tree/etc/motd"
head -c $((3 * MiB)) /dev/urandom >"$tmp/tree/var/lib/blob"
seq 1 200000 >"$tmp/tree/var/lib/numbers"
truncate -s $((40 * MiB + 3 * 4096)) "$ext4"
mkfs.ext4 -q -F -b 4096 -d "$tmp/tree" "$ext4" >/dev/null 2>&1 || fail "mkfs.ext4" "failed"

# --- the server ------------------------------------------------------------------
store=$tmp/store
serve() {	# serve [put_server ARGS...]: a fresh server; sets $port
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	rm -rf "$store" "$tmp/log" "$tmp/port"
	mkdir -p "$store"
	python3 "$here/lib/put_server.py" --dir "$store" --port-file "$tmp/port" \
		--log "$tmp/log" "$@" &
	srv_pid=$!
	for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
	port=$(cat "$tmp/port" 2>/dev/null)
}
stream() {	# stream SRC NAME FORMAT [ARGS...]: rc in $rc, stderr in $tmp/err
	"$bin" stream --source "$1" --dest "http://localhost:$port/$2" --format "$3" \
		--progress=none "${@:4}" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
last() { tail -1 "$tmp/log" | python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }
requests() { [ -f "$tmp/log" ] && wc -l <"$tmp/log" || echo 0; }
one_line() { [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^cloudmove: ' "$tmp/err"; }

serve
# --- raw ---------------------------------------------------------------------------
for img in "$sparse" "$ext4"; do
	name=$(basename "$img" .img)
	n0=$(requests)
	stream "$img" "$name.raw" raw --debug
	if [ "$rc" -eq 0 ] && cmp -s "$img" "$store/$name.raw"; then ok "raw $name: stored file identical (cmp)"
	else fail "raw $name" "rc=$rc $(cat "$tmp/err")"; fi
	[ "$(last content_length)" = "$(size_of "$img")" ] && [ "$(last chunked)" = False ] &&
		[ "$(last bytes)" = "$(size_of "$img")" ] && [ $(($(requests) - n0)) -eq 1 ] &&
		ok "raw $name: one PUT, Content-Length $(size_of "$img"), every byte sent once" ||
		fail "raw $name: the wire" "$(tail -1 "$tmp/log")"
done
# the sparse image's holes went as zeros without being read
stream "$sparse" "sparse2.raw" raw --debug
read_bytes=$(sed -n 's/.*stream: read \([0-9]*\) bytes.*/\1/p' "$tmp/err" | head -1)
if [ "$rc" -eq 0 ] && [ -n "$read_bytes" ] && [ "$read_bytes" -lt $((4 * MiB)) ] &&
	[ "$(last bytes)" = "$(size_of "$sparse")" ]; then
	ok "raw sparse: $read_bytes bytes read of $(size_of "$sparse"), all $(last bytes) sent (zeros not read)"
else fail "raw sparse: reads" "read=$read_bytes $(cat "$tmp/err")"; fi

# the done event: what was made, and every byte sent (zeros included: a
# plain PUT is not sparse), not only the bytes read
"$bin" stream --source "$sparse" --dest "http://localhost:$port/sparse3.raw?x=1" --format raw \
	--progress=json >"$tmp/out" 2>"$tmp/err"
r=$(python3 -c 'import json,sys
d=[json.loads(l) for l in open(sys.argv[1])][-1]
print(d); sys.exit(0 if d["event"]=="done" and d["sent"]==int(sys.argv[2]) and d["written"]<d["sent"] and d["dest"]==sys.argv[3] else 1)' \
	"$tmp/out" "$(size_of "$sparse")" "http://localhost:$port/sparse3.raw") \
	&& ok "done event: dest without the query, sent $(size_of "$sparse") (zeros too)" || fail "done event" "$r"

# --- vhd ---------------------------------------------------------------------------
for img in "$sparse" "$ext4"; do
	name=$(basename "$img" .img)
	vsize=$(roundup "$(size_of "$img")" $MiB)
	stream "$img" "$name.vhd" vhd
	if [ "$rc" -eq 0 ] && qemu-img compare -q -f vpc -F raw "$store/$name.vhd" "$img" 2>/dev/null &&
		r=$(python3 "$here/vhd_footer.py" "$store/$name.vhd" "$vsize"); then
		ok "vhd $name: qemu-img compare, footer ($r)"
	else fail "vhd $name" "rc=$rc $(cat "$tmp/err")"; fi
	[ "$(last content_length)" = $((vsize + 512)) ] && ok "vhd $name: Content-Length $((vsize + 512))" ||
		fail "vhd $name: Content-Length" "$(tail -1 "$tmp/log")"
done

# --- gce (the sparse image only: each run compresses a whole padded GiB) -------
for img in "$sparse"; do
	name=$(basename "$img" .img)
	out=$store/$name.tar.gz
	padded=$(roundup "$(size_of "$img")" $GiB)
	stream "$img" "$name.tar.gz" gce
	if [ "$rc" -eq 0 ] && gzip -t "$out" && [ "$(tar -tvzf "$out" | awk '{print $3, $6}')" = "$padded disk.raw" ] &&
		(set +o pipefail; tar -xzOf "$out" disk.raw | cmp -s -n "$(size_of "$img")" - "$img"); then
		ok "gce $name: gzip -t, tar: disk.raw of $padded bytes, the source at its start"
	else fail "gce $name" "rc=$rc $(cat "$tmp/err")"; fi
	[ "$(last chunked)" = True ] && [ "$(last content_length)" = None ] &&
		[ "$(last bytes)" = "$(size_of "$out")" ] &&
		ok "gce $name: chunked transfer-encoding, $(size_of "$out") bytes" ||
		fail "gce $name: the wire" "$(tail -1 "$tmp/log")"
done

# --- refusals, secrets ---------------------------------------------------------------
stream "$sparse" "r.raw" raw --resume
[ "$rc" -eq 1 ] && one_line && grep -q "resume" "$tmp/err" && [ ! -e "$store/r.raw" ] &&
	ok "--resume refused for a plain PUT ($(cat "$tmp/err"))" || fail "--resume" "rc=$rc $(cat "$tmp/err")"
stream "$sparse" "q.raw?X-Amz-Signature=s3cr3t&X-Amz-Expires=600" raw
if [ "$rc" -eq 0 ] && cmp -s "$sparse" "$store/q.raw" && last path | grep -q "X-Amz-Signature=s3cr3t"; then
	ok "a presigned-style URL: the query goes on the PUT"
else fail "presigned-style URL" "rc=$rc $(cat "$tmp/err")"; fi
serve --status 404
stream "$sparse" "q.raw?X-Amz-Signature=s3cr3t" raw
[ "$rc" -eq 1 ] && one_line && grep -q 404 "$tmp/err" && ! grep -q "s3cr3t\|Signature" "$tmp/err" &&
	ok "404: exit 1, the URL's query not shown ($(cat "$tmp/err"))" || fail "404" "rc=$rc $(cat "$tmp/err")"
serve --status 307
stream "$sparse" "moved.raw" raw
[ "$rc" -eq 1 ] && one_line && grep -q 307 "$tmp/err" && [ "$(requests)" -eq 1 ] &&
	ok "307: not followed, exit 1" || fail "307" "rc=$rc $(cat "$tmp/err")"
serve --status 200
stream "$sparse" "early.raw" raw
[ "$rc" -eq 1 ] && one_line && grep -q "before the end" "$tmp/err" &&
	ok "200 before the body: not taken for a stored image ($(cat "$tmp/err"))" ||
	fail "200 before the body" "rc=$rc $(cat "$tmp/err")"

# --- kill -9 mid-upload ------------------------------------------------------------
serve --rate $((8 * MiB))
"$bin" stream --source "$ext4" --dest "http://localhost:$port/killed.raw" --progress=none \
	>/dev/null 2>"$tmp/err" &
cm_pid=$!
for _ in $(seq 50); do [ -s "$store/killed.raw.part" ] && break; sleep 0.1; done
sleep 0.5
{ kill -9 "$cm_pid"; wait "$cm_pid"; } 2>/dev/null	# (not bash's "Killed" line)
cm_pid=''
for _ in $(seq 50); do [ "$(requests)" -ge 1 ] && break; sleep 0.1; done
got=$(last bytes 2>/dev/null)
if [ ! -e "$store/killed.raw" ] && [ "$(last status)" = broken ] && [ "$got" -gt 0 ] && [ "$got" -lt "$(size_of "$ext4")" ]; then
	ok "kill -9 mid-upload ($got of $(size_of "$ext4") bytes): the server stored no image"
else fail "kill -9 mid-upload" "$(cat "$tmp/log" 2>/dev/null) $(ls "$store")"; fi

# --- the source failing mid-stream (it shrinks under the reader) ------------
head -c $((40 * MiB)) /dev/urandom >"$tmp/shrinks.img"	# all data: every chunk is read
serve --rate $((8 * MiB))
(sleep 1; truncate -s $((5 * MiB)) "$tmp/shrinks.img") &
shrinker=$!
t0=$SECONDS
"$bin" stream --source "$tmp/shrinks.img" --dest "http://localhost:$port/shrinks.raw" \
	--progress=none >/dev/null 2>"$tmp/err"
rc=$?
wait "$shrinker"
took=$((SECONDS - t0))
for _ in $(seq 50); do [ "$(requests)" -ge 1 ] && break; sleep 0.1; done
if [ "$rc" -eq 1 ] && one_line && [ "$took" -le 4 ] && [ ! -e "$store/shrinks.raw" ] &&
	[ "$(requests)" -eq 1 ] && [ "$(last status)" = broken ]; then
	ok "the source failing mid-stream: exit 1 at once (${took}s), the upload cut, no image ($(cut -c1-80 "$tmp/err"))"
else fail "the source failing mid-stream" "rc=$rc ${took}s $(cat "$tmp/err") $(cat "$tmp/log")"; fi

suite_end
