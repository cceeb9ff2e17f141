#!/bin/sh
# cloudmove-run.sh — run the cloudmove agent once in the initramfs, after the
# root is mounted and before switch-root.  Shared by both initramfs flavours:
#   non-systemd: cloudmove-pre-pivot.sh (a dracut pre-pivot hook) runs it;
#   systemd:     cloudmove.service runs it (stdout goes to journal+console).
#
# It runs `cloudmove boot`, which reads the kernel command line itself (the
# one parser), detects the cloud (metadata included), notes the boot in the
# hosting record and exports it when asked, printing one "cloudmove: ..."
# line per decision, e.g.
#   cloudmove: detected gcp (dmi+metadata): product_name="Google Compute Engine" instance_id=...
#   cloudmove: record: gcp 8736259342352342879, stay 2 (new, 1 boot)
#   cloudmove: detected gcp (dmi+metadata), last seen aws → adapting: 9 changes, txn 0001
# Contract: never exits non-zero, never blocks boot for more than
# CM_DETECT_TIMEOUT (+2 s grace for SIGTERM before SIGKILL), and when the
# agent fails, hangs or says nothing, prints
#   cloudmove: detect failed (exit N), continuing boot
# Kernel command line: cloudmove=0 (or no/off/false) disables it (no output),
# wherever it stands in a line of any length; a command line that cannot be
# read (missing, not a regular file) could have said so: one line, and
# nothing done.
# CM_CONSOLE=/dev/console (set by cloudmove.service, whose stdout is the
# journal) also writes the verdict line, unprefixed, to that console.
# CM_ROOT: the installed root when it is not the agent's default /sysroot
# (initramfs-tools mounts it at ${rootmnt}, /root: its local-bottom script
# initramfs-tools/scripts/local-bottom/cloudmove sets it, and CM_RESCUE_SHELL
# to its panic shell).
# The agent's line is kept in /run/cloudmove/detect for later stages
# (/run survives switch-root).

CM_AGENT=${CM_AGENT:-/usr/bin/cloudmove}
CM_DETECT_TIMEOUT=${CM_DETECT_TIMEOUT:-25}
CM_RUNDIR=${CM_RUNDIR:-/run/cloudmove}
CM_CMDLINE=${CM_CMDLINE:-/proc/cmdline}	# overridable for qemu-tests/hook-test.sh

# cm_read_cmdline — the whole command line (every line of it, however long)
# into cm_cmdline; 1 when it cannot be read.  Regular files only: reading a
# FIFO would wait for a writer (/proc/cmdline is one).
cm_read_cmdline() {
	cm_cmdline=
	cm_l=
	[ -f "$CM_CMDLINE" ] || return 1
	while IFS= read -r cm_l || [ -n "$cm_l" ]; do
		cm_cmdline="$cm_cmdline $cm_l"
		cm_l=
	done <"$CM_CMDLINE" 2>/dev/null || return 1
	return 0
}

cm_disabled() {
	if ! cm_read_cmdline; then
		cm_say "cannot read $CM_CMDLINE: doing nothing"
		return 0
	fi
	set -f
	for cm_arg in $cm_cmdline; do
		case $cm_arg in
		cloudmove=0 | cloudmove=no | cloudmove=off | cloudmove=false)
			set +f
			return 0
			;;
		esac
	done
	set +f
	return 1
}

# cm_bounded CMD... — run CMD with stdout to $CM_RUNDIR/detect.out; after
# $CM_DETECT_TIMEOUT s send it TERM, 2 s later KILL.  Returns its status, or
# like timeout(1) 124 when TERM ended it, 137 when KILL had to.
cm_bounded() {
	if command -v timeout >/dev/null 2>&1; then
		timeout -k 2 "$CM_DETECT_TIMEOUT" "$@" </dev/null >"$CM_RUNDIR/detect.out"
		return $?
	fi
	# No timeout(1): background the agent and poll it, 10 ticks a second
	# (1 tick a second where sleep takes whole seconds only).
	"$@" </dev/null >"$CM_RUNDIR/detect.out" &
	cm_pid=$!
	cm_ticks=0
	cm_limit=$((CM_DETECT_TIMEOUT * 10))
	cm_sig=
	while kill -0 "$cm_pid" 2>/dev/null; do
		if [ "$cm_ticks" -ge "$cm_limit" ]; then
			case $cm_sig in
			"") cm_sig=TERM cm_limit=$((cm_limit + 20)) ;;
			TERM) cm_sig=KILL ;;
			esac
			kill -"$cm_sig" "$cm_pid" 2>/dev/null
			[ "$cm_sig" = KILL ] && break
		fi
		if sleep 0.1 2>/dev/null; then
			cm_ticks=$((cm_ticks + 1))
		else
			sleep 1
			cm_ticks=$((cm_ticks + 10))
		fi
	done
	wait "$cm_pid"
	cm_st=$?
	case $cm_sig in
	TERM) return 124 ;;
	KILL) return 137 ;;
	esac
	return "$cm_st"
}

# cloudmove.dest= on the command line: a move, which takes as long as the
# disk takes to stream; its lines (progress included) go out as they come.
cm_moving() {
	cm_read_cmdline
	case " $cm_cmdline " in
	*" cloudmove.dest="*) return 0 ;;
	esac
	return 1
}

# cloudmove.after=poweroff|reboot after a successful move, or "rescue" after
# a failed one: the agent leaves the word in $CM_RUNDIR/after; the root is
# read-only and synced.
cm_after() {
	cm_what=
	[ -f "$CM_RUNDIR/after" ] || return 0
	read -r cm_what <"$CM_RUNDIR/after"
	command -v sync >/dev/null 2>&1 && sync
	case $cm_what in
	poweroff) poweroff -f 2>/dev/null || echo o >/proc/sysrq-trigger ;;
	reboot) reboot -f 2>/dev/null || echo b >/proc/sysrq-trigger ;;
	rescue) cm_rescue ;;
	esac
}

# rd.shell (dracut's switch, default on; the last one wins): may the
# initramfs open a shell?
cm_shell_allowed() {
	cm_allowed=0
	cm_read_cmdline
	set -f
	for cm_arg in $cm_cmdline; do
		case $cm_arg in
		rd.shell | rd.shell=1 | rd.shell=yes | rd.shell=on | rd.shell=true) cm_allowed=0 ;;
		rd.shell=*) cm_allowed=1 ;;
		esac
	done
	set +f
	return $cm_allowed
}

# The console a person would type on: the last of /dev/console's ttys.
cm_console_tty() {
	cm_tty=console
	while [ -f "/sys/class/tty/$cm_tty/active" ]; do
		read -r cm_tty <"/sys/class/tty/$cm_tty/active"
		cm_tty=${cm_tty##* }
	done
	[ -c "/dev/$cm_tty" ] && echo "/dev/$cm_tty" || echo /dev/console
}

# A move the command line asked for failed (the source is as it was):
# DESIGN.md's rescue shell.  Leaving it boots the source.  Under systemd
# dracut's own emergency unit owns the console; without systemd a shell on
# the console as dracut's emergency_shell opens one.  CM_RESCUE_SHELL
# (tests, initramfs-tools' panic shell) replaces both.  rd.shell=0 forbids it: the source boots at once.
cm_rescue() {
	if ! cm_shell_allowed; then
		cm_say "rd.shell=0: no rescue shell; booting the source"
		return 0
	fi
	cm_say "rescue shell: leave it (exit) to boot the source as it was"
	if [ -n "${CM_RESCUE_SHELL-}" ]; then
		$CM_RESCUE_SHELL
	elif [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 &&
	     systemctl cat dracut-emergency.service >/dev/null 2>&1; then
		cm_profile=
		[ -e /etc/profile ] || cm_profile=/etc/profile
		[ -n "$cm_profile" ] && echo 'PS1="cloudmove:${PWD}# "' >"$cm_profile"
		systemctl start dracut-emergency.service
		[ -n "$cm_profile" ] && rm -f "$cm_profile"
	else
		cm_ctty=$(cm_console_tty)
		# --ctty: the console becomes the shell's terminal (^C works);
		# --wait: a process-group leader's setsid forks, and the boot
		# must not go on under the shell
		cm_help=$(setsid --help 2>&1)
		cm_c=
		case $cm_help in *--ctty*) cm_c=--ctty ;; esac
		case $cm_help in *--wait*) cm_c="$cm_c --wait" ;; esac
		PS1='cloudmove:${PWD}# ' setsid $cm_c /bin/sh -i \
			0<>"$cm_ctty" 1<>"$cm_ctty" 2<>"$cm_ctty"
	fi
	cm_say "left the rescue shell: booting the source"
	return 0
}

cm_echo() {
	printf '%s\n' "$*"
	if [ -n "${CM_CONSOLE-}" ]; then
		printf '%s\n' "$*" >"$CM_CONSOLE" 2>/dev/null
	fi
}

cm_say() {
	cm_echo "cloudmove: $*"
}

cm_main() {
	cm_disabled && return 0
	mkdir -p "$CM_RUNDIR" 2>/dev/null
	if cm_moving; then
		rm -f "$CM_RUNDIR/after"
		CM_RUNDIR=$CM_RUNDIR "$CM_AGENT" boot ${CM_ROOT:+--root "$CM_ROOT"} </dev/null 2>&1 | while IFS= read -r cm_line; do
			cm_echo "$cm_line"
		done
		cm_after
		return 0
	fi
	cm_rc=0
	cm_bounded "$CM_AGENT" boot ${CM_ROOT:+--root "$CM_ROOT"} || cm_rc=$?
	cm_said=0
	while IFS= read -r cm_line; do
		cm_said=1
		case $cm_line in
		"cloudmove: detected "*"): "*)	# the verdict, not the decision
			printf '%s\n' "${cm_line#cloudmove: detected }" \
				>"$CM_RUNDIR/detect" 2>/dev/null ;;
		esac
		cm_echo "$cm_line"
	done <"$CM_RUNDIR/detect.out"
	if [ "$cm_rc" -ne 0 ] || [ "$cm_said" -eq 0 ]; then
		cm_say "detect failed (exit $cm_rc), continuing boot"
	fi
	return 0
}

cm_main
exit 0
