#!/bin/bash
# selftest.sh -- start mdserver.py for every cloud (and a few fault modes) on
# port 0, check a few requests per cloud with curl, refusals included.
# Prints one line per check and "N passed, N failed" at the end; exit status
# 0 when nothing failed.  Needs python3 and curl.  Loopback only.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
MD="$HERE/mdserver.py"
PY=${PYTHON:-python3}
command -v curl >/dev/null || { echo "selftest: curl is required" >&2; exit 2; }
command -v "$PY" >/dev/null || { echo "selftest: $PY is required" >&2; exit 2; }
# the interpreter itself, not a wrapper (pyenv shims cost ~1 s a start)
PY=$("$PY" -c 'import sys; print(sys.executable)')

TMP=$(mktemp -d "${TMPDIR:-/tmp}/mdselftest.XXXXXX")
PIDS=()
NAMES=()
PASS=0
FAIL=0

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT

# start NAME CLOUD [mdserver args...]: background server, port in $TMP/NAME.port
start() {
	local name=$1 cloud=$2
	shift 2
	"$PY" "$MD" --cloud "$cloud" --port 0 --port-file "$TMP/$name.port" \
		--log "$TMP/$name.log" "$@" 2>"$TMP/$name.err" &
	PIDS+=($!)
	NAMES+=("$name")
}

port() { cat "$TMP/$1.port"; }

ok() { PASS=$((PASS + 1)); echo "ok   $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL $*"; }

# check SERVER DESC WANT_STATUS BODY_REGEX PATH [curl args...]
# BODY_REGEX "" means: do not look at the body.
check() {
	local srv=$1 desc=$2 want=$3 re=$4 path=$5
	shift 5
	local url="http://127.0.0.1:$(port "$srv")$path"
	local got
	got=$(curl -s -m 5 -o "$TMP/body" -w '%{http_code}' "$@" "$url")
	if [ "$got" != "$want" ]; then
		bad "$srv: $desc (status $got, want $want)"
		return
	fi
	if [ -n "$re" ] && ! grep -Eq -- "$re" "$TMP/body"; then
		bad "$srv: $desc (body does not match /$re/: $(head -c 120 "$TMP/body" | tr '\n' ' '))"
		return
	fi
	ok "$srv: $desc"
}

# expect SERVER DESC CMD...: a shell condition
expect() {
	local srv=$1 desc=$2
	shift 2
	if "$@"; then ok "$srv: $desc"; else bad "$srv: $desc"; fi
}

# logq SERVER PYTHON_EXPR: true when some log line e satisfies the expression
logq() {
	"$PY" - "$TMP/$1.log" "$2" <<'EOF'
import json, sys
path, expr = sys.argv[1], sys.argv[2]
for line in open(path, encoding="utf-8"):
    e = json.loads(line)
    h = e["headers_lower"]
    if eval(expr):
        sys.exit(0)
sys.exit(1)
EOF
}

token() {	# token SERVER METHOD... -> prints the body of a token request
	local srv=$1
	shift
	curl -s -m 5 "$@" | tr -d '\n'
}

START=$(date +%s.%N)

# ---- start everything first (servers come up in parallel)
for c in aws gcp azure oracle openstack digitalocean hetzner alibaba scaleway \
	linode vultr upcloud exoscale tencent ibm; do
	start "$c" "$c"
done
start aws-v1 aws --fault aws-v1
start oracle-v2 oracle --fault oracle-v2-only
start f-500 gcp --fault 500
start f-404 azure --fault 404
start azure-noid azure --azure-no-identity
start f-garbage digitalocean --fault garbage
start f-trunc gcp --fault truncated-json
start f-slow upcloud --fault slow
start f-big vultr --fault oversized
start f-redir hetzner --fault redirect
start f-reset aws --fault reset
start f-hang ibm --fault hang --hang-max 30
start f-other aws --fault other-cloud --fault-scope data
start f-wrong gcp --fault wrong-types
start f-token aws --fault 500 --fault-scope token

for n in "${NAMES[@]}"; do
	for _ in $(seq 200); do
		[ -s "$TMP/$n.port" ] && break
		sleep 0.05
	done
	if [ ! -s "$TMP/$n.port" ]; then
		bad "$n: server did not start: $(head -c 300 "$TMP/$n.err")"
		echo 0 >"$TMP/$n.port"
	fi
done

# ---- aws: IMDSv2 required
TTL='X-aws-ec2-metadata-token-ttl-seconds: 21600'
check aws "GET without token -> 401" 401 "401 - Unauthorized" /latest/meta-data/instance-id
check aws "token PUT without TTL -> 400" 400 "400 - Bad Request" /latest/api/token -X PUT
check aws "token PUT with TTL 0 -> 400" 400 "" /latest/api/token -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 0'
check aws "token PUT with X-Forwarded-For -> 403" 403 "" /latest/api/token -X PUT -H "$TTL" -H 'X-Forwarded-For: 10.0.0.1'
check aws "token GET -> 405" 405 "" /latest/api/token
T=$(token aws -X PUT -H "$TTL" "http://127.0.0.1:$(port aws)/latest/api/token")
check aws "identity document with token" 200 '"instanceId" : "i-1234567890abcdef0"' /latest/dynamic/instance-identity/document -H "X-aws-ec2-metadata-token: $T"
check aws "placement/region with token" 200 '^us-west-2$' /latest/meta-data/placement/region -H "X-aws-ec2-metadata-token: $T"
check aws "wrong token -> 401" 401 "" /latest/meta-data/instance-id -H 'X-aws-ec2-metadata-token: AAAA'
check aws "unknown key -> 404" 404 "404 - Not Found" /latest/meta-data/no-such-key -H "X-aws-ec2-metadata-token: $T"
expect aws "log shows the token header on the document GET" \
	logq aws "e['path'].endswith('/document') and h.get('x-aws-ec2-metadata-token') == '$T' and e['status'] == 200"
check aws-v1 "aws-v1: token PUT refused (403)" 403 "" /latest/api/token -X PUT -H "$TTL"
check aws-v1 "aws-v1: GET without token works" 200 '^t2\.micro$' /latest/meta-data/instance-type

# ---- gcp
G='Metadata-Flavor: Google'
check gcp "no Metadata-Flavor -> 403" 403 "Missing Metadata-Flavor:Google header" /computeMetadata/v1/instance/id
check gcp "X-Forwarded-For -> 403" 403 "" /computeMetadata/v1/instance/id -H "$G" -H 'X-Forwarded-For: 10.0.0.1'
check gcp "recursive instance, id as a number > 2^53" 200 '"id":8736259342352342879,' '/computeMetadata/v1/instance/?recursive=true' -H "$G"
check gcp "instance/zone" 200 '^projects/123456789012/zones/us-central1-a$' /computeMetadata/v1/instance/zone -H "$G"
check gcp "directory without slash -> 301" 301 "" /computeMetadata/v1/instance -H "$G"
expect gcp "every answer carries Metadata-Flavor: Google" \
	bash -c "curl -s -m 5 -D - -o /dev/null 'http://127.0.0.1:$(port gcp)/computeMetadata/v1/instance/id' | grep -qi '^Metadata-Flavor: Google'"
expect gcp "log shows Metadata-Flavor on the recursive GET" \
	logq gcp "'recursive=true' in e['path'] and h.get('metadata-flavor') == 'Google' and e['status'] == 200"

# ---- azure
A='Metadata: true'
check azure "no Metadata header -> 400" 400 "Required metadata header not specified" '/metadata/instance?api-version=2021-02-01'
check azure "no api-version -> 400 with newest-versions" 400 "newest-versions" /metadata/instance -H "$A"
check azure "unsupported api-version -> 400" 400 "api-version is invalid" '/metadata/instance?api-version=2001-01-01' -H "$A"
check azure "X-Forwarded-For -> 400" 400 "" '/metadata/instance?api-version=2021-02-01' -H "$A" -H 'X-Forwarded-For: 10.0.0.1'
check azure "instance document" 200 '"vmId":"02aab8a4-74ef-476e-8182-f6d2ba4166a7"' '/metadata/instance?api-version=2021-02-01' -H "$A"
check azure "leaf with format=text" 200 '^Standard_A3$' '/metadata/instance/compute/vmSize?api-version=2021-02-01&format=text' -H "$A"
check azure "POST -> 405" 405 "" '/metadata/instance?api-version=2021-02-01' -H "$A" -X POST
MI='/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fmanagement.azure.com%2F'
check azure "managed identity token" 200 '"resource":"https://management.azure.com/","token_type":"Bearer"' "$MI" -H "$A"
check azure "managed identity: no Metadata header -> 400" 400 "Required metadata header" "$MI"
check azure "managed identity: no resource -> 400" 400 "'resource' is missing" '/metadata/identity/oauth2/token?api-version=2018-02-01' -H "$A"
check azure-noid "no managed identity -> 400 Identity not found" 400 '"error":"invalid_request","error_description":"Identity not found"' "$MI" -H "$A"

# ---- oracle
O='Authorization: Bearer Oracle'
check oracle "v2 without Authorization -> 401" 401 "" /opc/v2/instance/
check oracle "v2 instance" 200 '"canonicalRegionName" : "us-phoenix-1"' /opc/v2/instance/ -H "$O"
check oracle "v2 sub-key shape" 200 '^VM\.Standard2\.1$' /opc/v2/instance/shape -H "$O"
check oracle "v1 legacy without header" 200 '"shape" : "VM.Standard2.1"' /opc/v1/instance/
check oracle-v2 "v1 disabled -> 404" 404 "" /opc/v1/instance/

# ---- openstack
check openstack "/openstack version list" 200 '^latest$' /openstack
check openstack "meta_data.json" 200 '"uuid": "d8e02d56-2648-49a3-bf97-6be8f1204f38"' /openstack/latest/meta_data.json
check openstack "EC2 instance-type" 200 '^m1\.tiny$' /latest/meta-data/instance-type
check openstack "unknown version -> 404" 404 "404 Not Found" /openstack/1999-01-01/meta_data.json

# ---- digitalocean
check digitalocean "v1.json droplet_id is a number" 200 '"droplet_id":2756294,' /metadata/v1.json
check digitalocean "v1/region" 200 '^nyc3$' /metadata/v1/region
check digitalocean "index without slash -> 301" 301 "" /metadata/v1
check digitalocean "PUT -> 405" 405 "" /metadata/v1.json -X PUT

# ---- hetzner
check hetzner "metadata YAML" 200 '^instance-id: 123456$' /hetzner/v1/metadata
check hetzner "instance-id" 200 '^123456$' /hetzner/v1/metadata/instance-id
check hetzner "availability-zone" 200 '^fsn1-dc14$' /hetzner/v1/metadata/availability-zone
check hetzner "unknown key -> 404" 404 "" /hetzner/v1/metadata/no-such-key

# ---- alibaba (security hardening mode)
ATTL='X-aliyun-ecs-metadata-token-ttl-seconds: 21600'
check alibaba "GET without token -> 401" 401 "" /latest/meta-data/instance-id
check alibaba "token PUT without TTL -> 400" 400 "" /latest/api/token -X PUT
AT=$(token alibaba -X PUT -H "$ATTL" "http://127.0.0.1:$(port alibaba)/latest/api/token")
check alibaba "region-id with token" 200 '^cn-hangzhou$' /latest/meta-data/region-id -H "X-aliyun-ecs-metadata-token: $AT"
check alibaba "identity document with token" 200 '"instance-type":"ecs.g8i.large"' /latest/dynamic/instance-identity/document -H "X-aliyun-ecs-metadata-token: $AT"

# ---- scaleway
check scaleway "conf?format=json" 200 '"commercial_type":"DEV1-S"' '/conf?format=json'
check scaleway "conf as shell lines" 200 '^ZONE=fr-par-1$' /conf
check scaleway "user_data from an unprivileged port -> 403" 403 "" /user_data

# ---- linode
check linode "instance without token -> 401" 401 '"errors"' /v1/instance
LT=$(token linode -X PUT -H 'Metadata-Token-Expiry-Seconds: 300' "http://127.0.0.1:$(port linode)/v1/token")
check linode "instance JSON with token" 200 '"type":"g6-standard-1"' /v1/instance -H "Metadata-Token: $LT" -H 'Accept: application/json'
check linode "instance text with token" 200 '^region: us-iad$' /v1/instance -H "Metadata-Token: $LT"
check linode "token GET -> 405" 405 "" /v1/token

# ---- vultr, upcloud
check vultr "v1.json" 200 '"instance-v2-id":"29bea708-2e6e-480a-90ad-0e6b5d5ad62f"' /v1.json
check vultr "v1/region/regioncode" 200 '^EWR$' /v1/region/regioncode
check upcloud "metadata/v1.json" 200 '"cloud_name":"upcloud"' /metadata/v1.json
check upcloud "metadata/v1/region" 200 '^fi-hel2$' /metadata/v1/region

# ---- exoscale, tencent
check exoscale "1.0 availability-zone" 200 '^ch-gva-2$' /1.0/meta-data/availability-zone
check exoscale "latest service-offering" 200 '^Medium$' /latest/meta-data/service-offering
check tencent "placement/region" 200 '^ap-guangzhou$' /latest/meta-data/placement/region
check tencent "instance/instance-type" 200 '^S5\.MEDIUM4$' /latest/meta-data/instance/instance-type
check tencent "unknown key -> 404" 404 "" /latest/meta-data/nope

# ---- ibm
V='version=2022-03-01'
check ibm "token without Metadata-Flavor -> 400" 400 "missing_metadata_flavor" "/instance_identity/v1/token?$V" -X PUT -d '{}'
check ibm "token with expires_in 7200 -> 400" 400 "invalid_value" "/instance_identity/v1/token?$V" -X PUT -H 'Metadata-Flavor: ibm' -d '{"expires_in": 7200}'
IT=$(curl -s -m 5 -X PUT -H 'Metadata-Flavor: ibm' -H 'Accept: application/json' \
	-d '{"expires_in": 300}' "http://127.0.0.1:$(port ibm)/instance_identity/v1/token?$V" |
	"$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])' 2>/dev/null)
check ibm "instance without token -> 401" 401 "" "/metadata/v1/instance?$V"
check ibm "instance with token" 200 '"profile":\{"name":"bx2-2x8"\}' "/metadata/v1/instance?$V" -H "Authorization: Bearer $IT"
check ibm "instance without version -> 400" 400 "missing_version" /metadata/v1/instance -H "Authorization: Bearer $IT"

# ---- faults
check f-500 "500" 500 "" /computeMetadata/v1/instance/id -H "$G"
check f-404 "404" 404 "" '/metadata/instance?api-version=2021-02-01' -H "$A"
check f-garbage "garbage: 200 with 1024 bytes" 200 "" /metadata/v1.json
expect f-garbage "garbage body is not JSON" bash -c "! $PY -c 'import json,sys; json.load(open(sys.argv[1]))' '$TMP/body' 2>/dev/null"
check f-trunc "truncated-json" 200 "" '/computeMetadata/v1/instance/?recursive=true' -H "$G"
expect f-trunc "truncated body fails to parse" bash -c "! $PY -c 'import json,sys; json.load(open(sys.argv[1]))' '$TMP/body' 2>/dev/null"
expect f-slow "slow: 1 s gets only a few bytes" bash -c \
	"n=\$(curl -s -m 1 -o /dev/null -w '%{size_download}' http://127.0.0.1:$(port f-slow)/metadata/v1.json); [ \$n -ge 1 ] && [ \$n -le 8 ]"
expect f-big "oversized: 16 MiB body" bash -c \
	"[ \$(curl -s -m 30 -o /dev/null -w '%{size_download}' http://127.0.0.1:$(port f-big)/v1.json) = 16777216 ]"
check f-redir "redirect: 302 to 127.0.0.2" 302 "" /hetzner/v1/metadata/instance-id
expect f-redir "redirect: Location 127.0.0.2:PORT/elsewhere, then example.invalid" bash -c \
	"curl -s -m 5 -D - -o /dev/null http://127.0.0.1:$(port f-redir)/hetzner/v1/metadata | grep -q '^Location: http://example.invalid/'"
expect f-reset "reset: connection reset, no answer (curl 56)" bash -c \
	"curl -s -m 5 -o /dev/null -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' -X PUT http://127.0.0.1:$(port f-reset)/latest/api/token; [ \$? = 56 ]"
expect f-hang "hang: no answer within 1 s (curl 28)" bash -c \
	"curl -s -m 1 -o /dev/null -X PUT -H 'Metadata-Flavor: ibm' 'http://127.0.0.1:$(port f-hang)/instance_identity/v1/token?$V'; [ \$? = 28 ]"
FT=$(token f-other -X PUT -H "$TTL" "http://127.0.0.1:$(port f-other)/latest/api/token")
check f-other "other-cloud: aws path answers GCE JSON" 200 '"machineType":' /latest/dynamic/instance-identity/document -H "X-aws-ec2-metadata-token: $FT"
check f-wrong "wrong-types: id is not a number" 200 '"id":\{"value":8736259342352342879\}' '/computeMetadata/v1/instance/?recursive=true' -H "$G"
check f-token "fault-scope token: token PUT -> 500" 500 "" /latest/api/token -X PUT -H "$TTL"
check f-token "fault-scope token: data untouched (401 without token)" 401 "" /latest/meta-data/instance-id

# ---- every server exits 0 on SIGTERM
for i in "${!PIDS[@]}"; do kill "${PIDS[$i]}" 2>/dev/null; done
for i in "${!PIDS[@]}"; do
	wait "${PIDS[$i]}"
	rc=$?
	if [ "$rc" = 0 ]; then ok "${NAMES[$i]}: exit 0 on SIGTERM"; else bad "${NAMES[$i]}: exit $rc on SIGTERM: $(head -c 300 "$TMP/${NAMES[$i]}.err")"; fi
	if [ -s "$TMP/${NAMES[$i]}.err" ]; then bad "${NAMES[$i]}: wrote to stderr: $(head -c 300 "$TMP/${NAMES[$i]}.err")"; fi
done
PIDS=()

END=$(date +%s.%N)
awk -v a="$START" -v b="$END" 'BEGIN { printf "selftest took %.1f s\n", b - a }'
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
