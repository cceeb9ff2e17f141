#!/bin/bash
# run-retire.sh CLOUDMOVE — `cloudmove retire`, the generic flow: its usage
# (exit 2, one line), delete never implied (only `--mode delete` spelt out;
# stop otherwise), a machine not in a cloud and a cloud whose API we do not
# speak (exit 1, one line saying so), and a cloud machine with no identity
# (its metadata refused): exit 1, nothing retired, one line naming what is
# still provisioned and billed and the command that finishes.  The
# machine's detection evidence is a fixture (--detect-root), never this
# machine; metadata goes to a refused loopback port only.
# Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-retire.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp

md=127.0.0.1:9	# refused at once: no identity to be had

retire() {	# retire FIXTURE ARGS... -> $tmp/out, $tmp/err, $rc
	local fx=$1
	shift
	"$bin" retire --metadata-endpoint "$md" --timeout 500 \
		--detect-root "$here/detect/$fx/root" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

one_line() { [ "$(wc -l <"$1")" -eq "${2:-1}" ]; }

# --- usage: exit 2, the error and the usage, nothing asked of anyone
usage_case() {	# usage_case NAME ARGS...
	local name=$1
	shift
	"$bin" retire --metadata-endpoint "$md" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && grep -q "^cloudmove: retire: " "$tmp/err" &&
		grep -q "^usage: cloudmove retire" "$tmp/err" && [ ! -s "$tmp/out" ]; then
		ok "usage: $name: exit 2, one line and the usage"
	else
		fail "usage: $name" "rc $rc $(cat "$tmp/out" "$tmp/err")"
	fi
}
usage_case "unexpected argument" now
usage_case "unknown option" --force
usage_case "--mode without a value" --mode
usage_case "--mode bogus" --mode halt
usage_case "--api-endpoint not http(s)" --api-endpoint ftp://127.0.0.1:1
usage_case "--detect-root not a directory" --detect-root "$tmp/none"
usage_case "--metadata-endpoint not HOST:PORT" --metadata-endpoint nowhere

"$bin" retire --help >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && grep -q "^usage: cloudmove retire \[--mode stop|delete\]" "$tmp/out" &&
	ok "--help: the usage, exit 0" || fail "--help" "rc $rc $(cat "$tmp/out" "$tmp/err")"

# --- delete is never implied: not abbreviated, not capitalised, not a flag
for word in del DELETE Delete terminate destroy "delete " ""; do
	usage_case "--mode '$word' is not delete" --mode "$word"
done
usage_case "--delete is no option" --delete
retire aws-nitro-c5-vendor --json
mode=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mode"])' "$tmp/out" 2>/dev/null)
[ "$mode" = stop ] && ok "no --mode: stop (the disks kept)" || fail "default mode" "mode '$mode' $(cat "$tmp/out")"
retire aws-nitro-c5-vendor --json --mode delete
mode=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["mode"])' "$tmp/out" 2>/dev/null)
[ "$mode" = delete ] && ok "--mode delete: delete, asked by name" ||
	fail "--mode delete" "mode '$mode' $(cat "$tmp/out")"

# --- not in a cloud: nothing to ask, one line, exit 1
for fx in baremetal-dell-poweredge-r640 kvm-qemu-q35-fedora; do
	retire "$fx"
	if [ $rc -eq 1 ] && one_line "$tmp/err" &&
		grep -q "^cloudmove: retire: not in a cloud (detected [a-z]*): no API to ask; power it off where it runs$" "$tmp/err"; then
		ok "$fx: not in a cloud: exit 1, one line"
	else
		fail "$fx: not in a cloud" "rc $rc $(cat "$tmp/out" "$tmp/err")"
	fi
done

# --- a cloud whose API we do not speak: exit 1, one line, what is billed
for fx in digitalocean-droplet hetzner-cloud-sys-vendor; do
	cloud=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cloud"])' \
		"$here/detect/$fx/expected.json")
	retire "$fx"
	if [ $rc -eq 1 ] && one_line "$tmp/err" && [ ! -s "$tmp/out" ] &&
		grep -q "^cloudmove: retire: $cloud: no API we speak; power off (\`poweroff\`) and delete it in $cloud's console or CLI: .*provisioned and billed$" "$tmp/err"; then
		ok "$cloud: no API we speak: exit 1, one line naming what stays billed"
	else
		fail "$cloud: no API" "rc $rc $(cat "$tmp/out" "$tmp/err")"
	fi
done

# --- aws, gcp, azure with no identity (the metadata refused): never
# retired, the last line names what stays billed and how to finish.  (A
# cloud file still a stub says "no API we speak", the same way.)
for fx in aws-nitro-c5-vendor gcp-gce-2017 azure-chassis-wott; do
	cloud=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cloud"])' \
		"$here/detect/$fx/expected.json")
	retire "$fx" --json
	last=$(grep "^cloudmove: retire: $cloud: " "$tmp/err" | tail -1)
	retired=$(python3 -c 'import json,sys; j = json.load(open(sys.argv[1]))
print(j["retired"], j["cloud"], bool(j["billed"]), bool(j["finish"]))' "$tmp/out" 2>/dev/null)
	if [ $rc -eq 1 ] && [ "$retired" = "False $cloud True True" ] &&
		[[ $last == *"billed"*"to finish: "* || $last == *"no API we speak"*"billed" ]]; then
		ok "$cloud: no identity: exit 1, not retired, what stays billed and how to finish"
	else
		fail "$cloud: no identity" "rc $rc [$retired] $(cat "$tmp/out" "$tmp/err")"
	fi
done

# --- the move's side: after=retire needs a launch (nothing else can have
# arrived); refused before anything is moved, one line
mig() {	# mig ARGS... -> $rc, $tmp/out, $tmp/err
	"$bin" migrate --target gcp --dest "file://$tmp/never.tar.gz" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
mig --after retire
[ $rc -eq 2 ] && grep -q "^cloudmove: migrate: --after retire needs --launch (and a --wait above 0): without a launch nothing can have arrived" "$tmp/err" &&
	[ ! -e "$tmp/never.tar.gz" ] && ok "migrate --after retire without --launch: exit 2, nothing moved" ||
	fail "migrate --after retire without --launch" "rc $rc $(cat "$tmp/out" "$tmp/err")"
printf 'name = x\n' >"$tmp/some.spec"
mig --after retire --launch "$tmp/some.spec" --wait 0
[ $rc -eq 2 ] && grep -q "^cloudmove: migrate: --after retire needs --launch (and a --wait above 0)" "$tmp/err" &&
	[ ! -e "$tmp/never.tar.gz" ] && ok "migrate --after retire --launch --wait 0 (no arrival awaited): exit 2" ||
	fail "migrate --after retire --wait 0" "rc $rc $(cat "$tmp/out" "$tmp/err")"
mig --after poweroff --retire-mode delete
[ $rc -eq 2 ] && grep -q "^cloudmove: migrate: --retire-mode and --retire-api-endpoint go with --after retire" "$tmp/err" &&
	ok "migrate --retire-mode without --after retire: exit 2" ||
	fail "migrate --retire-mode alone" "rc $rc $(cat "$tmp/out" "$tmp/err")"
for word in del DELETE terminate ""; do
	mig --after retire --retire-mode "$word"
	[ $rc -eq 2 ] && grep -q "^cloudmove: migrate: --retire-mode: 'stop' or 'delete', not '$word'" "$tmp/err" &&
		ok "migrate --retire-mode '$word': exit 2, delete only by name" ||
		fail "migrate --retire-mode '$word'" "rc $rc $(cat "$tmp/out" "$tmp/err")"
done
mig --after reboot2
[ $rc -eq 2 ] && grep -q "is not continue, reboot, poweroff or retire" "$tmp/err" &&
	ok "migrate --after: retire among the words" || fail "migrate --after words" "rc $rc $(cat "$tmp/err")"

# The kernel command line: the same rule; the boot goes on (the source as
# it was: nothing was done), through the rescue shell or straight on
root=$tmp/root
cp -a "$here/adapt/aws-debian12/root" "$root"
snap() { (cd "$root" && find . -type f -print0 | sort -z | xargs -0 -r sha256sum); }
before=$(snap)
kboot() {	# kboot CMDLINE -> $rc, $tmp/out, $tmp/err, $tmp/run/after
	printf '%s\n' "$1" >"$tmp/cmdline"
	mkdir -p "$tmp/run"
	rm -f "$tmp/run/after"
	CM_RUNDIR=$tmp/run "$bin" boot --root "$root" --cmdline "$tmp/cmdline" \
		--metadata-endpoint "$md" --detect-root "$here/detect/aws-nitro-c5-vendor/root" \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
}
kboot "ro cloudmove.target=gcp cloudmove.dest=file://$tmp/never.tar.gz cloudmove.after=retire"
if [ $rc -eq 0 ] && grep -q "^cloudmove: cloudmove.after=retire needs cloudmove.launch= (and a cloudmove.wait= above 0): without a launch nothing can have arrived.*; the source is as it was: rescue shell" "$tmp/out" &&
	[ "$(cat "$tmp/run/after" 2>/dev/null)" = rescue ] && [ ! -e "$tmp/never.tar.gz" ] &&
	[ "$(snap | grep -v var/lib/cloudmove)" = "$(echo "$before" | grep -v var/lib/cloudmove)" ]; then
	ok "cloudmove.after=retire without cloudmove.launch=: not moving, one line, the rescue shell"
else
	fail "boot after=retire without launch" "rc $rc [$(cat "$tmp/run/after" 2>/dev/null)] $(cat "$tmp/out" "$tmp/err")"
fi
kboot "ro cloudmove.target=gcp cloudmove.dest=file://$tmp/never.tar.gz cloudmove.after=retire cloudmove.launch=/etc/cloudmove/gcp.spec cloudmove.wait=0"
[ $rc -eq 0 ] && [ "$(cat "$tmp/run/after" 2>/dev/null)" = rescue ] && [ ! -e "$tmp/never.tar.gz" ] &&
	grep -q "needs cloudmove.launch= (and a cloudmove.wait= above 0)" "$tmp/out" &&
	ok "cloudmove.after=retire with cloudmove.wait=0 (no arrival awaited): not moving" ||
	fail "boot after=retire wait=0" "rc $rc $(cat "$tmp/out" "$tmp/err")"
kboot "ro cloudmove.target=gcp cloudmove.dest=file://$tmp/never.tar.gz cloudmove.after=retire cloudmove.onfail=boot"
[ $rc -eq 0 ] && [ ! -e "$tmp/run/after" ] && grep -q "needs cloudmove.launch=.*booting it (cloudmove.onfail=boot)" "$tmp/out" &&
	ok "... with cloudmove.onfail=boot: the source boots at once" ||
	fail "boot after=retire onfail=boot" "rc $rc $(cat "$tmp/out" "$tmp/err")"
kboot "ro cloudmove.retire=Delete cloudmove.after=retire rd.cloudmove.retire_api_endpoint=ftp://x"
grep -q "^cloudmove: warning: cloudmove.retire=Delete: expected stop or delete; stop$" "$tmp/out" &&
	grep -q "^cloudmove: warning: rd.cloudmove.retire_api_endpoint: not an http(s):// URL, ignored$" "$tmp/out" &&
	! grep -q "unknown key" "$tmp/out" && ok "cloudmove.retire=Delete: a warning, and stop" ||
	fail "cloudmove.retire= warnings" "$(cat "$tmp/out" "$tmp/err")"

# --- against the clouds' control-plane emulators (lib/*_server.py) and the
# test metadata server's identities: stop by default (never a delete),
# delete only by name, refusals (no identity, 403) as one line naming
# what stays billed and the cloud's own command; the emulator's log names
# the op, the identity that signed it and the machine's own instance.
mdserve() {	# mdserve NAME CLOUD [args]: a metadata server, HOST:PORT in $md
	suite_bg python3 "$here/metadata/mdserver.py" --cloud "$2" --port 0 --port-file "$tmp/$1.mdport" \
		"${@:3}" 2>"$tmp/$1.mderr"
	suite_wait_file "$tmp/$1.mdport" 600 || suite_abort "mdserver $1 did not start: $(cat "$tmp/$1.mderr")"
	md=127.0.0.1:$(cat "$tmp/$1.mdport")
}
emulate() {	# emulate NAME SERVER [args]: a control plane, its URL in $api, log $tmp/NAME/log
	mkdir -p "$tmp/$1"
	suite_bg python3 "$here/lib/$2" --state "$tmp/$1/state" --port-file "$tmp/$1/port" \
		--log "$tmp/$1/log" "${@:3}" 2>"$tmp/$1/err"
	suite_wait_file "$tmp/$1/port" 600 || suite_abort "$2 $1 did not start: $(cat "$tmp/$1/err")"
	api=http://127.0.0.1:$(cat "$tmp/$1/port")
}
calls() {	# calls LOG: "op principal instance status" per line
	python3 -c 'import json, sys
for l in open(sys.argv[1]):
    j = json.loads(l)
    print(j["op"], j["principal"], j["instance"], j["status"])' "$1" 2>/dev/null
}
eretire() {	# eretire FIXTURE MD API ARGS... -> $rc, $tmp/out, $tmp/err
	local fx=$1 m=$2 a=$3
	shift 3
	"$bin" retire --metadata-endpoint "$m" --api-endpoint "$a" \
		--detect-root "$here/detect/$fx/root" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
secret_free() { ! grep -qF -e "$1" "$tmp/out" "$tmp/err"; }

# azure: IMDS's managed identity -> deallocate (stop: compute billing ends) / DELETE
if [ -f "$here/lib/arm_server.py" ]; then
	AZ_SUB=xxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxx AZ_RG=macikgo-test-may-23 AZ_VM=examplevmname
	az_scope=$AZ_SUB/$AZ_RG/$AZ_VM
	az_tok=mi.$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
	mdserve az azure --azure-mi-token "$az_tok"
	az_md=$md
	mdserve az-noid azure --azure-no-identity
	az_noid=$md
	emulate az arm_server.py --existing-vm "$az_scope" --mi-token "$az_tok=$az_scope" \
		--existing-vm "$AZ_SUB/$AZ_RG/other-vm"
	eretire azure-chassis-wott "$az_md" "$api"
	if [ $rc -eq 0 ] && [ "$(calls "$tmp/az/log")" = "Deallocate mi:$AZ_VM $AZ_VM 202" ] &&
		grep -q "^cloudmove: retire: azure: VM $AZ_VM (.*) deallocated through the azure API; its disks are kept" "$tmp/out" &&
		secret_free "$az_tok"; then
		ok "azure: no --mode: deallocate of its own VM with the managed identity, exit 0"
	else
		fail "azure stop" "rc $rc $(cat "$tmp/out" "$tmp/err") $(calls "$tmp/az/log")"
	fi
	: >"$tmp/az/log"
	eretire azure-chassis-wott "$az_md" "$api" --mode delete --json
	if [ $rc -eq 0 ] && [ "$(calls "$tmp/az/log")" = "DeleteVM mi:$AZ_VM $AZ_VM 202" ] &&
		python3 -c 'import json, sys; j = json.load(open(sys.argv[1]))
assert j["retired"] is True and j["mode"] == "delete" and j["instance"] == sys.argv[2], j' \
			"$tmp/out" "$AZ_VM" 2>/dev/null; then
		ok "azure: --mode delete: DELETE of its own VM, --json says so"
	else
		fail "azure delete" "rc $rc $(cat "$tmp/out" "$tmp/err") $(calls "$tmp/az/log")"
	fi
	emulate az-deny arm_server.py --existing-vm "$az_scope" --mi-token "$az_tok=$az_scope" --deny-retire
	eretire azure-chassis-wott "$az_md" "$api"
	last=$(tail -1 "$tmp/err")
	if [ $rc -eq 1 ] && [ ! -s "$tmp/out" ] &&
		[ "$last" = "cloudmove: retire: azure: not deallocated (stop: the cloud refused this machine's identity or the permission); VM $AZ_VM (eastus) still runs: it and its disks are provisioned and billed; to finish: az vm deallocate --resource-group $AZ_RG --name $AZ_VM --subscription $AZ_SUB" ] &&
		[ "$(wc -l <"$tmp/err")" -le 2 ] && secret_free "$az_tok"; then
		ok "azure: 403 on deallocate: exit 1, what stays billed and the az command"
	else
		fail "azure 403" "rc $rc $(cat "$tmp/out" "$tmp/err")"
	fi
	: >"$tmp/az/log"
	eretire azure-chassis-wott "$az_noid" "http://127.0.0.1:$(cat "$tmp/az/port")"
	last=$(tail -1 "$tmp/err")
	if [ $rc -eq 1 ] && [ ! -s "$tmp/az/log" ] &&
		[[ $last == "cloudmove: retire: azure: not deallocated (identity: "*"; to finish: az vm deallocate --resource-group $AZ_RG --name $AZ_VM --subscription $AZ_SUB" ]]; then
		ok "azure: no managed identity: nothing asked of ARM, exit 1, the az command"
	else
		fail "azure no identity" "rc $rc $(cat "$tmp/out" "$tmp/err") $(calls "$tmp/az/log")"
	fi
else
	skip "azure: no lib/arm_server.py"
fi

# aws: IMDSv2's role credentials (session token included) -> StopInstances /
# TerminateInstances of its own instance id
if [ -f "$here/lib/ec2_server.py" ]; then
	aws_id=i-1234567890abcdef0	# the metadata fixture's instance-id (us-west-2)
	role_akid=ASIARETIRETEST01 role_secret=retire-secret-$$ role_token="IQoJb3JpZ2luX2Vj/retire+token/$$="
	aws_role=$role_akid:$role_secret:$role_token
	mdserve aws aws --aws-role-creds "$aws_role"
	aws_md=$md
	mdserve aws-norole aws --aws-no-role
	aws_norole=$md
	emulate aws ec2_server.py --key "$aws_role" --instance "$aws_id:m5.large"
	eretire aws-nitro-c5-vendor "$aws_md" "$api"
	if [ $rc -eq 0 ] && [ "$(calls "$tmp/aws/log")" = "StopInstances $role_akid $aws_id 200" ] &&
		grep -q "^cloudmove: retire: aws: instance $aws_id (us-west-2) stopped through the aws API; its disks are kept" "$tmp/out" &&
		secret_free "$role_secret" && secret_free "$role_token"; then
		ok "aws: no --mode: StopInstances of its own instance with the IMDS role's key, exit 0"
	else
		fail "aws stop" "rc $rc $(cat "$tmp/out" "$tmp/err") $(calls "$tmp/aws/log")"
	fi
	: >"$tmp/aws/log"
	eretire aws-nitro-c5-vendor "$aws_md" "$api" --mode delete
	[ $rc -eq 0 ] && [ "$(calls "$tmp/aws/log")" = "TerminateInstances $role_akid $aws_id 200" ] &&
		grep -q "^cloudmove: retire: aws: instance $aws_id (us-west-2) deleted through the aws API$" "$tmp/out" &&
		ok "aws: --mode delete: TerminateInstances of its own instance" ||
		fail "aws delete" "rc $rc $(cat "$tmp/out" "$tmp/err") $(calls "$tmp/aws/log")"
	emulate aws-deny ec2_server.py --key "$aws_role" --instance "$aws_id:m5.large" --deny-retire
	eretire aws-nitro-c5-vendor "$aws_md" "$api"
	last=$(tail -1 "$tmp/err")
	if [ $rc -eq 1 ] && [ ! -s "$tmp/out" ] && [ "$(wc -l <"$tmp/err")" -le 2 ] &&
		[ "$last" = "cloudmove: retire: aws: not stopped (stop: the cloud refused this machine's identity or the permission); instance $aws_id (us-west-2) still runs: it and its disks are provisioned and billed; to finish: aws ec2 stop-instances --region us-west-2 --instance-ids $aws_id" ] &&
		secret_free "$role_secret" && secret_free "$role_token"; then
		ok "aws: 403 on StopInstances: exit 1, what stays billed and the aws command"
	else
		fail "aws 403" "rc $rc $(cat "$tmp/out" "$tmp/err")"
	fi
	: >"$tmp/aws/log"
	eretire aws-nitro-c5-vendor "$aws_norole" "http://127.0.0.1:$(cat "$tmp/aws/port")"
	last=$(tail -1 "$tmp/err")
	if [ $rc -eq 1 ] && [ ! -s "$tmp/aws/log" ] &&
		[[ $last == "cloudmove: retire: aws: not stopped (identity: "*"; to finish: aws ec2 stop-instances "*"--instance-ids $aws_id" ]]; then
		ok "aws: no IAM role: nothing asked of EC2, exit 1, the aws command"
	else
		fail "aws no role" "rc $rc $(cat "$tmp/out" "$tmp/err") $(calls "$tmp/aws/log")"
	fi
else
	skip "aws: no lib/ec2_server.py"
fi

# --- the move, end to end, from the kernel command line (`cloudmove boot`
# on a loop disk, the root read-only as the initramfs has it): a gcp
# source moves to gcp (one GCE emulator holds both the source instance
# and the target's project; the image goes through the GCS server), the
# target's instance prints the arrival line, and only then the source
# stops itself with the metadata server's token.  Arrival never seen:
# nothing retired, the source boots.  A 403 on stop: it powers off as
# before and says how to finish.  The emulator's log shows the order.
move_e2e() {
	local gcs=$here/lib/gcs_server.py gce=$here/lib/gce_server.py
	local sa=launcher@test-project.iam.gserviceaccount.com
	local sa_md=123456789012-compute@developer.gserviceaccount.com
	local sa_key=key-launcher@test-project.iam.gserviceaccount.com
	local mdtok="ya29.md-retire-$$" disk=$tmp/src-disk.img mnt=$tmp/src-mnt
	if [ "$(id -u)" != 0 ] || ! losetup -f >/dev/null 2>&1; then
		skip "the move end to end" "needs root and loop devices"
		return
	fi
	if [ ! -f "$gce" ] || [ ! -f "$gcs" ]; then
		skip "the move end to end" "no lib/gce_server.py or lib/gcs_server.py"
		return
	fi
	mkdir -p "$tmp/gcsdata" "$mnt"
	suite_bg python3 "$gcs" --data "$tmp/gcsdata" --token ya29.gcs --bucket bkt \
		--port-file "$tmp/gcs.port" 2>"$tmp/gcs.err"
	suite_wait_file "$tmp/gcs.port" 600 || { fail "the move end to end" "gcs_server did not start"; return; }
	mdserve mv gcp --gcp-token "$mdtok"
	mv_md=$md
	cat >"$tmp/instance.sh" <<'EOT'
#!/bin/sh
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["labels"].get("cloudmove-move-id",""))' "$CM_INSTANCE_META")
echo "SeaBIOS (version 1.16)" >>"$CM_INSTANCE_CONSOLE"
sleep 0.5
[ -e "$(dirname "$0")/silent" ] && exec sleep 600
echo "cloudmove: arrived in gcp from gcp (move $id)" >>"$CM_INSTANCE_CONSOLE"
exec sleep 600
EOT
	chmod +x "$tmp/instance.sh"
	# the source disk: a partition with the root, its launch spec and creds
	local rootdir=$tmp/src-root
	cp -a "$here/adapt/aws-debian12/root" "$rootdir"
	mkdir -p "$rootdir/etc/cloudmove"
	printf 'project = test-project\nzone = us-central1-a\nmachine_type = e2-small\nname = moved-1\n' \
		>"$rootdir/etc/cloudmove/gcp.spec"
	# the stream's token, and the control plane's key file: a path of the
	# installed root (read under it, as the creds file is)
	python3 - "$sa_key" "$rootdir/etc/cloudmove/launcher.json" <<'EOT'
import json, os, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pem = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                      serialization.NoEncryption()).decode()
with open(sys.argv[2], "w") as f:
    json.dump({"type": "service_account", "project_id": "test-project",
               "private_key": pem, "client_email": sys.argv[1],
               "token_uri": "https://oauth2.googleapis.com/token"}, f)
EOT
	chmod 600 "$rootdir/etc/cloudmove/launcher.json"
	printf 'gcp_access_token = ya29.gcs\ngcp_service_account = /etc/cloudmove/launcher.json\n' \
		>"$rootdir/etc/cloudmove/creds"
	chmod 600 "$rootdir/etc/cloudmove/creds"
	truncate -s 48M "$disk"
	printf 'label: dos\nstart=2048, type=83\n' | sfdisk -q "$disk"
	mkfs.ext4 -q -F -E offset=$((2048 * 512)) -L root -d "$rootdir" "$disk" 40M
	mv_part=$(losetup -f --show -o $((2048 * 512)) --sizelimit $((40 << 20)) "$disk")
	suite_on_exit 'mountpoint -q "$tmp/src-mnt" && umount "$tmp/src-mnt"; losetup -d "$mv_part"'
	mount -o ro "$mv_part" "$mnt" || { fail "the move end to end" "cannot mount the source"; return; }

	mv_boot() {	# mv_boot NAME [KEY=VALUE...]: one boot that moves; $rc, $tmp/NAME.out
		local name=$1
		shift
		emulate "$name" gce_server.py --project example-project --project test-project \
			--token "ya29.gcs=$sa" --token "$mdtok=$sa_md" --instance us-central1-a/instance-1 \
			--gcs-data "$tmp/gcsdata" --instance-cmd "$tmp/instance.sh" --op-delay 0.1 \
			--service-account "$tmp/src-root/etc/cloudmove/launcher.json" "$@"
		printf '%s\n' "ro cloudmove.target=gcp cloudmove.dest=gs://bkt/$name.tar.gz?endpoint=http://127.0.0.1:$(cat "$tmp/gcs.port") cloudmove.creds=/etc/cloudmove/creds cloudmove.launch=/etc/cloudmove/gcp.spec cloudmove.wait=${MV_WAIT:-60} rd.cloudmove.api_endpoint=$api rd.cloudmove.retire_api_endpoint=$api cloudmove.after=retire cloudmove.onfail=boot ${MV_KEYS:-}" >"$tmp/$name.cmdline"
		mkdir -p "$tmp/run"
		rm -f "$tmp/run/after"
		CM_RUNDIR=$tmp/run "$bin" boot --root "$mnt" --cmdline "$tmp/$name.cmdline" \
			--metadata-endpoint "$mv_md" --detect-root "$here/detect/${MV_SOURCE:-gcp-gce-2017}/root" \
			>"$tmp/$name.out" 2>&1
		rc=$?
	}
	move_of() { python3 -c 'import json, sys
m = json.load(open(sys.argv[1]))["stays"][-1]["move"]
print(m["arrived"], m["retired"], (m.get("failed") or {}).get("step"))' "$mnt/var/lib/cloudmove/record.json" 2>&1; }

	# 1. arrived, then stopped: after the arrival in the emulator's log
	mv_boot mv1
	local order
	order=$(python3 - "$tmp/mv1/log" "$sa_md" "$sa_key" <<'EOT'
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
# the launch signed in with the key file on the root, not the stream's token
made = [l for l in ls if l["op"] in ("images.insert", "instances.insert")]
assert len(made) == 2 and all(l["principal"] == sys.argv[3] for l in made), made
serial = [l["t"] for l in ls if l["op"] == "instances.getSerialPortOutput"]
stops = [l for l in ls if l["op"] == "instances.stop"]
dels = [l for l in ls if l["op"] == "instances.delete"]
assert serial and len(stops) == 1 and not dels, [l["op"] for l in ls]
s = stops[0]
assert s["principal"] == sys.argv[2] and s["instance"] == "instance-1" and s["status"] == 200, s
assert max(serial) < s["t"], "stop before the arrival was read"
print("ok")
EOT
)
	if [ $rc -eq 0 ] && [ "$order" = ok ] && [ "$(cat "$tmp/run/after" 2>/dev/null)" = poweroff ] &&
		grep -q "^cloudmove: retire: gcp: instance instance-1 (us-central1-a) stopped through the gcp API" "$tmp/mv1.out" &&
		grep -q "^cloudmove: migrate: poweroff now (cloudmove.after=retire)$" "$tmp/mv1.out" &&
		[ "$(move_of)" = "True stop None" ] &&
		compgen -G "$mnt/var/lib/cloudmove/spool/*-retired.json" >/dev/null &&
		grep -q '"type":"io.cloudmove.move.retired"' "$mnt"/var/lib/cloudmove/spool/*-retired.json; then
		ok "move gcp → gcp, after=retire: arrived, then instances.stop of instance-1 with the metadata token (log order), record and event say stop, power off"
	else
		fail "move with retire" "rc $rc [$order] [$(cat "$tmp/run/after" 2>/dev/null)] [$(move_of)] $(grep -v progress "$tmp/mv1.out" | tail -15)"
	fi
	! grep -qF "$mdtok" "$tmp/mv1.out" && ok "... no token in the console lines" || fail "token printed"

	# 2. arrival never seen: nothing retired, the source boots
	touch "$tmp/silent"
	MV_WAIT=3 mv_boot mv2
	rm -f "$tmp/silent"
	if [ $rc -eq 0 ] && ! grep -q '"op": "instances.stop"' "$tmp/mv2/log" && [ ! -e "$tmp/run/after" ] &&
		grep -q "^cloudmove: retire: nothing retired: the target's arrival was not seen; the source boots as itself$" "$tmp/mv2.out" &&
		[ "$(move_of | cut -d' ' -f1-2)" = "False None" ]; then
		ok "arrival never seen: nothing retired (no stop in the log), one line, the source boots"
	else
		fail "arrival never seen" "rc $rc [$(cat "$tmp/run/after" 2>/dev/null)] [$(move_of)] $(tail -8 "$tmp/mv2.out")"
	fi

	# 3. delete, asked by name: instances.delete, the record says delete
	MV_KEYS=cloudmove.retire=delete mv_boot mv4
	if [ $rc -eq 0 ] && [ "$(cat "$tmp/run/after" 2>/dev/null)" = poweroff ] &&
		grep -q '"op": "instances.delete", "principal": "'"$sa_md"'", "instance": "instance-1", "status": 200' "$tmp/mv4/log" &&
		! grep -q '"op": "instances.stop"' "$tmp/mv4/log" &&
		grep -q "^cloudmove: retire: gcp: instance instance-1 (us-central1-a) deleted through the gcp API$" "$tmp/mv4.out" &&
		[ "$(move_of)" = "True delete None" ]; then
		ok "cloudmove.retire=delete: instances.delete of instance-1 (no stop), the record says delete"
	else
		fail "retire=delete" "rc $rc [$(move_of)] $(tail -4 "$tmp/mv4.out") $(calls "$tmp/mv4/log" | tail -3)"
	fi

	# 4. a source in a cloud whose API we do not speak: powers off as
	# before, and says so (the target arrived all the same)
	MV_SOURCE=digitalocean-droplet mv_boot mv5
	if [ $rc -eq 0 ] && [ "$(cat "$tmp/run/after" 2>/dev/null)" = poweroff ] &&
		! grep -q '"op": "instances.stop"\|"op": "instances.delete"' "$tmp/mv5/log" &&
		grep -q "^cloudmove: retire: digitalocean: no API we speak; powering off as before: .*still billed.*; to finish: delete it in digitalocean's console or CLI$" "$tmp/mv5.out" &&
		[ "$(move_of)" = "True None retire" ]; then
		ok "a digitalocean source: arrived, no API we speak: powers off as before, says so; the record says failed at retire"
	else
		fail "no-API source" "rc $rc [$(cat "$tmp/run/after" 2>/dev/null)] [$(move_of)] $(tail -4 "$tmp/mv5.out")"
	fi

	# 5. the cloud refuses (403): powers off as before, the line says how to finish
	mv_boot mv3 --deny-retire
	if [ $rc -eq 0 ] && [ "$(cat "$tmp/run/after" 2>/dev/null)" = poweroff ] &&
		grep -q "^cloudmove: retire: gcp: not stopped (stop: the cloud refused .*); instance instance-1 (us-central1-a) stays provisioned, stopped from inside, its persistent disks are still billed; to finish: gcloud compute instances stop instance-1 " "$tmp/mv3.out" &&
		[ "$(move_of)" = "True None retire" ]; then
		ok "a 403 on stop: powers off as before, the line names what stays billed and the gcloud command; the record says failed at retire"
	else
		fail "403 on stop" "rc $rc [$(cat "$tmp/run/after" 2>/dev/null)] [$(move_of)] $(tail -6 "$tmp/mv3.out")"
	fi

	# 6. a quota refusal at launch: the image is kept and named, nothing
	# retired, the source boots; the line says how to continue, with the
	# paths as the operator names them (not the initramfs's /sysroot)
	mv_boot mv6 --quota-at-launch
	if [ $rc -eq 0 ] && [ ! -e "$tmp/run/after" ] &&
		! grep -q '"op": "instances.stop"\|"op": "instances.delete"' "$tmp/mv6/log" &&
		grep -q '"op": "images.insert"' "$tmp/mv6/log" &&
		grep -q "^cloudmove: launch: gcp: image .*; to continue: cloudmove launch --target gcp --image gs://bkt/mv6.tar.gz --spec /etc/cloudmove/gcp.spec --creds /etc/cloudmove/creds " "$tmp/mv6.out" &&
		grep -q "^cloudmove: retire: nothing retired: the target's arrival was not seen; the source boots as itself$" "$tmp/mv6.out" &&
		[ "$(move_of)" = "False None launch" ]; then
		ok "a quota refusal at launch: the image kept and named, nothing retired, the source boots, the line to continue names the root's paths"
	else
		fail "quota at launch" "rc $rc [$(cat "$tmp/run/after" 2>/dev/null)] [$(move_of)] $(grep -v progress "$tmp/mv6.out" | tail -8)"
	fi
}
move_e2e

# --- no credential or token in any output
if grep -rqiE "secret|token\"|AKIA|Bearer" "$tmp/out" "$tmp/err"; then
	fail "no secrets in the output" "$(cat "$tmp/out" "$tmp/err")"
else
	ok "no secrets in the output"
fi

suite_end
