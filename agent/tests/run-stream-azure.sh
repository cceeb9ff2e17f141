#!/bin/bash
# run-stream-azure.sh CLOUDMOVE — cloudmove stream to Azure page blobs,
# against azurite 3.37.0 (npm, cached in $CLOUDMOVE_CACHE/npm/) on
# 127.0.0.1, which checks Shared Key and SAS signatures and Content-MD5.
# Blobs are read back with an independent client (lib/azblob.py, its own
# signer) and compared byte for byte: raw and vhd, Shared Key (the
# well-known devstoreaccount1 key) and an account SAS made here; qemu-img
# on the vhd; holes never sent (bytes through a counting proxy vs the
# image's data; Get Page Ranges); a wrong key, a bad SAS, no credentials,
# gce: one line, exit 1, no secret printed, no blob left; >= 10 network
# cuts at random points (cutproxy --dead-after) and kill -9 at a random
# moment, each then --resume: the blob byte-identical and what was stored
# not sent again.  Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-stream-azure.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
AZURITE_VERSION=3.37.0
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp
MiB=$((1024 * 1024))
KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
az() { python3 "$here/lib/azblob.py" "$@"; }
free_ports() {	# two distinct free ports
	python3 -c 'import socket; s = [socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1", 0)) for x in s]; print(*(x.getsockname()[1] for x in s))'
}

# --- azurite -----------------------------------------------------------------
# shellcheck source=agent/tests/lib/npm.sh
. "$here/lib/npm.sh"
azurite=$(npm_bin azurite "$AZURITE_VERSION" azurite-blob) ||
	suite_abort "npm install azurite@$AZURITE_VERSION failed"
# one over TLS too (both start at once), its certificate (for "localhost")
# from a CA made here
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca.key" -out "$tmp/ca.pem" \
	-subj /CN=cloudmove-test-ca -days 2 >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout "$tmp/srv.key" -out "$tmp/srv.csr" \
	-subj /CN=localhost >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost\n' >"$tmp/san"
openssl x509 -req -in "$tmp/srv.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -CAcreateserial \
	-out "$tmp/srv.pem" -days 2 -extfile "$tmp/san" >/dev/null 2>&1
read -r port tport < <(free_ports)
mkdir -p "$tmp/azurite-tls"
suite_bg "$azurite" --blobHost 127.0.0.1 --blobPort "$tport" \
	--location "$tmp/azurite-tls" --cert "$tmp/srv.pem" --key "$tmp/srv.key" \
	--disableTelemetry --silent >"$tmp/azurite-tls.log" 2>&1
mkdir -p "$tmp/azurite"
suite_bg "$azurite" --blobHost 127.0.0.1 --blobPort "$port" \
	--location "$tmp/azurite" --disableTelemetry --silent >"$tmp/azurite.log" 2>&1
if ! suite_wait_port "$port"; then
	cat "$tmp/azurite.log"; echo "0 passed, 1 failed"; exit 1
fi
base=http://127.0.0.1:$port/devstoreaccount1
az mkcontainer "$base/images" && ok "azurite $AZURITE_VERSION up, container made" \
	|| fail "azurite" "no container"
printf 'azure_account_name = devstoreaccount1\nazure_account_key = %s\n' "$KEY" >"$tmp/creds"
printf 'azure_account_key = %s\n' "$(head -c 64 /dev/urandom | base64 -w0)" >"$tmp/badcreds"
chmod 600 "$tmp/creds" "$tmp/badcreds"
sas=$(az sas devstoreaccount1)

# --- images ------------------------------------------------------------------
# 24 MiB + 300 bytes (not a 512 multiple): data at 0, at 5 MiB + 100 (300 KiB,
# not page-aligned), 9-15 MiB (a run longer than a Put Page), a 1 MiB chunk
# half zeros at 20 MiB, 8 bytes in the last page; the rest holes.
img=$tmp/disk.img
truncate -s $((24 * MiB + 300)) "$img"
put() { head -c "$2" /dev/urandom | dd of="$img" bs=1 seek="$1" conv=notrunc status=none; }
put 0 4096
put $((5 * MiB + 100)) $((300 * 1024))
head -c $((6 * MiB)) /dev/urandom | dd of="$img" bs=1M seek=9 conv=notrunc status=none
head -c $((512 * 1024)) /dev/urandom | dd of="$img" bs=1K seek=$((20 * 1024)) conv=notrunc status=none
put $((24 * MiB + 290)) 8
size=$(stat -c %s "$img")
blob_size=$(( (size + 511) / 512 * 512 ))
# the image's data: what must be sent at least / at most (whole 64 KiB blocks)
read -r data_512 data_64k < <(python3 - "$img" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
def nz(b): return sum(min(b, len(d) - o) for o in range(0, len(d), b) if any(d[o:o + b]))
print(nz(512), nz(65536))
EOF
)

stream() {	# stream SRC DEST FORMAT [ARGS...]: exit code; stderr in $tmp/err
	local src=$1 dst=$2 fmt=$3
	shift 3
	"$bin" stream --source "$src" --dest "$dst" --format "$fmt" --progress=none "$@" \
		>"$tmp/out" 2>"$tmp/err"
}
proxy() {	# proxy NAME [cutproxy args]: starts one, sets proxy_port, proxy_pid
	rm -f "$tmp/$1.port" "$tmp/$1.count"
	suite_bg python3 "$here/lib/cutproxy.py" --to "$port" --port-file "$tmp/$1.port" \
		--count-file "$tmp/$1.count" "${@:2}"
	proxy_pid=$!
	suite_wait_file "$tmp/$1.port" 100
	proxy_port=$(cat "$tmp/$1.port")
}
count() { cat "$tmp/$1.count" 2>/dev/null || echo 0; }
same_blob() {	# same_blob URL FILE: the blob is FILE (then zeros to its end);
		# $get: get (every byte) or getpages (the page ranges: faster)
	az "${get:-getpages}" "$1" "$tmp/got" || return 1
	local len
	len=$(stat -c %s "$2")
	cmp -s -n "$len" "$tmp/got" "$2" || return 1
	[ "$(tail -c +$((len + 1)) "$tmp/got" | tr -d '\0' | wc -c)" = 0 ]
}
same_vhd() {	# same_vhd URL REF.vhd: identical but for the footer's time, id, checksum
	az "${get:-getpages}" "$1" "$tmp/got" || return 1
	python3 - "$tmp/got" "$2" <<'EOF'
import struct, sys
a, b = (open(p, "rb").read() for p in sys.argv[1:3])
mask = lambda f: f[:24] + f[28:64] + f[84:]
fa = a[-512:]
csum = (~sum(fa[:64] + b"\0" * 4 + fa[68:]) & 0xffffffff)
sys.exit(0 if len(a) == len(b) and a[:-512] == b[:-512] and mask(fa) == mask(b[-512:])
         and struct.unpack(">I", fa[64:68])[0] == csum else 1)
EOF
}
secret_free() { ! grep -qF -e "$KEY" -e "sig=" -e "${sas##*sig=}" "$@"; }

# --- Shared Key: raw and vhd, through a counting proxy ------------------------
proxy full
if stream "$img" "http://127.0.0.1:$proxy_port/devstoreaccount1/images/disk.raw" raw \
	--creds "$tmp/creds"; then ok "raw, Shared Key: exit 0"
else fail "raw, Shared Key" "$(cat "$tmp/err")"; fi
sleep 0.2
full_bytes=$(count full)
[ "$(az props "$base/images/disk.raw")" = "PageBlob $blob_size" ] \
	&& ok "raw: a page blob of $blob_size bytes (size rounded up to 512)" \
	|| fail "raw: blob properties" "$(az props "$base/images/disk.raw")"
get=get same_blob "$base/images/disk.raw" "$img" \
	&& ok "raw: blob byte-identical to the image (every byte read back)" \
	|| fail "raw: blob" "differs"
# holes were not sent: the bytes the server got are the data (+ headers)
ranges=$(az ranges "$base/images/disk.raw" | wc -l)
overhead=$(( (ranges + 2) * 1024 ))
if [ "$full_bytes" -ge "$data_512" ] && [ "$full_bytes" -le $((data_64k + overhead)) ]; then
	ok "holes not sent: $full_bytes bytes through the proxy for $data_512 bytes of data (image $size)"
else fail "holes not sent" "$full_bytes bytes sent, data $data_512..$data_64k, $ranges ranges"; fi
zero_ranges=$(az ranges "$base/images/disk.raw" | python3 -c '
import sys
d = open(sys.argv[1], "rb").read()
print(sum(1 for l in sys.stdin for s, e in [map(int, l.split())] if not any(d[s:e + 1])))' "$img")
[ "$zero_ranges" = 0 ] && ok "Get Page Ranges: $ranges ranges, none all zeros" \
	|| fail "page ranges" "$zero_ranges all-zero ranges stored"
secret_free "$tmp/err" "$tmp/out" && ok "raw: no secret in the output" || fail "raw" "secret printed"

"$bin" stream --source "$img" --dest "file://$tmp/ref.vhd" --format vhd --progress=none \
	2>"$tmp/err" || fail "vhd reference (file://)" "$(cat "$tmp/err")"
if stream "$img" "$base/images/disk.vhd" vhd --creds "$tmp/creds"; then ok "vhd, Shared Key: exit 0"
else fail "vhd, Shared Key" "$(cat "$tmp/err")"; fi
get=get same_vhd "$base/images/disk.vhd" "$tmp/ref.vhd" \
	&& ok "vhd: blob byte-identical to the file:// vhd ($(stat -c %s "$tmp/ref.vhd") bytes; footer: but its time and id)" \
	|| fail "vhd: blob" "differs from the file:// vhd"
cp "$tmp/got" "$tmp/got.vhd"
info=$(qemu-img info -f vpc "$tmp/got.vhd" 2>&1)
vsize=$(( (size + MiB - 1) / MiB * MiB ))
grep -q "file format: vpc" <<<"$info" && grep -q "($vsize bytes)" <<<"$info" \
	&& ok "vhd: qemu-img info: vpc, virtual size $vsize" || fail "vhd: qemu-img info" "$info"
qemu-img compare -q -f raw -F vpc "$img" "$tmp/got.vhd" 2>/dev/null \
	&& ok "vhd: qemu-img compare with the image" || fail "vhd: qemu-img compare" "differs"

# --- SAS ---------------------------------------------------------------------
if stream "$img" "$base/images/sas.raw?$sas" raw; then ok "raw, SAS: exit 0"
else fail "raw, SAS" "$(cat "$tmp/err")"; fi
same_blob "$base/images/sas.raw" "$img" && ok "raw, SAS: blob byte-identical" \
	|| fail "raw, SAS: blob" "differs"
if stream "$img" "$base/images/sas.vhd?$sas" vhd; then ok "vhd, SAS: exit 0"
else fail "vhd, SAS" "$(cat "$tmp/err")"; fi
same_vhd "$base/images/sas.vhd" "$tmp/ref.vhd" && ok "vhd, SAS: blob byte-identical" \
	|| fail "vhd, SAS: blob" "differs"

# --- refusals: one line, exit 1, nothing printed that is secret, no blob --------
refused() {	# refused NAME BLOB: the last stream failed as it should
	local rc=$1 name=$2 blob=$3
	if [ "$rc" = 1 ] && [ "$(wc -l <"$tmp/err")" = 1 ] && secret_free "$tmp/err" \
		&& ! az exists "$base/images/$blob"; then ok "$name: exit 1, one line: $(cat "$tmp/err")"
	else fail "$name" "rc $rc, $(wc -l <"$tmp/err") lines: $(cat "$tmp/err")"; fi
}
stream "$img" "$base/images/bad.raw" raw --creds "$tmp/badcreds"
refused $? "wrong key" bad.raw
! grep -qF "$(sed -n 's/^azure_account_key = //p' "$tmp/badcreds")" "$tmp/err" \
	&& ok "wrong key: the key is not printed" || fail "wrong key" "key printed"
badsas=$(sed 's/sig=[^&]*/sig=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA%3D/' <<<"$sas")
stream "$img" "$base/images/badsas.raw?$badsas" raw
refused $? "bad SAS" badsas.raw
! grep -q "sig=\|AAAAAAAAAA" "$tmp/err" && ok "bad SAS: the signature is not printed" \
	|| fail "bad SAS" "signature printed"
stream "$img" "http://127.0.0.1:$port/devstoreaccount1/images/nocreds.raw?sv=1" raw --creds "$tmp/creds"
refused $? "a query that is not a SAS" nocreds.raw
stream "$img" "https://devstoreaccount1.blob.core.windows.net/images/x.raw" raw
refused $? "no credentials" x.raw
stream "$img" "$base/images/disk.tar.gz" gce --creds "$tmp/creds"
refused $? "gce (no size up front)" disk.tar.gz
stream "$img" "$base/nocontainer/x.raw" raw --creds "$tmp/creds"
refused $? "no such container" x.raw

# a fatal error after the blob was made (a SAS that may create and delete,
# not write): Put Page refused, the blob deleted, exit 1
stream "$img" "$base/images/nowrite.raw?$(az sas devstoreaccount1 cd)" raw
rc=$?
if [ "$rc" = 1 ] && grep -q "Put Page at 0: HTTP 403" "$tmp/err" && secret_free "$tmp/err" \
	&& ! az exists "$base/images/nowrite.raw"; then
	ok "Put Page refused (SAS without write): exit 1, the blob deleted"
else fail "Put Page refused" "rc $rc: $(cat "$tmp/err")"; fi

# --- retries: connections reset mid-request, the stream goes on ----------------
proxy resets --cut-at 3000,900000,5000000,9000000,12000000
if stream "$img" "http://127.0.0.1:$proxy_port/devstoreaccount1/images/resets.raw" raw \
	--creds "$tmp/creds" && same_blob "$base/images/resets.raw" "$img"; then
	ok "5 connection resets: retried, blob byte-identical"
else fail "connection resets" "$(cat "$tmp/err")"; fi

# --- TLS (https://localhost, CLOUDMOVE_CA_BUNDLE): verified, a bad one refused --
tbase=https://localhost:$tport/devstoreaccount1
if suite_wait_port "$tport" && AZ_CA="$tmp/ca.pem" az mkcontainer "$tbase/images"; then
	if CLOUDMOVE_CA_BUNDLE=$tmp/ca.pem stream "$img" "$tbase/images/tls.vhd?$sas" vhd \
		&& AZ_CA="$tmp/ca.pem" same_vhd "$tbase/images/tls.vhd" "$tmp/ref.vhd"; then
		ok "https with the test CA: vhd blob byte-identical"
	else fail "https" "$(cat "$tmp/err")"; fi
	# without the CA the certificate is refused (after the retries: in the background)
	( "$bin" stream --source "$img" --dest "$tbase/images/untrusted.raw?$sas" --format raw \
		--progress=none >/dev/null 2>"$tmp/untrusted.err"; echo $? >"$tmp/untrusted.rc" ) &
else fail "azurite over TLS" "$(cat "$tmp/azurite-tls.log")"; fi

# --- network cuts at random points, then --resume (10 in parallel) -------------
trial() {	# trial N AUTH: cut at random, resume; writes $tmp/trial.N.result
	local n=$1 auth=$2 src=$tmp/trial.$n.img dest q='' args=() cut cport rport r1 r2
	ln "$img" "$src"
	[ "$auth" = sas ] && q="?$sas" || args=(--creds "$tmp/creds")
	cut=$(( (RANDOM * 32768 + RANDOM) % (full_bytes - 2000) + 1000 ))
	python3 "$here/lib/cutproxy.py" --to "$port" --port-file "$tmp/t$n.cport" \
		--count-file "$tmp/t$n.ccount" --dead-after "$cut" &
	local p1=$!
	suite_wait_file "$tmp/t$n.cport" 100
	cport=$(cat "$tmp/t$n.cport")
	"$bin" stream --source "$src" --format raw --progress=none "${args[@]}" \
		--dest "http://127.0.0.1:$cport/devstoreaccount1/images/cut$n.raw$q" \
		>/dev/null 2>"$tmp/t$n.err1"
	r1=$?
	local state=$src.cloudmove-stream committed=0
	[ -f "$state" ] && committed=$(sed -n 's/^committed //p' "$state")
	local leak=0
	[ -f "$state" ] && grep -q "sig=" "$state" && leak=1
	kill "$p1" 2>/dev/null
	wait "$p1" 2>/dev/null
	# a fresh proxy on the same port: the same URL, the network back
	python3 "$here/lib/cutproxy.py" --to "$port" --listen "$cport" \
		--port-file "$tmp/t$n.rport" --count-file "$tmp/t$n.rcount" &
	local p2=$!
	suite_wait_file "$tmp/t$n.rport" 100
	rport=$(cat "$tmp/t$n.rport")
	"$bin" stream --source "$src" --format raw --progress=none --resume "${args[@]}" \
		--dest "http://127.0.0.1:$rport/devstoreaccount1/images/cut$n.raw$q" \
		>/dev/null 2>"$tmp/t$n.err2"
	r2=$?
	kill "$p2" 2>/dev/null
	wait "$p2" 2>/dev/null
	echo "$cut $r1 $committed $r2 $(cat "$tmp/t$n.ccount" 2>/dev/null || echo 0)" \
		"$(cat "$tmp/t$n.rcount" 2>/dev/null || echo 0) $leak" >"$tmp/trial.$n.result"
}
for n in $(seq 1 10); do
	trial "$n" "$([ $((n % 3)) = 0 ] && echo sas || echo key)" &
done
wait_trials() { local n; for n in "$@"; do while [ ! -s "$tmp/trial.$n.result" ]; do sleep 0.2; done; done; }
wait_trials $(seq 1 10)
for n in $(seq 1 10); do
	read -r cut r1 committed r2 ccount rcount leak <"$tmp/trial.$n.result"
	resent=$((ccount + rcount - full_bytes))
	what="cut $n at byte $cut: exit $r1 with $committed stored, --resume exit $r2"
	if [ "$r1" != 1 ] || [ "$r2" != 0 ]; then
		fail "$what" "$(cat "$tmp/t$n.err1" "$tmp/t$n.err2")"
	elif ! same_blob "$base/images/cut$n.raw" "$img"; then
		fail "$what" "blob differs"
	elif [ "$leak" != 0 ] || ! secret_free "$tmp/t$n.err1" "$tmp/t$n.err2"; then
		fail "$what" "a secret in the state file ($leak) or the output: $(cat "$tmp/t$n.err1" "$tmp/t$n.err2")"
	elif [ "$committed" -gt 0 ] && [ "$resent" -gt $((4 * MiB + 64 * 1024)) ]; then
		fail "$what" "$resent bytes sent again (more than one Put Page)"
	else
		ok "$what; identical, $resent bytes sent twice"
	fi
done

for _ in $(seq 1 300); do [ -s "$tmp/untrusted.rc" ] && break; sleep 0.2; done
if [ "$(cat "$tmp/untrusted.rc" 2>/dev/null)" = 1 ] && [ "$(wc -l <"$tmp/untrusted.err")" = 1 ] \
	&& secret_free "$tmp/untrusted.err"; then
	ok "https without the test CA: refused, exit 1: $(cat "$tmp/untrusted.err")"
else fail "https, untrusted" "rc $(cat "$tmp/untrusted.rc" 2>/dev/null): $(cat "$tmp/untrusted.err" 2>/dev/null)"; fi

# --- kill -9 at a random moment, then --resume --------------------------------
ln "$img" "$tmp/kill.img"
proxy kill1
"$bin" stream --source "$tmp/kill.img" --format raw --progress=none --creds "$tmp/creds" \
	--dest "http://127.0.0.1:$proxy_port/devstoreaccount1/images/kill.raw" >/dev/null 2>&1 &
victim=$!
sleep "0.$(( RANDOM % 3 + 1 ))$(( RANDOM % 10 ))"
kill -9 "$victim" 2>/dev/null
wait "$victim" 2>/dev/null
sleep 0.2
killed=$(sed -n 's/^committed //p' "$tmp/kill.img.cloudmove-stream" 2>/dev/null || echo done)
kill "$proxy_pid"
wait "$proxy_pid" 2>/dev/null
kbytes=$(count kill1)
proxy kill2 --listen "$proxy_port"
if stream "$tmp/kill.img" "http://127.0.0.1:$proxy_port/devstoreaccount1/images/kill.raw" raw \
	--creds "$tmp/creds" --resume && same_blob "$base/images/kill.raw" "$img"; then
	sleep 0.2
	resent=$(( kbytes + $(count kill2) - full_bytes ))
	if [ "${killed:-0}" != done ] && [ "${killed:-0}" -gt 0 ] && [ "$resent" -gt $((4 * MiB + 64 * 1024)) ]; then
		fail "kill -9 with ${killed} stored, --resume" "$resent bytes sent again"
	else
		ok "kill -9 with ${killed:-0} stored, --resume: identical, $resent bytes sent twice"
	fi
else fail "kill -9, --resume" "$(cat "$tmp/err")"; fi
[ ! -e "$tmp/kill.img.cloudmove-stream" ] && ok "resume state removed once whole" \
	|| fail "resume state" "left after success"

# --- resume of a blob that is gone: starts over ---------------------------------
printf 'dest %s\nformat raw\nsize %s\nmtime 0\ncommitted 4194304\nsession pageblob %s\n' \
	"$base/images/gone.raw" "$size" "$blob_size" >"$tmp/gone.img.cloudmove-stream"
ln "$img" "$tmp/gone.img"
if stream "$tmp/gone.img" "$base/images/gone.raw" raw --creds "$tmp/creds" --resume \
	&& same_blob "$base/images/gone.raw" "$img"; then
	ok "--resume, the blob gone: started over, identical"
else fail "--resume, blob gone" "$(cat "$tmp/err")"; fi

# --- resume of a blob made again since (same size, all zeros): starts over -----
state() {	# state NAME BLOB: a resume state as an interrupted stream leaves it
	printf 'dest %s\nformat raw\nsize %s\nmtime 0\ncommitted %s\nsession pageblob %s\n' \
		"$base/images/$2" "$size" $((15 * MiB)) "$blob_size" >"$tmp/$1.img.cloudmove-stream"
	ln -f "$img" "$tmp/$1.img"
}
curl -s -o /dev/null -X PUT -H "x-ms-blob-type: PageBlob" -H "Content-Length: 0" \
	-H "x-ms-blob-content-length: $blob_size" "$base/images/again.raw?$sas"
state again again.raw
if stream "$tmp/again.img" "$base/images/again.raw" raw --creds "$tmp/creds" --resume \
	&& grep -q "not the one" "$tmp/err" && same_blob "$base/images/again.raw" "$img"; then
	ok "--resume, a blob made again since (Get Page Ranges): started over, identical"
else fail "--resume, blob made again" "$(cat "$tmp/err")"; fi
# --- resume onto a blob that is not ours: refused, left alone ------------------
printf 'not an image' >"$tmp/other"
curl -s -o /dev/null -T "$tmp/other" -H "x-ms-blob-type: BlockBlob" "$base/images/other.raw?$sas"
state other other.raw
stream "$tmp/other.img" "$base/images/other.raw" raw --creds "$tmp/creds" --resume
rc=$?
if [ "$rc" = 1 ] && grep -q "BlockBlob of 12 bytes" "$tmp/err" \
	&& [ "$(az props "$base/images/other.raw")" = "BlockBlob 12" ]; then
	ok "--resume onto someone else's block blob: exit 1, left alone"
else fail "--resume onto a block blob" "rc $rc: $(cat "$tmp/err")"; fi

suite_end
