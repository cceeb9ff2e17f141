#!/bin/bash
# qemu-tests/instance.sh — the control-plane emulators' --instance-cmd
# (agent/tests/lib/ec2_server.py, gce_server.py, arm_server.py): the
# "instance" a RunInstances / instances.insert / VM create starts is this
# script booting the imported disk in QEMU, dressed as that cloud.
#
# From the emulator (the convention of doc/design.md's control plane):
#   CM_INSTANCE_ID CM_INSTANCE_CLOUD CM_INSTANCE_TYPE
#   CM_INSTANCE_DISK       the instance's raw disk (not written: an overlay)
#   CM_INSTANCE_BOOT_MODE  bios|uefi
#   CM_INSTANCE_CONSOLE    the file the serial output is appended to (what
#                          the cloud's console API serves)
# From the harness (qt_control_start, exported before the emulator starts):
#   QT_INSTANCE_SCENARIO   the scenario naming how the instance boots
#                          (SMBIOS, DISK, METADATA, NIC, ROOT, FLAVOUR,
#                          APPEND, TIMEOUT; its EXPECT/EXPECT_LINES are
#                          checked by the harness on the console file)
#   QT_OUT                 the run directory holding the initramfs images
#   QT_KERNEL_DIR ROOT_UUID CLOUDMOVE_CACHE AGENT
#
# Next to the disk it leaves instance.pid, serial.log (a link to the
# console file), disk.qcow2 (what the boot wrote), cmd (QEMU's command
# line), md.log, and when QEMU has ended instance.rc (its status; 124:
# killed at the scenario's TIMEOUT).  On TERM (the emulator's stop or
# delete kills this process group) QEMU and the metadata server are stopped.
# UEFI boot needs OVMF (issue 19): refused with one line on the console.
set -uo pipefail
# shellcheck source=qemu-tests/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${CM_INSTANCE_DISK:?}" "${CM_INSTANCE_CONSOLE:?}" "${QT_INSTANCE_SCENARIO:?}" "${QT_OUT:?}"
: "${QT_KERNEL_DIR:?}" "${ROOT_UUID:?}"
work=$(dirname "$CM_INSTANCE_DISK")
# the harness finds its instances by instance.pid (the process group the
# emulator made: this script leads it) and reads serial.log
echo "$$" >"$work/instance.pid"
touch "$CM_INSTANCE_CONSOLE"
ln -sfn "$(realpath "$CM_INSTANCE_CONSOLE")" "$work/serial.log"
say() { printf 'qemu-tests instance %s: %s\n' "${CM_INSTANCE_ID:-?}" "$*" >>"$CM_INSTANCE_CONSOLE"; }

if [ "${CM_INSTANCE_BOOT_MODE:-bios}" = uefi ]; then
	say "UEFI boot is not emulated yet (no OVMF: issue 19); the instance does not boot"
	echo 1 >"$work/instance.rc"
	exit 1
fi

qt_load "$QT_INSTANCE_SCENARIO"
# The source's boot exported its servers' ports: this boot has its own.
QT_MD_PORT='' QT_HTTP_PORT='' QT_DEST_PORT='' QT_CONTROL_PORT='' QT_SELF_CONTROL_PORT=''
qemu='' rc=0
# shellcheck disable=SC2317  # the EXIT trap (images/lib.sh) calls it
cm_on_exit() {
	# TERM: timeout(1) runs in a process group of its own (out of the
	# emulator's reach) and passes the TERM on to QEMU
	[ -n "$qemu" ] && kill -TERM "$qemu" 2>/dev/null && wait "$qemu" 2>/dev/null
	qt_metadata_stop
	qt_http_stop
	[ -f "$work/instance.rc" ] || echo 143 >"$work/instance.rc"
}

rm -f "$work/disk.qcow2" "$work/instance.rc"
qemu-img create -q -f qcow2 -b "$CM_INSTANCE_DISK" -F raw "$work/disk.qcow2" ||
	{ say "qemu-img create failed"; exit 1; }
qt_metadata_start "$work"
qt_http_start "$work"
qt_qemu_args "$QT_OUT" "$work/disk.qcow2"
QT_ARGS+=(-chardev "file,id=con,path=$CM_INSTANCE_CONSOLE,append=on" -serial chardev:con)
printf '%q ' "${QT_ARGS[@]}" >"$work/cmd"
timeout -k 5 "$SC_TIMEOUT" "${QT_ARGS[@]}" </dev/null >"$work/qemu.out" 2>&1 &
qemu=$!
wait "$qemu" || rc=$?
qemu=''
echo "$rc" >"$work/instance.rc"
exit "$rc"
