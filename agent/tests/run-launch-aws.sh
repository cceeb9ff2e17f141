#!/bin/bash
# run-launch-aws.sh CLOUDMOVE — the aws control plane (control/aws.c)
# against lib/ec2_server.py (EC2 Query + EBS direct, SigV4 checked with
# botocore) and the metadata server (IMDSv2 with an IAM role), on
# 127.0.0.1.  The ops are driven by build/*/control-probe (next to
# CLOUDMOVE's build) until `cloudmove launch` / `retire` drive them.
#   launch: a disk streamed to ebs://, registered (BootMode from the disk's
#   firmware), run with the spec's subnet, groups, key and tags, its
#   console read until the arrival line with this move's id (the fast
#   "instance" is a script that reads the move id from the instance's disk
#   and appends the arrival line to CM_INSTANCE_CONSOLE); s3:// through
#   ImportSnapshot; the type's facts; refusals (wrong secret, BIOS disk on
#   a UEFI-only type, quota, no capacity, arrival never seen).
#   retire: IMDS role credentials (session token) -> StopInstances /
#   TerminateInstances of the metadata's own instance id, after the
#   arrival (the emulator's log); refusals (no role, UnauthorizedOperation:
#   the hint names the command to finish).
# Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-launch-aws.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
lib=$here/lib
probe=$(dirname "$bin")/control-probe
[ -x "$probe" ] || probe=$here/../../build/musl/control-probe
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp
[ -x "$probe" ] || suite_abort "no control-probe next to $bin (make build/musl/control-probe)"
MiB=$((1024 * 1024))
akid=AKIDLAUNCHTEST01 secret=launch-secret-$$
role_akid=ASIAROLETEST0001 role_secret=role-secret-$$ role_token="IQoJb3JpZ2luX2VjEXAMPLE//role+token/$$="
src_id=i-1234567890abcdef0	# the metadata fixture's instance-id (placement/region us-west-2)
move=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')

# the fast "instance": reads the move id the disk carries, says it arrived
cat >"$tmp/instance.sh" <<'SH'
#!/bin/sh
id=$(head -c 64 "$CM_INSTANCE_DISK" | tr -d '\0' | sed -n 's/^cloudmove-move=//p')
sleep 0.3
echo "boot mode $CM_INSTANCE_BOOT_MODE type $CM_INSTANCE_TYPE" >>"$CM_INSTANCE_CONSOLE"
echo "cloudmove: arrived in $CM_INSTANCE_CLOUD from gcp (move $id)" >>"$CM_INSTANCE_CONSOLE"
sleep 600
SH
chmod +x "$tmp/instance.sh"
# start_server NAME [ARGS...]: state $tmp/NAME, log $tmp/NAME.log, sets port
start_server() {
	local name=$1
	shift
	suite_bg python3 "$lib/ec2_server.py" --state "$tmp/$name" --log "$tmp/$name.log" \
		--key "$akid:$secret" --key "$role_akid:$role_secret:$role_token" \
		--type u9.uefi:x86_64:uefi:required:required --s3-dir "$tmp/s3" \
		--instance "$src_id:m5.large" --port-file "$tmp/$name.port" "$@" 2>>"$tmp/$name.err"
	suite_wait_file "$tmp/$name.port" 100 || suite_abort "server $name did not start: $(cat "$tmp/$name.err")"
	port=$(cat "$tmp/$name.port")
	touch "$tmp/$name.log"
}
start_md() {	# start_md NAME [ARGS...]: sets mdport
	suite_bg python3 "$here/metadata/mdserver.py" --cloud aws --port 0 --port-file "$tmp/$1.mdport" \
		--aws-role-creds "$role_akid:$role_secret:$role_token" "${@:2}" 2>>"$tmp/$1.mderr"
	suite_wait_file "$tmp/$1.mdport" 100 || suite_abort "metadata server $1 did not start"
	mdport=$(tr -d '\n' <"$tmp/$1.mdport")
}
mkdir -p "$tmp/s3/bucket"
start_server main --instance-cmd "$tmp/instance.sh"
ep=http://127.0.0.1:$port

printf 'aws_access_key_id = %s\naws_secret_access_key = %s\n' "$akid" "$secret" >"$tmp/creds"
printf 'aws_access_key_id = %s\naws_secret_access_key = not-the-secret\n' "$akid" >"$tmp/creds-wrong"
chmod 600 "$tmp"/creds*
spec() {	# spec FILE TYPE
	printf 'region = us-east-1\ninstance_type = %s\nsubnet_id = subnet-0abc\nsecurity_group_ids = sg-01, sg-02\nkey_name = ops-key\nname = moved-web\n' "$2" >"$1"
}
spec "$tmp/spec" m5.large
spec "$tmp/spec-t2" t2.micro
spec "$tmp/spec-uefi" u9.uefi

# the disk: its first bytes carry the move id (the fast instance reads it)
disk=$tmp/disk.img
truncate -s $((8 * MiB)) "$disk"
printf 'cloudmove-move=%s' "$move" | dd of="$disk" conv=notrunc status=none
head -c $((1 * MiB)) /dev/urandom | dd of="$disk" bs=1M seek=4 conv=notrunc status=none
cp "$disk" "$tmp/s3/bucket/disk.raw"
"$bin" stream --source "$disk" --dest "ebs://us-east-1?endpoint=$ep" --format raw \
	--creds "$tmp/creds" --progress=json >"$tmp/stream.out" 2>"$tmp/stream.err" ||
	suite_abort "stream to ebs:// failed: $(cat "$tmp/stream.err")"
image=$(sed -n 's/.*"dest":"\(ebs:[^"]*\)".*/\1/p' "$tmp/stream.out")
echo "# image $image, move $move"

# probe FIRMWARE SPEC IMAGE WAIT [CREDS]: output in $tmp/p.out, stderr $tmp/p.err
probe_launch() {
	"$probe" aws --spec "$2" --creds "${5:-$tmp/creds}" --api-endpoint "${EP:-$ep}" \
		launch "$3" "$1" "$move" "$4" >"$tmp/p.out" 2>"$tmp/p.err"
}
# facts TYPE ARCH BOOT NVME DRIVERS: the probe printed these facts
facts() {
	grep -qx "type: $1" "$tmp/p.out" && grep -qx "arch: $2" "$tmp/p.out" &&
		grep -qx "boot: $3" "$tmp/p.out" && grep -qx "nvme: $4" "$tmp/p.out" &&
		grep -qx "drivers: $5" "$tmp/p.out" && grep -qx "source: ec2 DescribeInstanceTypes $1" "$tmp/p.out"
}
log_ops() { python3 -c 'import json,sys
print(" ".join(json.loads(l)["op"] for l in open(sys.argv[1])))' "$1"; }
last() {	# last LOG OP FIELD: the field of the last OP entry
	python3 -c 'import json,sys
e=[json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["op"]==sys.argv[2]]
print(json.dumps(e[-1].get(sys.argv[3])) if e else "none")' "$@"
}

# --- launch ------------------------------------------------------------------------------
echo "# ${SECONDS}s"
: >"$tmp/main.log"
if probe_launch bios "$tmp/spec" "$image" 20; then
	facts m5.large x86_64 "bios uefi" 1 "ena nvme" \
		&& ok "describe_type m5.large: x86_64, bios+uefi, NVMe, drivers 'ena nvme'" || fail "facts" "$(head -6 "$tmp/p.out" | tr '\n' '|')"
	grep -q "^arrived" "$tmp/p.out" && ok "ebs:// image registered, run, arrival line with this move's id seen on GetConsoleOutput ($(grep ^arrived "$tmp/p.out"))" \
		|| fail "arrival" "$(cat "$tmp/p.out" "$tmp/p.err")"
	ops=$(log_ops "$tmp/main.log")
	[[ "$ops" == "DescribeRegions DescribeInstanceTypes RegisterImage RunInstances GetConsoleOutput"* ]] \
		&& ok "calls in order: ${ops:0:90}..." || fail "order" "$ops"
	[ "$(last "$tmp/main.log" RegisterImage boot_mode)" = '"legacy-bios"' ] && ok "BIOS-only disk: BootMode legacy-bios" \
		|| fail "boot mode" "$(last "$tmp/main.log" RegisterImage boot_mode)"
	snap=${image##*/}
	[ "$(last "$tmp/main.log" RegisterImage snapshot)" = "\"$snap\"" ] && ok "RegisterImage: BlockDeviceMapping with $snap" \
		|| fail "snapshot" "$(last "$tmp/main.log" RegisterImage snapshot)"
	r=$(python3 -c 'import json,sys
e=[json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["op"]=="RunInstances"][-1]
ok = e["subnet"]=="subnet-0abc" and e["security_groups"]==["sg-01","sg-02"] and e["key_name"]=="ops-key" \
  and ["Name","moved-web"] in e["tags"] and ["cloudmove:move-id",sys.argv[2]] in e["tags"] and e["principal"]==sys.argv[3]
print(e); sys.exit(0 if ok else 1)' "$tmp/main.log" "$move" "$akid") \
		&& ok "RunInstances: subnet, 2 security groups, key, Name and cloudmove:move-id tags" || fail "RunInstances" "$r"
	[ "$(last "$tmp/main.log" RunInstances client_token)" = true ] && ok "RunInstances carries a ClientToken (a retry is not a second instance)" \
		|| fail "ClientToken" "$(last "$tmp/main.log" RunInstances client_token)"
	iid=$(sed -n 's/^instance: //p' "$tmp/p.out")
	cmp -s <(head -c $((8 * MiB)) "$tmp/main/instances/$iid/disk.raw") "$disk" \
		&& ok "the instance's disk is the streamed disk (cmp)" || fail "instance disk"
else fail "launch ebs://" "$(cat "$tmp/p.out" "$tmp/p.err")"; fi

if probe_launch both "$tmp/spec" "$image" 20; then
	iid=$(sed -n 's/^instance: //p' "$tmp/p.out")
	[ "$(last "$tmp/main.log" RegisterImage boot_mode)" = '"uefi-preferred"' ] && grep -q "boot mode uefi" "$tmp/main/instances/$iid/console.log" \
		&& ok "BIOS+UEFI disk on a bios+uefi type: BootMode uefi-preferred, boots UEFI" || fail "both" "$(last "$tmp/main.log" RegisterImage boot_mode)"
else fail "launch both" "$(cat "$tmp/p.out" "$tmp/p.err")"; fi

if probe_launch bios "$tmp/spec-t2" "$image" 20; then
	facts t2.micro x86_64 "bios" 0 "" \
		&& ok "describe_type t2.micro: bios only, no NVMe, no ENA" || fail "t2 facts" "$(head -1 "$tmp/p.out")"
else fail "launch t2" "$(cat "$tmp/p.out" "$tmp/p.err")"; fi

# s3:// through ImportSnapshot
if probe_launch uefi "$tmp/spec" "s3://bucket/disk.raw" 20; then
	ops=$(log_ops "$tmp/main.log")
	grep -q "^arrived" "$tmp/p.out" && [[ "$ops" == *"ImportSnapshot DescribeImportSnapshotTasks"*"RegisterImage RunInstances"* ]] &&
		[ "$(last "$tmp/main.log" RegisterImage boot_mode)" = '"uefi"' ] \
		&& ok "s3:// image: ImportSnapshot, task waited on, registered (BootMode uefi), arrived" || fail "s3 import" "$ops"
else fail "launch s3://" "$(cat "$tmp/p.out" "$tmp/p.err")"; fi

# --- launch refusals ------------------------------------------------------------------------
n=$(grep -c . "$tmp/main.log")
if probe_launch bios "$tmp/spec" "$image" 5 "$tmp/creds-wrong"; then fail "wrong secret" "accepted"
else
	grep -q "launch: aws: DescribeRegions: SignatureDoesNotMatch: " "$tmp/p.err" && ! grep -q not-the-secret "$tmp/p.err" &&
		[ "$(tail -n +$((n + 1)) "$tmp/main.log" | grep -c .)" = 1 ] \
		&& ok "wrong secret: one line at login, nothing else asked ($(head -c 90 "$tmp/p.err")...)" || fail "wrong secret" "$(cat "$tmp/p.err")"
fi
if probe_launch bios "$tmp/spec-uefi" "$image" 5; then fail "BIOS on UEFI-only" "accepted"
else
	grep -q "launch: aws: RunInstances: InvalidParameterValue: .*boot mode" "$tmp/p.err" && grep -q "^image: ami-" "$tmp/p.out" &&
		grep -qx "result: ENOTSUP" "$tmp/p.out" \
		&& ok "BIOS-only disk on a UEFI-only type: InvalidParameterValue (-ENOTSUP), the image is named" || fail "BIOS on UEFI" "$(cat "$tmp/p.err" "$tmp/p.out")"
fi
start_server quota --quota-at-launch limit
# the quota server gets the streamed snapshot
cp -r "$tmp/main/snapshots" "$tmp/quota/"
if EP=http://127.0.0.1:$port probe_launch bios "$tmp/spec" "$image" 5; then fail "quota" "accepted"
else
	grep -q "launch: aws: RunInstances: InstanceLimitExceeded: " "$tmp/p.err" && grep -q "^image: ami-" "$tmp/p.out" &&
		grep -qx "result: EDQUOT" "$tmp/p.out" \
		&& ok "quota at launch: InstanceLimitExceeded (-EDQUOT), the image kept and named" || fail "quota" "$(cat "$tmp/p.err" "$tmp/p.out")"
fi
# InsufficientInstanceCapacity is a 500 in EC2: retried as passing trouble, then named
start_server capacity --quota-at-launch capacity
cp -r "$tmp/main/snapshots" "$tmp/capacity/"
if EP=http://127.0.0.1:$port probe_launch bios "$tmp/spec" "$image" 5; then fail "capacity" "accepted"
else
	tries=$(grep -c '"code": "InsufficientInstanceCapacity"' "$tmp/capacity.log")
	grep -q "launch: aws: RunInstances: InsufficientInstanceCapacity: " "$tmp/p.err" &&
		grep -qx "result: EDQUOT" "$tmp/p.out" && [ "$tries" -gt 1 ] \
		&& ok "no capacity (HTTP 500): RunInstances tried $tries times, then InsufficientInstanceCapacity (-EDQUOT)" \
		|| fail "capacity" "$tries tries: $(cat "$tmp/p.err" "$tmp/p.out")"
fi
# passing server faults: 503 on the first 2 RegisterImage calls is retried, the launch arrives
start_server flaky --fail-5xx RegisterImage:2 --instance-cmd "$tmp/instance.sh"
cp -r "$tmp/main/snapshots" "$tmp/flaky/"
if EP=http://127.0.0.1:$port probe_launch bios "$tmp/spec" "$image" 5; then
	n=$(grep -c '"op": "RegisterImage"' "$tmp/flaky.log")
	[ "$n" -eq 3 ] && grep -q "^instance: i-" "$tmp/p.out" \
		&& ok "RegisterImage 503 twice: retried ($n calls), the launch arrives" || fail "flaky" "$n calls: $(cat "$tmp/p.out")"
else fail "flaky" "$(cat "$tmp/p.out" "$tmp/p.err")"; fi
# a 500 that never ends: the capacity case above (RunInstances 500 on every try) covers it
# a 200 answer that is an HTML page (a proxy's): one line, no crash
start_server garbage --garbage RegisterImage
cp -r "$tmp/main/snapshots" "$tmp/garbage/"
EP=http://127.0.0.1:$port probe_launch bios "$tmp/spec" "$image" 5; rc=$?
[ "$rc" -eq 1 ] && [ "$(grep -c . "$tmp/p.err")" -eq 1 ] && grep -q "RegisterImage" "$tmp/p.err" && ! grep -q "^image: ami-" "$tmp/p.out" \
	&& ok "RegisterImage answers 200 with HTML: exit 1, one line ($(head -c 80 "$tmp/p.err")), no image claimed" \
	|| fail "garbage" "rc $rc: $(cat "$tmp/p.err" "$tmp/p.out")"
start_server silent
cp -r "$tmp/main/snapshots" "$tmp/silent/"
if EP=http://127.0.0.1:$port probe_launch bios "$tmp/spec" "$image" 2; then fail "no arrival" "arrived"
else
	grep -q "^instance: i-" "$tmp/p.out" && grep -qx "result: ETIMEDOUT" "$tmp/p.out" \
		&& ok "arrival never seen: -ETIMEDOUT after the wait, the instance named" || fail "no arrival" "$(cat "$tmp/p.out" "$tmp/p.err")"
fi

# --- retire ------------------------------------------------------------------------------------
start_md md
if "$probe" aws --metadata-endpoint "127.0.0.1:$mdport" --api-endpoint "$ep" retire stop >"$tmp/r.out" 2>"$tmp/r.err"; then
	r=$(python3 -c 'import json,sys
e=[json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["op"]=="StopInstances"][-1]
print(e); sys.exit(0 if e["principal"]==sys.argv[2] and e["token"] and e["instance"]==sys.argv[3] and e["status"]==200 else 1)' \
		"$tmp/main.log" "$role_akid" "$src_id") &&
		ok "retire stop: StopInstances of $src_id (IMDS instance-id), signed with the role's key and session token" || fail "retire stop" "$r"
	python3 -c 'import json,sys
e=[json.loads(l) for l in open(sys.argv[1])]
arr=max(x["t"] for x in e if x["op"]=="GetConsoleOutput")
stop=[x["t"] for x in e if x["op"]=="StopInstances"][-1]
sys.exit(0 if arr < stop else 1)' "$tmp/main.log" && ok "the log shows the arrival (GetConsoleOutput) before StopInstances" || fail "order"
	grep -q '"State": "stopped"' "$tmp/main/instances/$src_id/meta.json" && ok "the source is stopped (disks kept)" || fail "stopped"
else fail "retire stop" "$(cat "$tmp/r.out" "$tmp/r.err")"; fi
if "$probe" aws --metadata-endpoint "127.0.0.1:$mdport" --api-endpoint "$ep" retire delete >"$tmp/r.out" 2>"$tmp/r.err" &&
	[ "$(last "$tmp/main.log" TerminateInstances instance)" = "\"$src_id\"" ]; then
	ok "retire delete: TerminateInstances of $src_id"
else fail "retire delete" "$(cat "$tmp/r.out" "$tmp/r.err")"; fi

start_server deny --deny-retire
if "$probe" aws --metadata-endpoint "127.0.0.1:$mdport" --api-endpoint "http://127.0.0.1:$port" retire stop >"$tmp/r.out" 2>"$tmp/r.err"; then fail "deny" "retired"
else
	grep -q "retire: aws: StopInstances: UnauthorizedOperation: " "$tmp/r.err" &&
		grep -q "^hint: aws ec2 stop-instances --region us-west-2 --instance-ids $src_id$" "$tmp/r.out" &&
		! grep -q "$role_secret\|$role_token" "$tmp/r.err" "$tmp/r.out" \
		&& ok "403 UnauthorizedOperation: one line, the hint names the command to finish, no secret shown" || fail "deny" "$(cat "$tmp/r.err" "$tmp/r.out")"
fi
start_md norole --aws-no-role
n=$(grep -c . "$tmp/main.log")
if "$probe" aws --metadata-endpoint "127.0.0.1:$mdport" --api-endpoint "$ep" retire stop >"$tmp/r.out" 2>"$tmp/r.err"; then fail "no role" "retired"
else
	grep -q "retire: aws: this instance has no IAM role" "$tmp/r.err" &&
		grep -q "^hint: aws ec2 stop-instances --region us-west-2 --instance-ids $src_id$" "$tmp/r.out" &&
		[ "$(grep -c . "$tmp/main.log")" = "$n" ] \
		&& ok "no role: one line, no EC2 call, the hint names the command" || fail "no role" "$(cat "$tmp/r.err" "$tmp/r.out")"
fi
# the identity endpoint answering 500 or garbage: one line, no EC2 call, the hint printed
for fault in 500 garbage; do
	start_md "md$fault" --fault "$fault"
	n=$(grep -c . "$tmp/main.log")
	if "$probe" aws --metadata-endpoint "127.0.0.1:$mdport" --api-endpoint "$ep" retire stop >"$tmp/r.out" 2>"$tmp/r.err"; then fail "md $fault" "retired"
	else
		[ "$(grep -c . "$tmp/r.err")" -eq 1 ] && grep -q "^cloudmove: retire: aws: " "$tmp/r.err" &&
			grep -q "^hint: " "$tmp/r.out" && [ "$(grep -c . "$tmp/main.log")" = "$n" ] \
			&& ok "metadata answers $fault: one line ($(head -c 70 "$tmp/r.err")), no EC2 call, the hint printed" \
			|| fail "md $fault" "$(cat "$tmp/r.err" "$tmp/r.out")"
	fi
done
# --- the move: migrate --launch to ebs:// (a real ext4 root on loop devices) -------------------
# The stream's dest names no snapshot: the launch imports what the stream
# made (ebs://REGION/snap-ID).  The fast instance finds the move id in the
# moved disk itself (the move marker in the root), as the image's first boot
# would.
if [ "$(id -u)" = 0 ] && losetup -f >/dev/null 2>&1; then
	cat >"$tmp/instance-disk.sh" <<'SH'
#!/bin/sh
id=$(head -c 48M "$CM_INSTANCE_DISK" | grep -aoE 'move_id [0-9a-f]{32}' | head -1 | cut -d' ' -f2)
echo "cloudmove: arrived in $CM_INSTANCE_CLOUD from kvm (move $id)" >>"$CM_INSTANCE_CONSOLE"
sleep 600
SH
	chmod +x "$tmp/instance-disk.sh"
	start_server mig --instance-cmd "$tmp/instance-disk.sh"
	mep=http://127.0.0.1:$port
	mdisk=$tmp/mdisk.img mnt=$tmp/mnt
	truncate -s 48M "$mdisk"
	printf 'label: dos\nstart=2048, type=83\n' | sfdisk -q "$mdisk"
	mkfs.ext4 -q -F -E offset=$((2048 * 512)) -L root -d "$here/adapt/aws-debian12/root" "$mdisk" 40M
	mloop=$(losetup -f --show -r "$mdisk")
	mpart=$(losetup -f --show -o $((2048 * 512)) --sizelimit $((40 << 20)) "$mdisk")
	suite_on_exit 'umount "$mnt" 2>/dev/null; losetup -d "$mpart" "$mloop" 2>/dev/null'
	mkdir -p "$mnt"
	mount -o ro "$mpart" "$mnt"
	kvm=(--detect-root "$here/detect/kvm-qemu-q35-fedora/root")
	printf 'quiet\n' >"$tmp/cmdline"
	"$bin" boot --root "$mnt" --cmdline "$tmp/cmdline" --metadata-endpoint 127.0.0.1:9 "${kvm[@]}" >/dev/null 2>&1
	"$bin" migrate --root "$mnt" --source "$mloop" --target aws --dest "ebs://us-east-1?endpoint=$mep" \
		--creds "$tmp/creds" --launch "$tmp/spec" --api-endpoint "$mep" --wait 60 --progress=none \
		"${kvm[@]}" >"$tmp/m.out" 2>&1
	rc=$?
	msnap=$(python3 -c 'import json,sys
e=[json.loads(l) for l in open(sys.argv[1]) if json.loads(l)["op"]=="StartSnapshot"]
print(e[-1]["snapshot"] if e else "")' "$tmp/mig.log")
	if [ $rc -eq 0 ] && [ -n "$msnap" ] && [ "$(last "$tmp/mig.log" RegisterImage snapshot)" = "\"$msnap\"" ] &&
		grep -q "arrived" "$tmp/m.out"; then
		ok "migrate --launch to ebs://: the disk streamed into $msnap, registered from it, run, arrived (the move id read from the moved disk)"
	else fail "migrate --launch ebs://" "rc $rc snap '$msnap': $(tail -5 "$tmp/m.out")"; fi
	python3 - "$mnt/var/lib/cloudmove/record.json" <<'PY' && ok "the source's record: the move launched (image, instance) and arrived" || fail "record" "$(cat "$mnt/var/lib/cloudmove/record.json")"
import json, sys
m = json.load(open(sys.argv[1]))["stays"][-1]["move"]
assert m["target"] == "aws" and m["arrived"] is True, m
assert (m["instance_id"] or "").startswith("i-") and (m["image_id"] or "").startswith("ami-"), m
PY
else
	skip "migrate --launch to ebs://" "needs root and loop devices"
fi

# --- the commands: cloudmove launch, cloudmove retire -----------------------------------------------
awsroot=$here/detect/aws-nitro-c5-vendor/root	# the machine's evidence: an aws Nitro guest
start_md md2
: >"$tmp/cli.log"
start_server cli --instance-cmd "$tmp/instance.sh"
cp -r "$tmp/main/snapshots" "$tmp/cli/"
cep=http://127.0.0.1:$port
if "$bin" launch --target aws --image "$image" --spec "$tmp/spec" --creds "$tmp/creds" \
	--api-endpoint "$cep" --wait 30 --move-id "$move" --json >"$tmp/l.out" 2>"$tmp/l.err"; then
	r=$(python3 -c 'import json,sys
j=json.load(open(sys.argv[1]))
print(j); sys.exit(0 if j["arrived"] and j["move_id"]==sys.argv[2] and j["instance_id"].startswith("i-") and j["image_id"].startswith("ami-") else 1)' "$tmp/l.out" "$move") \
		&& ok "cloudmove launch --target aws --image ebs://...: arrived, exit 0 ($(grep -c . "$tmp/l.err") progress lines)" || fail "cloudmove launch" "$r"
else fail "cloudmove launch" "$(cat "$tmp/l.out" "$tmp/l.err")"; fi
if "$bin" retire --metadata-endpoint "127.0.0.1:$mdport" --api-endpoint "$cep" --detect-root "$awsroot" \
	--json >"$tmp/r.out" 2>"$tmp/r.err"; then
	r=$(python3 -c 'import json,sys
e=[json.loads(l) for l in open(sys.argv[1])]
stop=[x for x in e if x["op"]=="StopInstances"][-1]
arr=max(x["t"] for x in e if x["op"]=="GetConsoleOutput")
print(stop); sys.exit(0 if stop["principal"]==sys.argv[2] and stop["token"] and stop["instance"]==sys.argv[3] and stop["status"]==200 and arr < stop["t"] else 1)' \
		"$tmp/cli.log" "$role_akid" "$src_id") \
		&& ok "cloudmove retire: StopInstances of $src_id with the IMDS role's key and token, after the arrival (log order)" || fail "cloudmove retire" "$r"
else fail "cloudmove retire" "$(cat "$tmp/r.out" "$tmp/r.err")"; fi
if "$bin" retire --mode delete --metadata-endpoint "127.0.0.1:$mdport" --api-endpoint "$cep" \
	--detect-root "$awsroot" >"$tmp/r.out" 2>"$tmp/r.err" && [ "$(last "$tmp/cli.log" TerminateInstances instance)" = "\"$src_id\"" ]; then
	ok "cloudmove retire --mode delete: TerminateInstances of $src_id"
else fail "cloudmove retire --mode delete" "$(cat "$tmp/r.out" "$tmp/r.err")"; fi
start_server cdeny --deny-retire
if "$bin" retire --metadata-endpoint "127.0.0.1:$mdport" --api-endpoint "http://127.0.0.1:$port" \
	--detect-root "$awsroot" >"$tmp/r.out" 2>"$tmp/r.err"; then fail "cloudmove retire denied" "retired"
else
	grep -q "UnauthorizedOperation" "$tmp/r.err" && grep -q "aws ec2 stop-instances --region us-west-2 --instance-ids $src_id" "$tmp/r.err" &&
		! grep -q "$role_secret\|$role_token" "$tmp/r.err" "$tmp/r.out" \
		&& ok "cloudmove retire refused (403): exit 1, the command to finish named, no secret" || fail "cloudmove retire denied" "$(cat "$tmp/r.err")"
fi
echo "# ${SECONDS}s"
suite_end
