#!/bin/bash
# run-suites.sh [SUITE...] — what `make check` runs: the suites of the
# table below, in its order (default: all; valgrind is skipped with
# SANITIZE=1, whose ASan build replaces it).  Each suite's runner ends
# with "N passed, N failed"; this script prints each suite's output and
# ends with the total, in the same form, for CI.
set -uo pipefail
cd "$(dirname "$0")/../.."

build=${TEST_BUILD:-build/musl}

# name, then the command that runs it: each suite is named here only.
# (deps runs build/cloudmove whatever the build: it checks the product's
# --version.)
suite_table=$(cat <<'EOF'
unit		"$build/unit-tests"
valgrind	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect build/glibc/unit-tests
golden		agent/tests/run-detect.sh "$build/cloudmove"
docs		agent/tests/run-docs.sh "$build/cloudmove"
deps		agent/tests/run-deps.sh build/cloudmove
profiles	agent/tests/profiles/run.sh "$build/cloudmove"
addcloud	agent/tests/run-addcloud.sh
txn		agent/tests/run-txn.sh "$build/cloudmove"
adapt		agent/tests/run-adapt.sh "$build/cloudmove"
network		agent/tests/run-network.sh "$build/cloudmove"
initramfs	agent/tests/run-initramfs.sh "$build/cloudmove"
install		agent/tests/run-install.sh
itools		agent/tests/run-itools.sh
check		agent/tests/run-check.sh "$build/cloudmove"
boot		agent/tests/run-boot.sh "$build/cloudmove"
record		agent/tests/run-record.sh "$build/cloudmove"
metadata	agent/tests/run-metadata.sh "$build/cloudmove"
netup		agent/tests/run-netup.sh "$build/netup-probe"
stream		agent/tests/run-stream.sh "$build/cloudmove"
stream-gcs	agent/tests/run-stream-gcs.sh "$build/cloudmove"
stream-s3	agent/tests/run-stream-s3.sh "$build/cloudmove"
launch-aws	agent/tests/run-launch-aws.sh "$build/cloudmove"
stream-ebs	agent/tests/run-stream-ebs.sh "$build/cloudmove"
stream-azure	agent/tests/run-stream-azure.sh "$build/cloudmove"
stream-delta	agent/tests/run-stream-delta.sh "$build/cloudmove"
stream-put	agent/tests/run-stream-put.sh "$build/cloudmove"
stream-tls	agent/tests/run-stream-tls.sh "$build/cloudmove"
launch-azure	agent/tests/run-launch-azure.sh "$build/cloudmove"
migrate		agent/tests/run-migrate.sh "$build/cloudmove"
esp		agent/tests/run-esp.sh "$build/cloudmove"
launch		agent/tests/run-launch.sh "$build/cloudmove"
retire		agent/tests/run-retire.sh "$build/cloudmove"
launch-gcp	agent/tests/run-launch-gcp.sh "$build/cloudmove"
fuzz		agent/fuzz/run-corpus.sh ${FUZZERS:-}
hooks		qemu-tests/hook-test.sh
qemu		AGENT=$PWD/build/cloudmove qemu-tests/run.sh
EOF
)

suites=("$@")
if [ ${#suites[@]} -eq 0 ]; then
	mapfile -t suites < <(awk '{ print $1 }' <<<"$suite_table")
	if [ "${SANITIZE:-}" = 1 ]; then
		mapfile -t suites < <(printf '%s\n' "${suites[@]}" | grep -vx valgrind)
	fi
fi

run_suite() {
	local cmd
	cmd=$(awk -v n="$1" '$1 == n { sub(/^[^\t]+\t+/, ""); print; exit }' <<<"$suite_table")
	if [ -z "$cmd" ]; then echo "unknown suite $1"; return 2; fi
	eval "$cmd"
}

total_passed=0 total_failed=0 summary=""
for suite in "${suites[@]}"; do
	echo "=== $suite"
	start=$SECONDS
	log=$(mktemp)
	run_suite "$suite" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	rm -f "$log"
	p=0 f=0
	if [ -n "$line" ]; then
		p=${line%% passed*}
		f=${line#*passed, }
		f=${f%% failed*}
	fi
	# A runner that died without its summary, or failed with none, counts
	# as one failure: a suite that tested nothing must not pass.
	if [ -z "$line" ] || { [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; }; then
		f=$((f + 1))
	fi
	total_passed=$((total_passed + p))
	total_failed=$((total_failed + f))
	summary+=$(printf '%-9s %4d passed, %d failed, %ds' "$suite" "$p" "$f" $((SECONDS - start)))$'\n'
done
echo "=== summary"
printf '%s' "$summary"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
