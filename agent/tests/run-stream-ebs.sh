#!/bin/bash
# run-stream-ebs.sh CLOUDMOVE — cloudmove stream to ebs:// (the EBS direct
# APIs) against lib/ec2_server.py on 127.0.0.1, which checks every
# request's SigV4 signature with botocore and each block's SHA-256.
# The emulator's self-test (botocore's own EC2 and EBS clients against it);
# a disk with holes: the snapshot's blocks = the disk's non-zero 512 KiB
# blocks, byte for byte, zero blocks never sent (the emulator's log), the
# done event naming ebs://REGION/snap-ID with what was sent; a session
# token; a kill -9 in the middle + --resume (ListSnapshotBlocks: no block
# sent twice, CompleteSnapshot's count right), 3 network cuts at random
# byte counts + --resume (the same); a block whose checksum does
# not match (refused, the snapshot never completed); a wrong secret and an
# unknown key (one line, no secret shown, no snapshot); URL refusals.
# Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-stream-ebs.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
lib=$here/lib
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp
MiB=$((1024 * 1024))
akid=AKIDEBSTEST0001 secret=ebs-test-secret-$$
tkid=ASIAEBSTEST0002 tsecret=ebs-temp-secret token="FQoGZXIvYXdzEXAMPLE//session+token/="

# start_server NAME [ARGS...]: state in $tmp/state (shared), log $tmp/NAME.log, sets port
start_server() {
	local name=$1
	shift
	suite_bg python3 "$lib/ec2_server.py" --state "$tmp/state" --log "$tmp/$name.log" \
		--key "$akid:$secret" --key "$tkid:$tsecret:$token" \
		--type u9.uefi:x86_64:uefi:required:required --s3-dir "$tmp/s3" \
		--port-file "$tmp/$name.port" "$@" 2>>"$tmp/$name.err"
	suite_wait_file "$tmp/$name.port" 100 || { echo "server $name did not start: $(cat "$tmp/$name.err")"; exit 1; }
	port=$(cat "$tmp/$name.port")
	touch "$tmp/$name.log"
}
mkdir -p "$tmp/s3/bucket"
head -c $((3 * MiB)) /dev/urandom >"$tmp/s3/bucket/disk.raw"
start_server main
mport=$port

printf '[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n' "$akid" "$secret" >"$tmp/creds"
printf 'aws_access_key_id=%s\naws_secret_access_key=%s\naws_session_token=%s\n' "$tkid" "$tsecret" "$token" >"$tmp/creds-token"
printf 'aws_access_key_id = %s\naws_secret_access_key = not-the-secret\n' "$akid" >"$tmp/creds-wrong"
printf 'aws_access_key_id = AKIDNOBODY\naws_secret_access_key = whatever\n' >"$tmp/creds-unknown"
chmod 600 "$tmp"/creds*

# --- the emulator itself ---------------------------------------------------------
if python3 "$lib/ec2_selftest.py" "$mport" "$akid" "$secret" "$tmp/s3" >"$tmp/selftest.out" 2>&1; then
	ok "emulator self-test: botocore's EC2 and EBS clients, $(grep -c '^ok' "$tmp/selftest.out") checks"
else fail "emulator self-test" "$(grep -v '^ok' "$tmp/selftest.out" | head -5)"; fi

# --- images ------------------------------------------------------------------------
disk=$tmp/disk.img		# 20 MiB + 12345 bytes; data in 5 places, the rest zeros
truncate -s $((20 * MiB + 12345)) "$disk"
head -c 4096 /dev/urandom | dd of="$disk" conv=notrunc status=none
head -c $((300 * 1024)) /dev/urandom | dd of="$disk" bs=1 seek=$((3 * MiB + 100)) conv=notrunc status=none
head -c $((2 * MiB)) /dev/urandom | dd of="$disk" bs=1M seek=10 conv=notrunc status=none
printf 'x' | dd of="$disk" bs=1 seek=$((15 * MiB + 524287)) conv=notrunc status=none
head -c 777 /dev/urandom | dd of="$disk" bs=1 seek=$((20 * MiB + 12345 - 777)) conv=notrunc status=none
killimg=$tmp/kill.img		# 24 MiB, 40 non-zero blocks
truncate -s $((24 * MiB)) "$killimg"
head -c $((20 * MiB)) /dev/urandom | dd of="$killimg" bs=1M seek=2 conv=notrunc status=none

dest() { echo "ebs://us-east-1?endpoint=http://127.0.0.1:${1:-$mport}"; }
up() {	# up SRC CREDS [ARGS...]: exit status; stdout $tmp/out, stderr $tmp/err
	local src=$1 creds=$2
	shift 2
	"$bin" stream --source "$src" --dest "$(dest)" --format raw --creds "$creds" \
		--progress=json "$@" >"$tmp/out" 2>"$tmp/err"
}
snap_of() { python3 -c 'import json,sys
d=[json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
d=[x for x in d if x.get("event")=="done"]
print(d[-1]["dest"].rsplit("/",1)[1] if d else "")' "$1"; }
# check_snapshot SRC SNAP: the snapshot's blocks are SRC's non-zero blocks, and identical
check_snapshot() {
	python3 - "$1" "$tmp/state/snapshots/$2" <<'PY'
import json, os, sys
src, d = sys.argv[1], sys.argv[2]
B = 512 * 1024
meta = json.load(open(os.path.join(d, "meta.json")))
held = sorted(int(n) for n in os.listdir(os.path.join(d, "blocks")) if n.isdigit())
want = []
with open(src, "rb") as f:
    i = 0
    while True:
        b = f.read(B)
        if not b:
            break
        if b.count(0) != len(b):
            want.append(i)
            got = open(os.path.join(d, "blocks", str(i)), "rb").read() if i in held else b""
            if got != b.ljust(B, b"\0"):
                print("block %d differs" % i); sys.exit(1)
        i += 1
size_gib = -(-os.path.getsize(src) // (1 << 30))
ok = held == want and meta["Status"] == "completed" and meta["VolumeSize"] == size_gib
print("blocks %s of %d, status %s, %d GiB" % (len(held), i, meta["Status"], meta["VolumeSize"]))
sys.exit(0 if ok else 1)
PY
}
# puts LOG SNAP: PutSnapshotBlock calls that stored a block (201), as "n dup"
puts() { python3 -c 'import json,sys
e=[json.loads(l) for l in open(sys.argv[1])]
p=[x["block"] for x in e if x["op"]=="PutSnapshotBlock" and x.get("snapshot")==sys.argv[2] and x["status"]==201]
print(len(p), len(p)-len(set(p)))' "$1" "$2"; }

# --- a whole disk ------------------------------------------------------------------
echo "# ${SECONDS}s"
if up "$disk" "$tmp/creds"; then
	snap=$(snap_of "$tmp/out")
	r=$(check_snapshot "$disk" "$snap") && ok "20 MiB + 12345 with holes: $snap holds the disk's non-zero blocks, identical ($r)" \
		|| fail "whole disk" "$r"
	read -r n dup < <(puts "$tmp/main.log" "$snap")
	[ "$n" = 8 ] && [ "$dup" = 0 ] && ok "zero blocks not sent: 8 PutSnapshotBlock of 41 blocks (the emulator's log)" \
		|| fail "zero blocks" "$n puts, $dup twice"
	r=$(grep '"event":"done"' "$tmp/out")
	grep -q "\"dest\":\"ebs://us-east-1/$snap\"" <<<"$r" && grep -q "\"sent\":$((8 * 512 * 1024))," <<<"$r" \
		&& ok "done event: dest ebs://us-east-1/$snap, sent $((8 * 512 * 1024))" || fail "done event" "$r"
	python3 -c 'import json,sys
e=[json.loads(l) for l in open(sys.argv[1]) if json.loads(l).get("snapshot")==sys.argv[2] or json.loads(l)["op"]=="StartSnapshot"]
ops=[x["op"] for x in e if x.get("snapshot")==sys.argv[2]]
sys.exit(0 if ops[0]=="StartSnapshot" and ops[-1]=="CompleteSnapshot" and all(x["principal"]==sys.argv[3] for x in e) else 1)' \
		"$tmp/main.log" "$snap" "$akid" && ok "StartSnapshot ... CompleteSnapshot, every call signed by the key (botocore's signature)" \
		|| fail "call order"
	python3 -c 'import json,sys
m=json.load(open(sys.argv[1]))
sys.exit(0 if m["Timeout"]==1440 and m["ClientToken"] else 1)' "$tmp/state/snapshots/$snap/meta.json" \
		&& ok "StartSnapshot: Timeout 1440 min (the abort/resume window), a ClientToken" || fail "StartSnapshot fields"
else fail "whole disk" "$(cat "$tmp/err")"; fi

if up "$disk" "$tmp/creds-token"; then
	snap=$(snap_of "$tmp/out")
	r=$(check_snapshot "$disk" "$snap") && grep -q "\"principal\": \"$tkid\", \"instance\": null, \"status\": 201, \"token\": true" "$tmp/main.log" \
		&& ok "session token: signed with X-Amz-Security-Token ($r)" || fail "session token" "$r"
else fail "session token" "$(cat "$tmp/err")"; fi

# a disk of zeros: one GiB, nothing sent, completed with 0 blocks
truncate -s $((1024 * MiB)) "$tmp/zero.img"
if up "$tmp/zero.img" "$tmp/creds"; then
	snap=$(snap_of "$tmp/out")
	r=$(check_snapshot "$tmp/zero.img" "$snap") && grep -q '"sent":0,' "$tmp/out" \
		&& ok "1 GiB of zeros: no block sent, snapshot completed ($r)" || fail "zeros" "$r $(cat "$tmp/out")"
else fail "zeros" "$(cat "$tmp/err")"; fi

# --- kill -9 + resume ---------------------------------------------------------------
start_server slow --block-delay-ms 60
sport=$port
"$bin" stream --source "$killimg" --dest "$(dest "$sport")" --format raw --creds "$tmp/creds" \
	--progress=none >/dev/null 2>"$tmp/kill.err" &
kpid=$!
for i in $(seq 200); do
	[ "$(grep -c '"PutSnapshotBlock".*"status": 201' "$tmp/slow.log")" -ge 8 ] && break
	sleep 0.05
done
kill -9 $kpid 2>/dev/null
wait $kpid 2>/dev/null
ksnap=$(python3 -c 'import json,sys
e=[json.loads(l) for l in open(sys.argv[1])]
print([x["snapshot"] for x in e if x["op"]=="StartSnapshot"][-1])' "$tmp/slow.log")
read -r before _ < <(puts "$tmp/slow.log" "$ksnap")
if [ -s "$killimg.cloudmove-stream" ] && "$bin" stream --source "$killimg" --dest "$(dest)" --format raw \
	--creds "$tmp/creds" --progress=json --resume >"$tmp/out" 2>"$tmp/err"; then
	r=$(check_snapshot "$killimg" "$ksnap")
	read -r after dup < <(puts "$tmp/main.log" "$ksnap")
	[ "$(snap_of "$tmp/out")" = "$ksnap" ] && [ $((before + after)) = 40 ] && [ "$dup" = 0 ] && [ "$before" -ge 8 ] &&
		ok "kill -9 after $before blocks + --resume: $after more, none twice, $ksnap identical ($r)" \
		|| fail "kill + resume" "before $before after $after dup $dup snap $(snap_of "$tmp/out") $r"
	grep -q '"op": "ListSnapshotBlocks"' "$tmp/main.log" && ok "resume asked ListSnapshotBlocks" || fail "resume: no ListSnapshotBlocks"
	[ ! -e "$killimg.cloudmove-stream" ] && ok "resumed: state file removed" || fail "resume: state left"
else fail "kill + resume" "state $(ls "$tmp" | grep stream) $(cat "$tmp/kill.err" "$tmp/err")"; fi

# --- network cuts + resume: 3 runs cut at random byte counts (each its own
# source copy: the resume state lives next to it), resumed through no proxy
seed=${EBS_TEST_SEED:-$$}
RANDOM=$seed
echo "# seed $seed (EBS_TEST_SEED=$seed repeats the cuts)"
for i in 1 2 3; do
	cp "$killimg" "$tmp/cut$i.img"
	at=$(( (RANDOM * 32768 + RANDOM) % (16 * MiB) + 2 * MiB ))
	echo "$at" >"$tmp/cut$i.at"
	suite_bg python3 "$lib/cutproxy.py" --to "$mport" --port-file "$tmp/cut$i.port" --dead-after "$at"
	suite_wait_file "$tmp/cut$i.port" 100
	"$bin" stream --source "$tmp/cut$i.img" --dest "$(dest "$(cat "$tmp/cut$i.port")")" --format raw \
		--creds "$tmp/creds" --progress=none >/dev/null 2>"$tmp/cut$i.err" &
	echo $! >"$tmp/cut$i.pid"
done
for i in 1 2 3; do wait "$(cat "$tmp/cut$i.pid")"; echo $? >"$tmp/cut$i.rc"; done
for i in 1 2 3; do
	at=$(cat "$tmp/cut$i.at") rc1=$(cat "$tmp/cut$i.rc")
	csnap=$(grep -o 'snap-[0-9a-f]*' "$tmp/cut$i.img.cloudmove-stream" 2>/dev/null | head -1)
	if [ "$rc1" -ne 0 ] && grep -q "with --resume continues" "$tmp/cut$i.err" &&
		"$bin" stream --source "$tmp/cut$i.img" --dest "$(dest)" --format raw --creds "$tmp/creds" \
			--progress=json --resume >"$tmp/out" 2>"$tmp/err" &&
		[ "$(snap_of "$tmp/out")" = "$csnap" ] && r=$(check_snapshot "$killimg" "$csnap"); then
		read -r n dup < <(puts "$tmp/main.log" "$csnap")
		[ "$dup" = 0 ] && ok "cut $i at byte $at (exit $rc1, says how to resume) + --resume: $csnap identical, $n blocks stored, none twice" \
			|| fail "cut $i at $at" "$dup blocks twice"
	else fail "cut $i at $at" "rc1 $rc1 snap '$csnap': $(cat "$tmp/cut$i.err" "$tmp/err")"; fi
done

# --- refusals ------------------------------------------------------------------------
start_server corrupt --corrupt-block 6
if "$bin" stream --source "$disk" --dest "$(dest "$port")" --format raw --creds "$tmp/creds" \
	--progress=none >/dev/null 2>"$tmp/err"; then
	fail "checksum refusal" "the stream succeeded"
else
	csnap=$(python3 -c 'import json,sys
e=[json.loads(l) for l in open(sys.argv[1])]
print([x["snapshot"] for x in e if x["op"]=="StartSnapshot"][-1])' "$tmp/corrupt.log")
	grep -q "PutSnapshotBlock 6: HTTP 400 ValidationException (INVALID_CHECKSUM)" "$tmp/err" &&
		grep -q '"Status": "pending"' "$tmp/state/snapshots/$csnap/meta.json" &&
		! grep -q '"CompleteSnapshot"' "$tmp/corrupt.log" &&
		ok "a block's checksum refused: one line ($(grep -c . "$tmp/err") lines), $csnap never completed" \
		|| fail "checksum refusal" "$(cat "$tmp/err")"
fi
[ ! -e "$disk.cloudmove-stream" ] && ok "refused: no resume state left" || fail "refused: state" "left"

nsnaps=$(ls "$tmp/state/snapshots" | wc -l)
if up "$disk" "$tmp/creds-wrong"; then fail "wrong secret" "accepted"
else
	grep -q "StartSnapshot: HTTP 403 InvalidSignatureException" "$tmp/err" && ! grep -q not-the-secret "$tmp/err" &&
		[ "$(ls "$tmp/state/snapshots" | wc -l)" = "$nsnaps" ] &&
		ok "wrong secret: $(head -1 "$tmp/err" | cut -c1-110)..., no snapshot" || fail "wrong secret" "$(cat "$tmp/err")"
fi
if up "$disk" "$tmp/creds-unknown"; then fail "unknown key" "accepted"
else
	grep -q "HTTP 403 UnrecognizedClientException" "$tmp/err" && ok "unknown key: UnrecognizedClientException" \
		|| fail "unknown key" "$(cat "$tmp/err")"
fi
for bad in "ebs://us-east-1/snap-0123?endpoint=http://127.0.0.1:$mport" "ebs://US_EAST/" \
	"ebs://us-east-1?region=x"; do
	if "$bin" stream --source "$disk" --dest "$bad" --format raw --creds "$tmp/creds" --progress=none \
		>/dev/null 2>"$tmp/err"; then fail "refused $bad" "accepted"
	else ok "refused $bad: $(head -1 "$tmp/err" | cut -c1-100)"; fi
done
n=$(grep -c . "$tmp/main.log")
for fmt in gce vhd; do
	if "$bin" stream --source "$disk" --dest "$(dest)" --format $fmt --creds "$tmp/creds" --progress=none \
		>/dev/null 2>"$tmp/err"; then fail "$fmt to ebs" "accepted"
	elif grep -q "takes --format raw" "$tmp/err" && [ "$(grep -c . "$tmp/main.log")" = "$n" ]; then
		ok "--format $fmt refused before anything is asked: $(head -1 "$tmp/err" | cut -c1-90)"
	else fail "$fmt to ebs" "$(cat "$tmp/err")"; fi
done
echo "# ${SECONDS}s"
suite_end
