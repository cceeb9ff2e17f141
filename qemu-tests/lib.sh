# qemu-tests/lib.sh — sourced by qemu-tests/run.sh and qemu-tests/demo.sh.
# shellcheck shell=bash
#
# A scenario is qemu-tests/scenarios/NAME.conf, sourced by bash, setting:
#   SMBIOS=(-smbios ...)   QEMU -smbios arguments (empty: QEMU's defaults)
#   DISK=virtio-blk|virtio-scsi|nvme|ahci|ide      bus of the root disk
#   FLAVOUR=dracut|systemd|itools                  initramfs flavour (itools:
#                          initramfs-tools' mkinitramfs with our hook and
#                          local-bottom script; no panic=1 on its command
#                          line: initramfs-tools reads panic= as "no shell")
#   EXPECT=<cloud>|none|fail   "cloudmove: detected <cloud> (" expected;
#                              none: no cloudmove line at all; fail: the
#                              "cloudmove: detect failed (exit N)" line
#   APPEND="..."           extra kernel arguments (optional)
#   ROOT=fast|full         root boot path (optional, default $QT_ROOT):
#                          fast = init=/usr/local/sbin/cm-test-init,
#                          full = systemd up to multi-user.target
#   AGENT_STUB=NAME        use qemu-tests/agents/NAME instead of $AGENT
#   TIMEOUT=SECONDS        hard limit of the boot (optional, default 120)
#   SLOW=1                 left out of run.sh's default set (QT_SLOW=1 or
#                          naming it runs it)
#   METADATA=<cloud>       the test metadata server of that cloud behind
#                          169.254.169.254 (agent/tests/metadata/mdserver.py)
#   MD_FAULT=<mode>        ... answering with that fault (mdserver --fault)
#   NIC=<qemu device>      the NIC model (default virtio-net-pci)
#   NET=1                  a NIC even without METADATA (QEMU's user network)
#   EXPECT_LINES=(ERE...)  serial lines that must be there
#   ABSENT_LINES=(ERE...)  serial lines that must not be there
#   PENDING_LINES=(ERE...) lines expected once pending work lands: a missing
#                          one is reported as "skip: pending: ...", not a
#                          failure (move it to EXPECT_LINES when it lands)
#   THEN=<scenario>        boot the same disk again, as that scenario
#   DRESS=<cloud>          boot the root "as installed on" that cloud
#                          (images/dress.sh: aws gcp azure openstack kvm)
#                          instead of the plain root; with it, a test HTTP
#                          server answers at 169.254.0.8:8080 whenever the
#                          machine has a NIC (cloudmove-test.d/40-net)
#   CONSOLE_INPUT=(ERE TEXT ...)  typed on the serial console: each TEXT
#                          (printf %b escapes) once the log has a line
#                          matching its ERE, pair after pair
#   CONTROL=aws|gcp|azure  the target cloud's control-plane emulator
#                          (agent/tests/lib/ec2_server.py, gce_server.py,
#                          arm_server.py) on loopback, reached by the guest
#                          at 169.254.0.10:80; it accepts the dressed root's
#                          /etc/cloudmove/test-creds (images/dress.sh's
#                          CTL_*), reads what the move uploaded (DEST_SERVER=
#                          gcs: its objects; azurite: its blobs; aws: the
#                          ebs:// sink writes into it) and starts each
#                          instance it launches with qemu-tests/instance.sh
#   INSTANCE=<scenario>    how CONTROL's instances boot (SMBIOS, DISK,
#                          METADATA, ROOT, FLAVOUR, APPEND, TIMEOUT; its own
#                          DISK_FROM=instance); after the source's boot the
#                          harness waits (up to its TIMEOUT) for the
#                          instance's QEMU to end and checks its console
#                          against its EXPECT/EXPECT_LINES/ABSENT_LINES, as
#                          THEN does with a second boot.  Empty: instances
#                          start but never boot (a console without arrival)
#   SELF_CONTROL=aws|gcp|azure  the source's own cloud's emulator, at
#                          169.254.0.11:80, knowing the source machine (the
#                          metadata fixture's instance) and accepting the
#                          identity the test metadata server hands out (aws
#                          role keys, GCE service-account token, Azure managed
#                          identity): what a retire talks to
#   CONTROL_LINES=(ERE...) SELF_CONTROL_LINES=(ERE...)
#                          lines that must be in the emulators' --log files
#                          (one JSON object per API call), e.g.
#                          '"op": "StopInstances".*"instance": "i-1234567890abcdef0".*"status": 200';
#                          and with both emulators, the source's own cloud
#                          must have been asked nothing before the target's
#                          last answer (the arrival seen, then the retire)
#   CONTROL_ABSENT=(ERE...) SELF_CONTROL_ABSENT=(ERE...)  lines that must not
#   CONTROL_FAULT="--flag ..."  fault switches for CONTROL's emulator
#   BOOT2=fast|full        boot the same disk a second time, same dressing,
#                          that root path; for it:
#   APPEND2="..."          its extra kernel arguments (default: APPEND)
#   EXPECT_LINES2=(...) ABSENT_LINES2=(...) PENDING_LINES2=(...)
#                          as above, for the second boot
#   FIRMWARE=bios|uefi     bios (default): QEMU loads the kernel and the
#                          initramfs itself (-kernel, SeaBIOS); uefi: OVMF
#                          (code read-only, a fresh copy of its variable
#                          store each boot: no boot entries) starts the
#                          disk's own loader from its EFI system partition
#                          (EFI/BOOT/BOOTX64.EFI, GRUB), which loads the
#                          root's /boot/vmlinuz; the boot's initramfs and
#                          command line are written into the ESP's cmboot/
#                          placeholders of the boot's overlay (qemu-io)
#   LAYOUT=bios|uefi|uefi-nr  the disk (default: FIRMWARE's): images/root.sh's
#                          or images/root-uefi.sh's GPT + ESP disk, uefi-nr
#                          without the removable loader EFI/BOOT/BOOTX64.EFI
#                          (booted with FIRMWARE=bios: its own machine's boot
#                          entry, which OVMF's fresh store lacks, stands for)
# Every boot must print "CLOUDMOVE-TEST: root reached" on the serial port.

# shellcheck source=images/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../images/lib.sh"

QT_DIR=$CM_TOP/qemu-tests
QT_ROOT=${QT_ROOT:-fast}
QT_TIMEOUT=${QT_TIMEOUT:-120}

# qt_load NAME — source a scenario into the SC_* variables.
qt_load() {
	local f=$QT_DIR/scenarios/$1.conf
	[ -f "$f" ] || cm_die "no scenario '$1' ($f)"
	local SMBIOS=() DISK=virtio-blk FLAVOUR=dracut EXPECT='' APPEND='' ROOT=$QT_ROOT
	local AGENT_STUB='' TIMEOUT=$QT_TIMEOUT SLOW=''
	local METADATA='' NIC=virtio-net-pci EXPECT_LINES=() THEN=''
	local DRESS='' NET='' MD_FAULT='' PENDING_LINES=() BOOT2='' APPEND2=$'\001' MOVED=''
	local EXTRA_DISK='' DISK_FROM='' NO_ROOT='' SOURCE_UNCHANGED='' KILL_AT='' DEST_SERVER=''
	local EXPECT_LINES2=() PENDING_LINES2=() ABSENT_LINES=() ABSENT_LINES2=() CONSOLE_INPUT=()
	local FIRMWARE=bios LAYOUT=''
	local CONTROL='' INSTANCE='' SELF_CONTROL='' CONTROL_LINES=() SELF_CONTROL_LINES=()
	local CONTROL_ABSENT=() SELF_CONTROL_ABSENT=() CONTROL_FAULT=''
	# shellcheck disable=SC1090
	. "$f"
	case $DISK in virtio-blk | virtio-scsi | nvme | ahci | ide) ;; *) cm_die "$1: bad DISK=$DISK" ;; esac
	case $FLAVOUR in dracut | systemd | itools) ;; *) cm_die "$1: bad FLAVOUR=$FLAVOUR" ;; esac
	case $ROOT in fast | full) ;; *) cm_die "$1: bad ROOT=$ROOT" ;; esac
	[ -n "$EXPECT" ] || cm_die "$1: EXPECT not set"
	case $DRESS in '' | aws | gcp | azure | openstack | kvm) ;; *) cm_die "$1: bad DRESS=$DRESS" ;; esac
	case $BOOT2 in '' | fast | full) ;; *) cm_die "$1: bad BOOT2=$BOOT2" ;; esac
	case $MOVED in '' | *:*) ;; *) cm_die "$1: bad MOVED=$MOVED (FROM:TO)" ;; esac
	case $DISK_FROM in '' | extra | upload | instance) ;; *) cm_die "$1: bad DISK_FROM=$DISK_FROM" ;; esac
	case $CONTROL in '' | aws | gcp | azure) ;; *) cm_die "$1: bad CONTROL=$CONTROL" ;; esac
	case $SELF_CONTROL in '' | aws | gcp | azure) ;; *) cm_die "$1: bad SELF_CONTROL=$SELF_CONTROL" ;; esac
	if [ -n "$INSTANCE" ]; then
		[ -n "$CONTROL" ] || cm_die "$1: INSTANCE= without CONTROL="
		[ -f "$QT_DIR/scenarios/$INSTANCE.conf" ] || cm_die "$1: INSTANCE=$INSTANCE: no such scenario"
	fi
	case $DEST_SERVER in '' | gcs | s3 | azurite) ;; *) cm_die "$1: bad DEST_SERVER=$DEST_SERVER" ;; esac
	case $FIRMWARE in bios | uefi) ;; *) cm_die "$1: bad FIRMWARE=$FIRMWARE" ;; esac
	[ -n "$LAYOUT" ] || LAYOUT=$FIRMWARE
	case $LAYOUT in bios | uefi | uefi-nr) ;; *) cm_die "$1: bad LAYOUT=$LAYOUT" ;; esac
	[ "$FIRMWARE" = uefi ] && [ "$LAYOUT" = bios ] && cm_die "$1: FIRMWARE=uefi needs a uefi LAYOUT"
	[ "$APPEND2" = $'\001' ] && APPEND2=$APPEND
	if [ -n "$AGENT_STUB" ]; then
		[ -x "$QT_DIR/agents/$AGENT_STUB" ] || cm_die "$1: no agent stub $AGENT_STUB"
	fi
	SC_SMBIOS=("${SMBIOS[@]}") SC_DISK=$DISK SC_FLAVOUR=$FLAVOUR
	SC_EXPECT=$EXPECT SC_APPEND=$APPEND SC_ROOT=$ROOT SC_AGENT_STUB=$AGENT_STUB
	SC_TIMEOUT=$TIMEOUT SC_SLOW=$SLOW
	SC_METADATA=$METADATA SC_NIC=$NIC SC_EXPECT_LINES=("${EXPECT_LINES[@]}")
	SC_THEN=$THEN
	SC_EXTRA_DISK=$EXTRA_DISK SC_DISK_FROM=$DISK_FROM SC_NO_ROOT=$NO_ROOT
	SC_SOURCE_UNCHANGED=$SOURCE_UNCHANGED SC_KILL_AT=$KILL_AT SC_DEST_SERVER=$DEST_SERVER
	SC_CONSOLE_INPUT=("${CONSOLE_INPUT[@]}")
	SC_DRESS=$DRESS SC_NET=$NET SC_MOVED=$MOVED SC_MD_FAULT=$MD_FAULT SC_PENDING=("${PENDING_LINES[@]}")
	SC_BOOT2=$BOOT2 SC_APPEND2=$APPEND2 SC_EXPECT_LINES2=("${EXPECT_LINES2[@]}")
	SC_PENDING2=("${PENDING_LINES2[@]}")
	SC_ABSENT=("${ABSENT_LINES[@]}") SC_ABSENT2=("${ABSENT_LINES2[@]}")
	SC_FIRMWARE=$FIRMWARE SC_LAYOUT=$LAYOUT
	SC_CONTROL=$CONTROL SC_INSTANCE=$INSTANCE SC_SELF_CONTROL=$SELF_CONTROL
	SC_CONTROL_LINES=("${CONTROL_LINES[@]}") SC_SELF_CONTROL_LINES=("${SELF_CONTROL_LINES[@]}")
	SC_CONTROL_ABSENT=("${CONTROL_ABSENT[@]}") SC_SELF_CONTROL_ABSENT=("${SELF_CONTROL_ABSENT[@]}")
	SC_CONTROL_FAULT=$CONTROL_FAULT
	if [ -n "$THEN" ]; then
		[ -f "$QT_DIR/scenarios/$THEN.conf" ] || cm_die "$1: THEN=$THEN: no such scenario"
	fi
}

# qt_second_boot — turn the loaded scenario into its second boot (BOOT2).
qt_second_boot() {
	SC_ROOT=$SC_BOOT2 SC_APPEND=$SC_APPEND2 SC_BOOT2=''
	SC_NO_ROOT='' SC_KILL_AT='' SC_EXTRA_DISK='' SC_SOURCE_UNCHANGED='' SC_DEST_SERVER=''
	SC_CONTROL='' SC_INSTANCE='' SC_SELF_CONTROL=''
	SC_CONSOLE_INPUT=()
	SC_EXPECT_LINES=("${SC_EXPECT_LINES2[@]}") SC_PENDING=("${SC_PENDING2[@]}")
	SC_ABSENT=("${SC_ABSENT2[@]}")
}

# qt_metadata_start WORK — when the scenario has METADATA=<cloud>, start the
# test metadata server for that cloud on a free loopback port; sets QT_MD_PORT
# and QT_MD_PID.
qt_metadata_start() {
	local work=$1 i
	QT_MD_PORT='' QT_MD_PID=''
	[ -n "$SC_METADATA" ] || return 0
	rm -f "$work/md.port"
	local identity=()
	# SELF_CONTROL=: the machine's identity, as the emulator accepts it
	case $SC_SELF_CONTROL in
	aws) identity=(--aws-role-creds "$QT_SELF_AWS_ROLE") ;;
	gcp) identity=(--gcp-token "$QT_SELF_GCP_TOKEN") ;;
	azure) identity=(--azure-mi-token "$QT_SELF_AZ_TOKEN") ;;
	esac
	python3 "$CM_TOP/agent/tests/metadata/mdserver.py" --cloud "$SC_METADATA" "${identity[@]}" \
		${SC_MD_FAULT:+--fault "$SC_MD_FAULT"} --port 0 --port-file "$work/md.port" --log "$work/md.log" \
		2>"$work/md.err" &
	QT_MD_PID=$!
	for i in $(seq 100); do
		[ -s "$work/md.port" ] && break
		sleep 0.1
	done
	QT_MD_PORT=$(cat "$work/md.port" 2>/dev/null) || cm_die "metadata server did not start"
}

qt_metadata_stop() {
	[ -n "${QT_MD_PID-}" ] && kill "$QT_MD_PID" 2>/dev/null
	QT_MD_PID=''
}

# qt_http_start WORK — for a dressed root with a NIC: a plain HTTP server on
# loopback answering GET /marker with "cloudmove-marker", for the root to
# prove its network works (QEMU forwards 169.254.0.8:8080 to it); sets
# QT_HTTP_PORT and QT_HTTP_PID.
qt_http_start() {
	local work=$1 i
	QT_HTTP_PORT='' QT_HTTP_PID=''
	[ -n "$SC_DRESS$SC_MOVED$SC_DISK_FROM" ] && { [ -n "$SC_METADATA" ] || [ -n "$SC_NET" ]; } || return 0
	rm -f "$work/http.port"
	python3 - "$work/http.port" >"$work/http.log" 2>&1 <<-'EOF' &
		import http.server, os, sys
		class H(http.server.BaseHTTPRequestHandler):
		    def do_GET(self):
		        body = b"cloudmove-marker\n" if self.path == "/marker" else b"no\n"
		        self.send_response(200 if self.path == "/marker" else 404)
		        self.send_header("Content-Length", str(len(body)))
		        self.end_headers()
		        self.wfile.write(body)
		s = http.server.HTTPServer(("127.0.0.1", 0), H)
		with open(sys.argv[1] + ".tmp", "w") as f:
		    f.write(str(s.server_address[1]))
		os.rename(sys.argv[1] + ".tmp", sys.argv[1])
		s.serve_forever()
	EOF
	QT_HTTP_PID=$!
	for i in $(seq 100); do
		[ -s "$work/http.port" ] && break
		sleep 0.1
	done
	QT_HTTP_PORT=$(cat "$work/http.port" 2>/dev/null) || cm_die "test HTTP server did not start"
}

# qt_npm PKG VERSION BIN — the npm package's binary (agent/tests/lib/npm.sh:
# the same install the stream suites use).
qt_npm() {
	# shellcheck source=agent/tests/lib/npm.sh
	. "$CM_TOP/agent/tests/lib/npm.sh"
	CLOUDMOVE_CACHE=$CM_CACHE npm_bin "$@" || cm_die "npm install $1@$2 failed"
}

# qt_dest_start WORK — DEST_SERVER=gcs|s3|azurite: the storage a move
# streams to, on loopback, reached by the guest at 169.254.0.9:80:
#   gcs      agent/tests/lib/gcs_server.py, bucket cloudmove-images
#   s3       s3rver 3.7.1 (npm), bucket cloudmove-images
#   azurite  azurite 3.37.0 (npm), account devstoreaccount1, container images
# with the credentials of the dressed roots' /etc/cloudmove/test-creds.
# Sets QT_DEST_PORT, QT_DEST_PID.
qt_dest_start() {
	local work=$1 i bin
	QT_DEST_PORT='' QT_DEST_PID=''
	[ -n "$SC_DEST_SERVER" ] || return 0
	rm -rf "$work/dest" "$work/dest.port" "$work/uploaded"
	mkdir -p "$work/dest"
	case $SC_DEST_SERVER in
	gcs)
		python3 "$CM_TOP/agent/tests/lib/gcs_server.py" --data "$work/dest" \
			--token cloudmove-test-token --bucket cloudmove-images --port 0 \
			--port-file "$work/dest.port" >"$work/dest.log" 2>&1 &
		QT_DEST_PID=$! ;;
	s3)
		bin=$(qt_npm s3rver 3.7.1 s3rver)
		"$bin" -d "$work/dest" -a 127.0.0.1 -p 0 -s --configure-bucket cloudmove-images \
			>"$work/dest.log" 2>&1 &
		QT_DEST_PID=$! ;;
	azurite)
		bin=$(qt_npm azurite 3.37.0 azurite-blob)
		python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' \
			>"$work/dest.port"
		"$bin" --blobHost 127.0.0.1 --blobPort "$(cat "$work/dest.port")" --location "$work/dest" \
			--disableTelemetry --silent >"$work/dest.log" 2>&1 &
		QT_DEST_PID=$! ;;
	esac
	for i in $(seq 300); do
		if [ "$SC_DEST_SERVER" = s3 ]; then
			sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$work/dest.log" >"$work/dest.port"
		fi
		if [ -s "$work/dest.port" ] &&
		   (exec 3<>"/dev/tcp/127.0.0.1/$(cat "$work/dest.port")") 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	QT_DEST_PORT=$(cat "$work/dest.port" 2>/dev/null)
	[ -n "$QT_DEST_PORT" ] || cm_die "$SC_DEST_SERVER did not start: $(tail -3 "$work/dest.log")"
	[ "$SC_DEST_SERVER" = azurite ] &&
		python3 "$CM_TOP/agent/tests/lib/azblob.py" mkcontainer \
			"http://127.0.0.1:$QT_DEST_PORT/devstoreaccount1/images"
	return 0
}

# qt_dest_stop WORK — keeps what the move uploaded as WORK/uploaded (for
# DISK_FROM=upload), then stops the server.
qt_dest_stop() {
	local work=$1 obj
	[ -n "${QT_DEST_PID-}" ] || return 0
	case $SC_DEST_SERVER in
	gcs)	obj=$(find "$work/dest/objects" -type f 2>/dev/null | head -n 1)
		[ -n "$obj" ] && mv "$obj" "$work/uploaded" ;;
	s3)	curl -sf -o "$work/uploaded" "http://127.0.0.1:$QT_DEST_PORT/cloudmove-images/disk.raw" ||
			rm -f "$work/uploaded" ;;
	azurite) python3 "$CM_TOP/agent/tests/lib/azblob.py" getpages \
			"http://127.0.0.1:$QT_DEST_PORT/devstoreaccount1/images/disk.vhd" "$work/uploaded" \
			>/dev/null 2>&1 || rm -f "$work/uploaded" ;;
	esac
	kill "$QT_DEST_PID" 2>/dev/null
	wait "$QT_DEST_PID" 2>/dev/null
	QT_DEST_PID=''
	rm -rf "$work/dest"
}

# The source machines the SELF_CONTROL= emulators know: the test metadata
# server's fixtures (agent/tests/metadata/fixtures/CLOUD), and the identity
# it hands out (test values).
QT_SELF_AWS_ID='i-1234567890abcdef0'
QT_SELF_AWS_ROLE='ASIAQEMUTESTROLE0001:qemu-role-secret:IQoJb3JpZ2luX2VjEXAMPLE//qemu+role/token='
QT_SELF_GCP=example-project/us-central1-a/instance-1
QT_SELF_GCP_SA=123456789012-compute@developer.gserviceaccount.com
QT_SELF_GCP_TOKEN=ya29.qemu-test-metadata-token
QT_SELF_AZ=xxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxx/macikgo-test-may-23/examplevmname
QT_SELF_AZ_TOKEN=eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.qemu-test-managed-identity.sig

# qt_emulator NAME CLOUD WORK ARGS... — start CLOUD's control-plane
# emulator as WORK/NAME.{port,log,err}, state in WORK/NAME/; sets
# QT_EMU_PORT and QT_EMU_PID.
qt_emulator() {
	local name=$1 cloud=$2 work=$3 i script
	shift 3
	case $cloud in
	aws) script=ec2_server.py ;;
	gcp) script=gce_server.py ;;
	azure) script=arm_server.py ;;
	esac
	rm -rf "${work:?}/$name" "$work/$name.port" "$work/$name.log"
	mkdir -p "$work/$name"
	python3 "$CM_TOP/agent/tests/lib/$script" --state "$work/$name" --port 0 \
		--port-file "$work/$name.port" --log "$work/$name.log" "$@" 2>"$work/$name.err" &
	QT_EMU_PID=$!
	for i in $(seq 100); do
		[ -s "$work/$name.port" ] && break
		kill -0 "$QT_EMU_PID" 2>/dev/null || break
		sleep 0.1
	done
	QT_EMU_PORT=$(cat "$work/$name.port" 2>/dev/null) ||
		cm_die "$script ($name) did not start: $(tail -3 "$work/$name.err")"
}

# qt_control_start OUT WORK — CONTROL= and SELF_CONTROL=: the emulators of
# the target cloud (WORK/control*, guest 169.254.0.10) and of the source's
# own (WORK/self-control*, guest 169.254.0.11).  After qt_dest_start (the
# target reads the upload from the storage server).  Sets QT_CONTROL_PORT,
# QT_SELF_CONTROL_PORT.
qt_control_start() {
	local out=$1 work=$2 args=() env ext
	QT_CONTROL_PORT='' QT_CONTROL_PID='' QT_SELF_CONTROL_PORT='' QT_SELF_CONTROL_PID=''
	if [ -n "$SC_CONTROL" ]; then
		[ -n "$SC_DRESS" ] || cm_die "CONTROL= needs DRESS= (the creds the emulator accepts)"
		env=${QT_DRESS_DIR[$SC_DRESS/$SC_LAYOUT]}/dress.env
		# shellcheck disable=SC1090
		ext=$(grep '^CTL_' "$env") && eval "$ext"
		[ -n "${CTL_AWS_AKID-}" ] || cm_die "$env: no CTL_* (images/dress.sh too old)"
		case $SC_CONTROL in
		aws) args=(--key "$CTL_AWS_AKID:$CTL_AWS_SECRET") ;;
		gcp) args=(--project "$CTL_GCP_PROJECT"
			--service-account "${env%/*}/$CTL_GCP_KEYFILE"
			--token "$CTL_GCP_TOKEN=$CTL_GCP_SA")
			[ "$SC_DEST_SERVER" = gcs ] && args+=(--gcs-data "$work/dest") ;;
		azure) args=(--tenant "$CTL_AZ_TENANT" --client-id "$CTL_AZ_CLIENT"
			--client-secret "$CTL_AZ_SECRET" --subscription "$CTL_AZ_SUB"
			--resource-group "$CTL_AZ_RG")
			[ "$SC_DEST_SERVER" = azurite ] && args+=(--blob-endpoint "http://127.0.0.1:$QT_DEST_PORT") ;;
		esac
		if [ -n "$SC_INSTANCE" ]; then
			# what qemu-tests/instance.sh needs, inherited through the emulator
			args+=(--instance-cmd "$QT_DIR/instance.sh")
			export QT_INSTANCE_SCENARIO=$SC_INSTANCE QT_OUT=$out QT_KERNEL_DIR ROOT_UUID
			export CLOUDMOVE_CACHE=$CM_CACHE
		fi
		# shellcheck disable=SC2206
		args+=($SC_CONTROL_FAULT)
		qt_emulator control "$SC_CONTROL" "$work" "${args[@]}"
		QT_CONTROL_PORT=$QT_EMU_PORT QT_CONTROL_PID=$QT_EMU_PID
		echo "$QT_EMU_PID" >"$work/control.pid"
	fi
	if [ -n "$SC_SELF_CONTROL" ]; then
		case $SC_SELF_CONTROL in
		aws) args=(--key "$QT_SELF_AWS_ROLE" --instance "$QT_SELF_AWS_ID:m5.large") ;;
		gcp) args=(--project "${QT_SELF_GCP%%/*}" --instance "${QT_SELF_GCP#*/}"
			--token "$QT_SELF_GCP_TOKEN=$QT_SELF_GCP_SA") ;;
		azure) args=(--subscription "${QT_SELF_AZ%%/*}" --existing-vm "$QT_SELF_AZ"
			--mi-token "$QT_SELF_AZ_TOKEN=$QT_SELF_AZ") ;;
		esac
		qt_emulator self-control "$SC_SELF_CONTROL" "$work" "${args[@]}"
		QT_SELF_CONTROL_PORT=$QT_EMU_PORT QT_SELF_CONTROL_PID=$QT_EMU_PID
		echo "$QT_EMU_PID" >"$work/self-control.pid"
	fi
	return 0
}

# qt_instances WORK — the directories of the instances CONTROL's emulator
# started (where qemu-tests/instance.sh left its cmd).
qt_instances() {
	local d
	for d in "$1"/control/instances/*/; do
		[ -f "$d/instance.pid" ] && printf '%s
' "${d%/}"
	done
	return 0
}

# qt_control_stop WORK — after the source's boot: wait (up to the INSTANCE
# scenario's TIMEOUT) for the instances' QEMU to end, stop what is left of
# them (their process groups), then the emulators.
qt_control_stop() {
	local work=$1 limit=0 d pending
	[ -n "${QT_CONTROL_PID-}${QT_SELF_CONTROL_PID-}" ] || return 0
	if [ -n "$SC_INSTANCE" ]; then
		limit=$(qt_load "$SC_INSTANCE" && echo "$SC_TIMEOUT")
	fi
	local end=$((SECONDS + limit + 10))
	while [ "$SECONDS" -lt "$end" ]; do
		pending=0
		while read -r d; do
			[ -f "$d/instance.rc" ] || pending=1
		done < <(qt_instances "$work")
		[ "$pending" = 0 ] && break
		sleep 1
	done
	while read -r d; do
		[ -f "$d/instance.rc" ] && continue
		echo "instance ${d##*/}: still running after ${limit}s: stopped" >>"$work/times"
		kill -TERM -- "-$(cat "$d/instance.pid")" 2>/dev/null || :
	done < <(qt_instances "$work")
	for d in "${QT_CONTROL_PID-}" "${QT_SELF_CONTROL_PID-}"; do
		[ -n "$d" ] || continue
		kill "$d" 2>/dev/null || :
		wait "$d" 2>/dev/null || :
	done
	rm -f "$work/control.pid" "$work/self-control.pid"
	QT_CONTROL_PID='' QT_SELF_CONTROL_PID=''
}

# qt_control_check WORK — CONTROL_LINES, SELF_CONTROL_LINES (and _ABSENT)
# in the emulators' logs, and the order: nothing asked of the source's
# cloud before the target's last answer.  Prints why on failure.
qt_control_check() {
	local work=$1 re
	for re in "${SC_CONTROL_LINES[@]}"; do
		grep -qE "$re" "$work/control.log" 2>/dev/null && continue
		echo "no call matching '$re' in the target's emulator log: $(qt_ops "$work/control.log")"
		return 1
	done
	for re in "${SC_SELF_CONTROL_LINES[@]}"; do
		grep -qE "$re" "$work/self-control.log" 2>/dev/null && continue
		echo "no call matching '$re' in the source cloud's emulator log: $(qt_ops "$work/self-control.log")"
		return 1
	done
	for re in "${SC_CONTROL_ABSENT[@]}"; do
		grep -qE "$re" "$work/control.log" 2>/dev/null || continue
		echo "unexpected call in the target's emulator log: $(grep -m1 -E "$re" "$work/control.log")"
		return 1
	done
	for re in "${SC_SELF_CONTROL_ABSENT[@]}"; do
		grep -qE "$re" "$work/self-control.log" 2>/dev/null || continue
		echo "unexpected call in the source cloud's emulator log: $(grep -m1 -E "$re" "$work/self-control.log")"
		return 1
	done
	if [ -s "$work/control.log" ] && [ -s "$work/self-control.log" ]; then
		python3 - "$work/control.log" "$work/self-control.log" <<-'EOF' || return 1
			import json, sys
			target = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
			source = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
			last = max(c["t"] for c in target)
			early = [c for c in source if c["t"] <= last]
			if early:
			    print("the source's cloud was asked %s before the target's last answer (%s)"
			          % (early[0]["op"], target[-1]["op"]))
			    sys.exit(1)
		EOF
	fi
	return 0
}

# qt_ops LOG — the ops of an emulator log, in one line.
qt_ops() {
	python3 -c 'import json, sys
print(" ".join("%s:%s" % (c.get("op"), c.get("status")) for c in map(json.loads, filter(str.strip, open(sys.argv[1])))))' \
		"$1" 2>/dev/null || echo "(no log)"
}

# qt_move_times WORK — the move's steps from the emulators' logs (seconds
# after the target was first asked): credentials, the type, the import, the
# launch, the last console read (the arrival seen), the retire.
qt_move_times() {
	local work=$1
	[ -s "$work/control.log" ] || return 0
	python3 - "$work/control.log" "$work/self-control.log" <<-'EOF'
		import json, sys
		def load(p):
		    try:
		        return [json.loads(l) for l in open(p) if l.strip()]
		    except OSError:
		        return []
		t, s = load(sys.argv[1]), load(sys.argv[2])
		t0 = t[0]["t"]
		steps = []
		def first(calls, words, name):
		    for c in calls:
		        if any(w in c["op"].lower() for w in words):
		            steps.append("%s +%.1fs" % (name, c["t"] - t0))
		            return
		first(t, ("describeinstancetypes", "machinetypes", "listskus"), "type")
		first(t, ("startsnapshot",), "ebs stream")
		first(t, ("registerimage", "importsnapshot", "images.insert", "createdisk"), "import")
		first(t, ("runinstances", "instances.insert", "createvm"), "launch")
		console = [c for c in t if any(w in c["op"].lower() for w in
		                                ("consoleoutput", "serialport", "bootdiagnostics"))]
		if console:
		    steps.append("arrival seen +%.1fs (%d console reads)" % (console[-1]["t"] - t0, len(console)))
		if s:
		    steps.append("retire %s +%.1fs" % (s[-1]["op"], s[-1]["t"] - t0))
		print("move (from the emulators' logs): " + ", ".join(["%s +0.0s" % t[0]["op"]] + steps))
	EOF
}

qt_http_stop() {
	[ -n "${QT_HTTP_PID-}" ] && kill "$QT_HTTP_PID" 2>/dev/null
	QT_HTTP_PID=''
}

# qt_agent_of — path of the agent the loaded scenario runs.
qt_agent_of() {
	if [ -n "$SC_AGENT_STUB" ]; then
		printf '%s\n' "$QT_DIR/agents/$SC_AGENT_STUB"
	else
		printf '%s\n' "$AGENT"
	fi
}

# qt_prepare OUTDIR SCENARIO... — build (cached) the kernel, the root disk and
# every initramfs the scenarios need; set QT_KERNEL_DIR, QT_ROOT_DIR,
# ROOT_UUID; initramfs images land in OUTDIR/initramfs-<agent>-<flavour>.img.
qt_prepare() {
	local out=$1 name img pids=() n=0 i failed=0 args
	local -A want_agent=() want_flavour=()
	shift
	[ -n "${AGENT-}" ] || cm_die "AGENT not set"
	QT_KERNEL_DIR=${CLOUDMOVE_KERNEL_DIR:-$("$CM_TOP/images/kernel.sh")}
	export CLOUDMOVE_KERNEL_DIR=$QT_KERNEL_DIR
	QT_ROOT_DIR=$("$CM_TOP/images/root.sh")
	# shellcheck disable=SC1091
	. "$QT_ROOT_DIR/root.env"
	declare -gA QT_DRESS_DIR=() QT_MOVED_DIR=() QT_LAYOUT_DIR=([bios]=$QT_ROOT_DIR)
	for name in "$@"; do
		qt_load "$name"
		if [ -z "${QT_LAYOUT_DIR[$SC_LAYOUT]-}" ]; then
			QT_LAYOUT_DIR[$SC_LAYOUT]=$("$CM_TOP/images/root-uefi.sh" \
				$([ "$SC_LAYOUT" = uefi-nr ] && echo --no-removable)) ||
				cm_die "images/root-uefi.sh failed"
		fi
		# MOVED=FROM:TO: the disk is the image `cloudmove migrate` made of
		# the root dressed as FROM, for TO (images/moved.sh)
		if [ -n "$SC_MOVED" ] && [ -z "${QT_MOVED_DIR[$SC_MOVED]-}" ]; then
			QT_MOVED_DIR[$SC_MOVED]=$(AGENT=$AGENT "$CM_TOP/images/moved.sh" \
				"${SC_MOVED%%:*}" "${SC_MOVED#*:}") ||
				cm_die "images/moved.sh $SC_MOVED failed"
		fi
		if [ -n "$SC_DRESS" ] && [ -z "${QT_DRESS_DIR[$SC_DRESS/$SC_LAYOUT]-}" ]; then
			QT_DRESS_DIR[$SC_DRESS/$SC_LAYOUT]=$("$CM_TOP/images/dress.sh" "$SC_DRESS" "$SC_LAYOUT") ||
				cm_die "images/dress.sh $SC_DRESS $SC_LAYOUT failed"
		fi
		img=$(qt_initrd_path "$out")
		want_agent[$img]=$(qt_agent_of)
		want_flavour[$img]=$SC_FLAVOUR
		[ -x "${want_agent[$img]}" ] ||
			cm_die "agent '${want_agent[$img]}' not found: build it (make) or set AGENT=..."
	done
	# dracut is mostly one bash process: build two at a time.
	for img in "${!want_agent[@]}"; do
		args=("${want_agent[$img]}" "$img")
		case ${want_flavour[$img]} in
		systemd) args+=(--systemd) ;;
		itools) args+=(--itools) ;;
		esac
		"$CM_TOP/images/initramfs.sh" "${args[@]}" >/dev/null &
		pids+=($!)
		n=$((n + 1))
		if [ "$n" -ge 2 ]; then
			wait "${pids[0]}" || failed=1
			pids=("${pids[@]:1}")
			n=$((n - 1))
		fi
	done
	for i in "${pids[@]}"; do wait "$i" || failed=1; done
	[ "$failed" = 0 ] || cm_die "initramfs build failed"
}

# qt_initrd_path OUTDIR — initramfs image of the loaded scenario.
qt_initrd_path() {
	local tag=agent
	[ -n "$SC_AGENT_STUB" ] && tag=$SC_AGENT_STUB
	printf '%s\n' "$1/initramfs-$tag-$SC_FLAVOUR.img"
}

# qt_append — the kernel command line of the loaded scenario.
qt_append() {
	local append="root=UUID=$ROOT_UUID console=ttyS0 panic=1 rd.shell=0 rd.emergency=poweroff"
	# initramfs-tools takes panic= for itself: no shell, ever (its panic
	# shell is the failed move's rescue shell); a kernel panic then waits
	# for the scenario's TIMEOUT instead of ending the boot at once
	[ "$SC_FLAVOUR" = itools ] && append=${append/ panic=1/}
	[ "$SC_ROOT" = fast ] && append+=" init=/usr/local/sbin/cm-test-init"
	[ -n "$SC_APPEND" ] && append+=" $SC_APPEND"
	printf '%s\n' "$append"
}

# qt_uefi_cmboot OUTDIR WORKDIR — FIRMWARE=uefi: write the boot's initramfs
# and GRUB commands into the ESP's cmboot/ placeholders of WORKDIR/disk.qcow2
# (images/root-uefi.sh: fixed byte offsets; a moved disk is the same disk
# block for block), then a fresh copy of OVMF's variable store.
qt_uefi_cmboot() {
	local out=$1 work=$2 env=${QT_LAYOUT_DIR[$SC_LAYOUT]}/root.env initrd
	local CMBOOT_INITRD_OFFSET CMBOOT_INITRD_SIZE CMBOOT_CFG_OFFSET CMBOOT_CFG_SIZE KVER
	eval "$(grep -E '^(CMBOOT_[A-Z_]+|KVER)=' "$env")"
	initrd=$(qt_initrd_path "$out")
	[ "$(stat -c %s "$initrd")" -le "$CMBOOT_INITRD_SIZE" ] ||
		cm_die "initramfs larger than the ESP's placeholder ($CMBOOT_INITRD_SIZE bytes)"
	cp "$initrd" "$work/cmboot.initrd"
	truncate -s "$CMBOOT_INITRD_SIZE" "$work/cmboot.initrd"	# zeros: the kernel skips them
	{
		printf 'linux ($root)/boot/vmlinuz-%s %s\n' "$KVER" "$(qt_append)"
		printf 'initrd ($esp)/cmboot/initrd.img\nboot\n'
	} >"$work/cmboot.cfg"
	truncate -s "$CMBOOT_CFG_SIZE" "$work/cmboot.cfg"	# NULs, then blanks
	tr '\0' ' ' <"$work/cmboot.cfg" >"$work/cmboot.cfg.t" && mv "$work/cmboot.cfg.t" "$work/cmboot.cfg"
	qemu-io -f qcow2 -c "write -q -s $work/cmboot.initrd $CMBOOT_INITRD_OFFSET $CMBOOT_INITRD_SIZE" \
		-c "write -q -s $work/cmboot.cfg $CMBOOT_CFG_OFFSET $CMBOOT_CFG_SIZE" "$work/disk.qcow2" ||
		cm_die "qemu-io: cannot write the ESP's cmboot/"
	rm -f "$work/cmboot.initrd"
	cp /usr/share/OVMF/OVMF_VARS_4M.fd "$work/ovmf-vars.fd"
}

# qt_qemu_args OUTDIR DISKIMG — the QEMU command line of the loaded scenario
# into QT_ARGS (serial port not included).
qt_qemu_args() {
	local out=$1 disk=$2
	QT_ARGS=(qemu-system-x86_64 -accel tcg -m 512 -nodefaults -no-reboot
		-display none -monitor none)
	if [ "$SC_FIRMWARE" = uefi ]; then
		# OVMF's code read-only, the boot's own copy of its variables
		# (Debian's OVMF_CODE_4M.fd has no SMM: the default machine does)
		QT_ARGS+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd"
			-drive "if=pflash,format=raw,unit=1,file=${disk%/*}/ovmf-vars.fd")
	else
		# The uncompressed vmlinux (PVH entry) boots ~5 s faster under TCG
		# than the bzImage, which QT_BZIMAGE=1 selects.
		local kernel=$QT_KERNEL_DIR/vmlinux
		[ -f "$kernel" ] && [ "${QT_BZIMAGE-}" != 1 ] || kernel=$QT_KERNEL_DIR/vmlinuz
		QT_ARGS+=(-kernel "$kernel" -initrd "$(qt_initrd_path "$out")" -append "$(qt_append)")
	fi
	QT_ARGS+=(-drive "file=$disk,if=none,id=root,format=qcow2,cache=unsafe")
	case $SC_DISK in
	virtio-blk) QT_ARGS+=(-device virtio-blk-pci,drive=root) ;;
	virtio-scsi) QT_ARGS+=(-device virtio-scsi-pci,id=scsi0 -device scsi-hd,drive=root,bus=scsi0.0) ;;
	nvme) QT_ARGS+=(-device nvme,drive=root,serial=cloudmove0) ;;
	ahci) QT_ARGS+=(-device ahci,id=ahci0 -device ide-hd,drive=root,bus=ahci0.0) ;;
	ide) QT_ARGS+=(-device ide-hd,drive=root,bus=ide.0) ;;
	esac
	# EXTRA_DISK=MB: a blank second disk (virtio-blk, /dev/vda in the
	# guest) next to the root's: where a move with cloudmove.dest=file:///dev/vda
	# writes its image
	[ -n "$SC_EXTRA_DISK" ] &&
		QT_ARGS+=(-drive "file=${disk%/*}/extra.raw,if=none,id=extra,format=raw,cache=unsafe"
			-device virtio-blk-pci,drive=extra)
	QT_ARGS+=("${SC_SMBIOS[@]}")
	# A NIC only where the scenario has a metadata service (or NET=1):
	# QEMU's user network, restricted (no way out), its DHCP handing out
	# 169.254.0.15, the metadata address forwarded to the server on
	# loopback, and so is the test HTTP server's.
	if [ -n "${QT_MD_PORT-}" ] || [ -n "$SC_NET" ] || [ -n "${QT_DEST_PORT-}" ] ||
		[ -n "${QT_CONTROL_PORT-}${QT_SELF_CONTROL_PORT-}" ]; then
		local netdev="user,id=n0,restrict=on,net=169.254.0.0/16,host=169.254.0.2,dns=169.254.0.3"
		[ -n "${QT_MD_PORT-}" ] &&
			netdev+=",guestfwd=tcp:169.254.169.254:80-cmd:socat - TCP:127.0.0.1:$QT_MD_PORT"
		[ -n "${QT_HTTP_PORT-}" ] &&
			netdev+=",guestfwd=tcp:169.254.0.8:8080-cmd:socat - TCP:127.0.0.1:$QT_HTTP_PORT"
		[ -n "${QT_DEST_PORT-}" ] &&
			netdev+=",guestfwd=tcp:169.254.0.9:80-cmd:socat - TCP:127.0.0.1:$QT_DEST_PORT"
		[ -n "${QT_CONTROL_PORT-}" ] &&
			netdev+=",guestfwd=tcp:169.254.0.10:80-cmd:socat - TCP:127.0.0.1:$QT_CONTROL_PORT"
		[ -n "${QT_SELF_CONTROL_PORT-}" ] &&
			netdev+=",guestfwd=tcp:169.254.0.11:80-cmd:socat - TCP:127.0.0.1:$QT_SELF_CONTROL_PORT"
		QT_ARGS+=(-netdev "$netdev" -device "$SC_NIC,netdev=n0")
	fi
}

# qt_boot OUTDIR WORKDIR [live] — boot the loaded scenario; the serial log goes
# to WORKDIR/serial.log (and to stdout too with "live").  A copy-on-write
# overlay keeps the cached root.img pristine (WORKDIR/disk.qcow2 holds what
# the boot wrote).  Returns QEMU's status (124: killed at SC_TIMEOUT).
qt_boot() {
	local out=$1 work=$2 live=${3-} rc=0
	mkdir -p "$work"
	rm -f "$work/serial.log"
	# QT_KEEP_DISK=1: boot the disk the previous boot left (a second boot)
	[ "$SC_DISK_FROM" = instance ] &&
		cm_die "DISK_FROM=instance: booted by qemu-tests/instance.sh as another scenario's INSTANCE="
	if [ "$SC_DISK_FROM" = upload ]; then
		# DISK_FROM=upload: boot what the previous boot's move uploaded
		# (qt_dest_stop kept it): a gce archive's disk.raw, a VHD, or raw
		local fmt=raw
		[ -s "$work/uploaded" ] || cm_die "DISK_FROM=upload: nothing was uploaded"
		mv -f "$work/disk.qcow2" "$work/source.qcow2" 2>/dev/null || :
		if [ "$(head -c 2 "$work/uploaded" | od -An -tx1 | tr -d ' ')" = 1f8b ]; then
			tar -xzf "$work/uploaded" -C "$work" disk.raw ||
				cm_die "DISK_FROM=upload: no disk.raw in the archive"
			mv -f "$work/disk.raw" "$work/moved.img"
			rm -f "$work/uploaded"
		else
			[ "$(tail -c 512 "$work/uploaded" | head -c 8)" = conectix ] && fmt=vpc
			mv -f "$work/uploaded" "$work/moved.img"
		fi
		qemu-img create -q -f qcow2 -b "$work/moved.img" -F "$fmt" "$work/disk.qcow2"
	elif [ "$SC_DISK_FROM" = extra ]; then
		# DISK_FROM=extra: boot the second disk the previous boot wrote
		[ -f "$work/extra.raw" ] || cm_die "DISK_FROM=extra: no $work/extra.raw"
		mv -f "$work/disk.qcow2" "$work/source.qcow2" 2>/dev/null || :
		mv -f "$work/extra.raw" "$work/moved.raw"
		qemu-img create -q -f qcow2 -b "$work/moved.raw" -F raw "$work/disk.qcow2"
	elif [ "${QT_KEEP_DISK-}" != 1 ] || [ ! -f "$work/disk.qcow2" ]; then
		rm -f "$work/disk.qcow2"
		local base=${QT_LAYOUT_DIR[$SC_LAYOUT]}/root.img fmt=raw ddir
		if [ -n "$SC_DRESS" ]; then
			ddir=${QT_DRESS_DIR[$SC_DRESS/$SC_LAYOUT]}
			base=$ddir/$(sed -n 's/^DISK_FILE=//p' "$ddir/dress.env")
			fmt=$(sed -n 's/^DISK_FORMAT=//p' "$ddir/dress.env")
		fi
		if [ -n "$SC_MOVED" ]; then
			base=${QT_MOVED_DIR[$SC_MOVED]}/$(sed -n 's/^DISK_FILE=//p' "${QT_MOVED_DIR[$SC_MOVED]}/moved.env")
			fmt=$(sed -n 's/^DISK_FORMAT=//p' "${QT_MOVED_DIR[$SC_MOVED]}/moved.env")
		fi
		qemu-img create -q -f qcow2 -b "$base" -F "$fmt" "$work/disk.qcow2"
	fi
	if [ -n "$SC_EXTRA_DISK" ]; then
		rm -f "$work/extra.raw"
		truncate -s "${SC_EXTRA_DISK}M" "$work/extra.raw"
	fi
	[ "$SC_FIRMWARE" = uefi ] && qt_uefi_cmboot "$out" "$work"
	qt_metadata_start "$work"
	qt_http_start "$work"
	qt_dest_start "$work"
	qt_control_start "$out" "$work"
	qt_qemu_args "$out" "$work/disk.qcow2"
	if [ "$live" = live ]; then
		# --foreground: QEMU stays in the terminal's process group, ^C stops it.
		QT_ARGS+=(-serial stdio)
		printf '%q ' "${QT_ARGS[@]}" >"$work/cmd"
		timeout --foreground -k 5 "$SC_TIMEOUT" "${QT_ARGS[@]}" </dev/null 2>&1 |
			tee "$work/serial.log" || rc=${PIPESTATUS[0]}
	else
		# timeout.pid lets an interrupted run.sh stop this boot (qt_kill_boots).
		local drain=''
		if [ ${#SC_CONSOLE_INPUT[@]} -gt 0 ]; then
			# a console to type on: QEMU's pipe chardev (WORK/con.in,
			# con.out; both opened read-write, so neither blocks), its
			# output logged to serial.log and con.out drained
			rm -f "$work/con.in" "$work/con.out"
			mkfifo "$work/con.in" "$work/con.out"
			cat <>"$work/con.out" >/dev/null &
			drain=$!
			QT_ARGS+=(-chardev "pipe,id=con,path=$work/con,logfile=$work/serial.log"
				-serial chardev:con)
		else
			QT_ARGS+=(-serial "file:$work/serial.log")
		fi
		printf '%q ' "${QT_ARGS[@]}" >"$work/cmd"
		timeout -k 5 "$SC_TIMEOUT" "${QT_ARGS[@]}" </dev/null >"$work/qemu.out" 2>&1 &
		local qemu=$! typist=''
		echo "$qemu" >"$work/timeout.pid"
		if [ -n "$drain" ]; then
			qt_type "$qemu" "$work/serial.log" "$work/con.in" "${SC_CONSOLE_INPUT[@]}" &
			typist=$!
		fi
		[ -n "$SC_KILL_AT" ] && qt_kill_at "$qemu" "$work/serial.log" "$SC_KILL_AT"
		wait "$qemu" || rc=$?
		rm -f "$work/timeout.pid"
		[ -n "$typist" ] && wait "$typist"
		[ -n "$drain" ] && kill "$drain" 2>/dev/null && wait "$drain" 2>/dev/null
		rm -f "$work/con.in" "$work/con.out"
	fi
	qt_metadata_stop
	qt_http_stop
	qt_control_stop "$work"
	qt_dest_stop "$work"
	return "$rc"
}

# qt_kill_at PID LOG REGEX — KILL_AT=: a power cut once LOG shows a line
# matching REGEX (polled 5 times a second): QEMU is killed (SIGKILL, through
# its timeout(1) parent's process group: no flush, no shutdown).
qt_kill_at() {
	local pid=$1 log=$2 re=$3
	while kill -0 "$pid" 2>/dev/null; do
		if [ -f "$log" ] && tr -d '\r' <"$log" | grep -qE "$re"; then
			pkill -KILL -P "$pid" qemu-system 2>/dev/null
			echo "power cut: QEMU killed at the first line matching '$re'" >>"${log%/*}/times"
			return 0
		fi
		sleep 0.2
	done
}

# qt_type PID LOG FIFO ERE TEXT ... — CONSOLE_INPUT=: while PID lives, type
# each TEXT into FIFO (the serial console's input) once LOG has a line
# matching its ERE.
qt_type() {
	local pid=$1 log=$2 in=$3
	shift 3
	while [ $# -ge 2 ] && kill -0 "$pid" 2>/dev/null; do
		if [ -f "$log" ] && qt_text "$log" | grep -qE "$1"; then
			sleep 1	# the reader behind the prompt settles
			printf '%b' "$2" 1<>"$in"
			echo "typed on the console after '$1'" >>"${log%/*}/times"
			shift 2
			continue
		fi
		sleep 0.5
	done
}

# qt_kill_boots DIR — stop the boots still running under DIR/*/ (their
# timeout(1) passes the TERM on to QEMU), the control-plane emulators and
# their instances.
qt_kill_boots() {
	local f
	for f in "$1"/*/timeout.pid "$1"/*/control.pid "$1"/*/self-control.pid; do
		[ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
	done
	# the instances the emulators started (instance.sh leads its group)
	for f in "$1"/*/control/instances/*/instance.pid; do
		[ -f "$f" ] && [ ! -f "${f%/*}/instance.rc" ] && kill -TERM -- "-$(cat "$f")" 2>/dev/null
	done
	return 0
}

# qt_text LOG — a serial log as lines to match: no CRs, no terminal escapes
# (systemd's status lines on the same console put "ESC[K" or "ESC M" in
# front of a line the root printed).
qt_text() {
	# A kernel message can land in the middle of a line the agent is
	# writing (the remount for its adaptation logs one): each
	# "[ seconds.micros] ..." goes on a line of its own and the agent's
	# line is joined again around it.
	tr -d '\r' <"$1" 2>/dev/null | sed 's/\x1b\[[0-9;?=]*[A-Za-z]//g; s/\x1b[A-Z]//g' |
		awk '{
			line = carry $0; carry = ""
			if (match(line, /\[ *[0-9]+\.[0-9][0-9][0-9][0-9][0-9][0-9]\] /) && RSTART > 1) {
				print substr(line, RSTART)
				carry = substr(line, 1, RSTART - 1)
				next
			}
			print line
		}
		END { if (carry != "") print carry }' || :
}

# qt_check WORKDIR — assert on WORKDIR/serial.log; prints why on failure.
qt_check() {
	local log=$1/serial.log text
	text=$(qt_text "$log")
	if [ -n "$SC_NO_ROOT" ]; then
		# NO_ROOT=1: the boot ends in the initramfs (a move with
		# cloudmove.after=poweroff): the root must not have been reached
		if grep -q '^CLOUDMOVE-TEST: root reached' <<<"$text"; then
			echo "root reached, but the boot should have ended before the pivot"
			return 1
		fi
	elif ! grep -q '^CLOUDMOVE-TEST: root reached' <<<"$text"; then
		echo "root not reached"
		return 1
	fi
	if [ -z "$SC_NO_ROOT" ] && [ "$SC_ROOT" = full ] && ! grep -q '^CLOUDMOVE-TEST: root reached multi-user' <<<"$text"; then
		echo "root reached, but not through systemd's multi-user.target"
		return 1
	fi
	case $SC_EXPECT in
	none)
		if grep -q 'cloudmove: detect' <<<"$text"; then
			echo "agent ran although disabled"
			return 1
		fi
		;;
	fail)
		if ! grep -q '^cloudmove: detect failed (exit [0-9]*), continuing boot$' <<<"$text"; then
			echo "no 'cloudmove: detect failed' line"
			return 1
		fi
		if grep -q 'cloudmove: detected' <<<"$text"; then
			echo "unexpected 'cloudmove: detected' line"
			return 1
		fi
		;;
	*)
		if ! grep -qF "cloudmove: detected $SC_EXPECT (" <<<"$text"; then
			echo "expected 'cloudmove: detected $SC_EXPECT (', got: $(grep -m1 'cloudmove: detect' <<<"$text" || echo nothing)"
			return 1
		fi
		;;
	esac
	local re
	for re in "${SC_EXPECT_LINES[@]}"; do
		if ! grep -qE "$re" <<<"$text"; then
			echo "no line matching '$re'; cloudmove said: $(grep 'cloudmove: ' <<<"$text" | tr '\n' '|')"
			return 1
		fi
	done
	for re in "${SC_ABSENT[@]}"; do
		if grep -qE "$re" <<<"$text"; then
			echo "unexpected line matching '$re': $(grep -m1 -E "$re" <<<"$text")"
			return 1
		fi
	done
	# Pending: noted in WORKDIR/pending, never a failure.
	for re in "${SC_PENDING[@]}"; do
		if grep -qE "$re" <<<"$text"; then
			echo "pending line now there (make it an EXPECT_LINES): $re" >>"$1/pending"
		else
			echo "skip: pending: $re" >>"$1/pending"
		fi
	done
	return 0
}

# qt_times WORKDIR — what the boot's serial log says about time: the uptime
# when the root reported, and the agent's own time (cloudmove-test.d/20-system).
qt_times() {
	local text up agent
	text=$(qt_text "$1/serial.log")
	up=$(sed -n 's/^CLOUDMOVE-TEST: root reached .* uptime \([0-9.]*\)s$/\1/p' <<<"$text" | head -n 1)
	agent=$(sed -n 's/^CLOUDMOVE-TEST: 20-system: agent time: //p' <<<"$text" | head -n 1)
	printf 'root at %ss uptime%s' "${up:-?}" "${agent:+, agent $agent}"
}

# qt_verdict WORKDIR — the agent's verdict line from a serial log.
qt_verdict() {
	tr -d '\r' <"$1/serial.log" | grep -m1 '^cloudmove: detect' || echo "(no cloudmove line)"
}

# qt_root_sums DISK FORMAT — sha256 of every file of the root partition of
# DISK (but the agent's own /var/lib/cloudmove and what a boot writes by
# itself), and of its EFI system partition if any ("esp:/..."), for
# SOURCE_UNCHANGED.  Needs root (loop device, mount).
qt_root_sums() {
	local disk=$1 fmt=$2 tmp loop start size
	tmp=$(mktemp -d)
	qemu-img convert -O raw -f "$fmt" "$disk" "$tmp/d.raw"
	read -r start size < <(sfdisk --dump "$tmp/d.raw" |
		sed -n 's/.*start= *\([0-9]*\), size= *\([0-9]*\).*/\1 \2/p' | head -n 1)
	loop=$(losetup -f --show -r -o $((start * 512)) --sizelimit $((size * 512)) "$tmp/d.raw")
	mkdir "$tmp/m"
	if mount -o ro,noload "$loop" "$tmp/m"; then
		(cd "$tmp/m" && find . \( -path ./var/lib/cloudmove -o -path ./lost+found -o -path ./var/log \
			-o -path ./var/lib/systemd -o -path ./tmp -o -path ./var/tmp \) -prune \
			-o -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
		umount "$tmp/m"
	fi
	losetup -d "$loop"
	# the ESP too, where the disk has one (mtools: no mount)
	read -r start < <(sfdisk --dump "$tmp/d.raw" |
		sed -n 's/.*start= *\([0-9]*\),.*type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B.*/\1/p' | head -n 1)
	if [ -n "$start" ]; then
		mkdir "$tmp/esp"
		MTOOLS_SKIP_CHECK=1 mcopy -s -n -i "$tmp/d.raw@@$((start * 512))" '::/*' "$tmp/esp/" &&
			(cd "$tmp/esp" && rm -rf cmboot &&	# the harness's (qt_uefi_cmboot)
			 find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum |
				sed 's|  \./|  esp:/|'
			 find . -mindepth 1 -type d | LC_ALL=C sort | sed 's|^\./|directory esp:/|')
	fi
	rm -rf "$tmp"
}

# qt_source_unchanged WORK — after a move's boot: is every file of the
# source disk as dressed?  Prints why not.
qt_source_unchanged() {
	local work=$1 base fmt ddir=${QT_DRESS_DIR[$SC_DRESS/$SC_LAYOUT]}
	base=$ddir/$(sed -n 's/^DISK_FILE=//p' "$ddir/dress.env")
	fmt=$(sed -n 's/^DISK_FORMAT=//p' "$ddir/dress.env")
	qt_root_sums "$base" "$fmt" >"$work/sums.dressed"
	qt_root_sums "$work/disk.qcow2" qcow2 >"$work/sums.after"
	if [ ! -s "$work/sums.after" ] || ! cmp -s "$work/sums.dressed" "$work/sums.after"; then
		echo "the source disk changed: $(diff "$work/sums.dressed" "$work/sums.after" | head -4 | tr '\n' '|')"
		return 1
	fi
	echo "source unchanged: $(wc -l <"$work/sums.after") files compared" >>"$work/times"
}
