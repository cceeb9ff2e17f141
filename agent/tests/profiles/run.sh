#!/bin/bash
# run.sh [--regen] CLOUDMOVE — golden tests of `cloudmove profiles`.
# Each case directory holds `args` (one line: the words after
# "cloudmove profiles"; the case's root/ is always passed as --root) and
# `expected`: stdout, "--- stderr", stderr, "--- exit N".
# Ends with "N passed, N failed".
set -uo pipefail
regen=0
if [ "${1:-}" = --regen ]; then regen=1; shift; fi
bin=$(realpath "$1")
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/../lib/suite.sh"
suite_tmp
cd "$(dirname "$0")"
for dir in */; do
	dir=${dir%/}
	[ -f "$dir/args" ] || continue
	mkdir -p "$dir/root"
	read -r -a args < "$dir/args"
	out=$tmp/out err=$tmp/err
	(cd "$dir" && "$bin" profiles "${args[@]}" --root root >"$out" 2>"$err")
	rc=$?
	got=$(cat "$out"; echo "--- stderr"; cat "$err"; echo "--- exit $rc")
	if [ $regen = 1 ]; then
		printf '%s\n' "$got" > "$dir/expected"
		echo "regen profiles/$dir"
		passed=$((passed + 1))
	elif [ "$got" = "$(cat "$dir/expected" 2>/dev/null)" ]; then
		ok "profiles/$dir"
	else
		fail "profiles/$dir"
		diff -u "$dir/expected" <(printf '%s\n' "$got") | head -40
	fi
done
suite_end
