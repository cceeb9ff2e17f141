#!/bin/bash
# qemu-tests/demo.sh [SCENARIO] — the product's main job on one machine, no
# cloud account: by default mvk-aws-to-gcp, a Debian 12 root installed on
# AWS that boots (QEMU, EC2's DMI and metadata) with
#   cloudmove.target=gcp cloudmove.dest=gs://cloudmove-images/disk.tar.gz?endpoint=...
#   cloudmove.launch=/etc/cloudmove/launch-gcp.spec cloudmove.after=retire
# moves itself to "GCP" (the test GCS server and the GCE emulator on
# loopback) before the pivot, launches the image there (it boots as a GCE
# VM in a second QEMU), waits for its arrival, retires itself (the EC2
# emulator) and powers off.  The source's console is shown live, then the
# instance's, then what happened: detected cloud, changes made to the
# image, bytes sent, time, the target's first boot, the emulators' calls.
# Used by "make demo".  Env as for qemu-tests/run.sh (AGENT, ...).
set -euo pipefail
# shellcheck source=qemu-tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cm_need qemu-system-x86_64 qemu-img timeout

AGENT=${AGENT:-$CM_TOP/build/cloudmove}
name=${1:-mvk-aws-to-gcp}
qt_load "$name"
then=$SC_THEN

out=$CM_CACHE/qemu-tests/demo
mkdir -p "$out"
inst=$SC_INSTANCE
qt_prepare "$out" "$name" ${then:+"$then"} ${inst:+"$inst"}
work=$out/$name
rm -rf "$work"

# show BOOT — one boot, live, checked; returns qt_check's verdict
show() {
	local rc=0 why
	qt_boot "$out" "$work" live || rc=$?
	cp "$work/serial.log" "$work/serial.$1.log"
	if why=$(qt_check "$work"); then
		echo "=== boot $1: PASS"
	else
		[ "$rc" = 0 ] || why+=" (qemu/timeout exit $rc)"
		echo "=== boot $1: FAIL: $why (serial log: $work/serial.$1.log)"
		return 1
	fi
}

qt_load "$name"
cm_log "boot 1: scenario '$name' under QEMU (TCG, a few minutes); console follows"
ok=1
show 1 || ok=0
if [ "$ok" = 1 ] && [ -n "$SC_SOURCE_UNCHANGED" ]; then
	why=$(qt_source_unchanged "$work") && echo "=== the source disk: every file as before the move" ||
		{ echo "=== $why"; ok=0; }
fi
if [ "$ok" = 1 ] && [ -n "$SC_CONTROL$SC_SELF_CONTROL" ]; then
	why=$(qt_control_check "$work") && echo "=== the emulators' logs: as expected" ||
		{ echo "=== $why"; ok=0; }
fi
if [ "$ok" = 1 ] && [ -n "$inst" ]; then
	# INSTANCE=: the target's instance booted beside the source; its console
	n=0
	while read -r d; do
		n=$((n + 1))
		cm_log "the instance ${d##*/} the target's emulator booted (scenario '$inst'); its console:"
		qt_text "$d/serial.log"
		cp "$d/serial.log" "$work/serial.2.log"
		if why=$(qt_load "$inst" && qt_check "$d"); then
			echo "=== the instance: PASS"
		else
			echo "=== the instance: FAIL: $why (serial log: $d/serial.log)"
			ok=0
		fi
	done < <(qt_instances "$work")
	[ "$n" -gt 0 ] || { echo "=== no instance was launched"; ok=0; }
	then=$inst
fi
if [ "$ok" = 1 ] && [ -n "$SC_THEN" ]; then
	qt_load "$then"
	cm_log "boot 2: the moved image, scenario '$then'; console follows"
	QT_KEEP_DISK=1 show 2 || ok=0
fi

echo
echo "=============================================================================="
text() { qt_text "$work/serial.$1.log" | grep -E "$2" | sed 's/^/  /' || :; }
qt_load "$name"
echo "boot 1 ($name): SMBIOS ${SC_SMBIOS[*]:-(QEMU defaults)}"
echo " detected:";            text 1 '^cloudmove: detected '
echo " changes in the image:"; text 1 '^cloudmove: (migrate: the image is adapted|  )'
echo " the stream:";          text 1 '^cloudmove: (stream: done|migrate: done|migrate: (poweroff|reboot) now)'
echo " launch and retire:";   text 1 '^cloudmove: (launch|retire|migrate: retire)'
qt_move_times "$work" | sed 's/^/ /'
if [ -n "$then" ] && [ -f "$work/serial.2.log" ]; then
	qt_load "$then"
	echo "${inst:+the instance, }boot 2 ($then): the moved image, SMBIOS ${SC_SMBIOS[*]}"
	text 2 '^cloudmove: |^CLOUDMOVE-TEST: (10-record: stays|20-system: multi-user|40-net: http)'
fi
echo "logs: $work"
[ "$ok" = 1 ] && echo "=== PASS" || { echo "=== FAIL"; exit 1; }
