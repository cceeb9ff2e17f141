#!/bin/bash
# run-launch-gcp.sh CLOUDMOVE — the gcp control plane (control/gcp.c)
# against lib/gce_server.py (Compute Engine v1 + the OAuth2 token endpoint,
# on 127.0.0.1) and lib/gcs_server.py (the image, streamed there with
# `cloudmove stream --format gce`), and the gcp identity of the test
# metadata server (metadata/mdserver.py):
#  - the emulator's self-test (RS256 checked, a bad signature, an image
#    that is no gzip'ed tar, a disk.raw that is no whole number of GiB);
#  - `cloudmove launch --target gcp`: a service-account key file (made
#    here with python3-cryptography: no private key in the tree) signs the
#    JWT, the token endpoint answers, zones.get, machineTypes.get,
#    images.insert + its operation, instances.insert + its operation,
#    getSerialPortOutput until the arrival line of the instance script;
#    a token that runs out mid-launch renewed from the key;
#    a static gcp_access_token; refusals, each one line, no token printed:
#    a key the emulator does not know, --refuse-creds, an unknown machine
#    type, a UEFI-only type for a BIOS disk, a quota error at launch (the
#    image kept and named), an object that is not a gce image, arrival
#    never seen (the instance named, nothing deleted);
#  - `cloudmove retire` on a gcp machine: the metadata server's token,
#    project, zone and name -> instances.stop (and delete by name), signed
#    with exactly that token for that instance; a 403 (the gcloud command
#    that finishes), no service account.
# Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-launch-gcp.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
gce=$here/lib/gce_server.py
gcs=$here/lib/gcs_server.py
md=$here/metadata/mdserver.py
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp
export SOURCE_DATE_EPOCH=1700000000
sa=launcher@test-project.iam.gserviceaccount.com
move_id=0123456789abcdef0123456789abcdef
start_time=$SECONDS

one_line() { [ "$(grep -c . "$1")" -eq 1 ]; }
# no_secret FILE...: no access token, no JWT, no PEM in what was printed
no_secret() { ! grep -qE 'ya29\.|eyJ[A-Za-z0-9_-]{20}|BEGIN (RSA )?PRIVATE' "$@"; }
ops() { python3 -c 'import json,sys
print(" ".join(json.loads(l)["op"] for l in open(sys.argv[1])))' "$1"; }

# --- keys, made now: one the emulator knows, one it does not (same email)
mkkey() {	# mkkey EMAIL FILE
	python3 - "$1" "$2" <<'EOF'
import json, os, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
pem = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                      serialization.NoEncryption()).decode()
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
with os.fdopen(fd, "w") as f:
    json.dump({"type": "service_account", "project_id": "test-project",
               "private_key_id": os.urandom(20).hex(), "private_key": pem,
               "client_email": sys.argv[1], "client_id": "100000000000000000001",
               "auth_uri": "https://accounts.google.com/o/oauth2/auth",
               "token_uri": "https://oauth2.googleapis.com/token"}, f, indent=2)
EOF
}
mkkey "$sa" "$tmp/key.json" && mkkey "$sa" "$tmp/rogue.json" ||
	suite_abort "cannot make test keys (python3-cryptography)"
creds() {	# creds NAME LINE
	printf '%s\n' "$2" >"$tmp/$1.creds"
	chmod 600 "$tmp/$1.creds"
}
creds key "gcp_service_account = $tmp/key.json"
creds rogue "gcp_service_account = $tmp/rogue.json"
creds static "gcp_access_token = ya29.static-test-token"
creds none "aws_access_key_id = AKIAEXAMPLE"

# --- the image: a small disk streamed as gce to the GCS server -------------
mkdir -p "$tmp/gcs"
suite_bg python3 "$gcs" --data "$tmp/gcs" --token ya29.gcs --bucket bkt \
	--port-file "$tmp/gcs.port" 2>"$tmp/gcs.err"
suite_wait_file "$tmp/gcs.port" || suite_abort "gcs_server did not start"
gcs_port=$(cat "$tmp/gcs.port")
printf 'gcp_access_token = ya29.gcs\n' >"$tmp/gcs.creds"
chmod 600 "$tmp/gcs.creds"
head -c $((4 * 1024 * 1024)) /dev/urandom >"$tmp/src.raw"
t0=$SECONDS
if "$bin" stream --source "$tmp/src.raw" --format gce --progress=none \
	--dest "gs://bkt/disk.tar.gz?endpoint=http://127.0.0.1:$gcs_port" \
	--creds "$tmp/gcs.creds" >/dev/null 2>"$tmp/stream.err"; then
	ok "the image: stream --format gce to gs://bkt/disk.tar.gz ($((SECONDS - t0)) s)"
else
	suite_abort "stream to the GCS server failed: $(cat "$tmp/stream.err")"
fi
image="gs://bkt/disk.tar.gz?endpoint=http://127.0.0.1:$gcs_port"
# a bad object beside it: not gzip at all
printf 'not a tar.gz' >"$tmp/gcs/objects/bkt/junk.tar.gz"

# --- the instance: a script that boots in no time --------------------------
# It prints some boot noise, then the arrival line with the move id the
# instance's labels carry (instances.insert put it there).
cat >"$tmp/instance.sh" <<'EOF'
#!/bin/sh
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["labels"].get("cloudmove-move-id",""))' "$CM_INSTANCE_META")
echo "SeaBIOS (version 1.16) booting $CM_INSTANCE_BOOT_MODE" >>"$CM_INSTANCE_CONSOLE"
sleep 0.5
[ -n "${SILENT:-}" ] && exec sleep 600
echo "cloudmove: arrived in gcp from aws (move $id)" >>"$CM_INSTANCE_CONSOLE"
exec sleep 600
EOF
chmod +x "$tmp/instance.sh"

# start_gce NAME [ARGS...]: an emulator in $tmp/NAME; sets gce_port
start_gce() {
	local name=$1
	shift
	mkdir -p "$tmp/$name"
	suite_bg python3 "$gce" --state "$tmp/$name" --log "$tmp/$name.log" \
		--port-file "$tmp/$name.port" --project test-project \
		--service-account "$tmp/key.json" --gcs-data "$tmp/gcs" \
		--instance-cmd "$tmp/instance.sh" --op-delay 0.3 "$@" 2>"$tmp/$name.err"
	suite_wait_file "$tmp/$name.port" || suite_abort "gce_server $name did not start"
	gce_port=$(cat "$tmp/$name.port")
}
spec() {	# spec NAME MACHINE_TYPE [INSTANCE]
	printf 'project = test-project\nzone = us-central1-a\nmachine_type = %s\nname = %s\n' \
		"$2" "${3:-vm-$1}" >"$tmp/$1.spec"
}
launch() {	# launch CREDS SPEC [ARGS...] -> $rc, $tmp/out, $tmp/err
	local c=$1 s=$2
	shift 2
	"$bin" launch --target gcp --image "$image" --spec "$tmp/$s.spec" \
		--creds "$tmp/$c.creds" --api-endpoint "http://127.0.0.1:$gce_port" \
		--move-id "$move_id" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# --- the emulator's self-test ------------------------------------------------
start_gce self
if python3 - "$gce_port" "$tmp/key.json" "$tmp/rogue.json" "$tmp/gcs" <<'EOF' >"$tmp/self.out" 2>&1
import base64, gzip, io, json, os, sys, tarfile, time, urllib.error, urllib.parse, urllib.request
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
port, good, rogue, gcs = sys.argv[1:5]
base = "http://127.0.0.1:%s" % port
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()

def jwt(path, **over):
    k = json.load(open(path))
    key = serialization.load_pem_private_key(k["private_key"].encode(), None)
    now = int(time.time())
    claims = {"iss": k["client_email"], "scope": "https://www.googleapis.com/auth/compute",
              "aud": k["token_uri"], "iat": now, "exp": now + 3600}
    claims.update(over)
    si = b64(json.dumps({"alg": "RS256", "typ": "JWT"}).encode()) + "." + b64(json.dumps(claims).encode())
    return si + "." + b64(key.sign(si.encode(), padding.PKCS1v15(), hashes.SHA256()))

def post(path, data, ctype="application/x-www-form-urlencoded", token=None):
    h = {"Content-Type": ctype}
    if token:
        h["Authorization"] = "Bearer " + token
    req = urllib.request.Request(base + path, data=data, headers=h, method="POST")
    try:
        r = urllib.request.urlopen(req)
        return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)

def token(assertion):
    return post("/token", urllib.parse.urlencode({
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}).encode())

st, t = token(jwt(good))
assert st == 200 and t["token_type"] == "Bearer" and t["access_token"], t
st, e = token(jwt(rogue))
assert st == 400 and e == {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}, e
st, e = token(jwt(good, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600))
assert st == 400 and e["error"] == "invalid_grant" and "short-lived" in e["error_description"], e
st, e = token(jwt(good, scope="https://www.googleapis.com/auth/devstorage.read_only"))
assert st == 400 and e["error"] == "invalid_scope", e
st, e = token(jwt(good, aud="https://example.com/token"))
assert st == 400 and "audience" in e["error_description"], e
st, e = post("/compute/v1/projects/test-project/global/images", b"{}", "application/json")
assert st == 401 and e["error"]["status"] == "UNAUTHENTICATED", e
# a disk.raw of 3 MiB: GCE wants whole GiB
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.GNU_FORMAT) as tar:
    ti = tarfile.TarInfo("disk.raw")
    ti.size = 3 << 20
    tar.addfile(ti, io.BytesIO(bytes(ti.size)))
open(os.path.join(gcs, "objects", "bkt", "small.tar.gz"), "wb").write(buf.getvalue())
for obj, want in (("junk.tar.gz", "gzip-compressed tar"), ("small.tar.gz", "multiple of 1 GB")):
    st, op = post("/compute/v1/projects/test-project/global/images", json.dumps(
        {"name": "t-" + obj.split(".")[0], "rawDisk": {"source": "https://storage.googleapis.com/bkt/" + obj}}).encode(),
        "application/json", t["access_token"])
    assert st == 200 and op["status"] == "PENDING", op
    st, op = post("/compute/v1/projects/test-project/global/operations/%s/wait" % op["name"], b"",
                  "application/json", t["access_token"])
    err = op["error"]["errors"][0]
    assert op["status"] == "DONE" and err["code"] == "INVALID_USAGE" and want in err["message"], op
print("self-test ok")
EOF
then
	ok "emulator self-test: RS256 checked (good key, other key, expired, scope, audience), 401 without token, images.insert refuses no tar.gz and a non-GiB disk.raw"
else
	fail "emulator self-test" "$(tail -5 "$tmp/self.out")"
fi

# --- launch: the whole way with a service-account key ------------------------
start_gce main
main_port=$gce_port
spec ok e2-standard-2 vm-ok
t0=$SECONDS
launch key ok --wait 60 --json
took=$((SECONDS - t0))
read -r arrived inst img < <(python3 -c 'import json,sys
j = json.load(open(sys.argv[1])); print(j["arrived"], j["instance_id"], j["image_id"])' "$tmp/out" 2>/dev/null)
if [ $rc -eq 0 ] && [ "$arrived" = True ] && [ "$inst" = vm-ok ] && [ -n "$img" ]; then
	ok "launch with a key file: exit 0, arrived on vm-ok from image $img (${took} s)"
else
	fail "launch with a key file" "rc $rc $(cat "$tmp/out" "$tmp/err")"
fi
# each step's time, from the emulator's log (for the record, not a verdict)
python3 - "$tmp/main.log" <<'EOF'
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
t = lambda op, last=False: [l["t"] for l in ls if l["op"] == op][-1 if last else 0]
t0 = t("token")
print("# launch steps: login (token to zones.get) %.2f s, ask (zones.get, machineTypes.get) %.2f s, "
      "import (images.insert to DONE) %.2f s, run (instances.insert to DONE) %.2f s, "
      "arrival seen %.2f s after; %.2f s in all" % (
          t("zones.get") - t0, t("machineTypes.get") - t("zones.get"),
          t("globalOperations.wait", True) - t("images.insert"),
          t("zoneOperations.wait", True) - t("instances.insert"),
          t("instances.getSerialPortOutput", True) - t("zoneOperations.wait", True),
          t("instances.getSerialPortOutput", True) - t0))
EOF
no_secret "$tmp/out" "$tmp/err" && ok "launch: no token, JWT or key printed" ||
	fail "launch printed a secret" "$(cat "$tmp/err")"
want="token zones.get machineTypes.get images.insert globalOperations.wait instances.insert zoneOperations.wait instances.getSerialPortOutput"
got=$(ops "$tmp/main.log")
case "$got" in
"$want"*) ok "launch: the calls in order ($want ...)" ;;
*) fail "launch: the calls" "$got" ;;
esac
python3 - "$tmp/main.log" "$sa" <<'EOF' && ok "launch: every call signed as the key's service account" || fail "launch: principals" "$(cat "$tmp/main.log")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert all(l["principal"] == sys.argv[2] and l["status"] == 200 for l in lines), lines
EOF
python3 - "$tmp/main.log" <<'EOF' && ok "launch: through --api-endpoint, Host names the real API (oauth2.googleapis.com, compute.googleapis.com)" || fail "launch: Host headers" "$(cat "$tmp/main.log")"
import json, sys
for l in map(json.loads, open(sys.argv[1])):
    want = "oauth2.googleapis.com" if l["op"] == "token" else "compute.googleapis.com"
    assert l["host"] == want, l
EOF
python3 - "$tmp/main/instances/vm-ok/instance.json" "$tmp/main/instances/vm-ok/disk.raw" "$tmp/src.raw" "$move_id" <<'EOF' && ok "launch: instance labels/metadata carry the move id, its disk is the source padded to 1 GiB" || fail "launch: the instance" "$(cat "$tmp/main/instances/vm-ok/instance.json" 2>&1 | head -20)"
import json, os, sys
inst = json.load(open(sys.argv[1]))
assert inst["labels"]["cloudmove-move-id"] == sys.argv[4], inst["labels"]
assert {"key": "cloudmove-move-id", "value": sys.argv[4]} in inst["metadata"]["items"]
assert inst["disks"][0]["boot"] and "global/images/" in inst["disks"][0]["initializeParams"]["sourceImage"]
assert inst["networkInterfaces"][0]["network"] == "global/networks/default"
src = open(sys.argv[3], "rb").read()
assert os.path.getsize(sys.argv[2]) == 1 << 30
with open(sys.argv[2], "rb") as f:
    assert f.read(len(src)) == src
    f.seek((1 << 30) - 4096)
    assert f.read() == bytes(4096)
EOF
python3 - "$tmp/main/images" <<'EOF' && ok "launch: images.insert names VIRTIO_SCSI_MULTIQUEUE, not UEFI_COMPATIBLE/GVNIC for a disk that shows neither" || fail "launch: the image's guest OS features"
import glob, json, sys
imgs = [json.load(open(p)) for p in glob.glob(sys.argv[1] + "/*/image.json")]
assert len(imgs) == 1, imgs
feats = [f["type"] for f in imgs[0]["guestOsFeatures"]]
assert feats == ["VIRTIO_SCSI_MULTIQUEUE"], feats
assert imgs[0]["rawDisk"]["source"] == "https://storage.googleapis.com/bkt/disk.tar.gz"
EOF

# --- a token that runs out on the way (an import outlasts it): a new one
start_gce ttl --token-ttl 2 --op-delay 3
spec ttl e2-small vm-ttl
launch key ttl --wait 30
n_tok=$(grep -c '"op": "token"' "$tmp/ttl.log")
if [ $rc -eq 0 ] && [ "$n_tok" -ge 2 ] && grep -q '"status": 401' "$tmp/ttl.log" &&
	no_secret "$tmp/err"; then
	ok "a token that runs out mid-launch (401): a new one from the key file ($n_tok tokens), arrived"
else
	fail "token renewal" "rc $rc tokens $n_tok $(cat "$tmp/err")"
fi

# --- passing backend faults: 503 twice from the token endpoint and images.insert: retried, arrived
start_gce flaky --fail-5xx token:2 --fail-5xx images.insert:2
spec flaky e2-small vm-flaky
launch key flaky --wait 30
n_tok=$(grep -c '"op": "token"' "$tmp/flaky.log"); n_ins=$(grep -c '"op": "images.insert"' "$tmp/flaky.log")
[ $rc -eq 0 ] && [ "$n_tok" -eq 3 ] && [ "$n_ins" -eq 3 ] &&
	ok "token and images.insert answer 503 twice: retried (3 calls each), arrived" ||
	fail "passing 503" "rc $rc token $n_tok images.insert $n_ins $(cat "$tmp/err")"

# --- the token endpoint answering 500 always: one line naming it, exit 1, nothing made
start_gce down --fail-5xx token:0:500
spec down e2-small vm-down
launch key down --wait 30
[ $rc -eq 1 ] && [ "$(grep -vc "warning:" "$tmp/err")" -eq 1 ] && grep -qi "token" "$tmp/err" && grep -q "500" "$tmp/err" &&
	[ "$(grep -vc '"op": "token"' "$tmp/down.log")" -eq 0 ] &&
	ok "the token endpoint answers 500 always: exit 1, one line ($(grep -v warning: "$tmp/err" | head -c 80)), no other call" ||
	fail "token 500" "rc $rc $(cat "$tmp/err") $(ops "$tmp/down.log")"

# --- a static access token instead of a key ---------------------------------
start_gce static --token "ya29.static-test-token=static@test-project.iam.gserviceaccount.com"
spec st e2-small vm-static
launch static st --wait 30
[ $rc -eq 0 ] && grep -q "arrived" "$tmp/err" && ! grep -q '"op": "token"' "$tmp/static.log" &&
	ok "launch with gcp_access_token: no token exchange, arrived" ||
	fail "launch with gcp_access_token" "rc $rc $(cat "$tmp/err")"

# --- refusals: one line, nothing printed that is secret ----------------------
refusal() {	# refusal NAME PATTERN: rc 1, the one error line matches
	local name=$1 pat=$2
	if [ $rc -eq 1 ] && grep -q "$pat" "$tmp/err" && [ "$(grep -c "$pat" "$tmp/err")" -eq 1 ] &&
		no_secret "$tmp/out" "$tmp/err"; then
		ok "$name"
	else
		fail "$name" "rc $rc $(cat "$tmp/err")"
	fi
}
gce_port=$main_port
: >"$tmp/main.log"
launch rogue ok --wait 5
refusal "a key the emulator does not know: exit 1, one line (invalid_grant), no token" \
	"^cloudmove: launch: gcp: token endpoint https://oauth2.googleapis.com/token refused service account $sa (key file .*rogue.json): invalid_grant: Invalid JWT Signature.$"
[ "$(ops "$tmp/main.log")" = token ] && ok "rogue key: nothing asked of compute" ||
	fail "rogue key: calls" "$(ops "$tmp/main.log")"

launch none ok --wait 5
refusal "no gcp credentials: exit 1, one line" "neither gcp_service_account"

start_gce refuse --refuse-creds --token "ya29.static-test-token=static@test-project.iam.gserviceaccount.com"
launch key ok --wait 5
refusal "--refuse-creds: exit 1, one line" "refused service account.*invalid_grant: Invalid grant: account not found"
launch static ok --wait 5
refusal "--refuse-creds, static token: zones.get 403 PERMISSION_DENIED, one line" \
	"^cloudmove: launch: gcp: zones.get: 403 PERMISSION_DENIED: Required"

spec nope e2-bogus-9 vm-nope
gce_port=$main_port
: >"$tmp/main.log"
launch key nope --wait 5
refusal "unknown machine type: machineTypes.get 404, one line" \
	"machineTypes.get: 404 NOT_FOUND: The resource 'projects/test-project/zones/us-central1-a/machineTypes/e2-bogus-9' was not found"
grep -q images.insert "$tmp/main.log" && fail "unknown type: an image was made" || ok "unknown type: no image made"
cp "$tmp/key.json" "$tmp/open.json"
chmod 644 "$tmp/open.json"
creds open "gcp_service_account = $tmp/open.json"
launch open nope --wait 5
[ $rc -eq 1 ] && grep -q "service-account key file $tmp/open.json: readable by other users (chmod 600 it)" "$tmp/err" &&
	grep -q "machineTypes.get: 404" "$tmp/err" && no_secret "$tmp/err" &&
	ok "a key file others can read: a warning, then used" || fail "key file mode warning" "rc $rc $(cat "$tmp/err")"

spec arm t2a-standard-1 vm-arm
launch key arm --wait 5
if [ $rc -eq 1 ] && grep -q "UEFI" "$tmp/err" && no_secret "$tmp/err"; then
	ok "a UEFI-only type (t2a, ARM64) for a disk with no UEFI: refused, the line names UEFI"
else
	fail "UEFI-only type" "rc $rc $(cat "$tmp/out" "$tmp/err")"
fi

start_gce quota --quota-at-launch
spec q e2-standard-2 vm-quota
launch key q --wait 5 --json
img=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["image_id"] or "")' "$tmp/out" 2>/dev/null)
if [ $rc -eq 1 ] && grep -q "instances.insert: QUOTA_EXCEEDED: Quota 'CPUS' exceeded" "$tmp/err" &&
	[ -n "$img" ] && grep -q "$img" "$tmp/err" && [ -f "$tmp/quota/images/$img/disk.raw" ]; then
	ok "quota error at launch: exit 1, QUOTA_EXCEEDED named, image $img kept and named"
else
	fail "quota at launch" "rc $rc $(cat "$tmp/out" "$tmp/err")"
fi

printf 'project = test-project/global/images?x=\nzone = us-central1-a\nmachine_type = e2-small\nname = vm-x\n' >"$tmp/path.spec"
: >"$tmp/main.log"
gce_port=$main_port
launch key path --wait 5
refusal "a spec value that would change the URL's path: one line, nothing asked" \
	"the spec's project \"test-project/global/images?x=\" is not a GCE name"
[ -s "$tmp/main.log" ] && fail "path spec: something was asked" "$(ops "$tmp/main.log")" ||
	ok "path spec: nothing asked"

image_saved=$image
image="gs://bkt/junk.tar.gz?endpoint=http://127.0.0.1:$gcs_port"
spec junk e2-small vm-junk
launch key junk --wait 5
refusal "an object that is not a gce image: images.insert's operation fails, one line" \
	"images.insert: INVALID_USAGE: Invalid image file https://storage.googleapis.com/bkt/junk.tar.gz"
image=s3://bkt/disk.raw
launch key junk --wait 5
refusal "an image that is not gs://: one line" "the image must be a gs:// object"
image=$image_saved

# --- arrival never seen: the instance named, nothing deleted ------------------
export SILENT=1
start_gce silent
unset SILENT
spec sil e2-small vm-silent
t0=$SECONDS
launch key sil --wait 3
if [ $rc -eq 1 ] && grep -q "no arrival line" "$tmp/err" && grep -q "vm-silent" "$tmp/err" &&
	[ -f "$tmp/silent/instances/vm-silent/disk.raw" ] && ! grep -q '"instances.delete"' "$tmp/silent.log"; then
	ok "arrival never seen: exit 1 after --wait 3 ($((SECONDS - t0)) s), vm-silent named, nothing deleted"
else
	fail "arrival never seen" "rc $rc $(cat "$tmp/err")"
fi

# --- retire: the metadata server's identity ----------------------------------
mdtok="ya29.md-test-$$"
sa_md=123456789012-compute@developer.gserviceaccount.com
start_md() {	# start_md NAME [ARGS...]: sets md_port
	local name=$1
	shift
	suite_bg python3 "$md" --cloud gcp --port 0 --port-file "$tmp/$name.port" --gcp-token "$mdtok" \
		"$@" 2>"$tmp/$name.err"
	suite_wait_file "$tmp/$name.port" || suite_abort "mdserver $name did not start"
	md_port=$(cat "$tmp/$name.port")
}
retire() {	# retire ARGS... -> $rc, $tmp/out, $tmp/err
	"$bin" retire --metadata-endpoint "127.0.0.1:$md_port" \
		--api-endpoint "http://127.0.0.1:$gce_port" \
		--detect-root "$here/detect/gcp-gce-2017/root" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
start_md md
start_md md_nosa --gcp-no-service-account
nosa_port=$md_port
start_md md
if python3 - "$md_port" "$nosa_port" "$mdtok" "$sa_md" <<'EOF'
import json, sys, urllib.error, urllib.request
port, nosa, tok, email = sys.argv[1:5]
def get(p, rel):
    req = urllib.request.Request("http://127.0.0.1:%s/computeMetadata/v1/%s" % (p, rel),
                                 headers={"Metadata-Flavor": "Google"})
    try:
        r = urllib.request.urlopen(req)
        return r.status, r.headers.get("Content-Type"), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, None, ""
st, ct, body = get(port, "instance/service-accounts/default/token")
assert st == 200 and ct.startswith("application/json"), (st, ct)
assert json.loads(body) == {"access_token": tok, "expires_in": 3599, "token_type": "Bearer"}, body
assert get(port, "instance/service-accounts/default/scopes")[2] == \
    "https://www.googleapis.com/auth/cloud-platform\n"
assert get(port, "instance/service-accounts/default/email")[2] == email
for rel in ("instance/service-accounts/default/token", "instance/service-accounts/"):
    assert get(nosa, rel)[0] == 404, rel
assert get(nosa, "instance/name")[2] == "instance-1"
EOF
then
	ok "mdserver gcp identity: token (JSON), scopes (one a line), email; no service account: 404"
else
	fail "mdserver gcp identity"
fi
retire_gce() {	# retire_gce NAME [ARGS...]: an emulator knowing the metadata token
	local name=$1
	shift
	mkdir -p "$tmp/$name"
	suite_bg python3 "$gce" --state "$tmp/$name" --log "$tmp/$name.log" --port-file "$tmp/$name.port" \
		--project example-project --token "$mdtok=$sa_md" \
		--instance us-central1-a/instance-1 --op-delay 0.1 "$@" 2>"$tmp/$name.err"
	suite_wait_file "$tmp/$name.port" || suite_abort "gce_server $name did not start"
	gce_port=$(cat "$tmp/$name.port")
}
retire_gce rstop
retire
if [ $rc -eq 0 ] && python3 - "$tmp/rstop.log" "$sa_md" <<'EOF'
import json, sys
ls = [json.loads(l) for l in open(sys.argv[1])]
stops = [l for l in ls if l["op"] == "instances.stop"]
assert len(stops) == 1 and stops[0]["principal"] == sys.argv[2] and \
    stops[0]["instance"] == "instance-1" and stops[0]["status"] == 200, ls
assert not any(l["op"] == "instances.delete" for l in ls)
EOF
then
	ok "retire: instances.stop of instance-1, signed with the metadata server's token, exit 0"
else
	fail "retire: stop" "rc $rc $(cat "$tmp/out" "$tmp/err"; cat "$tmp/rstop.log")"
fi
no_secret "$tmp/out" "$tmp/err" && ok "retire: no token printed" || fail "retire printed a token"

retire_gce rdel
retire --mode delete
if [ $rc -eq 0 ] && grep -q '"op": "instances.delete", "principal": "'"$sa_md"'", "instance": "instance-1", "status": 200' "$tmp/rdel.log" &&
	! grep -q instances.stop "$tmp/rdel.log"; then
	ok "retire --mode delete: instances.delete of instance-1, exit 0"
else
	fail "retire: delete" "rc $rc $(cat "$tmp/err"; cat "$tmp/rdel.log")"
fi

retire_gce rdeny --deny-retire
retire
if [ $rc -eq 1 ] && grep -q "instances.stop: 403 PERMISSION_DENIED: Required 'compute.instances.stop' permission" "$tmp/err" &&
	grep -q "gcloud compute instances stop instance-1 --zone us-central1-a --project example-project" "$tmp/err" &&
	no_secret "$tmp/err"; then
	ok "retire refused (403): exit 1, the gcloud command that finishes"
else
	fail "retire: 403" "rc $rc $(cat "$tmp/err")"
fi

start_md nosa --gcp-no-service-account
retire_gce rnosa
retire
if [ $rc -eq 1 ] && grep -q "no service account" "$tmp/err" &&
	grep -q "gcloud compute instances stop" "$tmp/err" && ! grep -qs instances.stop "$tmp/rnosa.log"; then
	ok "retire with no service account: exit 1, nothing asked of compute, the command named"
else
	fail "retire: no service account" "rc $rc $(cat "$tmp/err")"
fi

echo "# launch-gcp: $((SECONDS - start_time)) s in all"
suite_end
