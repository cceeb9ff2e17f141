#!/bin/bash
# qemu-tests/hook-test.sh — host-side checks of hooks/cloudmove-run.sh (seconds, no
# QEMU): verdict line, failure line, cloudmove=0, the 10 s bound with and
# without timeout(1), and that it always exits 0.  Prints "N passed, N failed".
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../hooks" && pwd)
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "${BASH_SOURCE[0]}")/../agent/tests/lib/suite.sh"
suite_tmp
ok() { passed=$((passed + 1)); echo "PASS $1"; }

mkagent() {	# mkagent NAME BODY — a stand-in agent
	printf '#!/bin/sh\n%s\n' "$2" >"$tmp/$1"
	chmod +x "$tmp/$1"
}
mkagent ok 'echo "cloudmove: detected gcp (dmi): sys_vendor=\"Google\""; echo "cloudmove: record: gcp, stay 1 (new, 1 boot)"'
mkagent fails 'echo "cloudmove: read dmi: boom" >&2; exit 3'
mkagent silent 'exit 0'
mkagent hangs 'exec sleep 1000'
mkagent ignores-term 'trap "" TERM; while :; do sleep 1; done'
mkagent move-fails 'echo "cloudmove: the move failed; the source is as it was: rescue shell"; echo rescue >"$CM_RUNDIR/after"'
mkagent shell 'echo "SHELL RAN"'
mkagent args 'echo "cloudmove: detected gcp (dmi): args:$(printf " [%s]" "$@")"'
echo "BOOT_IMAGE=/vmlinuz root=UUID=x ro" >"$tmp/cmdline"
echo "root=UUID=x cloudmove.target=aws cloudmove.dest=s3://b/k" >"$tmp/cmdline-move"
echo "root=UUID=x rd.shell=0 cloudmove.target=aws cloudmove.dest=s3://b/k" >"$tmp/cmdline-move-noshell"
echo "root=UUID=x rd.shell=0 cloudmove.target=aws cloudmove.dest=s3://b/k rd.shell" >"$tmp/cmdline-move-shell-again"
echo "root=UUID=x cloudmove=0 ro" >"$tmp/cmdline-off"

# Without timeout(1): a PATH holding everything the script uses but timeout.
mkdir "$tmp/bin"
for c in sh sleep kill mkdir cat; do ln -s "$(command -v $c)" "$tmp/bin/$c"; done

# check NAME EXPECTED_OUTPUT MAX_SECONDS [ENV...] — run the script, compare.
check() {
	local name=$1 want=$2 max=$3 out rc t0 t1
	shift 3
	t0=$(date +%s)
	out=$(env CM_RUNDIR="$tmp/run" CM_CMDLINE="$tmp/cmdline" CM_DETECT_TIMEOUT=2 "$@" \
		sh "$here/cloudmove-run.sh" 2>/dev/null)
	rc=$?
	t1=$(date +%s)
	if [ "$rc" = 0 ] && [ "$out" = "$want" ] && [ $((t1 - t0)) -le "$max" ]; then
		ok "$name"
	else
		fail "$name" "exit $rc after $((t1 - t0))s (max ${max}s)"
		echo "  want: $want"
		echo "  got:  $out"
	fi
}

check detected 'cloudmove: detected gcp (dmi): sys_vendor="Google"
cloudmove: record: gcp, stay 1 (new, 1 boot)' 2 CM_AGENT="$tmp/ok"
check failing 'cloudmove: detect failed (exit 3), continuing boot' 2 CM_AGENT="$tmp/fails"
check no-output 'cloudmove: detect failed (exit 0), continuing boot' 2 CM_AGENT="$tmp/silent"
check missing 'cloudmove: detect failed (exit 127), continuing boot' 2 CM_AGENT="$tmp/nonexistent"
check disabled '' 1 CM_AGENT="$tmp/ok" CM_CMDLINE="$tmp/cmdline-off"
check hangs 'cloudmove: detect failed (exit 124), continuing boot' 4 CM_AGENT="$tmp/hangs"
check ignores-term 'cloudmove: detect failed (exit 137), continuing boot' 6 CM_AGENT="$tmp/ignores-term"
check hangs-no-timeout 'cloudmove: detect failed (exit 124), continuing boot' 6 \
	CM_AGENT="$tmp/hangs" PATH="$tmp/bin"
check ignores-term-no-timeout 'cloudmove: detect failed (exit 137), continuing boot' 6 \
	CM_AGENT="$tmp/ignores-term" PATH="$tmp/bin"
check ok-no-timeout 'cloudmove: detected gcp (dmi): sys_vendor="Google"
cloudmove: record: gcp, stay 1 (new, 1 boot)' 2 \
	CM_AGENT="$tmp/ok" PATH="$tmp/bin"
# a move asked on the command line that failed: the rescue shell, then the
# boot goes on; rd.shell=0 (the last rd.shell wins) forbids the shell
rescue_out='cloudmove: the move failed; the source is as it was: rescue shell
cloudmove: rescue shell: leave it (exit) to boot the source as it was
SHELL RAN
cloudmove: left the rescue shell: booting the source'
check move-failed-rescue "$rescue_out" 2 CM_AGENT="$tmp/move-fails" \
	CM_CMDLINE="$tmp/cmdline-move" CM_RESCUE_SHELL="$tmp/shell"
check move-failed-rd.shell=0 'cloudmove: the move failed; the source is as it was: rescue shell
cloudmove: rd.shell=0: no rescue shell; booting the source' 2 CM_AGENT="$tmp/move-fails" \
	CM_CMDLINE="$tmp/cmdline-move-noshell" CM_RESCUE_SHELL="$tmp/shell"
check move-failed-rd.shell-last-wins "$rescue_out" 2 CM_AGENT="$tmp/move-fails" \
	CM_CMDLINE="$tmp/cmdline-move-shell-again" CM_RESCUE_SHELL="$tmp/shell"
# CM_ROOT (initramfs-tools' local-bottom script: the root at /root): passed
# as --root, to a detection and to a move; without it, no --root at all
check root-default 'cloudmove: detected gcp (dmi): args: [boot]' 2 CM_AGENT="$tmp/args"
check root-itools 'cloudmove: detected gcp (dmi): args: [boot] [--root] [/root dir]' 2 \
	CM_AGENT="$tmp/args" CM_ROOT="/root dir"
check root-itools-move 'cloudmove: detected gcp (dmi): args: [boot] [--root] [/root]' 2 \
	CM_AGENT="$tmp/args" CM_ROOT=/root CM_CMDLINE="$tmp/cmdline-move"
check ok-again 'cloudmove: detected gcp (dmi): sys_vendor="Google"
cloudmove: record: gcp, stay 1 (new, 1 boot)' 2 CM_AGENT="$tmp/ok"
if [ "$(cat "$tmp/run/detect" 2>/dev/null)" = 'gcp (dmi): sys_vendor="Google"' ]; then
	ok run-file
else
	fail run-file "$tmp/run/detect does not hold the verdict"
fi
# issue 15: the kill switch wherever it stands, in a line of any length or
# on a line of its own; a command line that cannot be read (gone, a FIFO:
# no hang) is "do nothing", said once
{ head -c 70000 /dev/zero | tr '\0' x; echo " cloudmove=0"; } >"$tmp/cmdline-long-off"
printf 'root=UUID=x\ncloudmove=0' >"$tmp/cmdline-2lines-off"
mkfifo "$tmp/cmdline-fifo"
check long-line-disabled '' 1 CM_AGENT="$tmp/ok" CM_CMDLINE="$tmp/cmdline-long-off"
check second-line-disabled '' 1 CM_AGENT="$tmp/ok" CM_CMDLINE="$tmp/cmdline-2lines-off"
check unreadable-cmdline "cloudmove: cannot read $tmp/nonexistent: doing nothing" 1 \
	CM_AGENT="$tmp/ok" CM_CMDLINE="$tmp/nonexistent"
out=$(timeout 10 env CM_RUNDIR="$tmp/run" CM_CMDLINE="$tmp/cmdline-fifo" \
	CM_AGENT="$tmp/ok" sh "$here/cloudmove-run.sh" 2>/dev/null)
if [ "$out" = "cloudmove: cannot read $tmp/cmdline-fifo: doing nothing" ]; then
	ok fifo-cmdline
else
	fail fifo-cmdline "got '$out'"
fi
suite_end
