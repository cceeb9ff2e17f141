#!/bin/bash
# run-boot.sh CLOUDMOVE — `cloudmove boot` (what the initramfs runs before
# the pivot) on fixture roots, driven by kernel command lines in files:
# cloudmove.target adapts the root and says so in one line; user hooks in
# the root's /etc/cloudmove/hooks.d run chrooted with the verdict in their
# environment, bounded; a crash mid-adaptation (rd.cloudmove.crash_at) is
# undone on the next boot, which adapts again; cloudmove.mode=detect and a
# cloud without a profile change nothing; boot always exits 0.  The
# machine's detection evidence is a fixture (--detect-root), never this
# machine: the suite runs once per fixture in BOOT_FIXTURES (default: a KVM
# guest, a GCP VM, a machine with no DMI at all, which is unknown (none) as
# the bhyve machine of issue 14 was), and what it expects of detection
# comes from the fixture's expected.json.  The hanging-hook timing runs
# under the first fixture only (8 s a run).
# Metadata goes to a refused loopback port only.
# Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-boot.sh CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp
fx=	# the fixture of the run, in each test's name
ok() { suite_ok "${fx:+[$fx] }$1"; }
fail() { suite_fail "${fx:+[$fx] }$1" "$2"; }
snapshot() { (cd "$1" && find . -path ./var/lib/cloudmove -prune -o -type f -print0 | sort -z |
	xargs -0 -r sha256sum && find . -type l -print0 | sort -z | xargs -0 -r readlink); }

# A fixture root with a shell (busybox) so hooks can run in it.
mkroot() {
	rm -rf "$1"
	cp -a "$here/adapt/aws-debian12/root" "$1"
	mkdir -p "$1/bin" "$1/etc/cloudmove/hooks.d" "$1/tmp"
	cp /bin/busybox "$1/bin/busybox"
	for a in sh sleep echo; do ln -sf busybox "$1/bin/$a"; done
}
boot() {	# boot ROOT CMDLINE... -> $tmp/out, $tmp/err, $rc
	printf '%s\n' "$2" >"$tmp/cmdline"
	mkdir -p "$tmp/run"
	rm -f "$tmp/run/after"
	CM_RUNDIR=$tmp/run "$bin" boot --root "$1" --cmdline "$tmp/cmdline" \
		--metadata-endpoint 127.0.0.1:9 --detect-root "$evidence" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# " for CLOUD" as boot says it when adapting for a cloud it is not in
for_() { [ "$1" = "$cloud" ] || printf ' for %s' "$1"; }

run_under() {	# run_under FIXTURE: the whole suite, detection from FIXTURE
fx=$1 evidence=$here/detect/$1/root
read -r cloud conf < <(python3 -c 'import json, sys; j = json.load(open(sys.argv[1]))
print(j["cloud"], j["confidence"])' "$here/detect/$fx/expected.json")
# the SMBIOS UUID the move marker compares ("" absent or unset)
uuid=$(tr -d ' \n' 2>/dev/null <"$evidence/sys/class/dmi/id/product_uuid")
[[ $uuid =~ ^[0-]*$ || $uuid =~ ^[fF-]*$ ]] && uuid=
echo "--- detection evidence: $fx ($cloud ($conf)${uuid:+, uuid $uuid})"
root=$tmp/r1
mkroot "$root"
cat >"$root/etc/cloudmove/hooks.d/10-env" <<'EOT'
#!/bin/sh
echo "$CLOUDMOVE_EVENT cloud=$CLOUDMOVE_CLOUD prev=$CLOUDMOVE_PREVIOUS target=$CLOUDMOVE_TARGET txn=$CLOUDMOVE_TXN changes=$CLOUDMOVE_CHANGES arg=$1" >>/tmp/hooks.log
echo "hook 10-env says hello"
EOT
printf '#!/bin/sh\nexit 3\n' >"$root/etc/cloudmove/hooks.d/20-fails"
printf '#!/bin/sh\necho never >>/tmp/hooks.log\n' >"$root/etc/cloudmove/hooks.d/30-backup~"
chmod 755 "$root"/etc/cloudmove/hooks.d/*
before=$(snapshot "$root")
start=$(date +%s%N)
boot "$root" "quiet cloudmove.target=gcp"
ms=$((($(date +%s%N) - start) / 1000000))
line=$(grep "→ adapting" "$tmp/out")
[ $rc -eq 0 ] && [[ $line =~ ^cloudmove:\ detected\ "$cloud"\ \("$conf"\),\ cloudmove.target=gcp\ →\ adapting$(for_ gcp):\ [0-9]+\ changes,\ txn\ 0001$ ]] &&
	ok "cloudmove.target=gcp adapts, one line ($line; ${ms} ms)" ||
	fail "target adapt" "rc $rc $(cat "$tmp/out" "$tmp/err")"
grep -q "console=ttyS0,38400n8" "$root/etc/default/grub" && ok "the root is adapted for gcp (grub)" ||
	fail "adapted root" "$(cat "$root/etc/default/grub")"
grep -q "^detected cloud=$cloud prev= target= txn= changes=0 arg=detected$" "$root/tmp/hooks.log" &&
	grep -q "^adapted cloud=$cloud prev= target=gcp txn=0001 changes=[1-9][0-9]* arg=adapted$" "$root/tmp/hooks.log" &&
	ok "hooks ran chrooted at detected and adapted, with the verdict in their environment" ||
	fail "hooks" "$(cat "$root/tmp/hooks.log" 2>&1) $(cat "$tmp/out")"
grep -q "^hook 10-env says hello" "$tmp/out" && grep -q "^cloudmove: hook 20-fails (adapted): exit 3; boot goes on" "$tmp/out" &&
	! grep -q never "$root/tmp/hooks.log" &&
	ok "hook output on the console, a failing hook reported, backup files skipped" ||
	fail "hook output" "$(cat "$tmp/out")"
boot "$root" "cloudmove.target=gcp"
grep -q "→ already fits gcp: nothing to change" "$tmp/out" && ok "second boot: nothing to change" ||
	fail "second boot" "$(cat "$tmp/out")"
"$bin" rollback --root "$root" >/dev/null 2>&1
[ "$(snapshot "$root" | grep -v hooks.log)" = "$(echo "$before" | grep -v hooks.log)" ] &&
	ok "rollback after a boot adaptation restores the root" || fail "rollback" "differs"

# A hook that hangs: killed at its bound, boot goes on.
if [ "$fx" = "$first" ]; then
root=$tmp/r2
mkroot "$root"
printf '#!/bin/sh\nsleep 60\n' >"$root/etc/cloudmove/hooks.d/50-hang"
printf '#!/bin/sh\nsleep 60\n' >"$root/etc/cloudmove/hooks.d/51-hang"
printf '#!/bin/sh\necho never\n' >"$root/etc/cloudmove/hooks.d/52-late"
chmod 755 "$root"/etc/cloudmove/hooks.d/5*
start=$(date +%s)
boot "$root" "cloudmove.mode=detect"
secs=$(($(date +%s) - start))
[ $rc -eq 0 ] && grep -q "^cloudmove: hook 50-hang (detected): killed at its time limit (5000 ms); boot goes on" "$tmp/out" &&
	grep -qE "^cloudmove: hook 51-hang \(detected\): killed at its time limit \((2[0-9]*|3000) ms\); boot goes on" "$tmp/out" &&
	grep -q "^cloudmove: hooks (detected): 8 s budget spent; 52-late and later not run" "$tmp/out" &&
	[ $secs -lt 12 ] && ok "hanging hooks: killed at 5 s each, 8 s for all (boot took ${secs} s)" ||
	fail "hanging hook" "rc $rc ${secs}s $(cat "$tmp/out")"
grep -q "cloudmove.mode=detect: not adapting" "$tmp/out" && ok "cloudmove.mode=detect: no adaptation" ||
	fail "mode=detect" "$(cat "$tmp/out")"
fi

# Crash mid-adaptation, then the next boot.
root=$tmp/r3
mkroot "$root"
before=$(snapshot "$root")
boot "$root" "cloudmove.target=azure rd.cloudmove.crash_at=3"
[ $rc -eq 77 ] && ok "rd.cloudmove.crash_at=3: the agent died mid-adaptation (test switch)" ||
	fail "crash_at" "rc $rc $(cat "$tmp/out")"
boot "$root" "cloudmove.target=azure"
[ $rc -eq 0 ] && grep -q "^cloudmove: an interrupted adaptation was undone" "$tmp/out" &&
	grep -q "→ adapting$(for_ azure): [0-9]* changes, txn 0002" "$tmp/out" &&
	ok "next boot undoes the interrupted one, then adapts (txn 0002)" ||
	fail "recovery" "rc $rc $(cat "$tmp/out" "$tmp/err")"

# A cloud without a profile; garbage on the command line.
root=$tmp/r4
mkroot "$root"
before=$(snapshot "$root")
boot "$root" "cloudmove.target=vultr cloudmove.colour=blue cloudmove.target2"
[ $rc -eq 0 ] && grep -q "no profile for vultr; booting as is" "$tmp/out" &&
	grep -q "^cloudmove: warning: cloudmove.colour: unknown key, ignored" "$tmp/out" &&
	[ "$(snapshot "$root")" = "$before" ] &&
	ok "a cloud without a profile, unknown keys: warnings, nothing changed, exit 0" ||
	fail "no profile" "rc $rc $(cat "$tmp/out")"
# /var on its own file system (not mounted before the pivot): no journal
# written under its mount point; the root is left as it is.
root=$tmp/r5
mkroot "$root"
echo "UUID=0000-var /var ext4 defaults 0 2" >>"$root/etc/fstab"
before=$(snapshot "$root")
boot "$root" "cloudmove.target=gcp"
[ $rc -eq 0 ] && grep -q "→ not adapting before the pivot: /var is its own file system" "$tmp/out" &&
	[ "$(snapshot "$root")" = "$before" ] && [ ! -e "$root/var/lib/cloudmove/txn" ] &&
	ok "/var on its own file system: not adapted before the pivot, said why" ||
	fail "separate /var" "rc $rc $(cat "$tmp/out")"
boot "$tmp/nonexistent" "cloudmove.target=gcp"
[ $rc -eq 0 ] && ok "no root: exit 0" || fail "no root" "rc $rc"

# --- a move asked on the command line that cannot happen: rescue shell -------
# (the hook script opens it when the agent leaves "rescue" in
# $CM_RUNDIR/after; cloudmove.onfail=boot boots the source at once)
# (the fixture root is not read-only, as the initramfs would have it: the
# move is refused before anything changes; no network: the destination is
# a refused loopback port, reachable without any set-up)
root=$tmp/rmove
mkroot "$root"
before=$(snapshot "$root")
boot "$root" "cloudmove.target=gcp cloudmove.dest=http://127.0.0.1:9/disk.raw"
if [ $rc -eq 0 ] && grep -q "→ moving to gcp (cloudmove.dest)" "$tmp/out" &&
   grep -q "^cloudmove: the move failed; the source is as it was: rescue shell, the source boots when it is left" "$tmp/out" &&
   grep -q "^cloudmove: to try again there: cloudmove migrate --target gcp --dest URL --resume$" "$tmp/out" &&
   [ "$(cat "$tmp/run/after" 2>/dev/null)" = rescue ] &&
   grep -q "mounted read-write" "$tmp/err" && [ "$(snapshot "$root")" = "$before" ] &&
   [ ! -e "$root/var/lib/cloudmove/move.pending" ]; then
	ok "a move that cannot run: exit 0, said so, rescue shell asked, root untouched, no marker"
else
	fail "failed move" "rc=$rc $(cat "$tmp/out" "$tmp/err")"
fi
boot "$root" "cloudmove.target=gcp cloudmove.dest=http://127.0.0.1:9/disk.raw cloudmove.onfail=boot"
grep -q "^cloudmove: the move failed; the source is as it was, booting it (cloudmove.onfail=boot)$" "$tmp/out" &&
	[ $rc -eq 0 ] && [ ! -e "$tmp/run/after" ] && [ "$(snapshot "$root")" = "$before" ] &&
	ok "cloudmove.onfail=boot: a failed move boots the source, no rescue shell" ||
	fail "onfail=boot" "rc=$rc $(cat "$tmp/out")"
boot "$root" "cloudmove.dest=http://127.0.0.1:9/disk.raw"
grep -q "cloudmove.dest= needs cloudmove.target=" "$tmp/out" && [ $rc -eq 0 ] &&
	[ "$(snapshot "$root")" = "$before" ] &&
	ok "cloudmove.dest without cloudmove.target: said so, nothing moved" ||
	fail "dest without target" "rc=$rc $(cat "$tmp/out")"
# a marker of another machine's move (the image's first boot): dropped
printf 'before 0\nuuid 00000000-1111-2222-3333-444444444444\ncloud nocloud\ntarget gcp\n' \
	>"$root/var/lib/cloudmove/move.pending"
# (a machine that cannot tell itself apart, with no SMBIOS UUID and no
# cloud known, takes the marker as its own: undone, the safe side)
boot "$root" "quiet"
if [ -z "$uuid" ] && [ "$cloud" = unknown ]; then
	grep -q "^cloudmove: an interrupted move to gcp was undone (0 transactions)" "$tmp/out" &&
		[ ! -e "$root/var/lib/cloudmove/move.pending" ] &&
		ok "a move marker, no UUID and no cloud to tell machines apart: taken as this machine's, undone" ||
		fail "marker, no identity" "$(cat "$tmp/out")"
else
	grep -q "^cloudmove: first boot of an image moved from nocloud" "$tmp/out" &&
		[ ! -e "$root/var/lib/cloudmove/move.pending" ] &&
		ok "another machine's move marker: dropped on this boot, said so" ||
		fail "foreign marker" "$(cat "$tmp/out")"
fi
# a corrupt marker: one line, boot goes on, the marker is left for a person
printf 'garbage\n' >"$root/var/lib/cloudmove/move.pending"
boot "$root" "quiet"
[ $rc -eq 0 ] && grep -q "a move marker could not be settled" "$tmp/out" &&
	grep -q "^cloudmove: done in" "$tmp/out" &&
	ok "a corrupt move marker: one line, boot goes on" ||
	fail "corrupt marker" "rc=$rc $(cat "$tmp/out" "$tmp/err")"
[ -z "$uuid" ] && [ "$cloud" = unknown ] || arrival_and_requirements
}	# run_under

# The moved image's first boot: a record whose last stay is the source's
# (aws) with its move, and the move's marker (another machine's).
arrival_and_requirements() {
local id=0123456789abcdef0123456789abcdef r=$tmp/r7 rec
mkroot "$r"
rec=$r/var/lib/cloudmove/record.json
mkdir -p "$r/var/lib/cloudmove"
cat >"$rec" <<EOT
{ "format": "cloudmove-hosting-record", "version": 1, "machine_id": null,
  "stays": [ { "seq": 4, "cloud": "aws", "public": true, "instance_id": "i-0source",
    "region": "eu-west-1", "zone": null, "instance_type": "t3.micro",
    "first_seen": "2026-11-01T00:00:00Z", "last_seen": "2026-11-02T00:00:00Z", "boots": 3,
    "move": { "id": "$id", "target": "$cloud", "region": null, "dest": "gs://b/o.tar.gz",
      "image_id": null, "instance_id": null, "bytes": 0, "started": "2026-11-02T00:00:00Z",
      "seconds": 0, "arrived": false, "retired": null, "failed": null } } ] }
EOT
printf 'before 0\nuuid 00000000-1111-2222-3333-444444444444\ninstance_id i-0source\ncloud aws\ntarget %s\ntime 1764230000\nmove_id %s\ndest gs://b/o.tar.gz\nprofile sha256:0000000000000000\nfacts type=t9.test arch=x86_64\n' \
	"$cloud" "$id" >"$r/var/lib/cloudmove/move.pending"
boot "$r" "quiet"
python3 - "$rec" "$id" "$cloud" <<'EOT' &&
import json, sys
st = json.load(open(sys.argv[1]))["stays"]
assert [s["seq"] for s in st] == [4, 5], st
assert st[1]["cloud"] == sys.argv[3] and st[1]["moved_from"] == {
    "id": sys.argv[2], "cloud": "aws", "instance_id": "i-0source"}, st[1]
assert st[0]["move"]["arrived"] is True, st[0]
EOT
	grep -qx "cloudmove: arrived in $cloud from aws (move $id)" "$tmp/out" &&
	[ "$(grep -c "arrived in" "$tmp/out")" = 1 ] &&
	[ ! -e "$r/var/lib/cloudmove/move.pending" ] &&
	ok "the moved image's first boot: 'arrived in $cloud from aws (move ID)' on the console, the stay moved_from the source" ||
	fail "arrival" "$(cat "$tmp/out" "$rec")"
grep -q "^cloudmove: detected $cloud ($conf), last seen aws → " "$tmp/out" &&
	ok "it adapts for $cloud on that boot (last seen aws)" || fail "arrival adapt" "$(cat "$tmp/out")"
boot "$r" "quiet"
! grep -q "arrived in" "$tmp/out" &&
	grep -q "^cloudmove: detected $cloud ($conf), last seen $cloud → nothing to adapt$" "$tmp/out" &&
	ok "the next boot: no arrival line (once per move), nothing to adapt" ||
	fail "arrival once" "$(cat "$tmp/out")"
v1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stays"][-1]["adapted"]["profile"])' "$rec")
[[ $v1 =~ ^sha256:[0-9a-f]{16}$ ]] && [ "$v1" != sha256:0000000000000000 ] &&
	ok "the stay records the $cloud profile's version it adapted to ($v1)" ||
	fail "adapted version" "$(cat "$rec")"
# requirements change: a newer profile for this cloud (profiles.d)
mkdir -p "$r/etc/cloudmove/profiles.d"
printf '[%s]\nmtu = 1400\n' "$cloud" >"$r/etc/cloudmove/profiles.d/50-newer.conf"
boot "$r" "quiet"
v2=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["stays"][-1]["adapted"]["profile"])' "$rec")
grep -q "^cloudmove: detected $cloud ($conf), the $cloud profile changed ($v1 → $v2) → \(adapting\|already fits\)" "$tmp/out" &&
	[ "$v2" != "$v1" ] &&
	ok "a changed $cloud profile (profiles.d): adapts again, says why, records the new version" ||
	fail "profile changed" "v2=$v2 $(cat "$tmp/out")"
boot "$r" "quiet"
grep -q "^cloudmove: detected $cloud ($conf), last seen $cloud → nothing to adapt$" "$tmp/out" &&
	ok "once: the boot after that has nothing to adapt" || fail "profile once" "$(cat "$tmp/out")"
# requirements change: the instance is not what the stay adapted to
python3 - "$rec" <<'EOT'
import json, sys
j = json.load(open(sys.argv[1]))
j["stays"][-1]["adapted"]["facts"] = "type=t9.test arch=sparc64"
json.dump(j, open(sys.argv[1], "w"))
EOT
boot "$r" "quiet"
grep -q "^cloudmove: detected $cloud ($conf), the instance changed (arch sparc64 → $(uname -m | sed 's/aarch64/arm64/')) → " "$tmp/out" &&
	grep -q '"facts": "type=t9.test arch=' "$rec" && ! grep -q sparc64 "$rec" &&
	ok "a changed instance (the recorded facts differ): adapts again, records the facts" ||
	fail "facts changed" "$(cat "$tmp/out") $(grep facts "$rec")"
boot "$r" "quiet"
grep -q "nothing to adapt$" "$tmp/out" && ok "once: then nothing to adapt" ||
	fail "facts once" "$(cat "$tmp/out")"
}

# shellcheck disable=SC2206
fixtures=(${BOOT_FIXTURES:-kvm-qemu-q35-fedora gcp-gce-2017 malformed-no-dmi-dir})
first=${fixtures[0]}
for f in "${fixtures[@]}"; do
	run_under "$f"
done
fx=

# an evidence directory that is not one: a bad invocation, nothing run
mkroot "$tmp/r6"
printf 'cloudmove.target=gcp\n' >"$tmp/cmdline"
"$bin" boot --root "$tmp/r6" --cmdline "$tmp/cmdline" --detect-root "$tmp/nonexistent" \
	>"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "^cloudmove: boot: --detect-root: not a directory: '$tmp/nonexistent'" "$tmp/err" &&
	[ ! -s "$tmp/out" ] && [ ! -e "$tmp/r6/var/lib/cloudmove/record.json" ] &&
	ok "--detect-root not a directory: exit 2, one line, nothing done" ||
	fail "--detect-root missing" "rc $rc $(cat "$tmp/out" "$tmp/err")"

# --- issue 15 ---------------------------------------------------------------
# A kernel command line of 4096 bytes or more was dropped whole, cloudmove=0
# with it: the kill switch counts wherever it stands, however long the line;
# one that cannot be read is "do nothing".
root=$tmp/r15
mkroot "$root"
before=$(snapshot "$root")
long=$(head -c 5000 /dev/zero | tr '\0' x)
boot "$root" "cloudmove.target=gcp $long cloudmove=0"
[ $rc -eq 0 ] && [ ! -s "$tmp/out" ] && [ "$(snapshot "$root")" = "$before" ] &&
	ok "a 5000-byte command line ending in cloudmove=0: nothing done, nothing said" ||
	fail "long cmdline off" "rc=$rc $(head -c 600 "$tmp/out")"
long=$(head -c 70000 /dev/zero | tr '\0' x)
boot "$root" "cloudmove.target=gcp $long cloudmove=0"
[ $rc -eq 0 ] && [ ! -s "$tmp/out" ] && [ "$(snapshot "$root")" = "$before" ] &&
	ok "a 70000-byte command line ending in cloudmove=0: nothing done, nothing said" ||
	fail "longer cmdline off" "rc=$rc $(head -c 600 "$tmp/out")"
boot "$root" "$long cloudmove.target=gcp cloudmove.mode=detect"
[ $rc -eq 0 ] && [ "$(snapshot "$root")" = "$before" ] &&
	grep -q "warning: command line longer than 65536 bytes: past them only cloudmove=0 and cloudmove.mode=detect are read" "$tmp/out" &&
	grep -q "cloudmove.mode=detect: not adapting" "$tmp/out" &&
	ok "a 70000-byte command line ending in cloudmove.mode=detect: detect only, said why" ||
	fail "longer cmdline detect" "rc=$rc $(head -c 600 "$tmp/out")"
CM_RUNDIR=$tmp/run timeout 10 "$bin" boot --root "$root" --cmdline "$tmp/no-such-cmdline" \
	--metadata-endpoint 127.0.0.1:9 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && [ "$(cat "$tmp/out")" = "cloudmove: read $tmp/no-such-cmdline: No such file or directory; doing nothing" ] &&
	[ "$(snapshot "$root")" = "$before" ] &&
	ok "an unreadable command line: one line, nothing done" ||
	fail "unreadable cmdline" "rc=$rc $(cat "$tmp/out" "$tmp/err")"
mkfifo "$tmp/cmdline-fifo"
CM_RUNDIR=$tmp/run timeout 10 "$bin" boot --root "$root" --cmdline "$tmp/cmdline-fifo" \
	--metadata-endpoint 127.0.0.1:9 >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] && grep -q "cmdline-fifo: not a regular file; doing nothing" "$tmp/out" &&
	ok "a FIFO for a command line: no hang, nothing done" ||
	fail "fifo cmdline" "rc=$rc $(cat "$tmp/out" "$tmp/err")"
# A FIFO in the root (etc/fstab, etc/default/grub) hung the boot until the
# hook's 25 s bound: now an unreadable file, said, and the boot goes on.
for f in etc/fstab etc/default/grub; do
	mkroot "$root"
	rm -f "$root/$f"
	mkfifo "$root/$f"
	start=$(date +%s%N)
	printf 'cloudmove.target=gcp\n' >"$tmp/cmdline"
	CM_RUNDIR=$tmp/run timeout 10 "$bin" boot --root "$root" --cmdline "$tmp/cmdline" \
		--metadata-endpoint 127.0.0.1:9 >"$tmp/out" 2>"$tmp/err"
	rc=$?
	ms=$((($(date +%s%N) - start) / 1000000))
	[ $rc -eq 0 ] && grep -q "$f: not a regular file" "$tmp/out" "$tmp/err" &&
		grep -q "^cloudmove: done in" "$tmp/out" &&
		ok "a FIFO at $f: boot says so and goes on (${ms} ms)" ||
		fail "fifo $f" "rc=$rc $(cat "$tmp/out" "$tmp/err")"
done
# A hook printing 12 MB blocked the console until its time limit: what is
# shown is capped (64 lines / 8 KiB), the rest drained and counted.
mkroot "$root"
for a in yes head; do ln -sf busybox "$root/bin/$a"; done
printf '#!/bin/sh\nyes | head -c 12582912\necho after >/tmp/hook-done\n' \
	>"$root/etc/cloudmove/hooks.d/10-chatty"
chmod 755 "$root/etc/cloudmove/hooks.d/10-chatty"
start=$(date +%s%N)
boot "$root" "quiet"
ms=$((($(date +%s%N) - start) / 1000000))
[ $rc -eq 0 ] && [ "$(grep -c '^y$' "$tmp/out")" -eq 64 ] &&
	grep -q "^cloudmove: hook 10-chatty (detected): output truncated (12582784 bytes more)$" "$tmp/out" &&
	! grep -q "killed at its time limit" "$tmp/out" && [ -e "$root/tmp/hook-done" ] &&
	[ "$ms" -lt 4000 ] &&
	ok "a hook printing 12 MB: 64 lines shown, the rest counted, done in ${ms} ms" ||
	fail "chatty hook" "rc=$rc ${ms} ms $(grep -v '^y$' "$tmp/out" | head -20)"
printf '#!/bin/sh\nyes zzzzzzzzzzzzzzzzzzz | tr -d "\\n" | head -c 20000\n' >"$root/etc/cloudmove/hooks.d/10-chatty"
ln -sf busybox "$root/bin/tr"
boot "$root" "quiet"
[ $rc -eq 0 ] && grep -q "^z\{8192\}cloudmove: hook\|^cloudmove: hook 10-chatty (detected): output truncated (11808 bytes more)$" "$tmp/out" &&
	[ "$(grep -c '^z\{8192\}$' "$tmp/out")" -eq 1 ] &&
	ok "a hook printing one 20000-byte line: 8 KiB shown, then the truncation on a line of its own" ||
	fail "long-line hook" "rc=$rc $(cut -c1-100 "$tmp/out")"

suite_end
