#!/bin/bash
# run-txn.sh CLOUDMOVE — `cloudmove rollback` end to end on fixture roots:
# transactions written as txn.c writes them (journal + backups), then
# --list, undoing the last one, --to an older id, --to 0, an interrupted
# ("applying") transaction recovered, usage errors and exit codes.
# (The crash-at-every-step tests are unit tests: test_txn.c.)  Then, as
# root, txn-space.sh in a mount namespace of its own: adapt on a full
# tmpfs and ext4 at every page count around the commit, and under a
# read-only bind mount.
# Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-txn.sh CLOUDMOVE}")
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp

root=$tmp/root
txn=$root/var/lib/cloudmove/txn

# mktxn ID STATE PATH OLD-CONTENT: a transaction that replaced PATH, whose
# content before it was OLD-CONTENT (mode 0644, root:root)
mktxn() {
	local d=$txn/$1
	mkdir -p "$d"
	printf '%s' "$4" >"$d/backup-0"
	{
		printf 'cloudmove-txn 1\nid %d\nstate %s\ntime 1764211495\n' "$((10#$1))" "$2"
		printf 'label adapt%%20test\nchange write %s\nrewriter test\n' "$3"
		printf 'why step%%20%s\nbefore file 0644 0 0 %d\nend\n' "$1" "${#4}"
	} >"$d/journal"
}
content() { cat "$root$1" 2>/dev/null || echo "<absent>"; }

setup() {
	rm -rf "$root"
	mkdir -p "$root/etc"
	printf 'v3' >"$root/etc/fstab"
	mktxn 0001 done /etc/fstab v0
	mktxn 0002 done /etc/fstab v1
	mktxn 0003 done /etc/fstab v2
}

out=$("$bin" rollback --help 2>&1)
if echo "$out" | grep -q "not available"; then
	fail "rollback registered" "main.c does not dispatch 'rollback' yet"
	suite_end
fi

setup
"$bin" rollback --root "$root" --list >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && grep -q '^0003 *done' "$tmp/out" && grep -q '/etc/fstab  (test: step 0003)' "$tmp/out"; then
	ok "--list shows each transaction and its changes"
else fail "--list" "$(cat "$tmp/out" "$tmp/err")"; fi

"$bin" rollback --root "$root" >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && [ "$(content /etc/fstab)" = v2 ] && grep -q '^state rolled-back' "$txn/0003/journal"; then
	ok "rollback undoes the last transaction"
else fail "rollback" "$(content /etc/fstab) $(cat "$tmp/err")"; fi

"$bin" rollback --root "$root" --to 1 >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && [ "$(content /etc/fstab)" = v1 ] && grep -q '^state rolled-back' "$txn/0002/journal" \
	&& grep -q '^state done' "$txn/0001/journal"; then
	ok "--to 1 undoes the later ones"
else fail "--to 1" "$(content /etc/fstab) $(cat "$tmp/out" "$tmp/err")"; fi

"$bin" rollback --root "$root" --to 0001 >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && grep -q 'nothing to undo' "$tmp/out"; then ok "--to the current point: nothing to undo, exit 0"
else fail "--to again" "$(cat "$tmp/out" "$tmp/err")"; fi

"$bin" rollback --root "$root" --to 0 >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && [ "$(content /etc/fstab)" = v0 ]; then ok "--to 0 restores the state before the first"
else fail "--to 0" "$(content /etc/fstab) $(cat "$tmp/err")"; fi

"$bin" rollback --root "$root" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q '^cloudmove: rollback: ' "$tmp/err"; then
	ok "nothing left to roll back: exit 1, one line"
else fail "nothing left" "rc $rc $(cat "$tmp/err")"; fi

setup
"$bin" rollback --root "$root" --to 9 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ $rc -eq 1 ] && grep -q 'no transaction 9' "$tmp/err" && [ "$(content /etc/fstab)" = v3 ]; then
	ok "--to an unknown id: exit 1, nothing changed"
else fail "--to unknown" "rc $rc $(cat "$tmp/err")"; fi

# an interrupted transaction (crash while applying): created /etc/new,
# replaced /etc/hosts by a symlink; any rollback first recovers it
setup
mkdir -p "$txn/0004" "$root/etc/new"
printf 'v3' >"$root/etc/fstab"
printf 'half' >"$root/etc/new/file"
ln -s /run/hosts "$root/etc/hosts"
cat >"$txn/0004/journal" <<'J'
cloudmove-txn 1
id 4
state applying
time 1764211495
label adapt%20crashed
dir /etc/new
change write /etc/new/file
rewriter test
why new
before absent
change symlink /etc/hosts
rewriter test
why link
target /run/hosts
before symlink 0777 0 0 ../run/old-hosts
end
J
"$bin" rollback --root "$root" --list >"$tmp/out" 2>&1
grep -q '^0004 *applying' "$tmp/out" && [ -e "$root/etc/new/file" ] \
	&& ok "--list only reads (the interrupted one is still there)" || fail "--list reads" "$(cat "$tmp/out")"
"$bin" rollback --root "$root" >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && [ ! -e "$root/etc/new" ] && [ "$(readlink "$root/etc/hosts")" = ../run/old-hosts ] \
	&& grep -q '^state rolled-back' "$txn/0004/journal" && [ "$(content /etc/fstab)" = v2 ]; then
	ok "an interrupted transaction is recovered, then the last done one undone"
else fail "recovery" "$(ls -la "$root/etc") $(cat "$tmp/out" "$tmp/err")"; fi

# a corrupt journal is listed as such and does not stop the rest
setup
mkdir -p "$txn/0004" && printf 'garbage\n' >"$txn/0004/journal"
"$bin" rollback --root "$root" --list >"$tmp/out" 2>&1
grep -q '^0004 .*corrupt' "$tmp/out" && ok "--list marks a corrupt journal" || fail "corrupt" "$(cat "$tmp/out")"

# a symlink planted as /var/lib/cloudmove outside the root is followed inside it
setup
mv "$root/var/lib/cloudmove" "$root/cm-real"
ln -s /cm-real "$root/var/lib/cloudmove"
"$bin" rollback --root "$root" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 0 ] && [ "$(content /etc/fstab)" = v2 ] && ok "absolute symlinks in the root resolve inside it" \
	|| fail "symlinked txn dir" "$(cat "$tmp/err")"

for args in "--list --to 1" "--to abc" "--bogus" "extra"; do
	"$bin" rollback --root "$root" $args >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q '^usage: cloudmove rollback' "$tmp/err"; then ok "usage error: $args"
	else fail "usage $args" "rc $rc $(cat "$tmp/err")"; fi
done
"$bin" rollback --root "$tmp/nonexistent" --list >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && grep -q "^cloudmove: rollback: --root" "$tmp/err" && ok "missing --root: exit 1" \
	|| fail "missing root" "$(cat "$tmp/err")"

# full disk and read-only mounts: mounts of its own, so root only
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	unshare -m --propagation private "$(dirname "$0")/txn-space.sh" "$bin" >"$tmp/space" 2>&1
	grep -E '^(ok|FAIL|    |txn-space)' "$tmp/space"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$tmp/space" | tail -1)
	if [ -n "$line" ]; then
		passed=$((passed + ${line%% passed*}))
		f=${line#*passed, }
		failed=$((failed + ${f%% failed*}))
	else fail "txn-space.sh" "no summary: $(tail -5 "$tmp/space")"; fi
else
	echo "skip full-disk and read-only mount tests (not root, or no unshare)"
fi

suite_end
