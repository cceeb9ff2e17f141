# shellcheck shell=bash
# DSI_SCRIPT=path runs that ds-identify instead of the Debian package's
# (e.g. a checkout's tools/ds-identify, to compare versions).
#
# Shared by bench/detect.sh and bench/ds-identify-crosscheck.sh: fetch
# cloud-init's ds-identify from the Debian archive and run it, hermetically,
# against a fixture root.
#
# ds-identify (usr/lib/cloud-init/ds-identify) honours these variables, read
# at the top of the script: PATH_ROOT (prefix for every path it reads),
# PATH_RUN (default $PATH_ROOT/run: where it WRITES run/cloud-init/cloud.cfg,
# .ds-identify.result and ds-identify.log), PATH_RUN_CI, PATH_RUN_CI_CFG,
# PATH_RUN_DI_RESULT, DI_LOG (a file, or "stderr"), DEBUG_LEVEL, and the
# PATH_SYS_* / PATH_PROC_* / PATH_ETC_* overrides. We point PATH_ROOT at the
# fixture (read-only use) and PATH_RUN at a private temp dir, so nothing is
# written into the fixture or the host's /run.
#
# It also runs three host commands that would leak the host into the verdict:
# systemd-detect-virt (only if the HOST has /run/systemd), blkid (host block
# devices, for NoCloud/ConfigDrive labels) and dmidecode (only when the root
# has no /sys/class/dmi/id). We put shims first in PATH:
#   systemd-detect-virt -> "xen" if $PATH_ROOT/sys/hypervisor/type says xen,
#                          else "none" (exit 1)   [ds-identify's own tests mock
#                          detect_virt the same way]
#   blkid               -> no devices (exit 2)
#   dmidecode           -> fails (exit 1), as on a machine without SMBIOS
# Everything else it reads comes from the fixture root.

: "${REPO:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
: "${CLOUDMOVE_CACHE:=$REPO/.cache}"
DSI_DIR="$CLOUDMOVE_CACHE/bench"

dsi_setup() {
    mkdir -p "$DSI_DIR"
    DSI="$DSI_DIR/cloud-init/usr/lib/cloud-init/ds-identify"
    if [ -n "${DSI_SCRIPT:-}" ]; then
        # another ds-identify (e.g. upstream tools/ds-identify), for comparison
        DSI=$DSI_SCRIPT
    elif [ ! -x "$DSI" ]; then
        local deb
        deb=$(ls "$DSI_DIR"/cloud-init_*_all.deb 2>/dev/null | tail -n1)
        if [ -z "$deb" ]; then
            (cd "$DSI_DIR" && apt-get download cloud-init >/dev/null 2>&1) || {
                echo "cannot 'apt-get download cloud-init' into $DSI_DIR" >&2
                return 1
            }
            deb=$(ls "$DSI_DIR"/cloud-init_*_all.deb | tail -n1)
        fi
        rm -rf "$DSI_DIR/cloud-init"
        dpkg-deb -x "$deb" "$DSI_DIR/cloud-init" || return 1
    fi
    if [ -n "${DSI_SCRIPT:-}" ]; then
        DSI_VERSION="DSI_SCRIPT=$DSI_SCRIPT"
    else
        DSI_VERSION=$(basename "$(ls "$DSI_DIR"/cloud-init_*_all.deb 2>/dev/null | tail -n1)" .deb)
    fi
    DSI_TMP=$(mktemp -d "${TMPDIR:-/tmp}/dsi.XXXXXX") || return 1
    mkdir -p "$DSI_TMP/shim" "$DSI_TMP/run"
    cat > "$DSI_TMP/shim/systemd-detect-virt" <<'EOF'
#!/bin/sh
t=""
[ -r "${PATH_ROOT}/sys/hypervisor/type" ] && read -r t < "${PATH_ROOT}/sys/hypervisor/type"
[ "$t" = xen ] && { echo xen; exit 0; }
echo none; exit 1
EOF
    printf '#!/bin/sh\nexit 2\n' > "$DSI_TMP/shim/blkid"
    printf '#!/bin/sh\necho "# No SMBIOS nor DMI entry point found, sorry." >&2\nexit 1\n' > "$DSI_TMP/shim/dmidecode"
    chmod +x "$DSI_TMP/shim/"*
}

dsi_cleanup() { [ -n "${DSI_TMP:-}" ] && rm -rf "$DSI_TMP"; }

# dsi_run ROOT: one ds-identify run against fixture ROOT, output discarded;
# the result is left in $DSI_TMP/run/cloud-init/cloud.cfg.
dsi_run() {
    env -i HOME="$DSI_TMP" PATH="$DSI_TMP/shim:/usr/sbin:/usr/bin:/sbin:/bin" \
        PATH_ROOT="$1" PATH_RUN="$DSI_TMP/run" DI_LOG="$DSI_TMP/run/ds-identify.log" \
        sh "$DSI" --force >/dev/null 2>&1
}

# dsi_verdict ROOT: print ds-identify's datasource list ("Ec2, None", ...), or
# "-" when it wrote a not-found result.
dsi_verdict() {
    rm -rf "$DSI_TMP/run/cloud-init"
    dsi_run "$1"
    local cfg="$DSI_TMP/run/cloud-init/cloud.cfg" l
    l=$(grep -m1 '^datasource_list:' "$cfg" 2>/dev/null | sed 's/^datasource_list: *\[ *//; s/ *\] *$//')
    echo "${l:--}"
}

# now_ns: wall clock in nanoseconds
now_ns() { date +%s%N; }
