#!/bin/bash
# run-stream-s3.sh CLOUDMOVE — cloudmove stream to s3:// against s3rver
# (npm s3rver@3.7.1, installed into $CLOUDMOVE_CACHE/npm/s3rver-3.7.1) on
# 127.0.0.1, behind lib/s3shim.py, which recomputes every request's SigV4
# signature with botocore and refuses a mismatch (s3rver checks none), checks
# x-amz-content-sha256 and Content-MD5 against the body, and answers
# ListParts / AbortMultipartUpload / ListMultipartUploads (s3rver has none).
#   agent -> [cutproxy.py] -> s3shim.py -> s3rver
# raw / vhd / gce streams of an image with holes, objects fetched from
# s3rver with curl and compared byte for byte; PutObject for a small image;
# session token; wrong secret, missing bucket, a part refused (abort: no
# upload left); 10 network cuts at random points + --resume and a kill -9 +
# --resume (object identical, stored parts not sent again).
# Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-stream-s3.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
lib=$here/lib
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp
MiB=$((1024 * 1024))

# --- s3rver, the shim ----------------------------------------------------------
# shellcheck source=agent/tests/lib/npm.sh
. "$lib/npm.sh"
if ! s3rver=$(npm_bin s3rver 3.7.1 s3rver); then
	fail "s3rver" "npm install s3rver@3.7.1 failed"
	suite_end
fi
mkdir -p "$tmp/data"
suite_bg "$s3rver" -d "$tmp/data" -a 127.0.0.1 -p 0 -s \
	--configure-bucket test >"$tmp/s3rver.log" 2>&1
wait_for() {	# wait_for FILE [PATTERN]: up to 20 s
	local i
	for i in $(seq 200); do
		[ -s "$1" ] && { [ -z "${2:-}" ] || grep -q "$2" "$1"; } && return 0
		sleep 0.1
	done
	return 1
}
wait_for "$tmp/s3rver.log" "listening" || { fail "s3rver" "did not start: $(cat "$tmp/s3rver.log")"; }
s3port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/s3rver.log")
start_shim() {	# start_shim NAME [ARGS]: port in $tmp/NAME.port, log $tmp/NAME.log
	local name=$1
	shift
	suite_bg python3 "$lib/s3shim.py" --to "$s3port" --data "$tmp/data" --log "$tmp/$name.log" \
		--port-file "$tmp/$name.port" "$@" 2>"$tmp/$name.err"
	suite_wait_file "$tmp/$name.port" 400
}
start_shim shim
port=$(cat "$tmp/shim.port")
touch "$tmp/shim.log"

printf '[default]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n' >"$tmp/creds"
printf 'aws_access_key_id=S3RVER\naws_secret_access_key=S3RVER\naws_session_token=FQoGZXIvYXdzEXAMPLE//token+/=\n' >"$tmp/creds-token"
printf 'aws_access_key_id = S3RVER\naws_secret_access_key = not-the-secret\n' >"$tmp/creds-wrong"
chmod 600 "$tmp"/creds*

# --- images --------------------------------------------------------------------
sparse=$tmp/sparse.img		# 64 MiB + 12345: 9 parts of 8 MiB, data at 0, 7 MiB + 100, the end
truncate -s $((64 * MiB + 12345)) "$sparse"
head -c 4096 /dev/urandom | dd of="$sparse" conv=notrunc status=none
head -c $((300 * 1024)) /dev/urandom | dd of="$sparse" bs=1 seek=$((7 * MiB + 100)) conv=notrunc status=none
head -c $((2 * MiB)) /dev/urandom | dd of="$sparse" bs=1M seek=40 conv=notrunc status=none
head -c 777 /dev/urandom | dd of="$sparse" bs=1 seek=$((64 * MiB + 12345 - 777)) conv=notrunc status=none
cutimg=$tmp/cut.img		# 24 MiB + 4097: 4 parts, for the cuts and the kill
truncate -s $((24 * MiB + 4097)) "$cutimg"
head -c $((5 * MiB)) /dev/urandom | dd of="$cutimg" bs=1M seek=2 conv=notrunc status=none
head -c 4097 /dev/urandom | dd of="$cutimg" bs=1 seek=$((24 * MiB)) conv=notrunc status=none
small=$tmp/small.img		# 3 MiB + 5: one PutObject
truncate -s $((3 * MiB + 5)) "$small"
head -c 70000 /dev/urandom | dd of="$small" bs=1 seek=1000000 conv=notrunc status=none

dest() { echo "s3://test/$1?endpoint=http://127.0.0.1:${2:-$port}&region=us-east-1"; }
up() {	# up KEY SRC FORMAT [ARGS...]: stderr in $tmp/err
	local key=$1 src=$2 fmt=$3
	shift 3
	"$bin" stream --source "$src" --dest "$(dest "$key")" --format "$fmt" --creds "$tmp/creds" \
		--progress=none "$@" >"$tmp/out" 2>"$tmp/err"
}
get() { rm -f "$2"; curl -sf "http://127.0.0.1:$s3port/test/$1" -o "$2"; }
# log_check LOG KEY PYTHON-EXPR: the expression over e (the entries for KEY)
log_check() {
	python3 - "$1" "$2" "$3" <<'EOF'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
e = [x for x in e if x["path"] == "/test/" + sys.argv[2]]
r = eval(sys.argv[3])
print(r)
sys.exit(0 if r else 1)
EOF
}
uploads_left() { python3 "$lib/s3req.py" GET "http://127.0.0.1:${1:-$port}/test?uploads=" | grep -c "<Upload>"; }

# --- raw, vhd, gce ---------------------------------------------------------------
echo "# ${SECONDS}s"
if up sparse.raw "$sparse" raw && get sparse.raw "$tmp/got" && cmp -s "$sparse" "$tmp/got"; then
	ok "raw 64 MiB + 12345 with holes: object identical (cmp)"
else fail "raw sparse" "$(cat "$tmp/err")"; fi
r=$(log_check "$tmp/shim.log" sparse.raw 'all(x["sig"] for x in e) and len(e) >= 11') \
	&& ok "raw: botocore's SigV4 signature = the agent's on all $(log_check "$tmp/shim.log" sparse.raw 'len(e)') requests" \
	|| fail "raw: signatures" "$r"
r=$(log_check "$tmp/shim.log" sparse.raw '[x["len"] for x in sorted((x for x in e if x["part"]), key=lambda x: x["part"])] == [8388608] * 8 + [12345]') \
	&& ok "raw: 9 parts, 8 of 8 MiB and the last of 12345 bytes (zeros sent, not skipped)" \
	|| fail "raw: parts" "$r"
[ "$(uploads_left)" = 0 ] && ok "raw: no multipart upload left (ListMultipartUploads)" \
	|| fail "raw: uploads left" "$(uploads_left)"

vsize=$(( (64 * MiB + 12345 + MiB - 1) / MiB * MiB ))
if up sparse.vhd "$sparse" vhd && get sparse.vhd "$tmp/got"; then
	[ "$(stat -c %s "$tmp/got")" -eq $((vsize + 512)) ] && cmp -s -n $((64 * MiB + 12345)) "$sparse" "$tmp/got" &&
		cmp -s -n $((vsize - 64 * MiB - 12345)) -i $((64 * MiB + 12345)):0 "$tmp/got" /dev/zero \
		&& ok "vhd: object = the source, zero padding to $vsize, footer" || fail "vhd: data" "differs"
	r=$(python3 "$here/vhd_footer.py" "$tmp/got" "$vsize") && ok "vhd: footer ($r)" || fail "vhd: footer" "$r"
	qemu-img compare -q -f vpc -F raw "$tmp/got" "$sparse" 2>/dev/null && ok "vhd: qemu-img compare -f vpc" \
		|| fail "vhd: qemu-img compare" "differs"
else fail "vhd" "$(cat "$tmp/err")"; fi

export SOURCE_DATE_EPOCH=1700000000
"$bin" stream --source "$sparse" --dest "file://$tmp/ref.tar.gz" --format gce --progress=none 2>"$tmp/err"
if up sparse.tar.gz "$sparse" gce && get sparse.tar.gz "$tmp/got" && cmp -s "$tmp/ref.tar.gz" "$tmp/got"; then
	ok "gce (size unknown: multipart): object = the file:// archive, byte for byte ($(stat -c %s "$tmp/got") bytes)"
else fail "gce" "$(cat "$tmp/err")"; fi
cmp -s -n $((64 * MiB + 12345)) <(tar -xzOf "$tmp/got" disk.raw 2>/dev/null) "$sparse" \
	&& ok "gce: the object's disk.raw starts with the source" || fail "gce: disk.raw" "differs"
unset SOURCE_DATE_EPOCH

if up small.raw "$small" raw && get small.raw "$tmp/got" && cmp -s "$small" "$tmp/got"; then
	ok "small image (3 MiB + 5): object identical"
else fail "small" "$(cat "$tmp/err")"; fi
r=$(log_check "$tmp/shim.log" small.raw '[(x["method"], x["query"], x["sig"]) for x in e] == [("PUT", "", True)]') \
	&& ok "small image: one signed PutObject" || fail "small: requests" "$r"

if "$bin" stream --source "$small" --dest "$(dest tok.raw)" --creds "$tmp/creds-token" --progress=none 2>"$tmp/err" \
	&& log_check "$tmp/shim.log" tok.raw 'all(x["sig"] and x["token"] for x in e) and len(e) == 1' >/dev/null; then
	ok "session token: x-amz-security-token sent and signed"
else fail "session token" "$(cat "$tmp/err")"; fi

# --- failures: one line, exit 1, nothing left -----------------------------------------
echo "# ${SECONDS}s"
expect_fail() {	# expect_fail WHAT PATTERN ARGS...
	local what=$1 pattern=$2 rc
	shift 2
	"$bin" stream --progress=none "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -qE -- "$pattern" "$tmp/err"; then
		ok "$what: exit 1 ($(cat "$tmp/err"))"
	else fail "$what" "rc $rc: $(cat "$tmp/err")"; fi
}
expect_fail "wrong secret (botocore's signature differs)" "SignatureDoesNotMatch" \
	--source "$sparse" --dest "$(dest wrong.raw)" --creds "$tmp/creds-wrong"
expect_fail "wrong secret, PutObject" "SignatureDoesNotMatch" \
	--source "$small" --dest "$(dest wrong.raw)" --creds "$tmp/creds-wrong"
expect_fail "missing bucket" "NoSuchBucket" \
	--source "$sparse" --dest "s3://nobucket/x?endpoint=http://127.0.0.1:$port" --creds "$tmp/creds"
expect_fail "missing bucket, PutObject" "NoSuchBucket" \
	--source "$small" --dest "s3://nobucket/x?endpoint=http://127.0.0.1:$port" --creds "$tmp/creds"
expect_fail "no credentials" "no credentials" --source "$small" --dest "$(dest x)"
expect_fail "bad endpoint" "endpoint must be" --source "$small" --dest "s3://test/x?endpoint=ftp://h" --creds "$tmp/creds"
expect_fail "unknown parameter" "bad parameter 'colour'" --source "$small" --dest "s3://test/x?colour=red" --creds "$tmp/creds"
grep -q "not-the-secret\|S3RVER" "$tmp/err" && fail "secrets in messages" "$(cat "$tmp/err")" || true

start_shim refuse --refuse-part 4
rport=$(cat "$tmp/refuse.port")
expect_fail "part 4 refused (403): aborted" "UploadPart: HTTP 403 AccessDenied" \
	--source "$sparse" --dest "$(dest refused.raw "$rport")" --creds "$tmp/creds"
r=$(log_check "$tmp/refuse.log" refused.raw '[x["method"] for x in e][-1] == "DELETE" and e[-1]["status"] == 204') \
	&& ok "refused: AbortMultipartUpload sent (204)" || fail "refused: abort" "$r"
[ "$(uploads_left "$rport")" = 0 ] && ! ls -d "$tmp"/data/test/*uploads*/* 2>/dev/null | grep -q . \
	&& ! get refused.raw "$tmp/got" && ok "refused: no multipart upload, no part files, no object" \
	|| fail "refused: leftovers" "$(uploads_left "$rport") uploads; $(ls -R "$tmp/data/test" | head)"
[ ! -e "$sparse.cloudmove-stream" ] && ok "refused: no resume state left" || fail "refused: state" "left"

# a server under load: part 2 answered 503 SlowDown twice, then taken
start_shim busy --busy-part 2 --busy-times 2
bport=$(cat "$tmp/busy.port")
"$bin" stream --source "$sparse" --dest "$(dest busy.raw "$bport")" --creds "$tmp/creds" \
	--progress=none >"$tmp/out" 2>"$tmp/err"
rc=$?
r=$(log_check "$tmp/busy.log" busy.raw '[x["status"] for x in e if x["part"] == 2] == [503, 503, 200]')
if [ $rc -eq 0 ] && [ "$r" = True ] && get busy.raw "$tmp/got" && cmp -s "$tmp/got" "$sparse"; then
	ok "503 SlowDown on a part: retried with backoff, the object byte-identical"
else
	fail "503 on a part" "rc=$rc check=$r $(cat "$tmp/err")"
fi

# --- cuts + resume, kill -9 + resume ----------------------------------------------------
echo "# ${SECONDS}s"
# parts_ok LOG KEY MARK: after the first MARK entries of LOG (run 1), run 2
# sent none of the parts run 1 had stored in an unbroken run from part 1
parts_ok() {
	python3 - "$@" <<'EOF'
import json, sys
log, key, mark = sys.argv[1], "/test/" + sys.argv[2], int(sys.argv[3])
e = [json.loads(l) for l in open(log) if l.strip()]
first = [x for x in e[:mark] if x["path"] == key]
second = [x for x in e[mark:] if x["path"] == key]
ids = {x["query"].split("uploadId=")[1] for x in first if "uploadId=" in x["query"] and x["part"]}
stored = {x["part"] for x in first if x["part"] and x["status"] == 200}
prefix = 0
while prefix + 1 in stored:
    prefix += 1
again = [x["part"] for x in second if x["part"] and x["part"] <= prefix
         and x["query"].split("uploadId=")[1] in ids]
sent = sum(x["len"] for x in second if x["part"])
print("run 1 stored parts 1..%d; run 2 sent %d parts (%d bytes), again: %s"
      % (prefix, len([x for x in second if x["part"]]), sent, again))
sys.exit(0 if not again else 1)
EOF
}
cuts=10
for i in $(seq $cuts); do
	ln "$cutimg" "$tmp/cut$i.img"
	at=$(( (RANDOM * 32768 + RANDOM) % (24 * MiB) + 1 ))
	echo "$at" >"$tmp/cut$i.at"
	suite_bg python3 "$lib/cutproxy.py" --to "$port" --port-file "$tmp/cut$i.port" --dead-after "$at"
done
for i in $(seq $cuts); do suite_wait_file "$tmp/cut$i.port" 400; done
mark=$(wc -l <"$tmp/shim.log")
# the first runs go in parallel: each spends ~8 s in retries against a dead proxy
for i in $(seq $cuts); do
	"$bin" stream --source "$tmp/cut$i.img" --dest "$(dest cut$i.raw "$(cat "$tmp/cut$i.port")")" \
		--creds "$tmp/creds" --progress=none >/dev/null 2>"$tmp/cut$i.err" &
	echo $! >"$tmp/cut$i.pid"
done
for i in $(seq $cuts); do wait "$(cat "$tmp/cut$i.pid")"; echo $? >"$tmp/cut$i.rc"; done
mark=$(wc -l <"$tmp/shim.log")
for i in $(seq $cuts); do	# the resumes in parallel too
	"$bin" stream --source "$tmp/cut$i.img" --dest "$(dest cut$i.raw)" --creds "$tmp/creds" \
		--progress=none --resume >/dev/null 2>"$tmp/cut$i.err2" &
	echo $! >"$tmp/cut$i.pid"
done
for i in $(seq $cuts); do wait "$(cat "$tmp/cut$i.pid")"; echo $? >"$tmp/cut$i.rc2"; done
for i in $(seq $cuts); do
	at=$(cat "$tmp/cut$i.at") rc1=$(cat "$tmp/cut$i.rc") rc=$(cat "$tmp/cut$i.rc2") r=''
	if [ "$rc1" -ne 0 ] && [ "$rc" -eq 0 ] && get cut$i.raw "$tmp/got" && cmp -s "$cutimg" "$tmp/got" &&
		r=$(parts_ok "$tmp/shim.log" cut$i.raw "$mark"); then
		ok "cut $i at byte $at (run 1 exit $rc1, $(grep -c . "$tmp/cut$i.err") lines) + --resume: identical; $r"
	else fail "cut $i at $at" "rc1 $rc1 rc $rc: $(cat "$tmp/cut$i.err" "$tmp/cut$i.err2") $r"; fi
done
grep -q "with --resume continues" "$tmp"/cut*.err && ok "a cut run says how to resume" \
	|| fail "resume hint" "$(cat "$tmp/cut1.err")"

# vhd and gce (size unknown, the archive's mtime kept in the state) cut once each
gceimg=$tmp/gce.img		# 20 MiB of random bytes in 40 MiB: ~3 parts of tar.gz
truncate -s $((40 * MiB)) "$gceimg"
head -c $((20 * MiB)) /dev/urandom | dd of="$gceimg" bs=1M seek=10 conv=notrunc status=none
export SOURCE_DATE_EPOCH=1700000000
"$bin" stream --source "$gceimg" --dest "file://$tmp/gce-ref.tar.gz" --format gce --progress=none 2>"$tmp/err"
"$bin" stream --source "$cutimg" --dest "file://$tmp/vhd-ref.vhd" --format vhd --progress=none 2>"$tmp/err"
for f in vhd gce; do
	src=$cutimg; [ $f = gce ] && src=$gceimg
	ln "$src" "$tmp/cut-$f.img"
	at=$(( (RANDOM * 32768 + RANDOM) % (20 * MiB) + 1 ))
	echo "$at" >"$tmp/cut-$f.at"
	suite_bg python3 "$lib/cutproxy.py" --to "$port" --port-file "$tmp/cut-$f.port" --dead-after "$at"
	suite_wait_file "$tmp/cut-$f.port" 400
	"$bin" stream --source "$tmp/cut-$f.img" --format $f --dest "$(dest cut.$f "$(cat "$tmp/cut-$f.port")")" \
		--creds "$tmp/creds" --progress=none >/dev/null 2>"$tmp/cut-$f.err" &
	echo $! >"$tmp/cut-$f.pid"
done
for f in vhd gce; do wait "$(cat "$tmp/cut-$f.pid")"; echo $? >"$tmp/cut-$f.rc"; done
mark=$(wc -l <"$tmp/shim.log")
for f in vhd gce; do
	src=$cutimg; [ $f = gce ] && src=$gceimg
	ref=$tmp/vhd-ref.vhd; [ $f = gce ] && ref=$tmp/gce-ref.tar.gz
	n=$(stat -c %s "$ref"); [ $f = vhd ] && n=$((n - 512))	# the footer's time and id differ
	rc1=$(cat "$tmp/cut-$f.rc") r=''
	if "$bin" stream --source "$tmp/cut-$f.img" --format $f --dest "$(dest cut.$f)" --creds "$tmp/creds" \
		--progress=none --resume >/dev/null 2>"$tmp/err" && [ "$rc1" -ne 0 ] && get cut.$f "$tmp/got" &&
		[ "$(stat -c %s "$tmp/got")" -eq "$(stat -c %s "$ref")" ] && cmp -s -n "$n" "$ref" "$tmp/got" &&
		r=$(parts_ok "$tmp/shim.log" cut.$f "$mark"); then
		ok "$f cut at byte $(cat "$tmp/cut-$f.at") + --resume: = the file:// $f; $r"
	else fail "$f cut + resume" "rc1 $rc1: $(cat "$tmp/cut-$f.err" "$tmp/err") $r"; fi
done
unset SOURCE_DATE_EPOCH

ln "$cutimg" "$tmp/kill.img"
"$bin" stream --source "$tmp/kill.img" --dest "$(dest kill.raw)" --creds "$tmp/creds" \
	--progress=none >/dev/null 2>"$tmp/kill.err" &
kpid=$!
for _ in $(seq 300); do [ -s "$tmp/kill.img.cloudmove-stream" ] && break; sleep 0.01; done
sleep "0.0$((RANDOM % 5))"	# parts take ~0.1 s each: stay inside the run
kill -9 $kpid 2>/dev/null
wait $kpid 2>/dev/null
krc=$?
stored=$(sed -n 's/^committed[ =]*//p' "$tmp/kill.img.cloudmove-stream" 2>/dev/null)
cp -p "$tmp/kill.img.cloudmove-stream" "$tmp/kill.state" 2>/dev/null
sleep 0.5	# what the killed run had fully sent is logged by now
mark=$(wc -l <"$tmp/shim.log")
if [ $krc -eq 137 ] && "$bin" stream --source "$tmp/kill.img" --dest "$(dest kill.raw)" --creds "$tmp/creds" \
	--progress=none --resume >/dev/null 2>"$tmp/err" && get kill.raw "$tmp/got" && cmp -s "$cutimg" "$tmp/got" &&
	r=$(parts_ok "$tmp/shim.log" kill.raw "$mark"); then
	ok "kill -9 with ${stored:-0} bytes stored + --resume: identical; $r"
else fail "kill -9 + resume" "rc $krc: $(cat "$tmp/err") ${r:-}"; fi
[ ! -e "$tmp/kill.img.cloudmove-stream" ] && ok "resumed: state file removed" || fail "kill: state" "left"
# a kill after CompleteMultipartUpload, before the state file went: its
# upload is gone (NoSuchUpload) but the object is there, newer than the state
cp -p "$tmp/kill.state" "$tmp/kill.img.cloudmove-stream"
mark=$(wc -l <"$tmp/shim.log")
if "$bin" stream --source "$tmp/kill.img" --dest "$(dest kill.raw)" --creds "$tmp/creds" \
	--progress=none --resume >/dev/null 2>"$tmp/err" && get kill.raw "$tmp/got" && cmp -s "$cutimg" "$tmp/got" &&
	r=$(log_check <(tail -n +$((mark + 1)) "$tmp/shim.log") kill.raw '[x["method"] for x in e] == ["GET", "HEAD"]'); then
	ok "--resume of an upload completed before the kill: ListParts, HeadObject, nothing sent, exit 0"
else fail "resume of a completed upload" "$(cat "$tmp/err") ${r:-}"; fi
cp -p "$tmp/kill.state" "$tmp/kill.img.cloudmove-stream"
touch -d '+2 minutes' "$tmp/kill.img.cloudmove-stream"	# the object predates this state
expect_fail "--resume, upload gone, object older than the state" "upload is gone \(NoSuchUpload\)" \
	--source "$tmp/kill.img" --dest "$(dest kill.raw)" --creds "$tmp/creds" --resume
[ ! -e "$tmp/kill.img.cloudmove-stream" ] && ok "upload gone: state removed" || fail "upload gone: state" "left"

# --- resume states not to be trusted -------------------------------------------------
# another user's upload in progress (to other.raw), and a resume state
# naming it next to a source root streams to victim.raw with --resume
echo "# ${SECONDS}s"
other=$(python3 "$lib/s3req.py" POST "http://127.0.0.1:$port/test/other.raw?uploads=" |
	sed -n 's:.*<UploadId>\(.*\)</UploadId>.*:\1:p')
ln "$cutimg" "$tmp/trust.img"
state=$tmp/trust.img.cloudmove-stream
plant() {	# plant OWNER MODE: the state naming other.raw's upload
	printf 'dest s3://test/victim.raw\nformat raw\nsize %s\nmtime 0\ncommitted 0\nsession s3 part=8388608 grow=0 id=%s\n' \
		"$(stat -c %s "$cutimg")" "$other" >"$state"
	chown "$1" "$state" && chmod "$2" "$state"
}
plant nobody 600
mark=$(wc -l <"$tmp/shim.log")
expect_fail "--resume, a state of another user's" "resume state .*: owned by uid [0-9]+, not 0; remove it or run without --resume" \
	--source "$tmp/trust.img" --dest "$(dest victim.raw)" --creds "$tmp/creds" --resume
[ "$(tail -n +$((mark + 1)) "$tmp/shim.log" | wc -l)" = 0 ] && [ -e "$state" ] \
	&& ok "a state of another user's: not one request sent, the state left" \
	|| fail "foreign state" "$(tail -n +$((mark + 1)) "$tmp/shim.log" | head -3)"
plant root 660
expect_fail "--resume, a group-writable state" "resume state .*: writable by its group \(mode 0660\); remove it" \
	--source "$tmp/trust.img" --dest "$(dest victim.raw)" --creds "$tmp/creds" --resume
plant root 600
expect_fail "--resume, a state of ours naming another object's upload" \
	"ListParts: the upload is one of s3://test/other.raw, not of this object" \
	--source "$tmp/trust.img" --dest "$(dest victim.raw)" --creds "$tmp/creds" --resume
python3 "$lib/s3req.py" GET "http://127.0.0.1:$port/test/other.raw?uploadId=$other" >/dev/null \
	&& ! get victim.raw "$tmp/got" && ok "another object's upload: not aborted, nothing sent to it, no victim.raw" \
	|| fail "another object's upload" "aborted, or victim.raw made"
plant nobody 600
"$bin" stream --source "$tmp/trust.img" --dest "$(dest victim.raw)" --creds "$tmp/creds" \
	--progress=none >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "owned by uid .*; not read, starting over" "$tmp/err" &&
	get victim.raw "$tmp/got" && cmp -s "$cutimg" "$tmp/got" && [ ! -e "$state" ]; then
	ok "without --resume, a state of another user's: one line, not read, a new upload, object identical"
else fail "foreign state without --resume" "rc $rc: $(cat "$tmp/err")"; fi

n=$(python3 -c "
import json,sys; e=[json.loads(l) for l in open(sys.argv[1])]
print(len(e), len([x for x in e if not x['sig'] and x['status'] != 403]))" "$tmp/shim.log")
[ "${n#* }" = 0 ] && ok "every request the shim took (${n% *}) carried botocore's signature" \
	|| fail "signatures" "$n"

echo "($SECONDS s)"
suite_end
