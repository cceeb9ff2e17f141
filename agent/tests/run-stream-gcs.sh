#!/bin/bash
# run-stream-gcs.sh CLOUDMOVE — cloudmove stream to gs:// against the test
# Cloud Storage server (lib/gcs_server.py: the JSON API resumable upload on
# 127.0.0.1).  raw and gce objects checked byte for byte (gce: gzip -t,
# tar -tvzf, the extracted disk.raw against the source padded to 1 GiB),
# crc32c verified by the client; a server that acknowledges less than it got
# (308 short ack), 503s, a wrong token (401: one line, the token nowhere),
# an unknown bucket, a session gone before --resume, a server whose crc32c
# is wrong (the object is deleted); >= 10 network cuts at random byte
# counts (cutproxy --dead-after, then --resume through a fresh proxy) and
# kill -9 at random moments, each ending with a byte-identical object and
# nothing the server held sent again (the server's log: overlap 0).
# GCS_TEST_SEED=N repeats a run's random points.  Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-stream-gcs.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
server=$here/lib/gcs_server.py
cutproxy=$here/lib/cutproxy.py
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp
MiB=$((1024 * 1024)) GiB=$((1024 * 1024 * 1024))
# the same gce bytes from every run (the archive member's mtime), so that
# every gce object can be compared with one checked reference
export SOURCE_DATE_EPOCH=1700000000
seed=${GCS_TEST_SEED:-$$}
RANDOM=$seed
echo "# seed $seed (GCS_TEST_SEED=$seed repeats the random cuts)"

token="ya29.test-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '# test token\ngcp_access_token = %s\n' "$token" >"$tmp/creds"
printf 'gcp_access_token = ya29.wrong-token\n' >"$tmp/creds.wrong"
chmod 600 "$tmp/creds" "$tmp/creds.wrong"

# start_server NAME [ARGS...]: data in $tmp/NAME; sets port
start_server() {
	local name=$1
	shift
	mkdir -p "$tmp/$name"
	suite_bg python3 "$server" --data "$tmp/$name" --token "$token" --bucket bucket \
		--port-file "$tmp/$name.port" "$@" 2>>"$tmp/$name.log"
	suite_wait_file "$tmp/$name.port" 100 || { echo "server $name did not start"; exit 1; }
	port=$(cat "$tmp/$name.port")
}
# start_proxy NAME TO [ARGS...]: sets pport and ppid
start_proxy() {
	local name=$1 to=$2
	shift 2
	rm -f "$tmp/$name.pport"
	suite_bg python3 "$cutproxy" --to "$to" --port-file "$tmp/$name.pport" "$@"
	ppid=$!
	suite_wait_file "$tmp/$name.pport" 100 || { echo "proxy $name did not start"; exit 1; }
	pport=$(cat "$tmp/$name.pport")
}
# gs SRC PORT OBJECT FORMAT ERRFILE [ARGS...]: the stream's exit status
gs() {
	local src=$1 p=$2 obj=$3 fmt=$4 err=$5
	shift 5
	"$bin" stream --source "$src" --dest "gs://bucket/$obj?endpoint=http://127.0.0.1:$p" \
		--format "$fmt" --progress=none --creds "$tmp/creds" "$@" >/dev/null 2>"$err"
}
object() { echo "$tmp/$1/objects/bucket/$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$2")"; }
# overlap DIR: bytes the server already held that were sent again, all sessions
overlap() {
	python3 -c 'import json,sys
t=0
for l in open(sys.argv[1]):
    r=json.loads(l); t+=r.get("overlap",0)
print(t)' "$1/log.jsonl"
}
lines() { wc -l <"$1" | tr -d ' '; }

# --- images ------------------------------------------------------------------
img=$tmp/disk.img		# 20 MiB + 1000: data at 0, 5 MiB, the end
truncate -s $((20 * MiB)) "$img"
head -c 4096 /dev/urandom | dd of="$img" conv=notrunc status=none
head -c $((3 * MiB)) /dev/urandom | dd of="$img" bs=$MiB seek=5 conv=notrunc status=none
head -c 1000 /dev/urandom >>"$img"
cutimg=$tmp/cut.img		# 24 MiB + 1000, 9 MiB of data: gce > one chunk
truncate -s $((24 * MiB)) "$cutimg"
head -c $((9 * MiB)) /dev/urandom | dd of="$cutimg" conv=notrunc status=none
head -c 1000 /dev/urandom >>"$cutimg"
# gce_ok OBJECT SOURCE: "" when OBJECT passes gzip -t and tar -tvvzf lists
# one member disk.raw of a whole GiB whose bytes are SOURCE padded with
# zeros (compared as tar extracts it: one more inflate, no 1 GiB file)
gce_ok() {
	local l padded=$tmp/padded.$$
	gzip -t "$1" 2>/dev/null || { echo "gzip -t fails"; return; }
	cp --sparse=always "$2" "$padded"
	truncate -s $GiB "$padded"
	l=$(tar -xvvzf "$1" --to-command="cmp -s - $padded || echo DIFFERS" 2>&1) || { echo "tar: $l"; return; }
	rm -f "$padded"
	[[ $l == *" $GiB "*disk.raw ]] && [ "$(echo "$l" | wc -l)" = 1 ] || { echo "tar lists: $l"; return; }
}

# the reference: the gce encoding of cut.img through file://, checked with
# the real tools; each gce object must equal it byte for byte
# (checked in the background: two inflates of 1 GiB; the result at the end)
"$bin" stream --source "$cutimg" --dest "file://$tmp/cut.tar.gz" --format gce --progress=none
gce_ok "$tmp/cut.tar.gz" "$cutimg" >"$tmp/reference.why" 2>&1 &
refpid=$!

# --- raw and gce, crc32c ---------------------------------------------------------
start_server main --crc32c
main=$port
if gs "$img" $main dir/disk.raw raw "$tmp/err" --debug && cmp -s "$img" "$(object main dir/disk.raw)"; then
	ok "raw: object identical to the source ($(stat -c %s "$img") bytes, name with a slash)"
else fail "raw" "$(tail -3 "$tmp/err")"; fi
grep -q "crc32c .* verified" "$tmp/err" && ok "raw: crc32c of the object verified by the client" \
	|| fail "raw: crc32c" "$(grep gcs "$tmp/err")"
[ ! -e "$img.cloudmove-stream" ] && ok "raw: no resume state left" || fail "raw" "state left"
[ "$(overlap "$tmp/main")" = 0 ] && ok "raw: nothing sent twice" || fail "raw" "overlap $(overlap "$tmp/main")"
# the object through the API too (GET alt=media)
curl -sf -H "Authorization: Bearer $token" \
	"http://127.0.0.1:$main/storage/v1/b/bucket/o/dir%2Fdisk.raw?alt=media" | cmp -s - "$img" \
	&& ok "raw: GET alt=media gives the same bytes" || fail "raw: GET" "differs"

if gs "$cutimg" $main disk.tar.gz gce "$tmp/err" --debug; then
	cmp -s "$(object main disk.tar.gz)" "$tmp/cut.tar.gz" \
		&& ok "gce: the object is the checked reference, byte for byte" || fail "gce" "differs"
	grep -q "crc32c .* verified" "$tmp/err" && ok "gce: crc32c verified (size learnt at the end)" \
		|| fail "gce: crc32c" "$(grep gcs "$tmp/err")"
else fail "gce" "$(tail -3 "$tmp/err")"; fi

# --- faults the client must ride through ---------------------------------------
start_server short --short-ack 2 --crc32c
if gs "$img" $port s.raw raw "$tmp/err" --debug && cmp -s "$img" "$(object short s.raw)"; then
	n=$(python3 -c 'import json,sys
print(sum(1 for l in open(sys.argv[1]) for r in [json.loads(l)] if "start" in r and r["held_after"] < r["start"] + r["received"]))' "$tmp/short/log.jsonl")
	[ "$n" -gt 0 ] && ok "308 short ack: $n chunks partly kept, the rest sent again from memory, object identical" \
		|| fail "short ack" "no short ack happened"
else fail "short ack" "$(tail -3 "$tmp/err")"; fi
[ "$(overlap "$tmp/short")" = 0 ] && ok "short ack: nothing the server held sent again" \
	|| fail "short ack" "overlap $(overlap "$tmp/short")"
grep -q "crc32c .* verified" "$tmp/err" && ok "short ack: crc32c verified" || fail "short ack: crc32c" "not verified"

start_server busy --fail-503 2
if gs "$cutimg" $port b.tar.gz gce "$tmp/err" --debug; then
	n=$(grep -c '"status": 503' "$tmp/busy/log.jsonl")
	cmp -s "$(object busy b.tar.gz)" "$tmp/cut.tar.gz" && why="" || why="not the reference"
	[ "$n" -gt 0 ] && [ -z "$why" ] && ok "503 on every 2nd chunk ($n): status query, retried, gce object good" \
		|| fail "503" "$n 503s; $why"
else fail "503" "$(tail -3 "$tmp/err")"; fi
[ "$(overlap "$tmp/busy")" = 0 ] && ok "503: nothing sent twice" || fail "503" "overlap"

# connections reset mid-chunk (and the body partly held): asked, then sent
# from what the server holds, in the same run
start_server resets --crc32c
start_proxy resets $port --cut-at $((3 * MiB)),$((12 * MiB)),$((12 * MiB + 300000))
if gs "$img" "$pport" r.raw raw "$tmp/err" --debug && cmp -s "$img" "$(object resets r.raw)"; then
	n=$(grep -c "asking where the upload stands" "$tmp/err")
	ok "3 connection resets mid-chunk: $n status queries, object identical in one run"
else fail "resets" "$(tail -3 "$tmp/err")"; fi
[ "$(overlap "$tmp/resets")" = 0 ] && grep -q "crc32c .* verified" "$tmp/err" \
	&& ok "resets: nothing the server held sent again, crc32c verified" \
	|| fail "resets" "overlap $(overlap "$tmp/resets")"
kill $ppid

# https: a local CA, a certificate for localhost; verified, and refused
# when the CA is not the one (CLOUDMOVE_CA_BUNDLE says which to trust)
(
	cd "$tmp" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=cloudmove test CA" -keyout ca.key -out ca.pem &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-subj "/CN=localhost" -keyout srv.key -out srv.csr &&
	printf 'subjectAltName=DNS:localhost\n' >srv.ext &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile srv.ext -out srv.crt &&
	cat srv.crt srv.key >srv.pem &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
		-subj "/CN=other CA" -keyout other.key -out other.pem
) >/dev/null 2>&1 || fail "openssl" "could not make the test certificates"
start_server tls --tls-cert "$tmp/srv.pem" --crc32c
tls=$port
if CLOUDMOVE_CA_BUNDLE=$tmp/ca.pem "$bin" stream --source "$img" --progress=none \
	--dest "gs://bucket/t.raw?endpoint=https://localhost:$tls" --creds "$tmp/creds" 2>"$tmp/err" &&
   cmp -s "$img" "$(object tls t.raw)"; then ok "https with the local CA (localhost): object identical"
else fail "https" "$(cat "$tmp/err")"; fi
# (in the background: the client retries for ~8 s first)
CLOUDMOVE_CA_BUNDLE=$tmp/other.pem "$bin" stream --source "$img" --progress=none \
	--dest "gs://bucket/t2.raw?endpoint=https://localhost:$tls" --creds "$tmp/creds" \
	2>"$tmp/badtls.err" &
badtls=$!

# --- failures: one line, exit 1, no secret, nothing left -------------------------
"$bin" stream --source "$img" --dest "gs://bucket/w.raw?endpoint=http://127.0.0.1:$main" \
	--progress=none --creds "$tmp/creds.wrong" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc = 1 ] && [ "$(lines "$tmp/err")" = 1 ] && grep -q "401" "$tmp/err" &&
   ! grep -q "wrong-token\|$token" "$tmp/err"; then ok "401 wrong token: exit 1, one line, no token: $(cat "$tmp/err")"
else fail "401" "rc $rc: $(cat "$tmp/err")"; fi
[ ! -e "$(object main w.raw)" ] && [ ! -e "$img.cloudmove-stream" ] && ok "401: no object, no state" \
	|| fail "401" "something left"
gs "$img" $main x.raw raw "$tmp/err" --dest "gs://nosuchbucket/x.raw?endpoint=http://127.0.0.1:$main"
rc=$?
[ $rc = 1 ] && [ "$(lines "$tmp/err")" = 1 ] && grep -q "404" "$tmp/err" \
	&& ok "unknown bucket: exit 1, one line: $(cat "$tmp/err")" || fail "404" "rc $rc: $(cat "$tmp/err")"
"$bin" stream --source "$img" --dest "gs://bucket/n.raw?endpoint=http://127.0.0.1:$main" \
	--progress=none >/dev/null 2>"$tmp/err"
rc=$?
[ $rc = 1 ] && [ "$(lines "$tmp/err")" = 1 ] && grep -q "creds" "$tmp/err" \
	&& ok "no --creds: exit 1, one line" || fail "no creds" "rc $rc: $(cat "$tmp/err")"
for q in "region=x" "endpoint=ftp://h" "endpoint=http://h/path" "endpoint=http://a&x=1"; do
	gs "$img" $main q.raw raw "$tmp/err" --dest "gs://bucket/q.raw?$q"
	rc=$?
	[ $rc = 1 ] && [ "$(lines "$tmp/err")" = 1 ] && ok "?$q refused: $(cut -c1-90 "$tmp/err")" \
		|| fail "?$q" "rc $rc: $(cat "$tmp/err")"
done
start_server badcrc --crc32c --bad-crc32c
gs "$img" $port bad.raw raw "$tmp/err"
rc=$?
[ $rc = 1 ] && grep -q "crc32c" "$tmp/err" && [ ! -e "$(object badcrc bad.raw)" ] \
	&& ok "wrong crc32c from the server: exit 1, the object deleted" \
	|| fail "bad crc32c" "rc $rc: $(cat "$tmp/err")"
# --- cuts at random points, then --resume ---------------------------------------
start_server cuts
cuts=$port
start_server cutscrc --crc32c
cutscrc=$port
cut_run() {	# cut_run I FORMAT SERVER-PORT SERVER-NAME AT: result in $tmp/cut$I.res
	local i=$1 fmt=$2 sp=$3 sname=$4 at=$5 src=$tmp/cut$i.img obj=cut$i rc1 rc2 o why
	local orig=$img
	[ "$fmt" = gce ] && orig=$cutimg
	cp --sparse=always "$orig" "$src"
	start_proxy cut$i "$sp" --dead-after $at
	gs "$src" "$pport" $obj $fmt "$tmp/cut$i.err1" --debug
	rc1=$?
	kill $ppid
	start_proxy cut$i.b "$sp"
	gs "$src" "$pport" $obj $fmt "$tmp/cut$i.err2" --debug --resume
	rc2=$?
	kill $ppid
	o=$(object "$sname" $obj)
	if [ "$fmt" = raw ]; then
		cmp -s "$orig" "$o" && why="" || why="object differs"
	else
		cmp -s "$o" "$tmp/cut.tar.gz" && why="" || why="not the reference gce"
	fi
	local from
	from=$(grep -o "resuming from [0-9]*" "$tmp/cut$i.err2" | grep -o "[0-9]*$")
	if [ "$rc1" = 1 ] && [ "$rc2" = 0 ] && [ -z "$why" ]; then
		echo "ok $fmt cut after $at bytes: exit 1, --resume from ${from:-0 (nothing stored: started over)}, identical" >"$tmp/cut$i.res"
	else
		echo "FAIL $fmt cut after $at bytes: rc $rc1/$rc2 $why $(tail -2 "$tmp/cut$i.err1" "$tmp/cut$i.err2" | tr '\n' ' ')" >"$tmp/cut$i.res"
	fi
}
fmts=(raw gce raw raw gce raw raw gce raw raw)
cutpids=()
# meanwhile: no server at all (a port nothing listens on any more)
start_server dead
kill "${suite_bg_pids[-1]}"
wait "${suite_bg_pids[-1]}" 2>/dev/null
gs "$img" $port dead.raw raw "$tmp/dead.err" &
deadpid=$!
for i in "${!fmts[@]}"; do
	# the cut point: anywhere in the bytes the run sends (gce: ~9.5 MiB)
	[ "${fmts[$i]}" = raw ] && max=$(stat -c %s "$img") || max=$((9 * MiB))
	low=1
	# the runs on the crc32c server (raw) cut after the first chunk, so
	# that the saved CRC is carried across the resume
	[ $((i % 3)) = 0 ] && low=$((9 * MiB))
	at=$(( (RANDOM * 32768 + RANDOM) % (max - low + 1) + low ))
	if [ $((i % 3)) = 0 ]; then cut_run $i "${fmts[$i]}" $cutscrc cutscrc $at &
	else cut_run $i "${fmts[$i]}" $cuts cuts $at & fi
	cutpids+=($!)
done
wait "${cutpids[@]}" 2>/dev/null
wait $badtls
rc=$?
[ $rc = 1 ] && [ "$(lines "$tmp/badtls.err")" = 1 ] && [ ! -e "$(object tls t2.raw)" ] \
	&& ok "https, a certificate of another CA: refused, exit 1: $(cut -c1-110 "$tmp/badtls.err")" \
	|| fail "https bad certificate" "rc $rc: $(cat "$tmp/badtls.err")"
wait $deadpid
rc=$?
[ $rc = 1 ] && [ "$(lines "$tmp/dead.err")" = 1 ] && ok "no server: exit 1 after the retries, one line" \
	|| fail "no server" "rc $rc: $(cat "$tmp/dead.err")"
resumed=0
for i in "${!fmts[@]}"; do
	r=$(cat "$tmp/cut$i.res" 2>/dev/null || echo "FAIL cut $i: no result")
	if [[ $r == ok* ]]; then ok "${r#ok }"; else fail "cut $i" "${r#FAIL }"; fi
	grep -q "resuming from [1-9]" "$tmp/cut$i.err2" 2>/dev/null && resumed=$((resumed + 1))
done
[ $resumed -ge 3 ] && ok "$resumed of ${#fmts[@]} cut runs resumed mid-object" \
	|| fail "cuts" "only $resumed resumed mid-object"
[ "$(overlap "$tmp/cuts")" = 0 ] && [ "$(overlap "$tmp/cutscrc")" = 0 ] \
	&& ok "cuts: nothing the server held was sent again (server log)" \
	|| fail "cuts: sent again" "$(overlap "$tmp/cuts") + $(overlap "$tmp/cutscrc") bytes"
n=0
for i in "${!fmts[@]}"; do
	[ $((i % 3)) = 0 ] && grep -q "resuming from [1-9]" "$tmp/cut$i.err2" &&
		grep -q "crc32c .* verified" "$tmp/cut$i.err2" && n=$((n + 1))
done
[ $n -ge 4 ] && ok "crc32c verified across a resume ($n runs: the saved CRC carried on)" \
	|| fail "crc across resume" "$n verified"

# --- kill -9 at a random moment, then --resume -----------------------------------
start_server slow --delay-ms 150 --crc32c
for k in 1 2; do
	src=$tmp/kill$k.img
	cp --sparse=always "$img" "$src"
	"$bin" stream --source "$src" --dest "gs://bucket/kill$k?endpoint=http://127.0.0.1:$port" \
		--progress=none --creds "$tmp/creds" 2>"$tmp/kill.err1" &
	kpid=$!
	sleep "0.$(( RANDOM % 7 + 2 ))"
	kill -9 $kpid 2>/dev/null
	wait $kpid 2>/dev/null
	gs "$src" $port kill$k raw "$tmp/kill.err2" --resume --debug
	rc=$?
	from=$(grep -o "resuming from [0-9]*" "$tmp/kill.err2" | grep -o "[0-9]*$")
	if [ $rc = 0 ] && cmp -s "$img" "$(object slow kill$k)" && grep -q "verified" "$tmp/kill.err2"; then
		grep -q "(complete)" "$tmp/kill.err2" && from="$from: it had finished"
		ok "kill -9 #$k, --resume from ${from:-0}: object identical, crc32c verified"
	else fail "kill -9 #$k" "rc $rc $(tail -2 "$tmp/kill.err2")"; fi
done
[ "$(overlap "$tmp/slow")" = 0 ] && ok "kill -9: nothing sent twice" || fail "kill -9" "overlap"

# the session gone (cancelled, or expired: a week) before --resume: start over
src=$tmp/gone.img
cp --sparse=always "$img" "$src"
"$bin" stream --source "$src" --dest "gs://bucket/gone.raw?endpoint=http://127.0.0.1:$port" \
	--progress=none --creds "$tmp/creds" 2>/dev/null &
kpid=$!
for i in $(seq 100); do grep -qs "^session crc32c=[0-9a-f]" "$src.cloudmove-stream" && break; sleep 0.05; done
kill -9 $kpid 2>/dev/null
wait $kpid 2>/dev/null
sess=$(sed -n 's/^session crc32c=[^ ]* //p' "$src.cloudmove-stream" 2>/dev/null)
if [ -n "$sess" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "http://127.0.0.1:$port$sess")" = 499 ]; then
	gs "$src" $port gone.raw raw "$tmp/err" --resume
	rc=$?
	[ $rc = 0 ] && grep -q "starting over" "$tmp/err" && cmp -s "$img" "$(object slow gone.raw)" \
		&& ok "session cancelled (DELETE -> 499) before --resume: a new one, object identical" \
		|| fail "session gone" "rc $rc $(cat "$tmp/err")"
else fail "session gone" "no session in the state, or DELETE not 499"; fi

# --- resume states not to be trusted -------------------------------------------------
# another user's upload session (to other.raw), and a resume state naming
# it next to a source root streams to victim.raw with --resume
start_server trust --crc32c
src=$tmp/trust.img
cp --sparse=always "$img" "$src"
state=$src.cloudmove-stream
size=$(stat -c %s "$img")
other=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $token" \
	-H "X-Upload-Content-Length: $size" \
	"http://127.0.0.1:$port/upload/storage/v1/b/bucket/o?uploadType=resumable&name=other.raw" |
	tr -d '\r' | sed -n 's|^Location: http://[^/]*||ip')
oid=${other##*upload_id=}
plant() {	# plant OWNER MODE SESSION-PATH
	printf 'dest gs://bucket/victim.raw\nformat raw\nsize %s\nmtime 0\ncommitted 0\nsession crc32c=- %s\n' \
		"$size" "$3" >"$state"
	chown "$1" "$state" && chmod "$2" "$state"
}
logged() { cat "$tmp/trust/log.jsonl" 2>/dev/null | wc -l; }
# trust_fail WHAT PATTERN: --resume to victim.raw exits 1 with one line
trust_fail() {
	gs "$src" $port victim.raw raw "$tmp/err" --resume
	rc=$?
	if [ $rc = 1 ] && [ "$(lines "$tmp/err")" = 1 ] && grep -qE -- "$2" "$tmp/err"; then
		ok "$1: exit 1 ($(cat "$tmp/err"))"
	else fail "$1" "rc $rc: $(cat "$tmp/err")"; fi
}
plant nobody 600 "$other"
n=$(logged)
trust_fail "--resume, a state of another user's" "resume state .*: owned by uid [0-9]+, not 0; remove it or run without --resume"
[ "$(logged)" = "$n" ] && [ -e "$state" ] && ok "a state of another user's: nothing sent, the state left" \
	|| fail "foreign state" "$(tail -n +$((n + 1)) "$tmp/trust/log.jsonl")"
plant root 602 "$other"
trust_fail "--resume, a state others can write" "writable by others \(mode 0602\); remove it"
ln -s "$tmp/elsewhere" "$state.link"
plant root 600 "$other"
mv "$state" "$tmp/elsewhere" && mv "$state.link" "$state"
trust_fail "--resume, a state that is a symbolic link" "resume state .*: a symbolic link; remove it"
rm -f "$state" "$tmp/elsewhere"
plant root 600 "$other"
n=$(logged)
trust_fail "--resume, a state of ours naming another object's session" \
	"the state's upload session is not one of this object; run again without --resume"
[ "$(logged)" = "$n" ] && ok "another object's session: not sent to, not cancelled" \
	|| fail "another object's session" "$(tail -n +$((n + 1)) "$tmp/trust/log.jsonl")"
# the path says victim.raw, the upload_id is other.raw's: the server goes
# by the id; the object resource at the end says what was made
plant root 600 "/upload/storage/v1/b/bucket/o?uploadType=resumable&name=victim.raw&upload_id=$oid"
trust_fail "--resume, a session whose upload is another object's" \
	"the upload made gs://bucket/other.raw, not this object"
[ ! -e "$(object trust victim.raw)" ] && ok "another object's upload: no victim.raw, other.raw left alone" \
	|| fail "another object's upload" "victim.raw made"
rm -f "$(object trust other.raw)"
# a state of ours for another object: refused; one for this object spelt
# another way (as url.c reads both, the same): resumed
plant root 600 "$other"
sed -i 's|^dest .*|dest gs://bucket/elsewhere.raw|' "$state"
trust_fail "--resume, a state for another dest" "was to gs://bucket/elsewhere.raw as raw, of [0-9]+ bytes; not this one"
mine=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $token" \
	-H "X-Upload-Content-Length: $size" \
	"http://127.0.0.1:$port/upload/storage/v1/b/bucket/o?uploadType=resumable&name=victim.raw" |
	tr -d '\r' | sed -n 's|^Location: http://[^/]*||ip')
plant root 600 "$mine"
sed -i 's|^dest .*|dest GS://bucket/victim%2Eraw|' "$state"
gs "$src" $port victim.raw raw "$tmp/err" --resume
rc=$?
[ $rc = 0 ] && cmp -s "$img" "$(object trust victim.raw)" && [ ! -e "$state" ] \
	&& ok "--resume, a state for GS://bucket/victim%2Eraw: the same object, resumed, identical" \
	|| fail "state dest spelt another way" "rc $rc: $(cat "$tmp/err")"
rm -f "$(object trust victim.raw)"
plant nobody 600 "$other"
gs "$src" $port victim.raw raw "$tmp/err"
rc=$?
if [ $rc = 0 ] && [ "$(lines "$tmp/err")" = 1 ] && grep -q "owned by uid .*; not read, starting over" "$tmp/err" &&
	cmp -s "$img" "$(object trust victim.raw)" && [ ! -e "$(object trust other.raw)" ] && [ ! -e "$state" ]; then
	ok "without --resume, a state of another user's: one line, not read, a new session, object identical"
else fail "foreign state without --resume" "rc $rc: $(cat "$tmp/err")"; fi

wait $refpid
why=$(cat "$tmp/reference.why")
[ -z "$why" ] && ok "reference gce: gzip -t, tar -tvvzf (disk.raw, 1 GiB), disk.raw = source padded" \
	|| fail "reference gce" "$why"

suite_end
