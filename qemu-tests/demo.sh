#!/bin/bash
# qemu-tests/demo.sh [SCENARIO] — boot one scenario (default: md-gcp: GCE's
# DMI and its metadata service) under QEMU with its serial console shown
# live, then print what the agent decided.
# Used by "make demo".  Env as for qemu-tests/run.sh (AGENT, QT_ROOT, ...).
set -euo pipefail
# shellcheck source=qemu-tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cm_need qemu-system-x86_64 qemu-img timeout

AGENT=${AGENT:-$CM_TOP/build/cloudmove}
name=${1:-md-gcp}
qt_load "$name"

out=$CM_CACHE/qemu-tests/demo
mkdir -p "$out"
qt_prepare "$out" "$name"
qt_load "$name"
cm_log "booting scenario '$name' under QEMU (TCG, about a minute); console follows"
rc=0
qt_boot "$out" "$out/$name" live || rc=$?
echo
echo "=== scenario $name: SMBIOS ${SC_SMBIOS[*]:-(QEMU defaults)}, disk $SC_DISK, $SC_FLAVOUR initramfs"
echo "=== verdict: $(qt_verdict "$out/$name")"
tr -d '\r' <"$out/$name/serial.log" | grep -E '^cloudmove: |^CLOUDMOVE-TEST: 10-record' | sed 's/^/=== /' || :
if why=$(qt_check "$out/$name"); then
	echo "=== PASS (serial log: $out/$name/serial.log)"
else
	[ "$rc" = 0 ] || why+=" (qemu/timeout exit $rc)"
	echo "=== FAIL: $why (serial log: $out/$name/serial.log)"
	exit 1
fi
