#!/bin/bash
# run-adapt.sh [--regen] CLOUDMOVE — plan / adapt / rollback end to end on
# fixture roots (agent/tests/adapt/<case>/root): the plan's diff against
# its golden file, plan writing nothing, adapt then a second adapt finding
# nothing, rollback restoring every byte, rollback --to across two
# transactions, and bad input (unknown cloud, corrupt fstab, symlinks
# pointing out of the root) failing cleanly.  Ends with "N passed, N failed".
# One line per case and target (-v: one per check).  A case whose adapt
# must be refused (e.g. /var a separate filesystem of the root, which
# cloudmove will not write under before it is mounted) holds a file
# adapt-refused with the message expected on stderr.
set -uo pipefail
regen=0 verbose=0
while [ $# -gt 1 ]; do
	case $1 in
	--regen) regen=1 ;;
	-v) verbose=1 ;;
	*) break ;;
	esac
	shift
done
bin=$(realpath "${1:?usage: run-adapt.sh [--regen] [-v] CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp
pair_failed=0 pair_checks=0
# A check that passes is said only with -v: pair_done says the pair's.
ok() {
	pair_checks=$((pair_checks + 1))
	if [ $verbose = 1 ]; then suite_ok "$1"; else passed=$((passed + 1)); fi
}
fail() { pair_failed=$((pair_failed + 1)); suite_fail "$@"; }
# The summary line of one case and target.
pair_done() {
	[ $pair_failed = 0 ] && [ $verbose = 0 ] && echo "ok   $1 ($pair_checks checks)"
	pair_failed=0 pair_checks=0
}
# The tree's content, modes and links, without cloudmove's own state.
snapshot() { (cd "$1" && find . -path ./var/lib/cloudmove -prune -o -print0 | sort -z |
	xargs -0 stat -c '%n %a %u %g %F %s' && find . -path ./var/lib/cloudmove -prune -o -type f -print0 |
	sort -z | xargs -0 -r sha256sum && find . -type l -print0 | sort -z | xargs -0 -r readlink); }

for case_dir in "$here"/adapt/*/; do
	case_dir=${case_dir%/}
	name=$(basename "$case_dir")
	for golden in "$case_dir"/plan-*.expected; do
		[ -f "$golden" ] || continue
		target=${golden##*/plan-}
		target=${target%.expected}
		root=$tmp/$name-$target
		cp -a "$case_dir/root" "$root"
		before=$(snapshot "$root")
		"$bin" plan --target "$target" --root "$root" >"$tmp/plan" 2>"$tmp/err"
		rc=$?
		if [ $regen = 1 ]; then cp "$tmp/plan" "$golden"; fi
		# check (the preflight) on the same root: its golden, writes nothing
		cgold=$case_dir/check-$target.expected
		"$bin" check --target "$target" --root "$root" >"$tmp/check" 2>/dev/null
		crc=$?
		[ $regen = 1 ] && cp "$tmp/check" "$cgold"
		if [ $crc -le 1 ] && [ -f "$cgold" ] && diff -u "$cgold" "$tmp/check" >"$tmp/d"; then
			ok "$name: check for $target matches $(basename "$cgold")"
		else
			fail "$name: check for $target" "rc $crc $(head -20 "$tmp/d" 2>/dev/null)"
		fi
		if [ $rc -eq 0 ] && diff -u "$golden" "$tmp/plan" >"$tmp/d"; then
			ok "$name: plan for $target matches $(basename "$golden")"
		else
			fail "$name: plan for $target" "rc $rc $(cat "$tmp/err"; head -40 "$tmp/d")"
		fi
		[ "$(snapshot "$root")" = "$before" ] && ok "$name: plan for $target wrote nothing" ||
			fail "$name: plan for $target" "the root changed"

		if [ -f "$case_dir/adapt-refused" ]; then
			"$bin" adapt --target "$target" --root "$root" >"$tmp/out" 2>"$tmp/err"
			rc=$?
			[ $rc -eq 1 ] && grep -qF "$(cat "$case_dir/adapt-refused")" "$tmp/err" &&
				[ "$(snapshot "$root")" = "$before" ] &&
				ok "$name: adapt for $target refused, nothing written" ||
				fail "$name: adapt for $target" "not refused: rc $rc $(cat "$tmp/out" "$tmp/err")"
			pair_done "$name -> $target (adapt refused)"
			continue
		fi
		"$bin" adapt --target "$target" --root "$root" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		grep -q "^adapted for $target: [0-9]* changes*, txn 0001" "$tmp/out" && [ $rc -eq 0 ] &&
			ok "$name: adapt for $target applied (txn 0001)" ||
			fail "$name: adapt for $target" "rc $rc $(cat "$tmp/out" "$tmp/err")"
		"$bin" adapt --target "$target" --root "$root" >"$tmp/out" 2>"$tmp/err"
		grep -q "^nothing to change for $target" "$tmp/out" &&
			ok "$name: a second adapt changes nothing" ||
			fail "$name: second adapt" "$(cat "$tmp/out" "$tmp/err")"
		"$bin" rollback --root "$root" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		[ $rc -eq 0 ] && [ "$(snapshot "$root")" = "$before" ] &&
			ok "$name: rollback restores every file, mode and link" ||
			fail "$name: rollback" "rc $rc $(cat "$tmp/err") $(diff <(echo "$before") <(snapshot "$root") | head)"
		pair_done "$name -> $target"
		rm -rf "$root"
	done
done
verbose=1	# the checks below print one line each

# Two transactions, then back to the first.
root=$tmp/two
cp -a "$here/adapt/aws-debian12/root" "$root"
"$bin" adapt --target gcp --root "$root" >/dev/null 2>&1
after_gcp=$(snapshot "$root")
"$bin" adapt --target azure --root "$root" >/dev/null 2>&1
"$bin" rollback --root "$root" --to 0001 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ "$(snapshot "$root")" = "$after_gcp" ] &&
	ok "rollback --to 0001 undoes the later azure adaptation" ||
	fail "rollback --to" "rc $rc $(cat "$tmp/out" "$tmp/err")"

# Bad input: one line on stderr, exit 1, nothing written.
root=$tmp/bad
cp -a "$here/adapt/aws-debian12/root" "$root"
printf 'garbage\n' >>"$root/etc/fstab"
before=$(snapshot "$root")
"$bin" adapt --target gcp --root "$root" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "^cloudmove: fstab: " "$tmp/err" &&
	[ "$(snapshot "$root")" = "$before" ] &&
	ok "corrupt fstab: exit 1, one line ($(cat "$tmp/err")), nothing written" ||
	fail "corrupt fstab" "rc $rc $(cat "$tmp/err")"
"$bin" plan --target mars --root "$root" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && grep -q "no profile for 'mars'" "$tmp/err" && ok "unknown cloud: exit 1" ||
	fail "unknown cloud" "rc $rc $(cat "$tmp/err")"
"$bin" plan --root "$root" >/dev/null 2>&1
[ $? -eq 2 ] && ok "plan without --target: exit 2" || fail "plan usage" "not 2"

# A root whose files point outside it: never read or written outside.
# The file outside is ours, not this machine's (its /etc/hostname may be
# missing, empty, or a word adapt prints): an fstab gcp would rewrite,
# with a line found nowhere else.
root=$tmp/escape
cp -a "$here/adapt/aws-debian12/root" "$root"
outside=$tmp/outside/fstab
mkdir -p "$tmp/outside"
printf '# cm-outside-%s\n/dev/sda1 / ext4 defaults 0 1\n' "$$-$RANDOM" >"$outside"
rm "$root/etc/fstab"
ln -s "$outside" "$root/etc/fstab"
ln -s ../../../../../../../etc "$root/etc/modprobe.d/up"
outside_before=$(sha256sum <"$outside")
"$bin" adapt --target gcp --root "$root" >"$tmp/out" 2>"$tmp/err"
if [ "$(sha256sum <"$outside")" = "$outside_before" ] && ! grep -rq "cm-outside-" "$tmp/out" "$tmp/err" "$root"; then
	ok "symlinks out of the root stay inside it (host untouched)"
else
	fail "symlink escape" "$(cat "$tmp/out" "$tmp/err")"
fi

# Unreadable and oversized files: one clear line, exit 1, nothing written.
root=$tmp/unreadable
cp -a "$here/adapt/aws-debian12/root" "$root"
rm "$root/etc/fstab" && mkdir "$root/etc/fstab"
before=$(snapshot "$root")
"$bin" adapt --target gcp --no-initramfs --root "$root" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "fstab" "$tmp/err" &&
	[ "$(snapshot "$root")" = "$before" ] &&
	ok "fstab that is a directory: exit 1 ($(cat "$tmp/err"))" || fail "fstab directory" "rc $rc $(cat "$tmp/err")"
root=$tmp/huge
cp -a "$here/adapt/aws-debian12/root" "$root"
head -c 3000000 /dev/zero | tr '\0' '#' >"$root/boot/grub/grub.cfg"
before=$(snapshot "$root")
"$bin" adapt --target gcp --no-initramfs --root "$root" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "grub.cfg" "$tmp/err" &&
	[ "$(snapshot "$root")" = "$before" ] &&
	ok "3 MB grub.cfg: exit 1 ($(cat "$tmp/err"))" || fail "huge grub.cfg" "rc $rc $(cat "$tmp/err")"

# A full disk (a 1 MiB file system): the transaction fails and undoes
# itself; every file is as it was.
root=$tmp/full
mkdir "$root"
if mount -t tmpfs -o size=1m cm-full "$root" 2>/dev/null; then
	cp -a "$here/adapt/aws-debian12/root/." "$root/"
	head -c 2000000 /dev/urandom >"$root/filler" 2>/dev/null
	# (tmpfs directories change size with their entries: files only)
	before=$(snapshot "$root" | grep -v ' directory ')
	"$bin" adapt --target gcp --no-initramfs --root "$root" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc -eq 1 ] && grep -q "No space left on device" "$tmp/err" &&
		[ "$(snapshot "$root" | grep -v ' directory ')" = "$before" ] &&
		ok "full disk: exit 1 ($(head -1 "$tmp/err")), every file as it was" ||
		fail "full disk" "rc $rc $(cat "$tmp/out" "$tmp/err")"
	umount "$root"
else
	fail "full disk" "cannot mount a tmpfs (not root?)"
fi

# A read-only root (the initramfs' /sysroot): made writable for the
# change only, read-only again after.
root=$tmp/ro
mkdir "$root" "$tmp/ro-src"
cp -a "$here/adapt/aws-debian12/root/." "$tmp/ro-src/"
if mount --bind "$tmp/ro-src" "$root" && mount -o remount,bind,ro "$root"; then
	"$bin" adapt --target gcp --no-initramfs --root "$root" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	opts=$(findmnt -n -o OPTIONS "$root")
	[ $rc -eq 0 ] && grep -q "^adapted for gcp" "$tmp/out" && [[ $opts == ro,* ]] &&
		ok "read-only root: adapted, read-only again ($opts)" ||
		fail "read-only root" "rc $rc opts $opts $(cat "$tmp/err")"
	umount "$root"
else
	fail "read-only root" "cannot bind-mount"
fi

# The initramfs step without kernels (config-only roots) and asked for
# with nothing to attach it to.
root=$tmp/initrd
cp -a "$here/adapt/aws-debian12/root" "$root"
"$bin" adapt --target gcp --rebuild-initramfs --root "$root" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && grep -q "^initramfs: no installed kernel; nothing rebuilt" "$tmp/out" &&
	ok "adapt with no installed kernel: said so, exit 0" ||
	fail "no kernel" "rc $rc $(cat "$tmp/out" "$tmp/err")"
root=$tmp/initrd2
cp -a "$here/adapt/aws-debian12/root" "$root"
"$bin" adapt --target aws --root "$root" >/dev/null 2>&1	# may change things: reset
rm -rf "$root/var/lib/cloudmove"
before=$(snapshot "$root")
"$bin" adapt --target aws --rebuild-initramfs --root "$root" >"$tmp/out" 2>"$tmp/err"
rc=$?
if grep -q "^nothing to change" "$tmp/out"; then
	[ $rc -eq 1 ] && grep -q "^cloudmove: adapt: --rebuild-initramfs: no transaction to record it in" "$tmp/err" &&
		[ "$(snapshot "$root")" = "$before" ] &&
		ok "--rebuild-initramfs with no transaction: exit 1, one line, nothing written" ||
		fail "rebuild without txn" "rc $rc $(cat "$tmp/out" "$tmp/err")"
else
	fail "rebuild without txn" "the root was not already adapted: $(head -3 "$tmp/out")"
fi

# Crash sweep: a crash after each durable step of a full adapt (journal
# states, backups, directories, changes), then a plain adapt: after the
# crash every file is old or new, and the next run ends with the new root.
case_root=$here/adapt/aws-debian12/root
ref=$tmp/sweep-ref
cp -a "$case_root" "$ref"
"$bin" adapt --target azure --no-initramfs --root "$ref" >/dev/null 2>&1
new_state=$(snapshot "$ref")
sweep_start=$(date +%s%N)
n=1 crashes=0 bad=0
while [ $n -lt 200 ]; do
	root=$tmp/sweep-$n
	cp -a "$case_root" "$root"
	CM_TXN_CRASH_AT=$n "$bin" adapt --target azure --no-initramfs --root "$root" >/dev/null 2>&1
	rc=$?
	if [ $rc -ne 77 ]; then rm -rf "$root"; break; fi
	crashes=$((crashes + 1))
	# old or new, file by file
	while read -r f; do
		cur=$(sha256sum 2>/dev/null <"$root/$f")
		o=$(sha256sum 2>/dev/null <"$case_root/$f")
		w=$(sha256sum 2>/dev/null <"$ref/$f")
		[ "$cur" = "$o" ] || [ "$cur" = "$w" ] || { bad=$((bad + 1)); echo "  step $n: $f is neither"; }
	done < <(cd "$ref" && find . -path ./var/lib/cloudmove -prune -o -type f -print)
	"$bin" adapt --target azure --no-initramfs --root "$root" >/dev/null 2>&1
	[ "$(snapshot "$root")" = "$new_state" ] || { bad=$((bad + 1)); echo "  step $n: not new after the next run"; }
	rm -rf "$root"
	n=$((n + 1))
done
ms=$((($(date +%s%N) - sweep_start) / 1000000))
[ $crashes -gt 5 ] && [ $bad -eq 0 ] &&
	ok "crash sweep: $crashes crash points of a full adapt, each old-or-new, then new ($ms ms)" ||
	fail "crash sweep" "$crashes crash points, $bad bad"

# plan's diff of a 256 KiB fstab (the read cap of an fstab) in a 64 MiB
# address space: a 512 MB instance's rescue shell has no more to spare.
# The diff keeps O(N+M) memory (the old greedy trace took 167-252 MB
# here).  Every third mount gains nofail (D ~ 2650, a real diff), then
# every one does (beyond the edit cap: the whole file replaced).
big_fstab() {	# ROOT EVERY: 256 KiB of data mounts, every EVERY-th without nofail
	python3 - "$1/etc/fstab" "$2" <<'PY'
import sys
lines = ["# /etc/fstab", "/dev/xvda1\t/\text4\terrors=remount-ro,discard\t0 1"]
i = 0
while sum(len(l) + 1 for l in lines) < 256 * 1024 - 128:
    opts = "defaults" if i % int(sys.argv[2]) == 0 else "defaults,nofail,x-systemd.device-timeout=30s"
    lines.append(f"/dev/xvdf /srv/data{i:05d} xfs {opts} 0 2")
    i += 1
open(sys.argv[1], "w").write("\n".join(lines) + "\n")
PY
}
# The bound is the product's: an ASan build reserves its shadow memory
# (far over 64 MiB of address space) before main, so SANITIZE=1 runs this
# with the static binary that ships.
small_bin=$bin
[ "${SANITIZE:-}" = 1 ] && small_bin=$(cd "$here/../.." && pwd)/build/cloudmove
for every in 3 1; do
	root=$tmp/bigfstab-$every
	cp -a "$here/adapt/aws-debian12/root" "$root"
	big_fstab "$root" "$every"
	want=$(grep -c '^/dev/xvdf .* defaults 0 2$' "$root/etc/fstab")
	t0=$(date +%s%N)
	(ulimit -v 65536; "$small_bin" plan --target gcp --root "$root" >"$tmp/plan" 2>"$tmp/err")
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	got=$(grep -c '^+/dev/xvdf .*nofail' "$tmp/plan")
	if [ $rc -eq 0 ] && [ "$got" = "$want" ] && grep -q '^@@ -1,' "$tmp/plan"; then
		ok "plan: 256 KiB fstab, 1 in $every mounts changed ($want), in 64 MiB ($ms ms)"
	else
		fail "plan: 256 KiB fstab, 1 in $every changed, in 64 MiB" \
			"rc $rc, $got of $want mounts shown, $(head -c 300 "$tmp/err")"
	fi
	rm -rf "$root"
done

# --- issue 15: a FIFO where a file is read ----------------------------------
# plan and adapt opened root files with a blocking O_RDONLY: a FIFO at
# etc/fstab or etc/default/grub hung them.  Now an unreadable file, said in
# one line, the root untouched; timeout 10 bounds the old behaviour.
for f in etc/fstab etc/default/grub; do
	root=$tmp/fifo
	rm -rf "$root"
	cp -a "$here/adapt/aws-debian12/root" "$root"
	rm -f "$root/$f"
	mkfifo "$root/$f"
	before=$(snapshot "$root")
	for cmd in plan adapt; do
		args=(--target gcp --root "$root")
		[ $cmd = adapt ] && args+=(--no-initramfs)
		timeout 10 "$bin" $cmd "${args[@]}" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		[ $rc -eq 1 ] && grep -q "^cloudmove: read $root/$f: not a regular file$" "$tmp/err" &&
			[ "$(snapshot "$root")" = "$before" ] &&
			ok "$cmd with a FIFO at $f: exit 1, one line, root untouched" ||
			fail "$cmd fifo $f" "rc=$rc $(cat "$tmp/out" "$tmp/err")"
	done
done

suite_end
