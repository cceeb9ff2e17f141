#!/bin/bash
# run-detect.sh [--regen] CLOUDMOVE
# Golden tests of `cloudmove detect` over the fixture roots in
# agent/tests/detect/<case>/ (root/ = the --root, cloud = the expected
# verdict, expected.json = the golden output, SOURCE = where the dump
# comes from), plus synthetic hostile roots built here (huge files,
# symlink loops, FIFOs, truncated raw tables).
# --regen rewrites expected.json; review the diff before committing.
# Ends with "N passed, N failed".
set -uo pipefail

regen=0
if [ "${1:-}" = --regen ]; then
	regen=1
	shift
fi
bin=$(realpath "${1:?usage: run-detect.sh [--regen] CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp

# check NAME ROOT EXPECTED_CLOUD [GOLDEN]
check() {
	local name=$1 root=$2 want=$3 golden=${4:-} out rc got line
	out=$("$bin" detect --no-metadata --json --root "$root" 2>"$tmp/stderr")
	rc=$?
	if [ $rc -ne 0 ]; then
		fail "$name" "exit $rc: $(head -1 "$tmp/stderr")"
		return
	fi
	got=$(printf '%s\n' "$out" | sed -n 's/^  "cloud": "\(.*\)",$/\1/p')
	if [ "$got" != "$want" ]; then
		fail "$name" "cloud '$got', want '$want'"
		return
	fi
	line=$("$bin" detect --no-metadata --root "$root" 2>&1)
	case $line in
	"$want ("*) ;;
	*) fail "$name" "human line: $line"; return ;;
	esac
	if [ -n "$golden" ]; then
		if [ $regen -eq 1 ]; then
			printf '%s\n' "$out" >"$golden"
		elif ! diff -u "$golden" <(printf '%s\n' "$out") >"$tmp/diff"; then
			fail "$name" "differs from $(basename "$golden"):"
			cat "$tmp/diff"
			return
		fi
	fi
	ok "$name: $want"
}

for dir in "$here"/detect/*/; do
	dir=${dir%/}
	[ -f "$dir/cloud" ] || continue
	name=$(basename "$dir")
	root=$dir/root
	# git keeps no empty directories: a case without root/ is an empty root
	[ -d "$root" ] || { root=$tmp/empty-$name; mkdir -p "$root"; }
	check "$name" "$root" "$(cat "$dir/cloud")" "$dir/expected.json"
done

# --- hostile roots, built here so the repository stays small ------------
dmi() { mkdir -p "$1/sys/class/dmi/id"; printf '%s\n' "$3" >"$1/sys/class/dmi/id/$2"; }

r=$tmp/huge
dmi "$r" product_name "Google Compute Engine"
head -c 10485760 /dev/zero | tr '\0' A >"$r/sys/class/dmi/id/sys_vendor"
check synthetic-huge-file "$r" gcp

r=$tmp/loops
dmi "$r" sys_vendor "Hetzner"
ln -s product_name "$r/sys/class/dmi/id/product_name"	# ELOOP
ln -s /nonexistent "$r/sys/class/dmi/id/bios_vendor"	# dangling
mkfifo "$r/sys/class/dmi/id/board_name"			# no writer
ln -s /dev/zero "$r/sys/class/dmi/id/chassis_vendor"	# endless
check synthetic-symlinks-fifo-devzero "$r" hetzner

r=$tmp/binary-everywhere
mkdir -p "$r/sys/class/dmi/id" "$r/sys/firmware/dmi/tables" "$r/proc"
for f in sys_vendor product_name bios_vendor chassis_asset_tag product_uuid; do
	head -c 300 /dev/urandom >"$r/sys/class/dmi/id/$f"
done
head -c 5000 /dev/urandom >"$r/sys/firmware/dmi/tables/DMI"
head -c 31 /dev/urandom >"$r/sys/firmware/dmi/tables/smbios_entry_point"
printf 'flags : fpu hypervisor\n' >"$r/proc/cpuinfo"
check synthetic-random-bytes "$r" unknown

# Quotes and backslashes in a DMI value are escaped in the text line
# (hooks keep it in /run/cloudmove/detect): the value reads back whole.
r=$tmp/quotes
dmi "$r" sys_vendor 'Acme "Hosting" \ Co'
mkdir -p "$r/proc"
printf 'flags : fpu sse\n' >"$r/proc/cpuinfo"
line=$("$bin" detect --no-metadata --root "$r" 2>&1)
want='baremetal (dmi): cpu_hypervisor_flag="no" sys_vendor="Acme \"Hosting\" \\ Co"'
if [ "$line" = "$want" ]; then
	ok "synthetic-quotes-escaped: $line"
else
	fail synthetic-quotes-escaped "got: $line"
fi

# A --root that is no directory is the operator's mistake: exit 1, one line.
for r in "$tmp/not-a-root" "$tmp/missing-root"; do
	: >"$tmp/not-a-root"
	"$bin" detect --no-metadata --root "$r" >"$tmp/out" 2>"$tmp/stderr"
	rc=$?
	if [ $rc -eq 1 ] && [ "$(wc -l <"$tmp/stderr")" -eq 1 ] &&
	   grep -q "^cloudmove: detect: --root $r: " "$tmp/stderr" && [ ! -s "$tmp/out" ]; then
		ok "bad-root $(basename "$r"): $(cat "$tmp/stderr")"
	else
		fail "bad-root $(basename "$r")" "exit $rc, stderr: $(cat "$tmp/stderr")"
	fi
done

# Usage errors: exit 2.
for args in "--bogus" "--timeout 0" "--timeout abc" "extra"; do
	# shellcheck disable=SC2086
	"$bin" detect $args >/dev/null 2>"$tmp/stderr"
	rc=$?
	if [ $rc -eq 2 ] && head -1 "$tmp/stderr" | grep -q '^cloudmove: detect: '; then
		ok "usage 'detect $args': exit 2"
	else
		fail "usage 'detect $args'" "exit $rc: $(cat "$tmp/stderr")"
	fi
done

# Raw tables only, whole and cut at every few bytes: never a crash, and
# the verdict holds while type 1 is intact.
tables=$here/detect/kvm-qemu-raw-tables/root/sys/firmware/dmi/tables
if [ -f "$tables/DMI" ]; then
	size=$(stat -c %s "$tables/DMI")
	for cut in 0 1 7 33 $((size / 2)) $((size - 1)); do
		r=$tmp/cut-$cut
		mkdir -p "$r/sys/firmware/dmi/tables"
		cp "$tables/smbios_entry_point" "$r/sys/firmware/dmi/tables/"
		head -c "$cut" "$tables/DMI" >"$r/sys/firmware/dmi/tables/DMI"
		out=$("$bin" detect --no-metadata --json --root "$r" 2>&1)
		rc=$?
		if [ $rc -eq 0 ]; then
			ok "synthetic-truncated-table-$cut: $(printf '%s' "$out" | sed -n 's/^  "cloud": "\(.*\)",$/\1/p')"
		else
			fail "synthetic-truncated-table-$cut" "exit $rc: $out"
		fi
	done
fi

suite_end
