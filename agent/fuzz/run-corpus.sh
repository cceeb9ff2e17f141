#!/bin/bash
# run-corpus.sh [--fuzz SECONDS] NAME...
# Runs each build/fuzz/NAME over its corpus agent/fuzz/corpus/NAME/ (every
# input once: what `make check` does), or with --fuzz, fuzzes each for
# SECONDS, adding what it finds to a scratch copy of the corpus (new
# inputs worth keeping are copied into the corpus by hand).
# Ends with "N passed, N failed" (one per harness).
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=agent/tests/lib/suite.sh
. agent/tests/lib/suite.sh
suite_tmp

fuzz_seconds=0
if [ "${1:-}" = --fuzz ]; then
	fuzz_seconds=$2
	shift 2
fi
for name in "$@"; do
	bin=build/fuzz/$name corpus=agent/fuzz/corpus/$name
	log=$tmp/$name.log
	if [ "$fuzz_seconds" -gt 0 ]; then
		work=${CLOUDMOVE_CACHE:-.cache}/fuzz/$name
		mkdir -p "$work"
		"$bin" -max_total_time="$fuzz_seconds" -max_len=8192 \
			-artifact_prefix=agent/fuzz/ "$work" "$corpus" >"$log" 2>&1
	else
		"$bin" -runs=0 "$corpus" >"$log" 2>&1
	fi
	rc=$?
	n=$(ls "$corpus" | wc -l)
	if [ $rc -eq 0 ]; then
		ok "fuzz $name ($n corpus inputs)"
	else
		fail "fuzz $name (exit $rc)"
		tail -30 "$log"
	fi
	rm -f "$log"
done
suite_end
