#!/bin/bash
# txn-space.sh CLOUDMOVE — adapt is all or nothing when the root's file
# system is full or partly read-only (run by run-txn.sh as root, in a
# mount namespace of its own: `unshare -m --propagation private`).
#
# Full disk: a test root on a 2 MiB tmpfs, filled to leave exactly N bytes
# free for N = 0, 4 KiB, ... 96 KiB (tmpfs counts whole pages; the
# adaptation needs ~40 KiB), and on a 16 MiB ext4 (4 KiB blocks, a loop
# device) for N up to 96 KiB, then `adapt --target gcp`: either exit 0, the
# root adapted and the journal "done", or exit 1 and the root as it was
# (every file but /var/lib/cloudmove), no transaction left interrupted and
# no backup left by an undone one.  Then, each time: `plan` agrees with
# the root, a second adapt on the full disk is as clean, adapt after
# freeing the space adapts, `rollback` restores the root as it was.  The
# same with `cloudmove boot` (two boots, the disk still full): what it
# says is true.  And `rollback` on a disk with no byte free.
#
# Read-only bind mount: /etc/chrony/sources.d read-only under the root;
# adapt for gcp (which adds a file there) fails and undoes what it did,
# the transaction is closed "rolled-back" (the change it never made is not
# "undone" into the read-only mount), later adapts and rollbacks work.
# Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: txn-space.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
fixture=$here/adapt/aws-debian12/root
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp
mnt=$tmp/mnt
suite_on_exit 'umount -R "$mnt" 2>/dev/null; umount -R "$tmp/ro/root/etc/chrony/sources.d" 2>/dev/null'

# The tree's content, modes and links, without cloudmove's own state
# (no sizes: a directory's differs between file systems).
snapshot() { (cd "$1" && find . -path ./var/lib/cloudmove -prune -o -print0 | sort -z |
	xargs -0 stat -c '%n %a %u %g %F' && find . -path ./var/lib/cloudmove -prune -o -type f -print0 |
	sort -z | xargs -0 -r sha256sum && find . -type l -print0 | sort -z | xargs -0 -r readlink); }
avail() { echo $(($(stat -f -c '%a * %S' "$1"))); }
# Problems with the transactions of root $1: one interrupted (not done or
# rolled-back), a corrupt journal, backups kept by an undone one.
txn_problems() {
	local d st
	for d in "$1"/var/lib/cloudmove/txn/*/; do
		[ -d "$d" ] || continue
		st=$(sed -n 's/^state \([a-z-]*\).*/\1/p' "$d/journal" 2>/dev/null)
		case $st in
		done) ;;
		rolled-back) ls "$d" | grep -q '^backup-' && echo "$(basename "$d"): undone, backups kept" ;;
		*) echo "$(basename "$d"): state '${st:-no journal}'" ;;
		esac
	done
}
# Asserts root $1 is either fully adapted for gcp or as it was.
# $2: adapt's exit status, $3: what.
check_outcome() {
	local root=$1 rc=$2 what=$3 now probs planned
	now=$(snapshot "$root")
	probs=$(txn_problems "$root")
	planned=$("$bin" plan --target gcp --root "$root" 2>&1 | tail -n +1 | grep -E '^(nothing to change|[0-9]+ changes?) for')
	if [ "$rc" = 0 ] && [ "$now" = "$adapted" ] && [ -z "$probs" ] &&
		[ "$planned" = "nothing to change for gcp" ]; then
		return 0
	fi
	if [ "$rc" = 1 ] && [ "$now" = "$pristine" ] && [ -z "$probs" ] &&
		[ "$planned" = "$pristine_plan" ]; then
		return 0
	fi
	fail "$what" "adapt rc $rc, root $([ "$now" = "$pristine" ] && echo "as it was" ||
		{ [ "$now" = "$adapted" ] && echo adapted || echo "A MIX"; }), plan '$planned', ${probs:-txns ok}"
	return 1
}

mkdir -p "$mnt"
if ! mount -t tmpfs -o size=2M,mode=0755 tmpfs "$mnt"; then
	echo "txn-space: cannot mount a tmpfs (not root?); skipped"
	suite_end
fi
# references FIXTURE: the root as it is, its plan and the root adapted
# for gcp (pristine, pristine_plan, adapted)
references() {
	rm -rf "$tmp/ref"
	cp -a "$1" "$tmp/ref"
	pristine=$(snapshot "$tmp/ref")
	pristine_plan=$("$bin" plan --target gcp --root "$tmp/ref" 2>&1 | grep -E '^[0-9]+ changes? for')
	"$bin" adapt --target gcp --root "$tmp/ref" >/dev/null 2>&1
	adapted=$(snapshot "$tmp/ref")
	[ "$pristine" != "$adapted" ] && [ -n "$pristine_plan" ] ||
		fail "references" "adapt for gcp changed nothing in $1"
}

# fill_to BYTES: $mnt/fill sized so that exactly BYTES are free (ext4
# may need a block or two for the fill's own extent tree: adjusted)
fill_to() {
	local want=$1 size a i
	sync -f "$mnt"
	size=$(($(avail "$mnt") - want))
	[ $size -ge 0 ] || return 1
	for i in 1 2 3 4; do
		fallocate -l $size "$mnt/fill" && truncate -s $size "$mnt/fill" || return 1
		sync -f "$mnt"
		a=$(avail "$mnt")
		[ "$a" = "$want" ] && return 0
		size=$((size + a - want))
	done
	return 1
}

# sweep FS MAX_KIB: the full-disk sweep on the file system mounted at $mnt
sweep() {
	local fs=$1 max=$2 kib want fill rc rc2 sweep_failed=0 n_ok=0 n_refused=0
	for kib in $(seq 0 4 "$max"); do
		want=$((kib * 1024))
		rm -rf "${mnt:?}"/*
		cp -a "$fixture" "$mnt/root"
		root=$mnt/root
		if ! fill_to "$want"; then
			fail "$fs: fill to $kib KiB free" "$(avail "$mnt") bytes free"
			sweep_failed=1
			continue
		fi
		"$bin" adapt --target gcp --root "$root" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		check_outcome "$root" $rc "$fs, $kib KiB free: adapt" ||
			{ sweep_failed=1; sed 's/^/    /' "$tmp/err"; continue; }
		[ $rc = 0 ] && n_ok=$((n_ok + 1)) || n_refused=$((n_refused + 1))
		# again, still full (a boot after the failed one)
		"$bin" adapt --target gcp --root "$root" >"$tmp/out" 2>"$tmp/err"
		rc2=$?
		check_outcome "$root" $rc2 "$fs, $kib KiB free: adapt again" ||
			{ sweep_failed=1; sed 's/^/    /' "$tmp/err"; continue; }
		if [ $rc = 1 ] && grep -q "could not\|interrupted" "$tmp/err"; then
			fail "$fs, $kib KiB free: adapt again" "recovery trouble: $(cat "$tmp/err")"
			sweep_failed=1
			continue
		fi
		rm -f "$mnt/fill"
		"$bin" adapt --target gcp --root "$root" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		if [ $rc != 0 ] || [ "$(snapshot "$root")" != "$adapted" ] || [ -n "$(txn_problems "$root")" ]; then
			fail "$fs, $kib KiB free: adapt after freeing space" \
				"rc $rc $(txn_problems "$root") $(cat "$tmp/err")"
			sweep_failed=1
			continue
		fi
		"$bin" rollback --root "$root" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		if [ $rc != 0 ] || [ "$(snapshot "$root")" != "$pristine" ] || [ -n "$(txn_problems "$root")" ]; then
			fail "$fs, $kib KiB free: rollback" "rc $rc $(txn_problems "$root") $(cat "$tmp/err")"
			sweep_failed=1
			continue
		fi
	done
	if [ $sweep_failed = 0 ] && [ $n_ok -gt 0 ] && [ $n_refused -gt 0 ]; then
		ok "full $fs, 0..$max KiB free: adapt all or nothing ($n_refused refused, $n_ok adapted), then plan, adapt, rollback agree"
	elif [ $sweep_failed = 0 ]; then
		fail "full $fs sweep" "$n_refused refused, $n_ok adapted: not around the boundary"
	fi
}

# boot_sweep FS MAX_KIB: the same with `cloudmove boot` (the initramfs'
# path, which also writes the hosting record): what it says on the
# console is true, and the next boot (still full) has nothing to undo
boot_sweep() {
	local fs=$1 max=$2 kib rc line now n=0 bad=0
	echo "cloudmove.target=gcp" >"$tmp/cmdline"
	mkdir -p "$tmp/run"
	for kib in $(seq 0 4 "$max"); do
		rm -rf "${mnt:?}"/*
		cp -a "$fixture" "$mnt/root"
		fill_to $((kib * 1024)) || { fail "$fs boot: fill to $kib KiB" "$(avail "$mnt")"; bad=1; continue; }
		for b in first next; do
			CM_RUNDIR=$tmp/run "$bin" boot --root "$mnt/root" --cmdline "$tmp/cmdline" \
				--metadata-endpoint 127.0.0.1:9 >"$tmp/out" 2>&1
			rc=$?
			line=$(grep "→" "$tmp/out")
			now=$(snapshot "$mnt/root")
			if [ $rc = 0 ] && [ -z "$(txn_problems "$mnt/root")" ] &&
				! grep -q "could not be undone" "$tmp/out" &&
				{ { [[ $line =~ "→ adapting for gcp: "[0-9]+" changes, txn" ]] ||
				    [[ $line =~ "→ already fits gcp" ]]; } && [ "$now" = "$adapted" ] ||
				  { [[ $line =~ "→ adapting for gcp failed (".*"); the root is as it was" ]] &&
				    [ "$now" = "$pristine" ]; }; }; then
				n=$((n + 1))
			else
				fail "$fs, $kib KiB free: $b boot" "rc $rc, root $([ "$now" = "$pristine" ] &&
					echo "as it was" || { [ "$now" = "$adapted" ] && echo adapted ||
					echo "A MIX"; }), $(txn_problems "$mnt/root"), said: $(cat "$tmp/out")"
				bad=1
				break
			fi
		done
	done
	[ $bad = 0 ] && ok "full $fs, 0..$max KiB free: each boot adapts or says truly that the root is as it was ($n boots)"
}

references "$fixture"
sweep tmpfs 96
# the same root without the files adapt deletes (a delete frees space):
# the last change before the commit takes space, so one N leaves none
# for the commit itself
cp -a "$fixture" "$tmp/nodelete"
rm -f "$tmp/nodelete/etc/udev/rules.d/70-persistent-net.rules" \
	"$tmp/nodelete/etc/systemd/system/multi-user.target.wants/amazon-ssm-agent.service"
fixture_saved=$fixture fixture=$tmp/nodelete
references "$fixture"
sweep "tmpfs (no deletes)" 96
boot_sweep "tmpfs (no deletes)" 96
fixture=$fixture_saved
references "$fixture"

# a full disk during rollback: undoing needs no new space
rm -rf "${mnt:?}"/*
cp -a "$fixture" "$mnt/root"
"$bin" adapt --target gcp --root "$mnt/root" >/dev/null 2>&1
fill_to 0 || fail "fill" "$(avail "$mnt") bytes free"
"$bin" rollback --root "$mnt/root" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc = 0 ] && [ "$(snapshot "$mnt/root")" = "$pristine" ] && [ -z "$(txn_problems "$mnt/root")" ]; then
	ok "rollback on a full tmpfs restores the root and drops the backups"
else fail "rollback on a full tmpfs" "rc $rc $(txn_problems "$mnt/root") $(cat "$tmp/err")"; fi

# the same sweep on a small ext4 (loop device; skipped without one)
umount "$mnt"
truncate -s 16M "$tmp/ext4.img"
if mkfs.ext4 -q -F -b 4096 -m 0 "$tmp/ext4.img" >/dev/null 2>&1 &&
	mount -o loop "$tmp/ext4.img" "$mnt" 2>/dev/null; then
	sweep ext4 96
	umount "$mnt"
else
	echo "skip: the ext4 sweep (no mkfs.ext4 or loop device)"
fi
rm -f "$tmp/ext4.img"

# read-only bind mount under the root (item: undo skips changes never made)
root=$tmp/ro/root
mkdir -p "$tmp/ro"
cp -a "$fixture" "$root"
"$bin" adapt --target kvm --root "$root" >/dev/null 2>&1 || fail "adapt kvm" "failed"
after_kvm=$(snapshot "$root")
mkdir -p "$root/etc/chrony/sources.d"
after_kvm=$(snapshot "$root")
mount --bind "$root/etc/chrony/sources.d" "$root/etc/chrony/sources.d" &&
	mount -o remount,bind,ro "$root/etc/chrony/sources.d"
"$bin" adapt --target gcp --root "$root" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc = 1 ] && [ "$(snapshot "$root")" = "$after_kvm" ] && [ -z "$(txn_problems "$root")" ] &&
	grep -q 'Read-only file system' "$tmp/err"; then
	ok "a change under a read-only mount: adapt fails, undone, the txn closed"
else fail "read-only mount: adapt" "rc $rc $(txn_problems "$root") $(cat "$tmp/err")"; fi
"$bin" adapt --target gcp --root "$root" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc = 1 ] && [ "$(snapshot "$root")" = "$after_kvm" ] && [ -z "$(txn_problems "$root")" ] &&
	! grep -q 'restore\|interrupted' "$tmp/err"; then
	ok "read-only mount: the next adapt is not blocked by the last one"
else fail "read-only mount: adapt again" "rc $rc $(txn_problems "$root") $(cat "$tmp/err")"; fi
"$bin" rollback --root "$root" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc = 0 ] && [ "$(snapshot "$root" | grep -v sources.d)" = "$(echo "$pristine" | grep -v sources.d)" ] &&
	[ -z "$(txn_problems "$root")" ]; then
	ok "read-only mount: rollback undoes the last done transaction"
else fail "read-only mount: rollback" "rc $rc $(txn_problems "$root") $(cat "$tmp/err")"; fi
umount "$root/etc/chrony/sources.d"
"$bin" adapt --target gcp --root "$root" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc = 0 ] && [ -f "$root/etc/chrony/sources.d/90-cloudmove.sources" ] && [ -z "$(txn_problems "$root")" ]; then
	ok "read-only mount gone: adapt works"
else fail "read-only mount gone: adapt" "rc $rc $(txn_problems "$root") $(cat "$tmp/err")"; fi

suite_end
