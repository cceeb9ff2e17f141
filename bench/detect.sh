#!/usr/bin/env bash
# Wall time of one `cloudmove detect --no-metadata --root X` process against
# one run of cloud-init's ds-identify on the same fixture root(s).
#
#   CLOUDMOVE=path      binary (default <repo>/build/cloudmove)
#   CM_RUNS=200         runs of cloudmove per fixture
#   DSI_RUNS=20         runs of ds-identify per fixture
#   BENCH_FIXTURES="gcp-gce-2017 aws-xen-hvm-4.2-amazon"   names under agent/tests/detect/
#   CLOUDMOVE_CACHE     where the cloud-init .deb is kept (default <repo>/.cache)
#
# Prints mean ms per process for each tool and fixture and the ratio
# "cloudmove/ds-identify = 1/NN". No timing assertions: always exits 0
# (unless the fixtures or ds-identify cannot be set up at all).
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO/bench/ds-identify-lib.sh"

CLOUDMOVE=${CLOUDMOVE:-$REPO/build/cloudmove}
SPAWN_TIME=${SPAWN_TIME:-$REPO/build/bench/spawn-time}
[ -x "$SPAWN_TIME" ] && [ "$SPAWN_TIME" -nt "$REPO/bench/spawn-time.c" ] || { mkdir -p "$(dirname "$SPAWN_TIME")" &&
    cc -O2 -o "$SPAWN_TIME" "$REPO/bench/spawn-time.c"; } || exit 1
CM_RUNS=${CM_RUNS:-200}
DSI_RUNS=${DSI_RUNS:-50}
FIXTURES=${BENCH_FIXTURES:-gcp-gce-2017 aws-xen-hvm-4.2-amazon}
FIXDIR="$REPO/agent/tests/detect"

dsi_setup || { echo "bench: ds-identify unavailable; nothing to compare" >&2; exit 0; }
trap dsi_cleanup EXIT

have_cm=1
if [ ! -x "$CLOUDMOVE" ]; then
    echo "bench: $CLOUDMOVE not found or not executable (build it, or set CLOUDMOVE); timing ds-identify only"
    have_cm=0
fi

echo "ds-identify: $DSI_VERSION ($DSI)"
floor=$("$SPAWN_TIME" 200 /bin/true)
echo "harness floor: /bin/true takes $(awk -v u="$floor" 'BEGIN{printf "%.3f", u/1000}') ms per spawn (included in both columns)"
echo "cloudmove:   $CLOUDMOVE"
printf '%-28s %10s %6s %12s %6s  %s\n' fixture cloudmove_ms runs ds-identify_ms runs ratio
for f in $FIXTURES; do
    root="$FIXDIR/$f/root"
    [ -d "$root" ] || { echo "bench: no fixture $f" >&2; continue; }

    # warm-up (page cache, binary), not timed
    [ $have_cm = 1 ] && "$CLOUDMOVE" detect --no-metadata --root "$root" >/dev/null 2>&1
    dsi_run "$root"

    # Both sides are started the same way: by spawn-time (posix_spawn
    # into a clean environment, no shell or env(1) in between), so the
    # harness cost is equal on both sides.
    cm_ms="-"
    if [ $have_cm = 1 ]; then
        us=$("$SPAWN_TIME" "$CM_RUNS" "$CLOUDMOVE" detect --no-metadata --root "$root")
        cm_ms=$(awk -v u="$us" 'BEGIN{printf "%.3f", u/1000}')
    fi
    us=$("$SPAWN_TIME" "$DSI_RUNS" HOME="$DSI_TMP" \
        PATH="$DSI_TMP/shim:/usr/sbin:/usr/bin:/sbin:/bin" PATH_ROOT="$root" \
        PATH_RUN="$DSI_TMP/run" DI_LOG="$DSI_TMP/run/ds-identify.log" \
        /bin/sh "$DSI" --force)
    ds_ms=$(awk -v u="$us" 'BEGIN{printf "%.3f", u/1000}')

    ratio="-"
    if [ "$cm_ms" != "-" ]; then
        ratio=$(awk -v a="$cm_ms" -v b="$ds_ms" 'BEGIN{ if (a > 0) printf "cloudmove/ds-identify = 1/%.1f", b/a; else print "cloudmove/ds-identify = n/a" }')
    fi
    printf '%-28s %10s %6s %12s %6s  %s\n' "$f" "$cm_ms" "$CM_RUNS" "$ds_ms" "$DSI_RUNS" "$ratio"
done
exit 0
