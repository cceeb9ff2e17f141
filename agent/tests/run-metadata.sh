#!/bin/bash
# run-metadata.sh CLOUDMOVE — `cloudmove detect` against each cloud's real
# metadata protocol (metadata/mdserver.py on loopback, reached through
# --metadata-endpoint): confirmation and enrichment per cloud, blind probing
# when DMI names no cloud, every fault mode (a DMI-only verdict within the
# budget, with a note, never a crash), the time bounds (refused < 300 ms,
# black hole ~ budget), and what went over the wire (tokens, headers).
# Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-metadata.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
fx=$here/detect
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp

# serve NAME CLOUD [mdserver args...]: start a server in the background
serve() {
	local name=$1 cloud=$2; shift 2
	suite_bg python3 "$here/metadata/mdserver.py" --cloud "$cloud" --port 0 \
		--port-file "$tmp/$name.port" --log "$tmp/$name.log" "$@" 2>"$tmp/$name.err"
}
port_of() {
	for _ in $(seq 100); do [ -s "$tmp/$1.port" ] && { cat "$tmp/$1.port"; return; }; sleep 0.1; done
	echo 1
}
field() { sed -n "s/^  \"$1\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$2"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# detect NAME ROOT ENDPOINT [args]: runs detect --json, output in $tmp/NAME.json
detect() {
	local name=$1 root=$2 ep=$3; shift 3
	local t0; t0=$(now_ms)
	"$bin" detect --json --root "$root" --metadata-endpoint "$ep" "$@" \
		>"$tmp/$name.json" 2>"$tmp/$name.stderr"
	rc=$?
	took=$(($(now_ms) - t0))
}

#     cloud        fixture root                          instance id            region          zone
table="aws          aws-nitro-c5-vendor                   i-1234567890abcdef0    us-west-2       us-west-2b
gcp          gcp-gce-2017                          8736259342352342879    us-central1     us-central1-a
azure        azure-chassis-wott                    02aab8a4-74ef-476e-8182-f6d2ba4166a7 eastus 1
oracle       oracle-asset-tag-only                 -                      -               -
alibaba      alibaba-ecs-product-name              i-bp15ojxppkmsnyjxxxxx -               -
openstack    openstack-nova-openstack-foundation   d8e02d56-2648-49a3-bf97-6be8f1204f38 - -
digitalocean digitalocean-droplet                  2756294                -               -
hetzner      hetzner-cloud-sys-vendor              -                      -               -
scaleway     scaleway-sys-vendor                   -                      -               -
linode       linode-sys-vendor-akamai              532754976              -               -
vultr        vultr-sys-vendor                      29bea708-2e6e-480a-90ad-0e6b5d5ad62f - -
upcloud      upcloud-sys-vendor                    00322b68-0096-4042-9406-faad61922128 - -
exoscale     exoscale-product-name                 8b1b6e4c-5e5d-4f0e-9c6e-2f3a7f2d9e11 - -
tencent      tencent-cvm-sys-vendor                ins-9bxebleo           -               -
ibm          ibm-vpc-chassis-vendor                -                      -               -"

faults="500 404 garbage truncated-json slow oversized redirect reset other-cloud wrong-types"

# start everything at once: python start-up dominates otherwise
while read -r cloud _; do serve "$cloud" "$cloud"; done <<<"$table"
for f in $faults; do serve "aws-$f" aws --fault "$f"; serve "gcp-$f" gcp --fault "$f"; done
serve aws-v1 aws --fault aws-v1
serve hang aws --fault hang
serve blind-gcp gcp
serve blind-azure azure
serve blind-openstack openstack
serve blind-digitalocean digitalocean

# --- each cloud, DMI-named: confirmed and enriched ---------------------------
while read -r cloud fixture id region zone; do
	detect "$cloud" "$fx/$fixture/root" "127.0.0.1:$(port_of "$cloud")"
	got=$(field cloud "$tmp/$cloud.json") conf=$(field confidence "$tmp/$cloud.json")
	gid=$(field instance_id "$tmp/$cloud.json")
	problem=""
	[ $rc -eq 0 ] || problem="exit $rc"
	[ "$got" = "$cloud" ] || problem+=" cloud=$got"
	[ "$conf" = "dmi+metadata" ] || problem+=" confidence=$conf"
	[ -n "$gid" ] && [ "$gid" != null ] || problem+=" no instance id"
	[ "$id" = - ] || [ "$gid" = "$id" ] || problem+=" instance_id=$gid want $id"
	[ "$region" = - ] || [ "$(field region "$tmp/$cloud.json")" = "$region" ] || problem+=" region=$(field region "$tmp/$cloud.json")"
	[ "$zone" = - ] || [ "$(field zone "$tmp/$cloud.json")" = "$zone" ] || problem+=" zone=$(field zone "$tmp/$cloud.json")"
	if [ -z "$problem" ]; then ok "$cloud: dmi+metadata, instance $gid ($took ms)"
	else fail "$cloud" "$problem $(cat "$tmp/$cloud.stderr") $(grep note "$tmp/$cloud.json" | head -3)"; fi
done <<<"$table"

# --- what went over the wire -------------------------------------------------
python3 - "$tmp" <<'PY' && ok "wire: IMDSv2 token fetched by PUT and sent on the GET; GCE and Azure headers; no token in the log line" || fail "wire" "see above"
import json, sys
d = sys.argv[1]
def reqs(n): return [json.loads(l) for l in open(f"{d}/{n}.log")]
aws = reqs("aws")
put = [r for r in aws if r["method"] == "PUT" and r["path"] == "/latest/api/token"]
get = [r for r in aws if r["method"] == "GET"]
assert put and "x-aws-ec2-metadata-token-ttl-seconds" in put[0]["headers_lower"], aws
assert get and all("x-aws-ec2-metadata-token" in r["headers_lower"] for r in get), get
assert all(r["headers_lower"].get("host") == "169.254.169.254" for r in aws), "Host kept"
assert all(r["headers_lower"].get("metadata-flavor") == "Google" for r in reqs("gcp"))
assert all(r["headers_lower"].get("metadata") == "true" for r in reqs("azure"))
assert all(r["headers_lower"].get("authorization") == "Bearer Oracle" for r in reqs("oracle"))
PY
if ! grep -rq "$(python3 -c 'import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if l.strip()][-1]["headers_lower"].get("x-aws-ec2-metadata-token","NONE"))' "$tmp/aws.log")" "$tmp/aws.json" "$tmp/aws.stderr"; then
	ok "the IMDSv2 token appears nowhere in the output"
else fail "token leak" "token printed"; fi

# --- DMI names no cloud: every blind-able cloud asked at once -----------------
for c in gcp azure openstack digitalocean; do
	detect "blind-$c" "$fx/kvm-qemu-i440fx-seabios/root" "127.0.0.1:$(port_of "blind-$c")"
	got=$(field cloud "$tmp/blind-$c.json") conf=$(field confidence "$tmp/blind-$c.json")
	if [ $rc -eq 0 ] && [ "$got" = "$c" ] && [ "$conf" = metadata ]; then
		ok "DMI says kvm, metadata answers as $c: $c (metadata) in $took ms"
	else fail "blind $c" "rc $rc cloud=$got confidence=$conf $(cat "$tmp/blind-$c.stderr")"; fi
done

# --- faults: DMI verdict stands, a note says why, within the budget ----------
for f in $faults; do
	for c in aws gcp; do
		root=$fx/aws-nitro-c5-vendor/root
		[ $c = gcp ] && root=$fx/gcp-gce-2017/root
		detect "$c-$f" "$root" "127.0.0.1:$(port_of "$c-$f")" --timeout 1500
		got=$(field cloud "$tmp/$c-$f.json") conf=$(field confidence "$tmp/$c-$f.json")
		note=$(grep -m1 "\"note\": \"metadata: $c:" "$tmp/$c-$f.json" | sed 's/.*"note": "//; s/"$//')
		if [ $rc -eq 0 ] && [ "$got" = $c ] && [ "$conf" = dmi ] && [ -n "$note" ] && [ $took -lt 2500 ]; then
			ok "fault $f on $c: DMI verdict, $took ms, note: $note"
		else fail "fault $f on $c" "rc $rc cloud=$got conf=$conf took=$took $(head -c 300 "$tmp/$c-$f.stderr")"; fi
	done
done
grep -q '"server": "127.0.0.2' "$tmp/aws-redirect.log" "$tmp/gcp-redirect.log" \
	&& fail "redirect" "a redirect was followed" || ok "redirects are never followed"

detect aws-v1 "$fx/aws-nitro-c5-vendor/root" "127.0.0.1:$(port_of aws-v1)"
[ $rc -eq 0 ] && [ "$(field confidence "$tmp/aws-v1.json")" = dmi+metadata ] \
	&& ok "IMDSv1 fallback when the token is refused ($took ms)" \
	|| fail "IMDSv1 fallback" "$(grep note "$tmp/aws-v1.json" | head -3)"

# --- time bounds -------------------------------------------------------------
detect hang "$fx/aws-nitro-c5-vendor/root" "127.0.0.1:$(port_of hang)" --timeout 1000
[ $rc -eq 0 ] && [ $took -ge 900 ] && [ $took -lt 1600 ] && [ "$(field cloud "$tmp/hang.json")" = aws ] \
	&& ok "black hole: returns at the budget (1000 ms budget, $took ms)" \
	|| fail "black hole" "rc $rc took $took"
detect refused "$fx/kvm-qemu-i440fx-seabios/root" "127.0.0.1:9" --timeout 2000
[ $rc -eq 0 ] && [ $took -lt 300 ] && [ "$(field cloud "$tmp/refused.json")" = kvm ] \
	&& ok "nothing listening, every cloud probed: $took ms (< 300)" \
	|| fail "refused" "rc $rc took $took"

# issue 15: a 200 token answer with CR/LF inside is refused, and the note
# says why (it said "HTTP 200"); the token itself is never printed
cat >"$tmp/crlf-token.py" <<'PY'
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        body = b"AQAEsecret\r\nX-Injected: 1\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        self.send_response(401)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(sys.argv[1] + ".tmp", "w").write("%d\n" % s.server_address[1])
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.serve_forever()
PY
suite_bg python3 "$tmp/crlf-token.py" "$tmp/crlf.port"
detect crlf "$fx/aws-nitro-c5-vendor/root" "127.0.0.1:$(port_of crlf)"
[ $rc -eq 0 ] && grep -q "aws: token request: HTTP 200, but the token answer holds control bytes (CR/LF inside)" "$tmp/crlf.json" &&
	! grep -q AQAEsecret "$tmp/crlf.json" "$tmp/crlf.stderr" &&
	ok "a token answer with CR/LF: refused, the note says so, no token printed" ||
	fail "crlf token" "rc $rc $(grep -i token "$tmp/crlf.json" "$tmp/crlf.stderr")"

suite_end
