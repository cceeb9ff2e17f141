#!/bin/bash
# run-record.sh CLOUDMOVE — the hosting record and its export, end to end
# on fixture roots: stays across boots and clouds, a corrupt record kept
# aside, CloudEvents delivered to a real HTTP receiver on loopback, a
# spool that survives an unreachable endpoint and delivers later without
# duplicates.  Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-record.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
suite_on_exit cleanup

root=$tmp/root
dress() {	# dress ROOT FIXTURE: the root now boots "in" that fixture's cloud
	rm -rf "$1/sys" "$1/proc"
	cp -r "$here/detect/$2/root/." "$1/"
}
mkdir -p "$root/etc"
echo 0123456789abcdef0123456789abcdef >"$root/etc/machine-id"
spool=$root/var/lib/cloudmove/spool
record=$root/var/lib/cloudmove/record.json
update() { "$bin" record update --root "$root" --no-metadata >"$tmp/out" 2>"$tmp/err"; }

dress "$root" aws-nitro-c5-vendor
if update && grep -q "stay 1 (new, 1 boot)" "$tmp/out"; then ok "first boot starts stay 1"
else fail "first boot" "$(cat "$tmp/out" "$tmp/err")"; fi
if update && grep -q "stay 1 (continued, 2 boots)" "$tmp/out"; then ok "second boot continues it"
else fail "second boot" "$(cat "$tmp/out" "$tmp/err")"; fi
dress "$root" gcp-gce-2017
if update && grep -q "^record: gcp, stay 2 (new" "$tmp/out"; then ok "boot in gcp starts stay 2"
else fail "boot in gcp" "$(cat "$tmp/out" "$tmp/err")"; fi
n=$(ls "$spool" | wc -l)
[ "$n" -eq 3 ] && ok "spool holds 3 events (started, ended, started)" || fail "spool" "$n files"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert [s["cloud"] for s in r["stays"]]==["aws","gcp"] and r["stays"][0]["boots"]==2' "$record" \
	&& ok "record.json holds aws (2 boots) then gcp" || fail "record.json" "$(cat "$record")"
"$bin" record show --root "$root" >"$tmp/show" 2>&1 && grep -q "time per cloud" "$tmp/show" && grep -q "^  aws" "$tmp/show" \
	&& ok "record show lists stays and time per cloud" || fail "record show" "$(cat "$tmp/show")"
"$bin" record show --root "$root" --json | python3 -c 'import json,sys; json.load(sys.stdin)' \
	&& ok "record show --json is JSON" || fail "record show --json" ""

# no endpoint: export fails, one line, spool intact
"$bin" record export --root "$root" --url http://127.0.0.1:9/events --timeout 1500 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && [ "$(ls "$spool" | wc -l)" -eq 3 ] && grep -q "^cloudmove: record: export: " "$tmp/err"; then
	ok "unreachable endpoint: exit 1, 3 events kept"
else fail "unreachable endpoint" "rc $rc $(cat "$tmp/err")"; fi

start_receiver() {	# start_receiver NAME ARGS...
	local name=$1; shift
	rm -f "$tmp/$name.port"
	python3 "$here/metering/receiver.py" --port-file "$tmp/$name.port" --log "$tmp/$name.log" "$@" &
	pids+=($!)
	for _ in $(seq 50); do [ -s "$tmp/$name.port" ] && break; sleep 0.1; done
	port=$(cat "$tmp/$name.port")
}

start_receiver flaky --fail-first 2
"$bin" record export --root "$root" --url "http://127.0.0.1:$port/events" --timeout 5000 >"$tmp/out" 2>"$tmp/err"
rc=$?
got=$(wc -l <"$tmp/flaky.log" 2>/dev/null || echo 0)
if [ $rc -eq 0 ] && [ "$got" -eq 3 ] && [ -z "$(ls "$spool"/*.json 2>/dev/null)" ] &&
   ! grep -q '"duplicate": true' "$tmp/flaky.log" && ! grep -q '"valid": false' "$tmp/flaky.log"; then
	ok "spooled events delivered after 2 refusals (503), 3 valid, no duplicates"
else fail "delivery after refusals" "rc $rc, got $got: $(cat "$tmp/out" "$tmp/err" "$tmp/flaky.log" 2>/dev/null)"; fi
"$bin" record export --root "$root" --url "http://127.0.0.1:$port/events" >"$tmp/out" 2>&1
[ "$(wc -l <"$tmp/flaky.log")" -eq 3 ] && grep -q "0 sent" "$tmp/out" \
	&& ok "second export sends nothing again" || fail "second export" "$(cat "$tmp/out")"

# A black hole: the export gives up at its budget and keeps everything.
dress "$root" hetzner-cloud-sys-vendor
update
start_receiver hole --hang
t0=$(date +%s%N)
"$bin" record export --root "$root" --url "http://127.0.0.1:$port/events" --timeout 1500 >"$tmp/out" 2>"$tmp/err"
rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
n=$(ls "$spool"/*.json 2>/dev/null | wc -l)
[ $rc -eq 1 ] && [ $ms -lt 2500 ] && [ "$n" -eq 2 ] \
	&& ok "black-hole endpoint: export gives up at its budget ($ms ms for 1500), 2 events kept" \
	|| fail "black-hole export" "rc $rc, $ms ms, $n spooled: $(cat "$tmp/err")"

# At boot: one try, no backoff, whatever the endpoint does; the boot goes on.
# The machine is the dressed root's fixture (--detect-root), not this one.
boot_with() {	# boot_with URL -> rc, ms
	printf 'root=UUID=x ro cloudmove.metering=%s rd.cloudmove.timeout=1000\n' "$1" >"$tmp/cmdline"
	t0=$(date +%s%N)
	"$bin" boot --root "$root" --cmdline "$tmp/cmdline" --metadata-endpoint 127.0.0.1:9 \
		--detect-root "$root" >"$tmp/out" 2>"$tmp/err"
	rc=$? ms=$((($(date +%s%N) - t0) / 1000000))
}
boot_with "http://127.0.0.1:9/events"
grep -q "^cloudmove: record: hetzner, stay [0-9]* (continued, 2 boots)" "$tmp/out" \
	&& ok "boot in the root's fixture (hetzner): its stay continued" \
	|| fail "boot, detection evidence" "$(cat "$tmp/out" "$tmp/err")"
[ $rc -eq 0 ] && [ $ms -lt 500 ] && grep -qE "^cloudmove: metering: 0 event\(s\) sent, [1-9][0-9]* left spooled" "$tmp/out" \
	&& ok "boot, endpoint refused: no retries ($ms ms), events stay spooled, exit 0" \
	|| fail "boot, refused endpoint" "rc $rc, $ms ms: $(cat "$tmp/out" "$tmp/err")"
boot_with "http://127.0.0.1:$port/events"
[ $rc -eq 0 ] && [ $ms -lt 2000 ] && grep -q "^cloudmove: metering: 0 event(s) sent" "$tmp/out" \
	&& ok "boot, black-hole endpoint: bounded by rd.cloudmove.timeout ($ms ms for 1000), exit 0" \
	|| fail "boot, black-hole endpoint" "rc $rc, $ms ms: $(cat "$tmp/out" "$tmp/err")"
rm -f "$spool"/*.json

dress "$root" azure-chassis-wott
update
start_receiver refusing --status 400
"$bin" record export --root "$root" --url "http://127.0.0.1:$port/events" >"$tmp/out" 2>"$tmp/err"
[ -n "$(ls "$spool/rejected/" 2>/dev/null)" ] && [ -z "$(ls "$spool"/*.json 2>/dev/null)" ] \
	&& ok "events refused for good (400) go to spool/rejected" || fail "refused events" "$(cat "$tmp/out" "$tmp/err")"

echo "this is not a record" >"$record"
if update && ls "$root/var/lib/cloudmove/" | grep -q "record.json.bad-" && grep -q "stay 1 (new" "$tmp/out" &&
   grep -q "kept it as" "$tmp/err"; then
	ok "corrupt record kept aside, new one started, exit 0"
else fail "corrupt record" "$(cat "$tmp/out" "$tmp/err")"; fi

# /var on its own filesystem, not mounted yet (before the pivot): no write
r2=$tmp/sepvar
mkdir -p "$r2/etc"
cp -r "$here/detect/gcp-gce-2017/root/." "$r2/"
printf 'UUID=1111 / ext4 defaults 0 1\nUUID=2222 /var ext4 defaults 0 2\n' >"$r2/etc/fstab"
"$bin" record update --root "$r2" --no-metadata >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ ! -e "$r2/var/lib/cloudmove/record.json" ] && [ "$(wc -l <"$tmp/err")" -le 2 ] \
	&& ok "separate /var not mounted: exit 1, nothing written under the mount point" \
	|| fail "separate /var" "rc $rc $(cat "$tmp/err")"

# A read-only root (as before the pivot): made writable for the write only
r3=$tmp/ro
mkdir -p "$r3"
if mount -t tmpfs -o size=8m cmrecord "$r3" 2>/dev/null; then
	cp -r "$here/detect/gcp-gce-2017/root/." "$r3/"
	mount -o remount,ro "$r3"
	"$bin" record update --root "$r3" --no-metadata >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 0 ] && [ -s "$r3/var/lib/cloudmove/record.json" ] &&
	   grep -q '[[:space:]]ro[,[:space:]]' <(grep " $r3 " /proc/mounts); then
		ok "read-only root: remounted for the write, read-only again after"
	else fail "read-only root" "rc $rc $(cat "$tmp/err") $(grep " $r3 " /proc/mounts)"; fi
	umount "$r3"
else
	echo "     (read-only root test skipped: cannot mount tmpfs)"
fi

for args in "record" "record bogus" "record export --url ftp://x" "record show --url x"; do
	# shellcheck disable=SC2086
	"$bin" $args --root "$root" >/dev/null 2>"$tmp/err"
	rc=$?
	[ $rc -eq 2 ] && ok "usage: '$args' exits 2" || fail "usage '$args'" "rc $rc $(cat "$tmp/err")"
done

# issue 15: a record.json that cannot be read as a file (a symlink loop, a
# directory, a FIFO) is not ours: set aside, a new record started, exit 0 —
# never a failure on every boot, never a hang
for kind in loop dir fifo; do
	rm -rf "$record" "$root"/var/lib/cloudmove/record.json.bad-*
	case $kind in
	loop) ln -s record.json "$record" ;;
	dir) mkdir -p "$record/x" ;;
	fifo) mkfifo "$record" ;;
	esac
	timeout 10 "$bin" record update --root "$root" --no-metadata >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 0 ] && grep -q "stay 1 (new" "$tmp/out" && grep -q "kept it as" "$tmp/err" &&
	   [ -f "$record" ] && [ ! -L "$record" ] && ls "$root/var/lib/cloudmove/" | grep -q "record.json.bad-"; then
		ok "record.json a $kind: set aside, new record, exit 0"
	else fail "record.json $kind" "rc $rc $(cat "$tmp/out" "$tmp/err")"; fi
done
# two set aside within a second: both kept
rm -rf "$record" "$root"/var/lib/cloudmove/record.json.bad-*
echo garbage >"$record"
update; echo garbage >"$record"; update
n=$(ls -d "$root"/var/lib/cloudmove/record.json.bad-* | wc -l)
[ "$n" -eq 2 ] && ok "records set aside within the same second are all kept ($n)" ||
	fail "aside names" "$n: $(ls "$root/var/lib/cloudmove/")"

# The move, metered: the source's record closes its stay with the move,
# the image's first boot opens the next one moved_from it; the move's
# CloudEvents (started, failed, arrived) reach the receiver valid, with
# ids from the move id (the same event from both sides has the same id),
# and no credential, signature or token in any of them.
r4=$tmp/src
mkdir -p "$r4"
if mount -t tmpfs -o size=32m cmmove "$r4" 2>/dev/null; then
	cp -a "$here/adapt/aws-debian12/root/." "$r4/"
	dress "$r4" aws-nitro-c5-vendor
	echo 0123456789abcdef0123456789abcdef >"$r4/etc/machine-id"
	"$bin" record update --root "$r4" --no-metadata >/dev/null 2>&1
	mount -o remount,ro "$r4"
	head -c 1M /dev/urandom >"$tmp/src.img"
	printf 'aws_access_key_id = AKIAMOVESECRETID\naws_secret_access_key = moveSecretValue42\n' >"$tmp/creds"
	chmod 600 "$tmp/creds"
	mv_() { "$bin" migrate --root "$r4" --source "$tmp/src.img" --target gcp --format raw \
		--creds "$tmp/creds" --progress=none --detect-root "$r4" --dest "$1" >"$tmp/mv.out" 2>&1; }
	mv_ "http://127.0.0.1:9/disk.raw?X-Amz-Signature=sigSecret77"
	failed_id=$(sed -n 's/.*(move \([0-9a-f]\{32\}\))$/\1/p' "$tmp/mv.out")
	mv_ "file://$tmp/out.raw"
	id=$(sed -n 's/.*(move \([0-9a-f]\{32\}\))$/\1/p' "$tmp/mv.out")
	ls "$r4/var/lib/cloudmove/spool" >"$tmp/spool.ls"
	[ -n "$failed_id" ] && [ -n "$id" ] && [ "$failed_id" != "$id" ] &&
		grep -q -- "-$failed_id-started.json$" "$tmp/spool.ls" &&
		grep -q -- "-$failed_id-failed-stream.json$" "$tmp/spool.ls" &&
		grep -q -- "-$id-started.json$" "$tmp/spool.ls" &&
		ok "two moves, two ids: the failed one spooled started and failed (step stream), the other started" ||
		fail "move events spooled" "$failed_id $id $(cat "$tmp/spool.ls" "$tmp/mv.out")"
	python3 - "$r4/var/lib/cloudmove/record.json" "$id" <<'EOT' &&
import json, sys
m = json.load(open(sys.argv[1]))["stays"][-1]["move"]
assert m["id"] == sys.argv[2] and m["target"] == "gcp" and m["bytes"] > 0, m
assert m["dest"] == m["dest"].split("?")[0] and m["dest"].startswith("file://"), m
assert m["arrived"] is False and m["failed"] is None, m
EOT
		ok "the source's stay keeps its last move: id, target, dest without its query, bytes" ||
		fail "source move" "$(cat "$r4/var/lib/cloudmove/record.json")"
	# the image's first boot in gcp: the root as streamed (record, spool,
	# the move's marker, another machine's)
	r5=$tmp/img
	cp -a "$r4/." "$r5/"
	dress "$r5" gcp-gce-2017
	printf 'before 0\nuuid 00000000-1111-2222-3333-444444444444\ncloud aws\ntarget gcp\nmove_id %s\n' \
		"$id" >"$r5/var/lib/cloudmove/move.pending"
	printf 'quiet\n' >"$tmp/cmdline"
	"$bin" boot --root "$r5" --cmdline "$tmp/cmdline" --metadata-endpoint 127.0.0.1:9 \
		--detect-root "$r5" >"$tmp/out" 2>"$tmp/err"
	grep -qx "cloudmove: arrived in gcp from aws (move $id)" "$tmp/out" &&
		ls "$r5/var/lib/cloudmove/spool" | grep -q -- "-$id-arrived.json$" &&
		ok "the image's first boot: the arrival line, io.cloudmove.move.arrived spooled" ||
		fail "image arrival" "$(cat "$tmp/out" "$tmp/err")"
	start_receiver moves --bodies "$tmp/moves.bodies"
	"$bin" record export --root "$r5" --url "http://127.0.0.1:$port/events" >"$tmp/out" 2>&1
	"$bin" record export --root "$r4" --url "http://127.0.0.1:$port/events" >>"$tmp/out" 2>&1
	python3 - "$tmp/moves.log" "$id" "$failed_id" <<'EOT' &&
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
ids = {e["id"]: e for e in evs}
mid, fid = sys.argv[2], sys.argv[3]
assert all(e["valid"] for e in evs), evs
assert ids[mid + "-started"]["type"] == "io.cloudmove.move.started", ids
assert ids[mid + "-arrived"]["type"] == "io.cloudmove.move.arrived", ids
assert ids[fid + "-failed-stream"]["type"] == "io.cloudmove.move.failed", ids
types = {e["type"] for e in evs}
assert {"io.cloudmove.stay.started", "io.cloudmove.stay.ended"} <= types, types
# the image carried the source's spool: the source's own export of the
# same events comes with the same ids, which the receiver sees as such
dups = [e["id"] for e in evs if e["duplicate"]]
assert dups and all(d.startswith(("0123", mid, fid)) for d in dups), dups
EOT
		ok "the move's events reach the receiver valid; the same event from both sides has the same id" ||
		fail "move events received" "$(cat "$tmp/out" "$tmp/moves.log")"
	python3 - "$tmp/moves.bodies" "$id" <<'EOT' &&
import json, sys
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["id"] == sys.argv[2] + "-arrived":
        d = e["data"]
        assert d["arrived"] is True and d["target"] == "gcp" and d["from"]["cloud"] == "aws", d
        break
else:
    raise SystemExit("no arrived event")
EOT
		ok "move.arrived carries the move (target, arrived) and where from" ||
		fail "arrived data" "$(cat "$tmp/moves.bodies")"
	if grep -rqE "AKIAMOVESECRETID|moveSecretValue42|sigSecret77" \
		"$tmp/moves.bodies" "$r4/var/lib/cloudmove" "$r5/var/lib/cloudmove"; then
		fail "no secrets" "$(grep -rlE "AKIAMOVESECRETID|moveSecretValue42|sigSecret77" \
			"$tmp/moves.bodies" "$r4/var/lib/cloudmove" "$r5/var/lib/cloudmove")"
	else
		ok "no creds value, signature or token in any event, record or marker"
	fi
	"$bin" record show --root "$r5" >"$tmp/show" 2>&1
	grep -q "^     moved from aws (move $id)$" "$tmp/show" &&
		grep -A2 "moved to gcp .*(move $id)" "$tmp/show" | grep -q "^ *arrived$" &&
		ok "record show on the image: moved to gcp, arrived; moved from aws" ||
		fail "record show, moved" "$(cat "$tmp/show")"
	umount "$r4"
else
	echo "     (the move's metering skipped: cannot mount tmpfs)"
fi

suite_end
