#!/bin/bash
# run-launch.sh CLOUDMOVE — `cloudmove launch`, the generic part: usage
# errors (exit 2, one line and the usage), spec errors (unknown, missing,
# repeated names, each one line, exit 1), credentials errors, a cloud whose
# control plane is not there yet ("not supported yet", exit 1, no crash),
# --json's one object.  The clouds' own ops are tested against their
# emulators in the launch-CLOUD suites; a cloud whose ops are there is
# only ever pointed at 127.0.0.1 here (a closed port).  The required spec
# keys are learned from the binary itself (an empty spec names them), so
# these tests hold for stub and real clouds alike.
# Ends with "N passed, N failed".
set -uo pipefail
bin=$(realpath "${1:?usage: run-launch.sh CLOUDMOVE}")
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp

closed=http://127.0.0.1:9	# discard: nothing listens there
launch() {	# launch ARGS...: rc in $rc, stdout in $tmp/out, stderr in $tmp/err
	"$bin" launch "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
lines() { wc -l <"$tmp/err"; }
errs() { tr '\n' '|' <"$tmp/err"; }

# --- usage: exit 2, the error and the usage ------------------------------------
: >"$tmp/empty.spec"
usage_case() {	# usage_case NAME PATTERN ARGS...
	local name=$1 pat=$2
	shift 2
	launch "$@"
	if [ "$rc" -eq 2 ] && grep -q "^cloudmove: launch: $pat" "$tmp/err" &&
		grep -q '^usage: cloudmove launch' "$tmp/err" && [ ! -s "$tmp/out" ]; then
		ok "usage: $name"
	else
		fail "usage: $name" "rc=$rc $(errs)"
	fi
}
usage_case "no arguments" "--target is required"
usage_case "unknown cloud" "--target: 'oracle' is not one of aws gcp azure" \
	--target oracle --image x --spec "$tmp/empty.spec"
usage_case "not a cloud" "--target: 'nowhere' is not one of" \
	--target nowhere --image x --spec "$tmp/empty.spec"
usage_case "no image" "--image is required" --target aws --spec "$tmp/empty.spec"
usage_case "no spec" "--spec is required" --target gcp --image x
usage_case "negative wait" "--wait: '-1' is not" --target aws --image x --spec "$tmp/empty.spec" --wait -1
usage_case "wait not a number" "--wait: '10s' is not" --target aws --image x --spec "$tmp/empty.spec" --wait 10s
usage_case "move id not hex" "--move-id: 'XYZ' is not 32 lowercase hex" \
	--target azure --image x --spec "$tmp/empty.spec" --move-id XYZ
usage_case "move id in capitals" "--move-id: '0123456789ABCDEF0123456789ABCDEF' is not" \
	--target azure --image x --spec "$tmp/empty.spec" --move-id 0123456789ABCDEF0123456789ABCDEF
usage_case "unknown option" "unknown option or missing value: '--colour'" \
	--target aws --image x --spec "$tmp/empty.spec" --colour
usage_case "stray argument" "unexpected argument 'extra'" \
	--target aws --image x --spec "$tmp/empty.spec" extra

# --- spec errors: every problem one line, then exit 1 ----------------------------
for cloud in aws gcp azure; do
	printf 'colour = blue\n\n# a comment\nflavour = mint\n' >"$tmp/unknown.spec"
	launch --target $cloud --image x --spec "$tmp/unknown.spec" --api-endpoint $closed
	grep -q "^cloudmove: spec $tmp/unknown.spec:1: unknown name 'colour'\$" "$tmp/err" &&
		grep -q "^cloudmove: spec $tmp/unknown.spec:4: unknown name 'flavour'\$" "$tmp/err" &&
		[ "$rc" -eq 1 ] && [ "$(grep -vc "is missing" "$tmp/err")" -eq 2 ] &&
		ok "spec $cloud: two unknown names, one line each" ||
		fail "spec $cloud: unknown names" "rc=$rc $(errs)"
	printf 'just words\n' >"$tmp/words.spec"
	launch --target $cloud --image x --spec "$tmp/words.spec" --api-endpoint $closed
	[ "$rc" -eq 1 ] && grep -q "^cloudmove: spec $tmp/words.spec:1: not 'name = value'\$" "$tmp/err" &&
		ok "spec $cloud: a line without '='" || fail "spec $cloud: no '='" "rc=$rc $(errs)"
	launch --target $cloud --image x --spec "$tmp/none.spec" --api-endpoint $closed
	[ "$rc" -eq 1 ] && [ "$(lines)" -eq 1 ] &&
		grep -q "^cloudmove: spec $tmp/none.spec: No such file" "$tmp/err" &&
		ok "spec $cloud: no such file, one line" || fail "spec $cloud: no file" "rc=$rc $(errs)"

	# the cloud's required names, as the binary says them
	launch --target $cloud --image x --spec "$tmp/empty.spec" --api-endpoint $closed
	mapfile -t required < <(sed -n "s/^cloudmove: spec .*: '\(.*\)' is missing\$/\1/p" "$tmp/err")
	: >"$tmp/$cloud.spec"
	for k in "${required[@]}"; do echo "$k = x" >>"$tmp/$cloud.spec"; done
	if [ ${#required[@]} -eq 0 ]; then
		skip "spec $cloud: missing and repeated names" "its spec has no required names yet"
	else
		[ "$rc" -eq 1 ] && [ "$(lines)" -eq ${#required[@]} ] &&
			ok "spec $cloud: ${#required[@]} required names missing, one line each" ||
			fail "spec $cloud: missing names" "rc=$rc $(errs)"
		{ cat "$tmp/$cloud.spec"; echo "${required[0]} = y"; } >"$tmp/twice.spec"
		launch --target $cloud --image x --spec "$tmp/twice.spec" --api-endpoint $closed
		[ "$rc" -eq 1 ] && [ "$(lines)" -eq 1 ] &&
			grep -q "^cloudmove: spec $tmp/twice.spec:$((${#required[@]} + 1)): '${required[0]}' given twice\$" "$tmp/err" &&
			ok "spec $cloud: a name given twice, one line" ||
			fail "spec $cloud: twice" "rc=$rc $(errs)"
	fi

	# --- credentials: the file is read before anything is asked -------------
	launch --target $cloud --image x --spec "$tmp/$cloud.spec" --creds "$tmp/none.creds" \
		--api-endpoint $closed
	[ "$rc" -eq 1 ] && [ "$(lines)" -eq 1 ] &&
		grep -q "^cloudmove: creds $tmp/none.creds: No such file" "$tmp/err" &&
		ok "creds $cloud: no such file, one line" || fail "creds $cloud: no file" "rc=$rc $(errs)"
	printf 'aws_secret_access_key = do-not-print-me\nthis is not a pair\n' >"$tmp/bad.creds"
	chmod 600 "$tmp/bad.creds"
	launch --target $cloud --image x --spec "$tmp/$cloud.spec" --creds "$tmp/bad.creds" \
		--api-endpoint $closed
	[ "$rc" -eq 1 ] && [ "$(lines)" -eq 1 ] && grep -q "^cloudmove: creds $tmp/bad.creds" "$tmp/err" &&
		! grep -q do-not-print-me "$tmp/err" &&
		ok "creds $cloud: a bad line, one line, no secret shown" ||
		fail "creds $cloud: bad line" "rc=$rc $(errs)"
	mkdir -p -m 700 "$tmp/creds.d"
	launch --target $cloud --image x --spec "$tmp/$cloud.spec" --creds "$tmp/creds.d" \
		--api-endpoint $closed
	[ "$rc" -eq 1 ] && [ "$(lines)" -eq 1 ] && grep -q "^cloudmove: creds $tmp/creds.d" "$tmp/err" &&
		ok "creds $cloud: a directory, one line" || fail "creds $cloud: directory" "rc=$rc $(errs)"

	# --- a cloud without its ops: one line, exit 1, no crash; with them, the
	# closed endpoint refuses the login (nothing made, nothing named) --------
	launch --target $cloud --image x --spec "$tmp/$cloud.spec" --api-endpoint $closed --json
	if grep -q "^cloudmove: launch: $cloud: not supported yet\$" "$tmp/err"; then
		[ "$rc" -eq 1 ] && [ "$(lines)" -eq 1 ] &&
			ok "$cloud: not supported yet: one line, exit 1" ||
			fail "$cloud: not supported" "rc=$rc $(errs)"
		python3 - "$tmp/out" "$cloud" <<'EOF' && ok "$cloud: --json: one object, failed: unsupported" ||
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 1, lines
o = json.loads(lines[0])
assert o["target"] == sys.argv[2] and o["failed"] == "unsupported", o
assert o["arrived"] is False and o["image_id"] is None and o["instance_id"] is None, o
EOF
			fail "$cloud: --json" "$(cat "$tmp/out")"
	else
		[ "$rc" -eq 1 ] && ! grep -q "exist" "$tmp/err" &&
			python3 -c 'import json,sys; o=json.load(open(sys.argv[1])); assert o["failed"] == "ask" and o["arrived"] is False' "$tmp/out" &&
			ok "$cloud: a closed endpoint: login fails, exit 1, nothing made" ||
			fail "$cloud: closed endpoint" "rc=$rc $(errs) $(cat "$tmp/out")"
	fi
done

# --- the binary's own help names the command ------------------------------------
"$bin" --help | grep -q '^  launch   --target aws|gcp|azure' &&
	ok "--help lists launch" || fail "--help lists launch"

suite_end
