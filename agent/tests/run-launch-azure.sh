#!/bin/bash
# run-launch-azure.sh CLOUDMOVE — the azure control plane (control/azure.c)
# against lib/arm_server.py (ARM + Azure AD token endpoint, on 127.0.0.1)
# and azurite (npm, the blobs the stream writes and the disk Import reads),
# with metadata/mdserver.py as the VM's IMDS (managed identity) for retire.
#
#  - the emulator's own protocol checks (self-test): api-version required,
#    bearer tokens checked, AAD refusals, LRO InProgress -> Succeeded,
#    SKU paging, the log
#  - each op through control-probe (build/*/control-probe, beside the
#    binary): login (token + subscription), describe (Resource SKUs facts),
#    import (a VHD page blob streamed by cloudmove, Import, Hyper-V
#    generation), run (NIC, VM: OS disk attached, boot diagnostics, move
#    tag), console (retrieveBootDiagnosticsData + the blob) until the
#    arrival line; retire (IMDS identity -> deallocate / DELETE) and the hint
#  - refusals: bad secret and --refuse-creds (nothing created), a size
#    that cannot boot the disk's firmware (refused before any disk), a
#    restricted or unknown size, --quota-at-launch (disk kept, no VM), a
#    blob that is not a VHD, arrival never seen, --deny-retire, no managed
#    identity, an identity acting on another VM
#  - `cloudmove launch` / `cloudmove retire` the same way, once those
#    commands exist (skipped until then)
# No secret (client secret, bearer tokens, SAS signature) in any output.
# Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-launch-azure.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
probe=$(dirname "$bin")/control-probe
[ -x "$probe" ] || probe=$(dirname "$bin")/musl/control-probe
AZURITE_VERSION=3.37.0
# shellcheck source=agent/tests/lib/suite.sh
. "$here/lib/suite.sh"
suite_tmp
[ -x "$probe" ] || suite_abort "no control-probe beside $bin (make $(dirname "$bin")/control-probe)"

KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
TENANT=72f988bf-86f1-41af-91ab-2d7cd011db47
CLIENT=0f9c0f66-6b5a-4bd0-9a36-2b4c6a1b0c01
SECRET='cm~test~secret~0123456789abcdef'
SUB=5f4e3d2c-1b0a-4f9e-8d7c-6b5a49382716
RG=rg-cloudmove
SUBNET=/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.Network/virtualNetworks/vnet1/subnets/default
# the source VM, as the metadata fixture names it
MD_SUB=xxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxx MD_RG=macikgo-test-may-23 MD_VM=examplevmname
MI_TOKEN=mi.$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
MOVE=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')

secret_free() { ! grep -qF -e "$SECRET" -e "$MI_TOKEN" -e "eyJ0eXAiOiJKV1QifQ." -e "sig=" "$@"; }

# --- azurite, the image streamed as a fixed VHD ---------------------------------
# shellcheck source=agent/tests/lib/npm.sh
. "$here/lib/npm.sh"
azurite=$(npm_bin azurite "$AZURITE_VERSION" azurite-blob) ||
	suite_abort "npm install azurite@$AZURITE_VERSION failed"
bport=$(suite_free_port)
mkdir -p "$tmp/azurite"
suite_bg "$azurite" --blobHost 127.0.0.1 --blobPort "$bport" --location "$tmp/azurite" \
	--disableTelemetry --silent >"$tmp/azurite.log" 2>&1
suite_wait_port "$bport" || suite_abort "azurite did not start: $(cat "$tmp/azurite.log")"
blob=http://127.0.0.1:$bport/devstoreaccount1
python3 "$here/lib/azblob.py" mkcontainer "$blob/images" || suite_abort "no container"
printf 'azure_account_name = devstoreaccount1\nazure_account_key = %s\n' "$KEY" >"$tmp/blobcreds"
printf 'azure_tenant_id = %s\nazure_client_id = %s\nazure_client_secret = %s\n' \
	"$TENANT" "$CLIENT" "$SECRET" >"$tmp/creds"
printf 'azure_tenant_id = %s\nazure_client_id = %s\nazure_client_secret = wrong-%s\n' \
	"$TENANT" "$CLIENT" "$SECRET" >"$tmp/badcreds"
chmod 600 "$tmp/blobcreds" "$tmp/creds" "$tmp/badcreds"
img=$tmp/disk.img
truncate -s 24M "$img"
head -c 65536 /dev/urandom | dd of="$img" conv=notrunc status=none
head -c 4096 /dev/urandom | dd of="$img" bs=1M seek=20 conv=notrunc status=none
if "$bin" stream --source "$img" --dest "$blob/images/disk.vhd" --format vhd \
	--creds "$tmp/blobcreds" --progress=none 2>"$tmp/err"; then
	ok "the image streamed to azurite as a fixed VHD page blob"
else fail "stream" "$(cat "$tmp/err")"; fi
"$bin" stream --source "$img" --dest "$blob/images/disk.raw" --format raw \
	--creds "$tmp/blobcreds" --progress=none 2>/dev/null
IMAGE=https://devstoreaccount1.blob.core.windows.net/images/disk.vhd

# --- the instance: appends the arrival line with the VM's move tag -------------
cat >"$tmp/instance.sh" <<'EOF'
#!/bin/sh
# a fast "VM": prints what a moved image's first boot prints
d=$(dirname "$CM_INSTANCE_DISK")
move=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["tags"].get("cloudmove-move-id", ""))' "$d/vm.json")
# a test may make it another move's line
[ -s "$(dirname "$0")/fake-move" ] && move=$(cat "$(dirname "$0")/fake-move")
echo "$CM_INSTANCE_CLOUD $CM_INSTANCE_ID $CM_INSTANCE_TYPE $CM_INSTANCE_BOOT_MODE" >"$d/env"
sleep 0.3
printf 'Linux version 6.1.0\r\n' >>"$CM_INSTANCE_CONSOLE"
printf 'cloudmove: arrived in azure from aws (move %s)\r\n' "$move" >>"$CM_INSTANCE_CONSOLE"
exec sleep 600
EOF
chmod +x "$tmp/instance.sh"

# arm NAME [args]: an emulator in $tmp/NAME (state, log), its URL in $arm
arm() {
	local name=$1
	shift
	mkdir -p "$tmp/$name"
	suite_bg python3 "$here/lib/arm_server.py" --state "$tmp/$name/state" --port-file "$tmp/$name/port" \
		--log "$tmp/$name/log" --tenant "$TENANT" --client-id "$CLIENT" \
		--client-secret "$SECRET" --subscription "$SUB" --resource-group "$RG" \
		--blob-endpoint "http://127.0.0.1:$bport" --instance-cmd "$tmp/instance.sh" \
		--lro-delay 0.2 "$@" 2>"$tmp/$name/err"
	suite_wait_file "$tmp/$name/port" 600 || suite_abort "arm_server $name did not start: $(cat "$tmp/$name/err")"
	arm=http://127.0.0.1:$(cat "$tmp/$name/port")
}
spec() {	# spec FILE NAME SIZE [LOCATION]
	printf 'subscription_id = %s\nresource_group = %s\nlocation = %s\nvm_size = %s\nsubnet_id = %s\nname = %s\n' \
		"$SUB" "$RG" "${4:-eastus}" "$3" "$SUBNET" "$2" >"$1"
}
ops() { python3 -c 'import json, sys; print(" ".join(json.loads(l)["op"] for l in open(sys.argv[1])))' "$1"; }
probe() {	# probe ENDPOINT ARGS...: output in $tmp/out, errors in $tmp/err
	local ep=$1
	shift
	"$probe" azure --api-endpoint "$ep" "$@" >"$tmp/out" 2>"$tmp/err"
}
result() { sed -n 's/^result: //p' "$tmp/out"; }

# --- the emulator's self-test ----------------------------------------------------
arm main
arm_main=$arm
tok=$(curl -s -X POST -H "Host: login.microsoftonline.com" "$arm/$TENANT/oauth2/v2.0/token" \
	--data-urlencode grant_type=client_credentials --data-urlencode "client_id=$CLIENT" \
	--data-urlencode "client_secret=$SECRET" \
	--data-urlencode scope=https://management.azure.com/.default |
	python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["access_token"] if d["token_type"] == "Bearer" and d["expires_in"] == 3599 else "")')
[ -n "$tok" ] && ok "self-test: client_credentials -> a Bearer token" || fail "self-test: token"
body=$(curl -s -w ' %{http_code}' -X POST "$arm/$TENANT/oauth2/v2.0/token" \
	-d "grant_type=client_credentials&client_id=$CLIENT&client_secret=nope&scope=https%3A%2F%2Fmanagement.azure.com%2F.default")
grep -q '"error": "invalid_client", "error_description": "AADSTS7000215: .* 401$' <<<"$body" \
	&& ok "self-test: a wrong secret -> 401 invalid_client AADSTS7000215" || fail "self-test: wrong secret" "$body"
sub_url="$arm/subscriptions/$SUB"
st() { curl -s -o "$tmp/body" -w '%{http_code}' "$@"; }
[ "$(st -H "Authorization: Bearer $tok" "$sub_url")" = 400 ] && grep -q MissingApiVersionParameter "$tmp/body" \
	&& ok "self-test: no api-version -> 400 MissingApiVersionParameter" || fail "self-test: api-version" "$(cat "$tmp/body")"
[ "$(st -H "Authorization: Bearer $tok" "$sub_url?api-version=1999-01-01")" = 400 ] && grep -q NoRegisteredProviderFound "$tmp/body" \
	&& ok "self-test: an unknown api-version -> 400 NoRegisteredProviderFound" || fail "self-test: bad api-version" "$(cat "$tmp/body")"
[ "$(st "$sub_url?api-version=2022-12-01")" = 401 ] && grep -q AuthenticationFailed "$tmp/body" \
	&& ok "self-test: no bearer token -> 401 AuthenticationFailed" || fail "self-test: no token" "$(cat "$tmp/body")"
[ "$(st -H "Authorization: Bearer x$tok" "$sub_url?api-version=2022-12-01")" = 401 ] && grep -q InvalidAuthenticationToken "$tmp/body" \
	&& ok "self-test: a token not issued -> 401 InvalidAuthenticationToken" || fail "self-test: bad token" "$(cat "$tmp/body")"
[ "$(st -H "Authorization: Bearer $tok" "$arm/subscriptions/other?api-version=2022-12-01")" = 404 ] && grep -q SubscriptionNotFound "$tmp/body" \
	&& ok "self-test: another subscription -> 404 SubscriptionNotFound" || fail "self-test: subscription" "$(cat "$tmp/body")"
hdrs=$(curl -s -D - -o /dev/null -X PUT -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
	"$arm/subscriptions/$SUB/resourceGroups/$RG/providers/Microsoft.Network/networkInterfaces/st-nic?api-version=2024-05-01" \
	-d "{\"location\": \"eastus\", \"properties\": {\"ipConfigurations\": [{\"name\": \"c\", \"properties\": {\"subnet\": {\"id\": \"$SUBNET\"}}}]}}")
op=$(sed -n 's/^Azure-AsyncOperation: https:\/\/management.azure.com//p' <<<"$hdrs" | tr -d '\r')
s1=$(curl -s -H "Authorization: Bearer $tok" "$arm$op" | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])')
sleep 0.3
s2=$(curl -s -H "Authorization: Bearer $tok" "$arm$op" | python3 -c 'import json, sys; print(json.load(sys.stdin)["status"])')
grep -q '^HTTP/1.1 201' <<<"$hdrs" && [ "$s1" = InProgress ] && [ "$s2" = Succeeded ] \
	&& ok "self-test: PUT NIC -> 201 + Azure-AsyncOperation, InProgress then Succeeded" \
	|| fail "self-test: LRO" "$s1 $s2 $hdrs"
n=$(curl -s -H "Authorization: Bearer $tok" "$arm/subscriptions/$SUB/providers/Microsoft.Compute/skus?api-version=2021-07-01&%24filter=location%20eq%20%27westeurope%27" |
	python3 -c 'import json, sys; d = json.load(sys.stdin); print(len([s for s in d["value"] if s["locations"] == ["westeurope"]]), "nextLink" in d)')
[ "$n" = "6 False" ] && ok "self-test: Resource SKUs filtered by location" || fail "self-test: skus" "$n"
grep -q '"op": "Token", "principal": "'"$CLIENT"'", "instance": null, "status": 200' "$tmp/main/log" \
	&& grep -q '"op": "CreateNic", "principal": "'"$CLIENT"'", "instance": null, "status": 201' "$tmp/main/log" \
	&& grep -q '"op": "Unknown", "principal": null, "instance": null, "status": 401' "$tmp/main/log" \
	&& ok "self-test: the log: op, principal (client id), status per call" || fail "self-test: log" "$(head -3 "$tmp/main/log")"
: >"$tmp/main/log"

# --- login -------------------------------------------------------------------------
spec "$tmp/spec" moved1 Standard_D2s_v5
probe "$arm" --spec "$tmp/spec" --creds "$tmp/creds" login
[ "$(result)" = ok ] && [ "$(ops "$tmp/main/log")" = "Token GetSubscription" ] \
	&& ok "login: token, then GET subscription" || fail "login" "$(cat "$tmp/out" "$tmp/err")"
probe "$arm" --spec "$tmp/spec" --creds "$tmp/badcreds" login
rc=$?
if [ $rc = 1 ] && [ "$(result)" = EACCES ] && [ "$(wc -l <"$tmp/err")" = 1 ] && grep -q "AADSTS7000215" "$tmp/err" \
	&& secret_free "$tmp/err" "$tmp/out"; then
	ok "login, a wrong secret: EACCES, one line: $(cat "$tmp/err")"
else fail "login, wrong secret" "rc $rc $(cat "$tmp/out" "$tmp/err")"; fi
spec "$tmp/spec-othersub" x Standard_D2s_v5
sed -i "s/^subscription_id = .*/subscription_id = 00000000-0000-0000-0000-000000000000/" "$tmp/spec-othersub"
probe "$arm" --spec "$tmp/spec-othersub" --creds "$tmp/creds" login
[ "$(result)" = EACCES ] && grep -q SubscriptionNotFound "$tmp/err" \
	&& ok "login, a subscription not there: EACCES ($(cat "$tmp/err"))" || fail "login, subscription" "$(cat "$tmp/out" "$tmp/err")"
sed -i "s/^name = .*/name = a\/..\/b/" "$tmp/spec-othersub"
probe "$arm" --spec "$tmp/spec-othersub" --creds "$tmp/creds" login
[ "$(result)" = EINVAL ] && grep -q "spec name" "$tmp/err" \
	&& ok "a name that is no Azure name: refused before any call" || fail "spec name" "$(cat "$tmp/out" "$tmp/err")"
arm refuse --refuse-creds
probe "$arm" --spec "$tmp/spec" --creds "$tmp/creds" login
[ "$(result)" = EACCES ] && [ "$(ops "$tmp/refuse/log")" = Token ] && secret_free "$tmp/err" "$tmp/out" \
	&& ok "--refuse-creds: EACCES at the token, nothing else asked" || fail "--refuse-creds" "$(cat "$tmp/out" "$tmp/err")"

# --- describe ------------------------------------------------------------------------
facts() {	# facts SIZE [LOCATION]: the probe's facts, on one line
	spec "$tmp/spec-d" x "$1" "${2:-eastus}"
	probe "$arm_main" --spec "$tmp/spec-d" --creds "$tmp/creds" describe
	sed -n 's/^\(arch\|boot\|nvme\|drivers\|result\): //p' "$tmp/out" | paste -sd'|'
}
[ "$(facts Standard_D2s_v5)" = "x86_64|bios uefi|0|mana mlx5_core|ok" ] \
	&& ok "describe Standard_D2s_v5: x86_64, Gen1+Gen2, accelerated networking -> mana mlx5_core" \
	|| fail "describe D2s_v5" "$(facts Standard_D2s_v5)"
[ "$(facts Standard_D2ps_v5)" = "arm64|uefi|0|mana mlx5_core|ok" ] \
	&& ok "describe Standard_D2ps_v5: arm64, Gen2 only" || fail "describe D2ps_v5" "$(facts Standard_D2ps_v5)"
[ "$(facts Standard_D2s_v6)" = "x86_64|uefi|1|mana mlx5_core nvme|ok" ] \
	&& ok "describe Standard_D2s_v6: NVMe only -> nvme" || fail "describe D2s_v6" "$(facts Standard_D2s_v6)"
[ "$(facts Standard_A1_v2)" = "x86_64|bios|0||ok" ] \
	&& ok "describe Standard_A1_v2: Gen1 only, no accelerated networking" || fail "describe A1_v2" "$(facts Standard_A1_v2)"
[ "$(facts Standard_Nope)" = "ENOENT" ] && grep -q "no VM size Standard_Nope in eastus" "$tmp/err" \
	&& ok "describe an unknown size: ENOENT, one line" || fail "describe unknown" "$(cat "$tmp/out" "$tmp/err")"
[ "$(facts Standard_NC6s_v3 westeurope)" = "EDQUOT" ] && grep -q NotAvailableForSubscription "$tmp/err" \
	&& ok "describe a size restricted in the location: EDQUOT ($(cat "$tmp/err"))" \
	|| fail "describe restricted" "$(cat "$tmp/out" "$tmp/err")"
arm paged --skus-page 2
spec "$tmp/spec-d" x Standard_NC6s_v3
probe "$arm" --spec "$tmp/spec-d" --creds "$tmp/creds" describe
[ "$(result)" = ok ] && [ "$(ops "$tmp/paged/log")" = "Token GetSubscription ListSkus ListSkus ListSkus ListSkus" ] \
	&& ok "describe follows nextLink (4 pages of 2)" || fail "describe paging" "$(cat "$tmp/out" "$tmp/err") $(ops "$tmp/paged/log")"

# --- launch: import, run, console until the arrival line ----------------------------
: >"$tmp/main/log"
probe "$arm_main" --spec "$tmp/spec" --creds "$tmp/creds" launch "$IMAGE" both "$MOVE" 30
if [ "$(result)" = ok ] && grep -q '^arrived: ' "$tmp/out"; then
	ok "launch (firmware both, Standard_D2s_v5): arrived; $(grep -E '^(import|run|arrived):' "$tmp/out" | paste -sd' ')"
else fail "launch" "$(cat "$tmp/out" "$tmp/err")"; fi
state=$tmp/main/state
cmp -s -n $((24 * 1024 * 1024)) "$state/instances/moved1/disk.raw" "$img" \
	&& [ "$(stat -c %s "$state/instances/moved1/disk.raw")" = $((24 * 1024 * 1024)) ] \
	&& ok "the VM's disk is the image, byte for byte (the VHD's data, footer off)" || fail "disk" "differs"
want="Token GetSubscription ListSkus ListSkus CreateDisk GetOperation CreateNic GetOperation CreateVM GetOperation"
[ "$(ops "$tmp/main/log" | cut -d' ' -f1-10)" = "$want" ] \
	&& ok "calls in order: $want, then RetrieveBootDiagnosticsData/GetBlob" || fail "order" "$(ops "$tmp/main/log")"
check_json() {	# check_json FILE PYTHON-EXPR
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}
check_json "$state/disks/moved1-osdisk.json" "d['properties']['hyperVGeneration'] == 'V2' and d['properties']['creationData']['createOption'] == 'Import' and d['properties']['creationData']['sourceUri'] == '$IMAGE' and d['properties']['creationData']['storageAccountId'].endswith('/storageAccounts/devstoreaccount1') and d['properties']['diskState'] == 'Attached'" \
	&& ok "disk: Import from the blob (no SAS), storageAccountId, Gen2 (UEFI and BIOS disk, size boots both)" \
	|| fail "disk json" "$(cat "$state/disks/moved1-osdisk.json")"
check_json "$state/instances/moved1/vm.json" "d['tags'] == {'cloudmove-move-id': '$MOVE'} and d['properties']['diagnosticsProfile']['bootDiagnostics']['enabled'] is True and d['properties']['storageProfile']['osDisk']['createOption'] == 'Attach' and d['properties']['storageProfile']['osDisk']['osType'] == 'Linux' and d['properties']['hardwareProfile']['vmSize'] == 'Standard_D2s_v5' and d['properties']['networkProfile']['networkInterfaces'][0]['id'].endswith('/networkInterfaces/moved1-nic')" \
	&& ok "VM: OS disk attached (Linux), the NIC, boot diagnostics on, tag cloudmove-move-id" \
	|| fail "vm json" "$(cat "$state/instances/moved1/vm.json")"
check_json "$state/nics/moved1-nic.json" "d['properties']['ipConfigurations'][0]['properties']['subnet']['id'] == '$SUBNET'" \
	&& ok "NIC in the spec's subnet" || fail "nic" "$(cat "$state/nics/moved1-nic.json")"
[ "$(cat "$state/instances/moved1/env")" = "azure moved1 Standard_D2s_v5 uefi" ] \
	&& ok "the instance booted as Gen2 (uefi)" || fail "instance env" "$(cat "$state/instances/moved1/env")"
secret_free "$tmp/out" "$tmp/err" && ok "launch: no secret in the output" || fail "launch" "a secret printed"

launch_refused() {	# NAME SPEC-ARGS FIRMWARE WANT-RESULT GREP
	local name=$1 vm=$2 size=$3 fw=$4 want=$5 re=$6
	spec "$tmp/spec-$vm" "$vm" "$size"
	: >"$tmp/main/log"
	probe "$arm_main" --spec "$tmp/spec-$vm" --creds "$tmp/creds" launch "$IMAGE" "$fw" "$MOVE" "${WAIT:-20}"
	if [ "$(result)" = "$want" ] && grep -q -- "$re" "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ] \
		&& secret_free "$tmp/out" "$tmp/err"; then
		ok "$name: $want, one line: $(cat "$tmp/err")"
	else fail "$name" "$(cat "$tmp/out" "$tmp/err")"; fi
}
launch_refused "a BIOS-only disk on a Gen2-only size" bios1 Standard_D2s_v6 bios ENOTSUP "boots UEFI (Gen2) only"
! grep -q CreateDisk "$tmp/main/log" && ok "... refused before any disk was made" || fail "bios on gen2" "a disk was made"
launch_refused "a UEFI-only disk on a Gen1-only size" uefi1 Standard_A1_v2 uefi ENOTSUP "boots BIOS (Gen1) only"
probe "$arm_main" --spec "$(spec "$tmp/spec-bios" bios2 Standard_B1s; echo "$tmp/spec-bios")" --creds "$tmp/creds" \
	launch "$IMAGE" bios "$MOVE" 30
[ "$(result)" = ok ] && check_json "$state/disks/bios2-osdisk.json" "d['properties']['hyperVGeneration'] == 'V1'" \
	&& [ "$(cat "$state/instances/bios2/env")" = "azure bios2 Standard_B1s bios" ] \
	&& ok "a BIOS-only disk on a Gen1+Gen2 size: a Gen1 disk, booted bios" || fail "bios launch" "$(cat "$tmp/out" "$tmp/err")"
# a raw blob is no VHD: the import operation fails, as Azure's does
spec "$tmp/spec-raw" raw1 Standard_B1s
probe "$arm_main" --spec "$tmp/spec-raw" --creds "$tmp/creds" launch "${IMAGE%.vhd}.raw" both "$MOVE" 20
[ "$(result)" = EIO ] && grep -q "conectix" "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ] \
	&& ok "import of a blob that is not a VHD: the operation Failed, one line" || fail "raw import" "$(cat "$tmp/out" "$tmp/err")"
# arrival never seen: another move's line on the console
echo 00000000000000000000000000000000 >"$tmp/fake-move"
spec "$tmp/spec-late" late1 Standard_B1s
probe "$arm_main" --spec "$tmp/spec-late" --creds "$tmp/creds" launch "$IMAGE" both "$MOVE" 5
rm -f "$tmp/fake-move"
if [ "$(result)" = ETIMEDOUT ] && grep -q "^instance: late1" "$tmp/out" \
	&& grep -q "arrived in azure from aws (move 0000" "$state/instances/late1/console" \
	&& [ -f "$state/instances/late1/vm.json" ]; then
	ok "arrival never seen (another move's line): ETIMEDOUT, the instance named (late1), nothing deleted"
else fail "arrival never seen" "$(cat "$tmp/out" "$tmp/err")"; fi
arm quota --quota-at-launch
arm_quota=$arm
spec "$tmp/spec-q" q1 Standard_D2s_v5
probe "$arm" --spec "$tmp/spec-q" --creds "$tmp/creds" launch "$IMAGE" both "$MOVE" 20
if [ "$(result)" = EDQUOT ] && grep -q "OperationNotAllowed: .*quota" "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ] \
	&& [ -f "$tmp/quota/state/disks/q1-osdisk.json" ] && [ ! -e "$tmp/quota/state/instances/q1" ] \
	&& grep -q '^image: q1-osdisk' "$tmp/out"; then
	ok "--quota-at-launch: EDQUOT, the disk kept and named, no VM: $(cat "$tmp/err")"
else fail "--quota-at-launch" "$(cat "$tmp/out" "$tmp/err")"; fi

# a token that expires during a long import is renewed, once, and the launch goes on
arm ttl --token-ttl 2 --lro-delay 3
spec "$tmp/spec-ttl" ttl1 Standard_B1s
probe "$arm" --spec "$tmp/spec-ttl" --creds "$tmp/creds" launch "$IMAGE" both "$MOVE" 30
if [ "$(result)" = ok ] && [ "$(ops "$tmp/ttl/log" | tr ' ' '\n' | grep -c '^Token$')" -ge 2 ] \
	&& grep -q '"status": 401' "$tmp/ttl/log" && secret_free "$tmp/out" "$tmp/err"; then
	ok "a token expired mid-import (401 ExpiredAuthenticationToken): renewed, launch arrived"
else fail "token renewal" "$(cat "$tmp/out" "$tmp/err") $(ops "$tmp/ttl/log")"; fi

# passing faults: the token endpoint and the first ARM call answer 503 twice: retried, arrived
arm flaky --fail-5xx Token:2 --fail-5xx ARM:2
spec "$tmp/spec-flaky" flaky1 Standard_B1s
probe "$arm" --spec "$tmp/spec-flaky" --creds "$tmp/creds" launch "$IMAGE" both "$MOVE" 30
n_tok=$(ops "$tmp/flaky/log" | tr ' ' '\n' | grep -c '^Token$'); n_arm=$(ops "$tmp/flaky/log" | tr ' ' '\n' | grep -c '^ARM$')
if [ "$(result)" = ok ] && [ "$n_tok" -ge 3 ] && [ "$n_arm" = 2 ] && secret_free "$tmp/out" "$tmp/err"; then
	ok "token endpoint and ARM answer 503 twice each: retried, launch arrived"
else fail "passing 503" "$(cat "$tmp/out" "$tmp/err") $(ops "$tmp/flaky/log")"; fi

# --- retire: the VM's managed identity from IMDS --------------------------------------
md() {	# md NAME [args]: a metadata server, HOST:PORT in $md
	suite_bg python3 "$here/metadata/mdserver.py" --cloud azure --port 0 --port-file "$tmp/$1.port" "${@:2}" \
		2>"$tmp/$1.err"
	suite_wait_file "$tmp/$1.port" 600 || suite_abort "mdserver $1 did not start"
	md=127.0.0.1:$(cat "$tmp/$1.port")
}
md md --azure-mi-token "$MI_TOKEN"
md_ok=$md
md md-noid --azure-no-identity
md_noid=$md
scope=$MD_SUB/$MD_RG/$MD_VM
arm src --existing-vm "$scope" --mi-token "$MI_TOKEN=$scope" --existing-vm "$MD_SUB/$MD_RG/other-vm"
probe "$arm" --metadata-endpoint "$md_ok" retire stop
if [ "$(result)" = ok ] && [ "$(ops "$tmp/src/log")" = Deallocate ] \
	&& grep -q '"op": "Deallocate", "principal": "mi:'"$MD_VM"'", "instance": "'"$MD_VM"'", "status": 202' "$tmp/src/log"; then
	ok "retire stop: deallocate of its own VM ($MD_VM), with the managed identity's token"
else fail "retire stop" "$(cat "$tmp/out" "$tmp/err") $(cat "$tmp/src/log")"; fi
sleep 0.5
check_json "$tmp/src/state/instances/$MD_VM/vm.json" "d['properties']['powerState'] == 'PowerState/deallocated'" \
	&& ok "... the VM is deallocated (compute billing ends)" || fail "deallocated" "$(cat "$tmp/src/state/instances/$MD_VM/vm.json")"
probe "$arm" --metadata-endpoint "$md_ok" retire delete
[ "$(result)" = ok ] && grep -q '"op": "DeleteVM", "principal": "mi:'"$MD_VM"'"' "$tmp/src/log" \
	&& ok "retire delete: DELETE of its own VM" || fail "retire delete" "$(cat "$tmp/out" "$tmp/err")"
probe "$arm" --metadata-endpoint "$md_noid" retire stop
if [ "$(result)" = EACCES ] && grep -q "Identity not found" "$tmp/err" \
	&& grep -qx "hint: az vm deallocate --resource-group $MD_RG --name $MD_VM --subscription $MD_SUB" "$tmp/out"; then
	ok "no managed identity: EACCES, the hint: $(sed -n 's/^hint: //p' "$tmp/out")"
else fail "no identity" "$(cat "$tmp/out" "$tmp/err")"; fi
arm deny --existing-vm "$scope" --mi-token "$MI_TOKEN=$scope" --deny-retire
probe "$arm" --metadata-endpoint "$md_ok" retire stop
if [ "$(result)" = EACCES ] && grep -q "AuthorizationFailed" "$tmp/err" && [ "$(wc -l <"$tmp/err")" = 1 ] \
	&& grep -q "^hint: az vm deallocate " "$tmp/out" && secret_free "$tmp/out" "$tmp/err"; then
	ok "--deny-retire: 403 AuthorizationFailed -> EACCES and the hint"
else fail "--deny-retire" "$(cat "$tmp/out" "$tmp/err")"; fi
probe "$arm" --metadata-endpoint "$md_ok" hint delete
grep -qx "hint: az vm delete --resource-group $MD_RG --name $MD_VM --subscription $MD_SUB --yes" "$tmp/out" \
	&& ok "the delete hint names the VM" || fail "delete hint" "$(cat "$tmp/out")"
# an identity may act on its own VM only (the emulator's role assignment)
mi_other=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $MI_TOKEN" \
	"http://127.0.0.1:$(cat "$tmp/src/port")/subscriptions/$MD_SUB/resourceGroups/$MD_RG/providers/Microsoft.Compute/virtualMachines/other-vm/deallocate?api-version=2024-07-01")
[ "$mi_other" = 403 ] && ok "self-test: the managed identity on another VM -> 403" || fail "mi scope" "$mi_other"

# --- through cloudmove launch / retire (once they exist) ---------------------------------
if grep -q "^usage: cloudmove launch" < <("$bin" launch 2>&1); then
	: >"$tmp/main/log"
	spec "$tmp/spec-cm" cm1 Standard_D2s_v5
	if "$bin" launch --target azure --image "$IMAGE" --spec "$tmp/spec-cm" --creds "$tmp/creds" \
		--api-endpoint "$arm_main" --wait 60 --move-id "$MOVE" >"$tmp/out" 2>"$tmp/err" \
		&& grep -q "arrived: cm1, from aws (move $MOVE)" "$tmp/err"; then
		ok "cloudmove launch --target azure: exit 0, arrived ($(grep -c . "$tmp/err") progress lines)"
	else fail "cloudmove launch" "$(cat "$tmp/out" "$tmp/err")"; fi
	grep -q CreateVM "$tmp/main/log" && secret_free "$tmp/out" "$tmp/err" \
		&& check_json "$state/instances/cm1/vm.json" "d['tags'] == {'cloudmove-move-id': '$MOVE'}" \
		&& ok "cloudmove launch: the VM made with the move's tag, no secret printed" \
		|| fail "cloudmove launch" "$(ops "$tmp/main/log")"
	spec "$tmp/spec-cm3" cm3 Standard_D2s_v5
	"$bin" launch --target azure --image "$IMAGE" --spec "$tmp/spec-cm3" --creds "$tmp/creds" \
		--api-endpoint "$arm_quota" --wait 10 --move-id "$MOVE" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 1 ] && grep -q "OperationNotAllowed" "$tmp/err" && grep -q "image cm3-osdisk exists (nothing deleted)" "$tmp/err" \
		&& ok "cloudmove launch, a quota refusal: exit 1, the disk named and kept" \
		|| fail "cloudmove launch, quota" "rc $rc $(cat "$tmp/err")"
	spec "$tmp/spec-cm2" cm2 Standard_D2s_v5
	"$bin" launch --target azure --image "$IMAGE" --spec "$tmp/spec-cm2" --creds "$tmp/badcreds" \
		--api-endpoint "$arm_main" --wait 10 >"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 1 ] && secret_free "$tmp/out" "$tmp/err" && [ ! -e "$state/instances/cm2" ] \
		&& ok "cloudmove launch, a wrong secret: exit 1, nothing made" || fail "cloudmove launch, wrong secret" "rc $rc $(cat "$tmp/err")"
else
	skip "cloudmove launch --target azure" "no launch command in this build yet"
fi
if "$bin" retire --help >/dev/null 2>&1; then
	arm src2 --existing-vm "$scope" --mi-token "$MI_TOKEN=$scope"
	root=$here/detect/azure-asset-tag-only/root
	if "$bin" retire --metadata-endpoint "$md_ok" --api-endpoint "$arm" --detect-root "$root" \
		>"$tmp/out" 2>"$tmp/err" && [ "$(ops "$tmp/src2/log")" = Deallocate ] \
		&& grep -q '"principal": "mi:'"$MD_VM"'"' "$tmp/src2/log" && secret_free "$tmp/out" "$tmp/err"; then
		ok "cloudmove retire (azure): deallocate with the managed identity: $(cat "$tmp/out")"
	else fail "cloudmove retire" "$(cat "$tmp/out" "$tmp/err")"; fi
	"$bin" retire --metadata-endpoint "$md_noid" --api-endpoint "$arm" --detect-root "$root" \
		>"$tmp/out" 2>"$tmp/err"
	rc=$?
	[ $rc = 1 ] && grep -q "az vm deallocate --resource-group $MD_RG --name $MD_VM --subscription $MD_SUB" "$tmp/err" \
		&& [ "$(ops "$tmp/src2/log")" = Deallocate ] \
		&& ok "cloudmove retire, no managed identity: exit 1, nothing retired, the az command" \
		|| fail "cloudmove retire, no identity" "rc $rc $(cat "$tmp/out" "$tmp/err")"
else
	skip "cloudmove retire (azure)" "no retire command in this build yet"
fi

suite_end
