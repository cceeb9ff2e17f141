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
#   suite_bg CMD [ARGS...]       # CMD in the background ($! as with &),
#                                # killed and waited for at exit
#   suite_wait_file FILE [TRIES] # until FILE is not empty: TRIES x 50 ms
#                                # (200: 10 s); 1 if it never is
#   suite_wait_port PORT [TRIES] # until 127.0.0.1:PORT takes a connection:
#                                # TRIES x 100 ms (300: 30 s)
#   suite_free_port              # a free port on 127.0.0.1 (said)
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
# removed with everything in it at exit -- after the background processes
# (suite_bg) are stopped, since they write into it.
suite_tmp() {
	# shellcheck disable=SC2034 # the suites use it
	tmp=$(mktemp -d ${1:+"$1"}) || { echo "mktemp failed"; exit 1; }
	suite_on_exit 'rm -rf "$tmp"'
	suite_bg_hook
}

# Background processes (servers, proxies) the suite starts: each is killed
# at exit, then all of them waited for, so that none outlives the suite or
# writes into a directory being removed.  A redirection on the call is the
# process's: suite_bg python3 server.py 2>"$tmp/err".
suite_bg_pids=()
suite_bg_hooked=
suite_bg_hook() {
	[ -n "$suite_bg_hooked" ] && return
	suite_bg_hooked=1
	suite_on_exit suite_bg_stop
}
suite_bg() {
	suite_bg_hook
	"$@" &
	suite_bg_pids+=($!)
}
suite_bg_stop() {
	local p
	[ ${#suite_bg_pids[@]} -gt 0 ] || return 0
	for p in "${suite_bg_pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}

# suite_wait_file FILE [TRIES]: until FILE is there and not empty (a port
# file a server writes once it listens), TRIES times 50 ms at most.
suite_wait_file() {
	local _
	for _ in $(seq "${2:-200}"); do
		[ -s "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

# suite_wait_port PORT [TRIES]: until 127.0.0.1:PORT takes a connection (a
# server told which port to use writes no port file), TRIES times 100 ms.
suite_wait_port() {
	local _
	for _ in $(seq "${2:-300}"); do
		(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# suite_free_port: a port on 127.0.0.1 nothing listens on now, for a server
# that must be told one.
suite_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
