#!/bin/bash
# run-migrate.sh CLOUDMOVE — `cloudmove migrate` on a real disk: a loop
# device with a partition table and an ext4 root (the aws-debian12 fixture),
# mounted read-only as the initramfs has it.  The move to gcp streams the
# whole disk as gce (disk.raw in a tar.gz) to file://; the image's root is
# adapted for gcp (plan on it: nothing to change) while the source's files
# are byte-identical afterwards.  Killed at each step of the move (and at
# random points of the stream), the source is restored by the next
# `cloudmove boot`.  Refusals: a read-write root, an unknown target, a
# destination that cannot be written.  The machines are fixtures
# (--detect-root): the source a KVM guest, the image's first boot a GCP VM,
# whose boot drops the image's move marker and keeps its adaptation.
# Needs root (losetup, mount).  Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-migrate.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp
loop= part= mnt=$tmp/mnt img_loop=
cleanup() {
	mountpoint -q "$tmp/img-mnt" && umount "$tmp/img-mnt"
	[ -n "$img_loop" ] && losetup -d "$img_loop"
	mountpoint -q "$mnt" && umount "$mnt"
	[ -n "$part" ] && losetup -d "$part"
	[ -n "$loop" ] && losetup -d "$loop"
}
suite_on_exit cleanup
# the machines' detection evidence (DMI, SMBIOS UUID): never this machine's
source_machine=(--detect-root "$here/detect/kvm-qemu-q35-fedora/root")
image_machine=(--detect-root "$here/detect/gcp-gce-2017/root")
snapshot() { (cd "$1" && find . -path ./var/lib/cloudmove -prune -o -path ./lost+found -prune \
	-o -type f -print0 | sort -z | xargs -0 -r sha256sum &&
	find . -type l -print0 | sort -z | xargs -0 -r readlink); }

if [ "$(id -u)" != 0 ] || ! losetup -f >/dev/null 2>&1; then
	echo "skip: needs root and loop devices"
	suite_end
fi

# The source disk: 48 MiB, one partition from 1 MiB, ext4 with the root.
disk=$tmp/disk.img
truncate -s 48M "$disk"
printf 'label: dos\nstart=2048, type=83\n' | sfdisk -q "$disk"
mkfs.ext4 -q -F -E offset=$((2048 * 512)) -L root -d "$here/adapt/aws-debian12/root" \
	"$disk" 40M
# The whole disk on one loop device, the partition on another (partition
# device nodes need udev, which containers lack): what the migrate of a
# partitioned disk sees, with --source naming the disk.
loop=$(losetup -f --show -r "$disk")
part=$(losetup -f --show -o $((2048 * 512)) --sizelimit $((40 << 20)) "$disk")
mkdir -p "$mnt" "$tmp/out" "$tmp/img-mnt"
mount -o ro "$part" "$mnt"
before=$(snapshot "$mnt")

boot_source() {	# what the next boot of the source does
	printf 'quiet\n' >"$tmp/cmdline"
	"$bin" boot --root "$mnt" --cmdline "$tmp/cmdline" \
		--metadata-endpoint 127.0.0.1:9 "${source_machine[@]}" >"$tmp/boot.out" 2>&1
}
same_source() {	# NAME
	if [ "$(snapshot "$mnt")" = "$before" ] && [ ! -e "$mnt/var/lib/cloudmove/move.pending" ] &&
	   findmnt -n -o OPTIONS "$mnt" | grep -q '^ro'; then
		ok "$1"
	else
		fail "$1" "source changed: $(diff <(echo "$before") <(snapshot "$mnt") | head -5 | tr "\n" " ")"
	fi
}
migrate() {	# DEST [OPTIONS...] -> $rc, $tmp/m.out
	local dest=$1
	shift
	"$bin" migrate --root "$mnt" --source "$loop" --target gcp --dest "$dest" --progress=none \
		"${source_machine[@]}" "$@" >"$tmp/m.out" 2>&1
	rc=$?
}

# 1. the move (the source's boot first: its hosting record has a stay for
# the move to close)
boot_source
migrate "file://$tmp/out/disk.tar.gz"
if [ $rc -eq 0 ] && grep -q "^cloudmove: migrate: ${loop} (root $mnt) → gcp as gce" "$tmp/m.out" &&
   grep -q "^cloudmove: migrate: done: .* the source is as it was" "$tmp/m.out"; then
	ok "migrate to gcp: exit 0, the whole disk ($loop) as gce, said so"
else
	fail "migrate" "rc=$rc $(cat "$tmp/m.out")"
fi
n=$(sed -n 's/^cloudmove: migrate: the image is adapted for gcp: \([0-9]*\) change.*/\1/p' "$tmp/m.out")
[ "${n:-0}" -gt 0 ] && ok "the image was adapted: $n changes listed" ||
	fail "changes" "$(cat "$tmp/m.out")"
same_source "the source's files are byte-identical, no marker, still read-only"
move_id=$(sed -n 's/^cloudmove: migrate: .* → gcp as gce, to .* (move \([0-9a-f]\{32\}\))$/\1/p' "$tmp/m.out")
[ -n "$move_id" ] && ok "the move has an id, 32 lowercase hex chars, said with its start ($move_id)" ||
	fail "move id" "$(cat "$tmp/m.out")"
# the source's record: its stay closed by the move, streamed, not arrived
python3 - "$mnt/var/lib/cloudmove/record.json" "$move_id" "file://$tmp/out/disk.tar.gz" <<'EOT' &&
import json, sys
s = json.load(open(sys.argv[1]))["stays"][-1]
m = s["move"]
assert s["cloud"] == "kvm" and m["id"] == sys.argv[2] and m["target"] == "gcp", s
assert m["dest"] == sys.argv[3] and m["bytes"] > 0 and m["arrived"] is False, m
assert m["retired"] is None and m["failed"] is None and m["image_id"] is None, m
EOT
	"$bin" record show --root "$mnt" | grep -q "^     moved to gcp (move $move_id) through file://.*: [1-9][0-9]* bytes, " &&
	ok "the source's record: its stay has the move (id, target, dest, bytes), not arrived; record show says so" ||
	fail "source record move" "$(cat "$mnt/var/lib/cloudmove/record.json")"
ls "$mnt/var/lib/cloudmove/spool/" | grep -q -- "-2-[0-9]*-0-$move_id-started.json$" &&
	grep -q '"type":"io.cloudmove.move.started"' "$mnt"/var/lib/cloudmove/spool/*"$move_id-started.json" &&
	ok "io.cloudmove.move.started spooled on the source" ||
	fail "move.started" "$(ls "$mnt/var/lib/cloudmove/spool/")"
grep -q " gcp gce file://$tmp/out/disk.tar.gz " "$mnt/var/lib/cloudmove/moves.log" 2>/dev/null &&
	ok "the move is noted in the source's moves.log" || fail "moves.log" "$(cat "$mnt/var/lib/cloudmove/moves.log" 2>&1)"

# 2. the image: a valid GCE archive whose root fits gcp
(cd "$tmp/out" && tar -xzf disk.tar.gz disk.raw) 2>"$tmp/tar.err"
if [ -s "$tmp/out/disk.raw" ] && [ $(( $(stat -c %s "$tmp/out/disk.raw") % (1 << 30) )) -eq 0 ]; then
	ok "disk.tar.gz holds disk.raw, a multiple of 1 GiB"
else
	fail "gce archive" "$(cat "$tmp/tar.err")"
fi
cmp -s -n $((2048 * 512)) "$disk" "$tmp/out/disk.raw" && ok "the image starts with the source's partition table" ||
	fail "partition table" "differs"
img_loop=$(losetup -f --show -r -o $((2048 * 512)) --sizelimit $((40 << 20)) "$tmp/out/disk.raw")
if mount -o ro,noload "$img_loop" "$tmp/img-mnt" 2>"$tmp/mnt.err"; then
	"$bin" plan --root "$tmp/img-mnt" --target gcp >"$tmp/plan.out" 2>&1
	if grep -qi "nothing to change\|already fits\|no changes" "$tmp/plan.out"; then
		ok "the image's root already fits gcp (plan: nothing to change)"
	else
		fail "image adapted" "$(head -20 "$tmp/plan.out")"
	fi
	[ -e "$tmp/img-mnt/var/lib/cloudmove/move.pending" ] &&
		grep -qx "move_id $move_id" "$tmp/img-mnt/var/lib/cloudmove/move.pending" &&
		grep -q "^profile sha256:[0-9a-f]\{16\}$" "$tmp/img-mnt/var/lib/cloudmove/move.pending" &&
		ok "the image carries the move marker with the move id and the profile version (its first boot elsewhere drops it)" ||
		fail "marker in image" "missing"
	"$bin" plan --root "$mnt" --target gcp >"$tmp/plan-src.out" 2>&1
	grep -qi "nothing to change\|already fits\|no changes" "$tmp/plan-src.out" &&
		fail "source not adapted" "plan on the source says it fits gcp" ||
		ok "the source still needs adapting for gcp (it was not left adapted)"
	umount "$tmp/img-mnt"
else
	fail "mount image" "$(cat "$tmp/mnt.err")"
fi
losetup -d "$img_loop"
# the image's first boot, on another machine (gcp): the marker is dropped,
# the adaptation kept
img_loop=$(losetup -f --show -o $((2048 * 512)) --sizelimit $((40 << 20)) "$tmp/out/disk.raw")
if mount "$img_loop" "$tmp/img-mnt" 2>"$tmp/mnt.err"; then
	printf 'quiet\n' >"$tmp/cmdline"
	"$bin" boot --root "$tmp/img-mnt" --cmdline "$tmp/cmdline" --metadata-endpoint 127.0.0.1:9 \
		"${image_machine[@]}" >"$tmp/img-boot.out" 2>&1
	"$bin" plan --root "$tmp/img-mnt" --target gcp >"$tmp/plan.out" 2>&1
	if grep -qx "cloudmove: arrived in gcp from kvm (move $move_id)" \
		"$tmp/img-boot.out" && [ ! -e "$tmp/img-mnt/var/lib/cloudmove/move.pending" ] &&
	   grep -qi "nothing to change\|already fits\|no changes" "$tmp/plan.out"; then
		ok "the image's first boot on another machine (gcp): the arrival line, the marker dropped, stays adapted for gcp"
	else
		fail "image first boot" "$(cat "$tmp/img-boot.out") / $(head -5 "$tmp/plan.out")"
	fi
	python3 - "$tmp/img-mnt/var/lib/cloudmove/record.json" "$move_id" <<'EOT' &&
import json, sys
st = json.load(open(sys.argv[1]))["stays"]
src, new = st[-2], st[-1]
assert new["cloud"] == "gcp" and new["moved_from"]["id"] == sys.argv[2], new
assert new["moved_from"]["cloud"] == "kvm", new
assert new["adapted"]["profile"].startswith("sha256:"), new
assert src["cloud"] == "kvm" and src["move"]["id"] == sys.argv[2], src
assert src["move"]["arrived"] is True, src
EOT
		ok "the image's record: the new stay moved_from the source (move id, cloud), the source's move arrived" ||
		fail "image record" "$(cat "$tmp/img-mnt/var/lib/cloudmove/record.json")"
	"$bin" record show --root "$tmp/img-mnt" >"$tmp/show.out" 2>&1
	grep -q "moved from kvm.*move $move_id" "$tmp/show.out" &&
		grep -A2 "moved to gcp.*(move $move_id) through file://" "$tmp/show.out" |
		grep -qx " *arrived" &&
		ok "record show on the image tells both sides of the move" ||
		fail "record show" "$(cat "$tmp/show.out")"
	"$bin" boot --root "$tmp/img-mnt" --cmdline "$tmp/cmdline" --metadata-endpoint 127.0.0.1:9 \
		"${image_machine[@]}" >"$tmp/img-boot2.out" 2>&1
	! grep -q "arrived in" "$tmp/img-boot2.out" &&
		ok "the arrival line is printed once: not on the image's second boot" ||
		fail "arrival once" "$(cat "$tmp/img-boot2.out")"
	umount "$tmp/img-mnt"
else
	fail "mount image read-write" "$(cat "$tmp/mnt.err")"
fi
losetup -d "$img_loop"
img_loop=
rm -f "$tmp/out/disk.raw" "$tmp/out/disk.tar.gz"

# 3. killed at each step: the next boot restores the source
for at in marker adapted streamed; do
	CM_MOVE_CRASH_AT=$at migrate "file://$tmp/out/c.tar.gz"
	if [ $rc -eq 137 ] && [ -e "$mnt/var/lib/cloudmove/move.pending" ]; then
		boot_source
		if grep -q "an interrupted move to gcp was undone" "$tmp/boot.out"; then
			same_source "killed at '$at': the next boot undoes the move; source byte-identical"
		else
			fail "killed at $at" "boot said: $(cat "$tmp/boot.out")"
		fi
	else
		fail "killed at $at" "rc=$rc $(tail -3 "$tmp/m.out")"
	fi
	rm -f "$tmp/out/"c.tar.gz*
done

# killed midway through applying the move's adaptation (transaction step
# 6): the next boot undoes it as the move's, and adapts nothing
CM_TXN_CRASH_AT=6 migrate "file://$tmp/out/c.tar.gz"
mount -o remount,ro "$mnt"
boot_source
if grep -q "an interrupted move to gcp was undone" "$tmp/boot.out" &&
   ! grep -q "adapting" "$tmp/boot.out"; then
	same_source "killed while applying the move's adaptation: undone, not adapted again"
else
	fail "killed mid-apply" "rc=$rc boot said: $(cat "$tmp/boot.out")"
fi
rm -f "$tmp/out/"c.tar.gz*

# 4. killed at random points of the stream (raw, to a slow-ish file sink)
for i in 1 2 3 4 5; do
	"$bin" migrate --root "$mnt" --source "$loop" --target gcp --format raw --progress=none \
		--dest "file://$tmp/out/r.raw" "${source_machine[@]}" >"$tmp/m.out" 2>&1 &
	pid=$!
	sleep "0.$((RANDOM % 9 + 1))"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	# a process killed while the root was writable leaves the mount so;
	# the machine that lost power mounts it read-only again at boot
	mount -o remount,ro "$mnt"
	boot_source
	same_source "killed at a random moment ($i): the source is restored"
	rm -f "$tmp/out/"r.raw*
done

# 5. without --source: the disk under the root, from sysfs
"$bin" migrate --root "$mnt" --target gcp --format raw --progress=none \
	--dest "file://$tmp/out/auto.raw" "${source_machine[@]}" >"$tmp/m.out" 2>&1
grep -q "^cloudmove: migrate: $part (root $mnt)" "$tmp/m.out" && cmp -s "$tmp/out/auto.raw" /dev/null -n 0 &&
	ok "without --source the root's own block device is found ($part)" ||
	fail "auto source" "$(head -3 "$tmp/m.out")"
rm -f "$tmp/out/auto.raw"
same_source "after the move of the partition the source is byte-identical"

# 6. refusals: nothing changed, one line
migrate "file:///nonexistent-dir/x.tar.gz"
[ $rc -eq 1 ] && grep -q "the move failed; the source is as it was" "$tmp/m.out" &&
	ok "destination not writable: exit 1, said the source is as it was" ||
	fail "bad dest" "rc=$rc $(cat "$tmp/m.out")"
same_source "after a failed stream the source is byte-identical"
"$bin" migrate --root "$mnt" --target nocloud --dest "file://$tmp/out/x" "${source_machine[@]}" \
	>"$tmp/m.out" 2>&1
[ $? -eq 2 ] && ok "unknown target: exit 2" || fail "unknown target" "$(cat "$tmp/m.out")"
mount -o remount,rw "$mnt"
migrate "file://$tmp/out/rw.tar.gz"
[ $rc -eq 1 ] && grep -q "mounted read-write" "$tmp/m.out" && [ ! -e "$tmp/out/rw.tar.gz" ] &&
	ok "a read-write root is refused (its disk would change under the stream)" ||
	fail "rw root" "rc=$rc $(cat "$tmp/m.out")"
mount -o remount,ro "$mnt"
same_source "after the refusals the source is byte-identical"

suite_end
