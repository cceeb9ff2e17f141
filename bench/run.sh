#!/bin/bash
# make bench: every benchmark, each printing ratios against a baseline run
# in the same invocation.  Never a pass/fail on time.
set -u
cd "$(dirname "$0")/.."
echo "=== detect: cloudmove vs cloud-init ds-identify (same fixture roots)"
bench/detect.sh
echo
echo "=== detect with metadata: loopback, refused, black hole (budget)"
bench/metadata.sh

echo
echo "=== adapt: every fixture x target; initramfs rebuild (BENCH_INITRAMFS=1)"
bench/adapt.sh

echo
echo "=== stream: raw vs dd, holes, gce vs gzip -6 / pigz -1, peak RSS"
bench/stream.sh

echo
echo "=== stream to gs://: gce vs tar -Sczf | curl -T -, raw vs curl -T, peak RSS"
bench/stream-gcs.sh

echo
echo "=== stream to s3:// (s3rver): vs dd | curl -T - and a botocore multipart client, peak RSS"
bench/stream-s3.sh
echo "=== stream to an Azure page blob (azurite): vs curl Put Blob / Put Page, peak RSS"
bench/stream-azure.sh
echo
echo "=== stream --delta-map: pre-copy + cut-over vs a full move, the re-read vs dd, peak RSS"
bench/stream-delta.sh
