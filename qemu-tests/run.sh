#!/bin/bash
# qemu-tests/run.sh [SCENARIO...] — end-to-end boots under QEMU (TCG).
#
# Builds (cached) the kernel, the root disk and the initramfs images for
# $AGENT, then boots each scenario of qemu-tests/scenarios/ (by default all
# but those marked SLOW=1) dressed as a cloud with -smbios, and asserts on
# the serial log.
# Prints "PASS|FAIL <name> <seconds>s" per scenario (on FAIL, why and the last
# 30 console lines), then "N passed, N failed".  Exit 1 if any failed.
#
# Env: AGENT        agent binary (default <repo>/build/cloudmove)
#      JOBS         boots run in parallel (default 2)
#      QT_ROOT      fast|full: root boot path for scenarios that do not say
#      QT_TIMEOUT   per-boot hard limit in seconds (default 120)
#      QT_BZIMAGE=1 boot the bzImage instead of the extracted vmlinux (PVH)
#      QT_SLOW=1    include the SLOW=1 scenarios (full systemd boots) by default
#      CLOUDMOVE_CACHE  cache (default <repo>/.cache); each run's logs are in
#                   $CLOUDMOVE_CACHE/qemu-tests/latest/<scenario>/serial.log
set -euo pipefail
# shellcheck source=qemu-tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cm_need qemu-system-x86_64 qemu-img timeout

AGENT=${AGENT:-$CM_TOP/build/cloudmove}
JOBS=${JOBS:-2}

if [ $# -gt 0 ]; then
	scenarios=("$@")
else
	scenarios=()
	for f in "$QT_DIR"/scenarios/*.conf; do
		f=${f##*/}
		qt_load "${f%.conf}"
		[ -n "$SC_SLOW" ] && [ "${QT_SLOW-}" != 1 ] && continue
		# a second boot's or an instance's disk (DISK_FROM=) comes from
		# the scenario naming it (THEN=, INSTANCE=): never booted alone
		[ -n "$SC_DISK_FROM" ] && continue
		scenarios+=("${f%.conf}")
	done
fi
# Longest first, by the last run's times (else two boots before one): two
# boots at a time then end together, not one long boot alone at the end.
durations=$CM_CACHE/qemu-tests/durations
declare -A last=()
if [ -f "$durations" ]; then
	while read -r n t; do [ -n "$n" ] && last[$n]=$t; done <"$durations"
fi
longest_first() {
	local s est
	for s in "${scenarios[@]}"; do
		est=${last[$s]-}
		if [ -z "$est" ]; then
			qt_load "$s"
			est=60
			[ -n "$SC_THEN$SC_BOOT2$SC_INSTANCE" ] && est=240
		fi
		printf '%s %s\n' "$est" "$s"
	done | sort -k1,1nr -k2,2 | awk '{ print $2 }'
}
mapfile -t scenarios < <(longest_first)

prepare=()
for s in "${scenarios[@]}"; do	# fail early on a bad name
	qt_load "$s"
	prepare+=("$s")
	[ -n "$SC_THEN" ] && prepare+=("$SC_THEN")
	[ -n "$SC_INSTANCE" ] && prepare+=("$SC_INSTANCE")
done

mkdir -p "$CM_CACHE/qemu-tests"
run=$(mktemp -d "$CM_CACHE/qemu-tests/run.XXXXXX")
cm_on_exit() { qt_kill_boots "$run"; }
ln -sfn "${run##*/}" "$CM_CACHE/qemu-tests/latest"
# keep the five newest runs, and any touched in the last hour: another
# run.sh may still be writing there (the cache is shared)
ls -1dt "$CM_CACHE"/qemu-tests/run.* | tail -n +6 |
	while read -r d; do
		if [ -n "$(find "$d" -maxdepth 0 -mmin +60)" ]; then rm -rf -- "$d"; fi
	done

cm_log "agent: $AGENT"
qt_prepare "$run" "${prepare[@]}"
cm_log "images ready; booting ${#scenarios[@]} scenario(s), $JOBS at a time"

# pass NAME SECS — the PASS report: times of each boot, pending lines.
pass() {
	local work=$run/$1
	{
		printf 'PASS %s %ss\n' "$1" "$2"
		[ -f "$work/times" ] && sed 's/^/  /' "$work/times"
		[ -f "$work/pending" ] && sed 's/^/  /' "$work/pending"
	} >"$work/report"
}

# boot_again WORK — boot the disk the previous boot left, after keeping
# its log as serial.1.log; adds "+SECS" to secs and a line to WORK/times.
boot_again() {
	local work=$1 t0 t1
	cp "$work/serial.log" "$work/serial.1.log"
	t0=$(date +%s%N)
	QT_KEEP_DISK=1 qt_boot "$run" "$work" || rc=$?
	t1=$(date +%s%N)
	secs="$secs+$(((t1 - t0 + 500000000) / 1000000000))"
	echo "boot 2: ${secs#*+}s wall, $(qt_times "$work")" >>"$work/times"
}

# check_instances WORK — each instance the target's emulator booted, as
# its INSTANCE scenario expects (its serial log kept as WORK/instance-ID.log).
check_instances() {
	local work=$1 d n=0 why
	local inst=$SC_INSTANCE
	while read -r d; do
		n=$((n + 1))
		cp "$d/serial.log" "$work/instance-${d##*/}.log" 2>/dev/null || :
		echo "instance ${d##*/} ($inst): QEMU exit $(cat "$d/instance.rc" 2>/dev/null || echo '?'), $(qt_times "$d")" >>"$work/times"
		if ! why=$( qt_load "$inst" && qt_check "$d" ); then
			echo "instance ${d##*/} ($inst): $why"
			return 1
		fi
	done < <(qt_instances "$work")
	[ "$n" -gt 0 ] || { echo "no instance was launched in the target's emulator"; return 1; }
	return 0
}

# one_scenario NAME — boot and check; writes $run/NAME/report, returns 0/1.
one_scenario() {
	local name=$1 work=$run/$1 t0 t1 rc=0 why secs
	qt_load "$name"
	rm -f "$work/pending" "$work/times"
	t0=$(date +%s%N)
	qt_boot "$run" "$work" || rc=$?
	t1=$(date +%s%N)
	secs=$(((t1 - t0 + 500000000) / 1000000000))
	echo "boot 1: ${secs}s wall, $(qt_times "$work")" >>"$work/times"
	if why=$(qt_check "$work") && [ -n "$SC_SOURCE_UNCHANGED" ]; then
		why=$(qt_source_unchanged "$work") || :
	fi
	if [ -z "$why" ] && [ -n "$SC_CONTROL$SC_SELF_CONTROL" ]; then
		# CONTROL=/SELF_CONTROL=: the emulators' logs, then the
		# instances' consoles (INSTANCE=), as a second boot's
		qt_move_times "$work" >>"$work/times"
		why=$(qt_control_check "$work") || :
		[ -z "$why" ] && [ -n "$SC_INSTANCE" ] && why=$(check_instances "$work")
	fi
	if [ -z "$why" ]; then
		if [ -n "$SC_BOOT2" ]; then
			# BOOT2=: the same disk boots again, same dressing
			qt_second_boot
			boot_again "$work"
			why=$(qt_check "$work") || why="second boot: $why"
		elif [ -n "$SC_THEN" ]; then
			# THEN=: the same disk boots again, dressed as the next scenario
			qt_load "$SC_THEN"
			boot_again "$work"
			why=$(qt_check "$work") || why="second boot ($SC_THEN): $why"
		fi
		if [ -z "$why" ]; then
			echo "$name $((secs))" >"$work/duration"
			{
				printf 'PASS %s %ss\n' "$name" "$secs"
				sed 's/^/  /' "$work/times"
				[ -f "$work/pending" ] && sed 's/^/  /' "$work/pending"
			} >"$work/report"
			return 0
		fi
	fi
	echo "$name $((secs))" >"$work/duration"
	[ "$rc" = 124 ] && why+=" (QEMU killed after ${SC_TIMEOUT}s)"
	{
		printf 'FAIL %s %ss\n' "$name" "$secs"
		printf '  why: %s\n' "$why"
		sed 's/^/  /' "$work/times"
		printf '  log: %s\n' "$work/serial.log"
		tr -d '\r' <"$work/serial.log" 2>/dev/null | tail -n 30 | sed 's/^/  | /'
	} >"$work/report"
	return 1
}

passed=0 failed=0
declare -A running=()
finish_one() {
	local pid name rc=0 n t
	wait -n -p pid "${!running[@]}" || rc=$?
	name=${running[$pid]}
	unset "running[$pid]"
	cat "$run/$name/report" 2>/dev/null || echo "FAIL $name (no report, exit $rc)"
	if [ -f "$run/$name/duration" ]; then
		read -r n t <"$run/$name/duration" && last[$n]=$t
	fi
	if [ "$rc" = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
}
for s in "${scenarios[@]}"; do
	while [ "${#running[@]}" -ge "$JOBS" ]; do finish_one; done
	mkdir -p "$run/$s"
	one_scenario "$s" &
	running[$!]=$s
done
while [ "${#running[@]}" -gt 0 ]; do finish_one; done
# the times for the next run's order (another run.sh may write too: the
# last one wins, and either is a fine guess)
for n in "${!last[@]}"; do printf '%s %s\n' "$n" "${last[$n]}"; done |
	sort >"$durations.$$" && mv -f "$durations.$$" "$durations"

cm_log "logs: $run"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
