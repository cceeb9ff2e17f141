#!/bin/bash
# qemu-tests/demo.sh [SCENARIO] — the product's main job on one machine, no
# cloud account: by default mvk-aws-to-gcp, a Debian 12 root installed on
# AWS that boots (QEMU, EC2's DMI and metadata) with
#   cloudmove.target=gcp cloudmove.dest=gs://cloudmove-images/disk.tar.gz?endpoint=...
# moves itself to "GCP" (the test GCS server on loopback) before the pivot
# and powers off; the uploaded image then boots as a GCE VM.  Both consoles
# are shown live, then what happened: detected cloud, changes made to the
# image, bytes sent, time, the target's first boot.
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
qt_prepare "$out" "$name" ${then:+"$then"}
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
if [ "$ok" = 1 ] && [ -n "$then" ]; then
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
if [ -n "$then" ] && [ -f "$work/serial.2.log" ]; then
	qt_load "$then"
	echo "boot 2 ($then): the moved image, SMBIOS ${SC_SMBIOS[*]}"
	text 2 '^cloudmove: |^CLOUDMOVE-TEST: (10-record: stays|20-system: multi-user|40-net: http)'
fi
echo "logs: $work"
[ "$ok" = 1 ] && echo "=== PASS" || { echo "=== FAIL"; exit 1; }
