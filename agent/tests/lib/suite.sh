# shellcheck shell=bash
# agent/tests/lib/suite.sh — what every shell suite shares, sourced first
# (as util-linux's tests/functions.sh): the verdict lines, the temporary
# directory, the exit hooks and the summary line that run-suites.sh reads.
#
#   . "$(dirname "$0")/lib/suite.sh"
#   suite_tmp                    # $tmp: a new directory, removed at exit
#   suite_on_exit 'kill $pid'    # run at exit; the last added runs first
#   ok NAME                      # "ok   NAME"
#   fail NAME [WHY]              # "FAIL NAME[: WHY]"
#   skip NAME [WHY]              # "skip NAME[: WHY]"
#   suite_abort WHY              # WHY, one failure, suite_end
#   suite_end                    # "N passed, N failed[, N skipped]", then
#                                # exit 0, or 1 when anything failed
#
# The counters are $passed, $failed and $skipped.  ok, fail and skip are
# suite_ok, suite_fail and suite_skip: a suite that says its verdicts its
# own way (a prefix, a quiet mode) redefines the short names over the
# long ones.

passed=0 failed=0 skipped=0
suite_ok() { passed=$((passed + 1)); echo "ok   $1"; }
suite_fail() { failed=$((failed + 1)); echo "FAIL $1${2+: $2}"; }
suite_skip() { skipped=$((skipped + 1)); echo "skip $1${2+: $2}"; }
ok() { suite_ok "$@"; }
fail() { suite_fail "$@"; }
skip() { suite_skip "$@"; }

suite_end() {
	local also=""
	[ "$skipped" -eq 0 ] || also=", $skipped skipped"
	echo "$passed passed, $failed failed$also"
	[ "$failed" -eq 0 ] && exit 0
	exit 1
}

# suite_abort WHY: the suite cannot go on (a fixture cannot be had): WHY,
# one failure, the summary.
suite_abort() {
	echo "$1"
	failed=$((failed + 1))
	suite_end
}

# Exit hooks, newest first: a server started after the temporary directory
# is stopped before the directory goes.  Each is eval'ed in the suite's
# scope; one that fails does not stop the others.
suite_exit_hooks=()
suite_on_exit() { suite_exit_hooks=("$1" "${suite_exit_hooks[@]}"); }
suite_run_exit_hooks() {
	local hook
	for hook in "${suite_exit_hooks[@]}"; do
		eval "$hook"
	done
}
trap suite_run_exit_hooks EXIT

# suite_tmp [TEMPLATE]: $tmp, a new directory (mktemp -d TEMPLATE),
# removed with everything in it at exit.
suite_tmp() {
	# shellcheck disable=SC2034 # the suites use it
	tmp=$(mktemp -d ${1:+"$1"}) || { echo "mktemp failed"; exit 1; }
	suite_on_exit 'rm -rf "$tmp"'
}
