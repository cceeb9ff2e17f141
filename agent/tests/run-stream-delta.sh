#!/bin/bash
# run-stream-delta.sh CLOUDMOVE — cloudmove stream --delta-map: per sink, a
# first run (no map: all sent, the map written), then blocks changed
# (rewritten, become zero, beyond the old end of a disk that grew), and a
# second run that sends only those (counted by the done event's "sent",
# the summary line, and for azurite the bytes through a counting proxy);
# the destination read back equals the source byte for byte every time.
# A destination replaced since, a map made for another destination, a map
# that is not one: one line, a full stream, still equal.  A run killed
# (kill -9) midway: the next run is still correct.
#   file://   an image file (and a loop device when losetup works here);
#             --format vhd too (the disk's blocks, then padding and footer)
#   ebs://    lib/ec2_server.py: a child snapshot (ParentSnapshotId) with
#             only the changed blocks put (counted in the server's log)
#   azure     azurite 3.37.0 (npm, cached) on 127.0.0.1, Shared Key; raw
#             and vhd
#   migrate --precopy, then the move (root, loop devices): the cut-over
#             sends only what differs; the image holds what was written
#             after the pre-copies
# Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-stream-delta.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
AZURITE_VERSION=3.37.0
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp
KiB=1024 MiB=$((1024 * 1024)) BLK=$((512 * 1024))

# stream SRC DEST MAP [ARGS...]: exit code; stderr in $tmp/err, the done
# event in $tmp/done
stream() {
	local src=$1 dst=$2 map=$3
	shift 3
	"$bin" stream --source "$src" --dest "$dst" --delta-map "$map" --progress=json "$@" \
		>"$tmp/out" 2>"$tmp/err"
	local rc=$?
	grep '"event":"done"' "$tmp/out" >"$tmp/done"
	return $rc
}
sent() { sed -n 's/.*"sent":\([0-9]*\).*/\1/p' "$tmp/done"; }
said() { grep -q -- "$1" "$tmp/err"; }
# rnd FILE OFF LEN: random bytes at OFF
rnd() { head -c "$3" /dev/urandom | dd of="$1" bs=64K seek="$2" oflag=seek_bytes conv=notrunc status=none; }
zero() { head -c "$3" /dev/zero | dd of="$1" bs=64K seek="$2" oflag=seek_bytes conv=notrunc status=none; }

# The source: 24 MiB + 1234 bytes (the last block short), data in blocks
# 0, 3, 4, 9 (from its middle on) and 40..47, holes elsewhere.
make_src() {
	rm -f "$1"
	truncate -s $((24 * MiB + 1234)) "$1"
	rnd "$1" 0 $((300 * KiB))
	rnd "$1" $((3 * BLK)) $((2 * BLK))
	rnd "$1" $((9 * BLK + 1000)) $((BLK - 1000))
	rnd "$1" $((40 * BLK)) $((8 * BLK))
	rnd "$1" $((24 * MiB)) 1234
}
# The changes: 3 blocks rewritten in part (0, 4, 41), one become zero (9),
# the disk grown by 2 MiB with data in its last 600 KiB: the old short
# last block (48) is whole now, blocks 50..52 hold data, 49 is zero.  Sent:
# 0, 4, 41, 48, 50, 51 and 52 (1234 bytes); cleared: 9 and 49.
change_src() {
	rnd "$1" 100 4096
	rnd "$1" $((4 * BLK + 7 * KiB)) 10
	rnd "$1" $((41 * BLK + BLK - 4096)) 4096
	zero "$1" $((9 * BLK)) "$BLK"
	truncate -s $((26 * MiB + 1234)) "$1"
	rnd "$1" $((26 * MiB + 1234 - 600 * KiB)) $((600 * KiB))
}
changed_bytes=$((6 * BLK + 1234))
changed_line='7 of 53 blocks sent, 2 cleared, 44 unchanged'

# --- file:// ---------------------------------------------------------------
src=$tmp/src.img dst=$tmp/dst.img map=$tmp/dst.map
make_src "$src"
if stream "$src" "file://$dst" "$map" && cmp -s "$src" "$dst" && [ -s "$map" ] &&
	said "no map yet; a full stream" && grep -q "\"dest\":\"file://$dst\"" "$tmp/done"; then
	ok "file: first run: all sent, the map written"
else
	fail "file: first run" "$(cat "$tmp/err")"
fi
[ "$(stat -c %s "$map")" = $((4096 + 49 * 32)) ] && ok "file: the map: a header, one entry a block" \
	|| fail "file: map size" "$(stat -c %s "$map")"
first=$(sent)
[ "$first" = $((12 * BLK + 1234)) ] && ok "file: first run sent the blocks with data ($first)" \
	|| fail "file: first run sent" "$first"

change_src "$src"
if stream "$src" "file://$dst" "$map" && cmp -s "$src" "$dst" &&
	[ "$(sent)" = "$changed_bytes" ] && said "$changed_line"; then
	ok "file: second run: only the changed blocks (rewritten, zeroed, grown), equal"
else
	fail "file: second run" "sent $(sent); $(cat "$tmp/err")"
fi
[ "$(stat -c %s "$map")" = $((4096 + 53 * 32)) ] && ok "file: the map rewritten for the grown disk" \
	|| fail "file: map size after growth" "$(stat -c %s "$map")"
if stream "$src" "file://$dst" "$map" && [ "$(sent)" = 0 ] && cmp -s "$src" "$dst"; then
	ok "file: nothing changed: nothing sent"
else
	fail "file: unchanged run" "sent $(sent)"
fi
truncate -s $((20 * MiB + 5)) "$src"
if stream "$src" "file://$dst" "$map" && cmp -s "$src" "$dst" && [ "$(sent)" = 5 ]; then
	ok "file: a disk that shrank: the image truncated, its new last block sent"
else
	fail "file: shrink" "sent $(sent); $(cat "$tmp/err")"
fi

# replaced since (a new inode), written by another (mtime), another dest,
# not a map: one line each, a full stream, equal
cp "$dst" "$tmp/other.img" && mv "$tmp/other.img" "$dst"
if stream "$src" "file://$dst" "$map" && cmp -s "$src" "$dst" &&
	[ "$(grep -c 'delta-map' "$tmp/err")" = 2 ] &&
	said "the destination was replaced or changed since; a full stream" &&
	[ "$(sent)" = $((3 * BLK + 5)) ]; then
	ok "file: destination replaced: one line, a full stream, equal"
else
	fail "file: replaced" "$(cat "$tmp/err")"
fi
sleep 0.01
printf 'x' | dd of="$dst" bs=1 seek=$((2 * BLK)) conv=notrunc status=none
if stream "$src" "file://$dst" "$map" && cmp -s "$src" "$dst" &&
	said "replaced or changed since; a full stream"; then
	ok "file: destination written by another since: a full stream, equal"
else
	fail "file: written since" "$(cat "$tmp/err")"
fi
if stream "$src" "file://$tmp/dst2.img" "$map" && cmp -s "$src" "$tmp/dst2.img" &&
	said "made for another destination; a full stream"; then
	ok "file: a map of another destination: a full stream"
else
	fail "file: other destination" "$(cat "$tmp/err")"
fi
head -c 5000 /dev/urandom >"$tmp/junk.map"
if stream "$src" "file://$dst" "$tmp/junk.map" && cmp -s "$src" "$dst" &&
	said "not a cloudmove delta map"; then
	ok "file: not a map: said, a full stream, a new map written"
else
	fail "file: junk map" "$(cat "$tmp/err")"
fi
stream "$src" "file://$dst" "$tmp/junk.map" && [ "$(sent)" = 0 ] \
	&& ok "file: ... which the next run uses" || fail "file: junk map replaced" "sent $(sent)"

# --delta-map with --resume, or a format that is not raw
if ! "$bin" stream --source "$src" --dest "file://$dst" --delta-map "$map" --resume \
	2>"$tmp/err" && said "one or the other"; then
	ok "file: --delta-map with --resume refused"
else
	fail "file: --resume" "$(cat "$tmp/err")"
fi
if stream "$src" "file://$tmp/d.tar.gz" "$tmp/gce.map" --format gce &&
	said "format gce is rewritten whole; a full stream, no map kept" && [ ! -e "$tmp/gce.map" ]; then
	ok "file: --format gce: a full stream, no map"
else
	fail "file: gce" "$(cat "$tmp/err")"
fi
# a fixed VHD is the raw disk, zeros to a whole MiB and a 512-byte footer:
# its blocks are the disk's, the padding and the footer written each time
same_vhd() {	# same_vhd VHD SRC: SRC, zeros to a MiB, a footer (conectix)
	local len pad
	len=$(stat -c %s "$2")
	pad=$(( (len + MiB - 1) / MiB * MiB ))
	[ "$(stat -c %s "$1")" = $((pad + 512)) ] && cmp -s -n "$len" "$1" "$2" &&
		[ "$(head -c "$pad" "$1" | tail -c +$((len + 1)) | tr -d '\0' | wc -c)" = 0 ] &&
		[ "$(tail -c 512 "$1" | head -c 8)" = conectix ]
}
make_src "$src"
vhd=$tmp/d.vhd
if stream "$src" "file://$vhd" "$tmp/vhd.map" --format vhd && same_vhd "$vhd" "$src" &&
	change_src "$src" && stream "$src" "file://$vhd" "$tmp/vhd.map" --format vhd &&
	same_vhd "$vhd" "$src" && said "$changed_line"; then
	ok "file: --format vhd: only the changed blocks, padding and footer rewritten; a whole VHD"
else
	fail "file: vhd delta" "$(cat "$tmp/err")"
fi
if command -v qemu-img >/dev/null; then
	vsize=$(qemu-img info -f vpc --output=json "$vhd" | python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])')
	[ "$vsize" = $(( ($(stat -c %s "$src") + MiB - 1) / MiB * MiB )) ] &&
		ok "file: qemu-img reads the delta VHD: $vsize bytes" || fail "file: qemu-img" "$vsize"
else
	skip "file: qemu-img on the VHD" "no qemu-img"
fi


# killed midway (kill -9), then run again: equal.  A bigger disk, all of
# it changed, so that the kill lands while blocks are being written.
big=$tmp/big.img bdst=$tmp/big-dst.img bmap=$tmp/big.map
head -c $((96 * MiB)) /dev/urandom >"$big"
stream "$big" "file://$bdst" "$bmap" || fail "file: kill: first run" "$(cat "$tmp/err")"
killed=0
for delay in 0.05 0.1 0.2; do
	rnd "$big" 0 $((96 * MiB))
	"$bin" stream --source "$big" --dest "file://$bdst" --delta-map "$bmap" \
		--progress=none 2>/dev/null &
	p=$!
	sleep "$delay"
	kill -9 "$p" 2>/dev/null && killed=$((killed + 1))
	{ wait "$p"; } 2>/dev/null
	if ! stream "$big" "file://$bdst" "$bmap" || ! cmp -s "$big" "$bdst"; then
		fail "file: killed after ${delay}s, run again" "$(cat "$tmp/err")"
		killed=-99
	fi
done
[ "$killed" -gt 0 ] && ok "file: killed midway ($killed of 3), the next run: equal" \
	|| { [ "$killed" = 0 ] && skip "file: kill" "every run ended before the kill"; }
ls "$tmp"/big.map.* >/dev/null 2>&1 && fail "file: kill" "a temporary map left: $(ls "$tmp"/big.map.*)" \
	|| ok "file: no temporary map left after the kills (the next run removed it)"
rm -f "$big" "$bdst" "$bmap"

# a block device: written in place, its identity its device number
truncate -s $((32 * MiB)) "$tmp/loop.img"
if loop=$(losetup -f --show "$tmp/loop.img" 2>/dev/null); then
	suite_on_exit "losetup -d $loop"
	make_src "$src"
	zero "$loop" 0 $((32 * MiB))
	stream "$src" "file://$loop" "$tmp/loop.map"
	change_src "$src"
	if stream "$src" "file://$loop" "$tmp/loop.map" && [ "$(sent)" = "$changed_bytes" ] &&
		cmp -s -n "$(stat -c %s "$src")" "$src" "$loop"; then
		ok "file: a block device: only the changed blocks, equal"
	else
		fail "file: block device" "sent $(sent); $(cat "$tmp/err")"
	fi
else
	skip "file: a block device" "no loop device here"
fi

# --- migrate --precopy, then the cut-over (needs root, loop devices) ---------
# A partitioned disk with an ext4 root (the aws-debian12 fixture) mounted
# read-write as a running system: pre-copied twice (files written between
# and after), then mounted read-only as the initramfs has it and moved: the
# move finds the map and sends only what differs (the adaptation's changes
# included); the image holds every file written after the pre-copies and
# the move's marker, and its file system is clean.
precopy_suite() {
	local disk=$tmp/pc.img mnt=$tmp/pc-mnt out=$tmp/pc-out imnt=$tmp/pc-img
	local ploop pc_part img_part rc s1 s2
	truncate -s 48M "$disk"
	printf 'label: dos\nstart=2048, type=83\n' | sfdisk -q "$disk"
	mkfs.ext4 -q -F -E offset=$((2048 * 512)) -L root -d "$here/adapt/aws-debian12/root" \
		"$disk" 40M
	ploop=$(losetup -f --show "$disk") && suite_on_exit "losetup -d $ploop"
	pc_part=$(losetup -f --show -o $((2048 * 512)) --sizelimit $((40 << 20)) "$disk") &&
		suite_on_exit "losetup -d $pc_part"
	mkdir -p "$mnt" "$out" "$imnt"
	mount "$pc_part" "$mnt" && suite_on_exit "mountpoint -q $mnt && umount $mnt"
	local dest=file://$out/disk.raw
	pc() { "$bin" migrate --precopy --root "$mnt" --source "$ploop" --target gcp --format raw \
		--dest "$dest" --progress=none "$@" >"$tmp/pc.out" 2>&1; }
	if pc --max-rate 200000000 && grep -q "^cloudmove: migrate: --precopy: .* (the whole disk)" "$tmp/pc.out" &&
		ls "$mnt"/var/lib/cloudmove/precopy/*.map >/dev/null 2>&1; then
		ok "precopy: the live disk copied whole, the map on the root ($(cd "$mnt" && ls var/lib/cloudmove/precopy/*.map))"
	else
		fail "precopy: first" "$(cat "$tmp/pc.out")"
	fi
	s1=$(sed -n 's/.*--precopy: \([0-9]*\) bytes sent.*/\1/p' "$tmp/pc.out")
	head -c $((3 * MiB)) /dev/urandom >"$mnt/after1.bin"
	sync
	if pc && grep -q "(only what changed)" "$tmp/pc.out"; then
		s2=$(sed -n 's/.*--precopy: \([0-9]*\) bytes sent.*/\1/p' "$tmp/pc.out")
		# a whole copy now: the first one's bytes and the 3 MiB file
		[ "$s2" -lt $((s1 + 3 * MiB)) ] && ok "precopy: run again: only what changed ($s2 bytes; whole: $((s1 + 3 * MiB)))" \
			|| fail "precopy: second" "$s2 of $s1"
	else
		fail "precopy: second" "$(cat "$tmp/pc.out")"
	fi
	head -c $((1 * MiB)) /dev/urandom >"$mnt/etc/after2.bin"
	local sums
	sums=$(cd "$mnt" && sha256sum after1.bin etc/after2.bin)
	umount "$mnt" && mount -o ro "$pc_part" "$mnt"
	"$bin" migrate --root "$mnt" --source "$ploop" --target gcp --format raw --dest "$dest" \
		--progress=none --detect-root "$here/detect/kvm-qemu-q35-fedora/root" >"$tmp/mv.out" 2>&1
	rc=$?
	local line
	line=$(grep -o "[0-9]* of [0-9]* blocks sent, [0-9]* cleared, [0-9]* unchanged" "$tmp/mv.out")
	if [ $rc = 0 ] && grep -q "pre-copy's map .* found" "$tmp/mv.out" && [ -n "$line" ] &&
		[ "${line%% *}" -lt 40 ]; then
		ok "cut-over: the map found, only what differs sent ($line)"
	else
		fail "cut-over" "rc=$rc $(cat "$tmp/mv.out")"
	fi
	img_part=$(losetup -f --show -r -o $((2048 * 512)) --sizelimit $((40 << 20)) "$out/disk.raw") &&
		suite_on_exit "losetup -d $img_part"
	if e2fsck -fn "$img_part" >"$tmp/fsck.out" 2>&1 && mount -o ro "$img_part" "$imnt"; then
		if [ "$(cd "$imnt" && sha256sum after1.bin etc/after2.bin)" = "$sums" ] &&
			[ -e "$imnt/var/lib/cloudmove/move.pending" ]; then
			ok "cut-over: the image's file system clean, every file written after the pre-copy there, the move's marker too"
		else
			fail "cut-over: image content" "$(ls -la "$imnt/root" "$imnt/var/lib/cloudmove")"
		fi
		umount "$imnt"
	else
		fail "cut-over: image file system" "$(tail -5 "$tmp/fsck.out")"
	fi
	[ ! -e "$mnt/var/lib/cloudmove/move.pending" ] && ok "cut-over: the source as it was (no marker)" \
		|| fail "cut-over: source" "marker left"
}
if [ "$(id -u)" = 0 ] && losetup -f >/dev/null 2>&1 && command -v sfdisk >/dev/null; then
	precopy_suite
else
	skip "migrate --precopy" "needs root and loop devices"
fi

# --- ebs:// (lib/ec2_server.py: a child snapshot holds its parent's blocks) --
akid=AKIDDELTATEST01 secret=delta-test-secret-$$
printf 'aws_access_key_id = %s\naws_secret_access_key = %s\n' "$akid" "$secret" >"$tmp/ebs-creds"
chmod 600 "$tmp/ebs-creds"
suite_bg python3 "$here/lib/ec2_server.py" --state "$tmp/ec2" --log "$tmp/ec2.log" --key "$akid:$secret" \
	--port-file "$tmp/ec2.port" 2>"$tmp/ec2.err"
suite_wait_file "$tmp/ec2.port" 100
edest="ebs://us-east-1?endpoint=http://127.0.0.1:$(cat "$tmp/ec2.port")"
snap_made() { sed -n 's|.*"dest":"ebs://us-east-1/\(snap-[0-9a-f]*\)".*|\1|p' "$tmp/done"; }
# same_snap SRC SNAP: the snapshot's blocks (missing ones zeros) are SRC,
# then zeros to the end of its last block; its parent is what it says
same_snap() {
	python3 - "$1" "$tmp/ec2/snapshots/$2" <<'PY'
import json, os, sys
src, d = sys.argv[1], sys.argv[2]
B = 512 * 1024
meta = json.load(open(os.path.join(d, "meta.json")))
data = open(src, "rb").read()
n = -(-len(data) // B)
for i in range(n):
    p = os.path.join(d, "blocks", str(i))
    got = open(p, "rb").read() if os.path.exists(p) else bytes(B)
    if got != data[i * B:(i + 1) * B].ljust(B, b"\0"):
        print("block %d differs" % i); sys.exit(1)
extra = [int(x) for x in os.listdir(os.path.join(d, "blocks")) if x.isdigit() and int(x) >= n]
for i in extra:
    if open(os.path.join(d, "blocks", str(i)), "rb").read().count(0) != B:
        print("block %d past the disk holds data" % i); sys.exit(1)
sys.exit(0 if meta["Status"] == "completed" else 1)
PY
}
puts_to() { python3 -c 'import json,sys
e=[json.loads(l) for l in open(sys.argv[1])]
print(sum(1 for x in e if x["op"]=="PutSnapshotBlock" and x.get("snapshot")==sys.argv[2] and x["status"]==201))' "$tmp/ec2.log" "$1"; }
parent_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ParentSnapshotId"] or "")' \
	"$tmp/ec2/snapshots/$1/meta.json"; }
emap=$tmp/ebs.map
make_src "$src"
cp "$src" "$tmp/first.img"
if stream "$src" "$edest" "$emap" --creds "$tmp/ebs-creds" && s1=$(snap_made) && [ -n "$s1" ] &&
	same_snap "$src" "$s1" && [ "$(puts_to "$s1")" = 13 ]; then
	ok "ebs: first run: a snapshot of the 13 blocks with data, equal"
else
	fail "ebs: first run" "$(cat "$tmp/err") $(cat "$tmp/ec2.err" | tail -3)"
fi
change_src "$src"
if stream "$src" "$edest" "$emap" --creds "$tmp/ebs-creds" && s2=$(snap_made) && [ -n "$s2" ] &&
	[ "$(parent_of "$s2")" = "$s1" ] && same_snap "$src" "$s2" && said "$changed_line"; then
	ok "ebs: second run: a child of the first ($s2), equal"
else
	fail "ebs: second run" "$(cat "$tmp/err")"
fi
# 7 changed blocks and the 2 that became zero (put as zeros over the parent's)
[ "$(puts_to "${s2:-none}")" = 9 ] && ok "ebs: only the changed blocks put (9: 7 data, 2 zeroed; the server's log)" \
	|| fail "ebs: blocks put" "$(puts_to "${s2:-none}")"
[ "$(sent)" = $((9 * BLK)) ] && ok "ebs: the done event's sent: 9 blocks" || fail "ebs: sent" "$(sent)"
same_snap "$tmp/first.img" "$s1" && ok "ebs: the parent snapshot untouched (still the first disk)" \
	|| fail "ebs: parent changed"
# the snapshot the map names gone (deleted): a full stream
rm -rf "$tmp/ec2/snapshots/${s2:-none}"
if stream "$src" "$edest" "$emap" --creds "$tmp/ebs-creds" && s3=$(snap_made) &&
	[ -z "$(parent_of "$s3")" ] && same_snap "$src" "$s3" &&
	said "the destination is not there any more; a full stream"; then
	ok "ebs: the map's snapshot gone: one line, a full stream, equal"
else
	fail "ebs: snapshot gone" "$(cat "$tmp/err")"
fi
# killed midway (a second server on the same state, 100 ms a block): the
# parent and the map stay good, the next run equal
suite_bg python3 "$here/lib/ec2_server.py" --state "$tmp/ec2" --key "$akid:$secret" --block-delay-ms 100 \
	--port-file "$tmp/ec2slow.port" 2>>"$tmp/ec2.err"
suite_wait_file "$tmp/ec2slow.port" 100
rnd "$src" 0 $((8 * MiB))
"$bin" stream --source "$src" --dest "ebs://us-east-1?endpoint=http://127.0.0.1:$(cat "$tmp/ec2slow.port")" \
	--delta-map "$emap" --creds "$tmp/ebs-creds" --progress=none 2>/dev/null &
p=$!
sleep 0.25
kill -9 "$p" 2>/dev/null && k=killed || k="ended before the kill"
{ wait "$p"; } 2>/dev/null
if stream "$src" "$edest" "$emap" --creds "$tmp/ebs-creds" && s4=$(snap_made) &&
	same_snap "$src" "$s4"; then
	ok "ebs: a run $k, the next: equal"
else
	fail "ebs: after a kill" "$(cat "$tmp/err")"
fi

# a delta run that fails (a block refused: its checksum does not match on
# a server that flips a bit of block 2): exit 1, the map and its snapshot
# still good, the next run a child of it again
suite_bg python3 "$here/lib/ec2_server.py" --state "$tmp/ec2" --key "$akid:$secret" --corrupt-block 2 \
	--port-file "$tmp/ec2bad.port" 2>>"$tmp/ec2.err"
suite_wait_file "$tmp/ec2bad.port" 100
rnd "$src" $((2 * BLK)) 4096
cp "$emap" "$tmp/ebs.map.before"
if ! stream "$src" "ebs://us-east-1?endpoint=http://127.0.0.1:$(cat "$tmp/ec2bad.port")" "$emap" \
	--creds "$tmp/ebs-creds" && cmp -s "$emap" "$tmp/ebs.map.before" &&
	stream "$src" "$edest" "$emap" --creds "$tmp/ebs-creds" && s5=$(snap_made) &&
	[ "$(parent_of "$s5")" = "${s4:-none}" ] && same_snap "$src" "$s5" && said "1 of 53 blocks sent"; then
	ok "ebs: a run that fails: exit 1, the map kept; the next: a child, 1 block, equal"
else
	fail "ebs: failed run" "$(cat "$tmp/err")"
fi

# --- azure page blob (azurite) ---------------------------------------------
az() { python3 "$here/lib/azblob.py" "$@"; }
# shellcheck source=agent/tests/lib/npm.sh
. "$here/lib/npm.sh"
if ! azurite=$(npm_bin azurite "$AZURITE_VERSION" azurite-blob); then
	skip "azure" "azurite $AZURITE_VERSION cannot be had"
	suite_end
fi
port=$(suite_free_port)
mkdir -p "$tmp/azurite"
suite_bg "$azurite" --blobHost 127.0.0.1 --blobPort "$port" --location "$tmp/azurite" \
	--disableTelemetry --silent >"$tmp/azurite.log" 2>&1
suite_wait_port "$port" || suite_abort "azurite did not start: $(cat "$tmp/azurite.log")"
KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
printf 'azure_account_name = devstoreaccount1\nazure_account_key = %s\n' "$KEY" >"$tmp/creds"
chmod 600 "$tmp/creds"
base=http://127.0.0.1:$port/devstoreaccount1
az mkcontainer "$base/images" || suite_abort "azurite: no container"
# every request through a proxy that counts the bytes sent
suite_bg python3 "$here/lib/cutproxy.py" --to "$port" --port-file "$tmp/proxy.port" \
	--count-file "$tmp/proxy.count"
suite_wait_file "$tmp/proxy.port" 100
pbase=http://127.0.0.1:$(cat "$tmp/proxy.port")/devstoreaccount1
counted() { cat "$tmp/proxy.count" 2>/dev/null || echo 0; }
same_blob() {	# same_blob URL FILE: the blob is FILE, then zeros to a page
	az get "$1" "$tmp/got" || return 1
	local len
	len=$(stat -c %s "$2")
	cmp -s -n "$len" "$tmp/got" "$2" || return 1
	[ "$(tail -c +$((len + 1)) "$tmp/got" | tr -d '\0' | wc -c)" = 0 ] &&
		[ $(( ($(stat -c %s "$tmp/got") + 511) / 512 )) = $(( (len + 511) / 512 )) ]
}
amap=$tmp/blob.map blob=$pbase/images/disk.raw
make_src "$src"
if stream "$src" "$blob" "$amap" --creds "$tmp/creds" && same_blob "$base/images/disk.raw" "$src" &&
	said "no map yet"; then
	ok "azure: first run: all sent, equal"
else
	fail "azure: first run" "$(cat "$tmp/err")"
fi
before=$(counted)
change_src "$src"
if stream "$src" "$blob" "$amap" --creds "$tmp/creds" && [ "$(sent)" = "$changed_bytes" ] &&
	said "$changed_line" &&
	same_blob "$base/images/disk.raw" "$src"; then
	ok "azure: second run: changed blocks Put, zeroed cleared, blob grown; equal"
else
	fail "azure: second run" "sent $(sent); $(cat "$tmp/err")"
fi
on_wire=$(( $(counted) - before ))
# (less than whole blocks: a changed block's all-zero 64 KiB parts are
# cleared, not sent)
[ "$on_wire" -lt $((changed_bytes + 64 * KiB)) ] && [ "$on_wire" -ge $((600 * KiB)) ] \
	&& ok "azure: on the wire: $on_wire bytes for $changed_bytes changed" \
	|| fail "azure: on the wire" "$on_wire bytes for $changed_bytes changed"
# a block that was data and is zero now must read as zeros (cleared, not
# left out): Get Page Ranges no longer lists it
if ! az ranges "$base/images/disk.raw" | awk -v s=$((9 * BLK)) -v e=$((10 * BLK)) \
	'$1 < e && $2 >= s { bad = 1 } END { exit bad }'; then
	fail "azure: the zeroed block is still a page range"
else
	ok "azure: the zeroed block cleared (no page range)"
fi
truncate -s $((22 * MiB)) "$src"
if stream "$src" "$blob" "$amap" --creds "$tmp/creds" && same_blob "$base/images/disk.raw" "$src"; then
	ok "azure: a disk that shrank: the blob resized, equal"
else
	fail "azure: shrink" "$(cat "$tmp/err")"
fi
# the blob replaced (a plain stream of another disk there)
make_src "$tmp/other.img"
"$bin" stream --source "$tmp/other.img" --dest "$base/images/disk.raw" --creds "$tmp/creds" \
	--progress=none 2>/dev/null
if stream "$src" "$blob" "$amap" --creds "$tmp/creds" && same_blob "$base/images/disk.raw" "$src" &&
	said "replaced or changed since; a full stream"; then
	ok "azure: blob replaced: one line, a full stream, equal"
else
	fail "azure: replaced" "$(cat "$tmp/err")"
fi
# vhd (Azure's import format): the blob is the disk, the padding, the footer
vmap=$tmp/vblob.map vblob=$pbase/images/disk.vhd
make_src "$src"
stream "$src" "$vblob" "$vmap" --creds "$tmp/creds" --format vhd
change_src "$src"
if stream "$src" "$vblob" "$vmap" --creds "$tmp/creds" --format vhd && said "$changed_line" &&
	az get "$base/images/disk.vhd" "$tmp/got.vhd" && same_vhd "$tmp/got.vhd" "$src"; then
	ok "azure: --format vhd: only the changed blocks, the blob a whole VHD of the disk"
else
	fail "azure: vhd" "$(cat "$tmp/err")"
fi
# killed midway
head -c $((48 * MiB)) /dev/urandom >"$tmp/abig.img"
stream "$tmp/abig.img" "$blob" "$amap" --creds "$tmp/creds"
rnd "$tmp/abig.img" 0 $((48 * MiB))
"$bin" stream --source "$tmp/abig.img" --dest "$blob" --delta-map "$amap" --creds "$tmp/creds" \
	--progress=none 2>/dev/null &
p=$!
sleep 0.3
kill -9 "$p" 2>/dev/null && k=killed || k="ended before the kill"
{ wait "$p"; } 2>/dev/null
if stream "$tmp/abig.img" "$blob" "$amap" --creds "$tmp/creds" &&
	same_blob "$base/images/disk.raw" "$tmp/abig.img"; then
	ok "azure: a run $k, the next: equal"
else
	fail "azure: after a kill" "$(cat "$tmp/err")"
fi
suite_end
