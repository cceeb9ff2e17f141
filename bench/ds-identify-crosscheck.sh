#!/usr/bin/env bash
# Sanity check of the detect fixtures: run cloud-init's ds-identify over every
# agent/tests/detect/<case>/root and compare its datasource verdict with the
# case's expected `cloud` file.
#
# Columns: fixture, expected cloud, ds-identify's datasource_list (without the
# trailing None; "-" = nothing found), and the comparison:
#   agree     ds-identify found exactly the datasource for that cloud (for
#             hypervisor/baremetal/unknown cases: found no cloud datasource)
#   DIFFER    it found something else or nothing
# followed by a note when the difference is a known ds-identify limit.
# Exit 0 always (it is a report, not a test).
set -u
REPO=$(cd "$(dirname "$0")/.." && pwd)
. "$REPO/bench/ds-identify-lib.sh"
FIXDIR="$REPO/agent/tests/detect"

dsi_setup || { echo "crosscheck: ds-identify unavailable" >&2; exit 0; }
trap dsi_cleanup EXIT

# our cloud id -> ds-identify datasource name(s)
ds_for() {
    case "$1" in
        aws) echo Ec2 ;; gcp) echo GCE ;; azure) echo Azure ;; oracle) echo Oracle ;;
        alibaba) echo AliYun ;; openstack) echo OpenStack ;; digitalocean) echo DigitalOcean ;;
        hetzner) echo Hetzner ;; exoscale) echo Exoscale ;; scaleway) echo Scaleway ;;
        vultr) echo Vultr ;; upcloud) echo UpCloud ;; linode) echo Akamai ;;
        ibm) echo IBMCloud ;; tencent) echo "" ;;   # cloud-init has no Tencent datasource
        *) echo "" ;;                               # kvm xen hyperv vmware baremetal unknown
    esac
}

# why ds-identify (this version) cannot agree, where that is its limit
note_for() {
    local f=$1 want=$2 got=$3
    case "$want" in
        tencent) echo "ds-identify has no Tencent check" ; return ;;
        linode)  grep -q 'dscheck_Akamai' "$DSI" || { echo "this ds-identify predates the Akamai datasource (cloud-init 23.3)"; return; } ;;
        ibm)     echo "ds-identify knows IBM only by Xen + METADATA/config-2 block labels, not DMI"; return ;;
        aws)     case "$f" in *trn1*|*board-asset-tag*) echo "ds-identify does not read board_asset_tag / 'Amazon EC2' vendor (it needs an ec2 uuid); Ec2 is MAYBE-only"; return ;;
                              *nitro*|*metal*) echo "ds-identify matches AWS only by ec2 uuid, not by the 'Amazon EC2' vendor"; return ;; esac ;;
        alibaba) case "$got" in -) echo "ds-identify checks product_name 'Alibaba Cloud ECS' only, not sys_vendor"; return ;; esac ;;
    esac
    case "$got" in
        *Ec2*) [ "$want" != aws ] && { echo "ds-identify's little-endian ec2 uuid glob false positive (cloud-init #6987)"; return; } ;;
    esac
    case "$f" in
        *little-endian*) grep -q 'Ee\][[]Cc\])' "$DSI" || { echo "this ds-identify needs product_uuid AND product_serial both ec2 and equal; no little-endian check"; return; } ;;
        *samsung*) grep -q 'Samsung Cloud Platform' "$DSI" || { echo "this ds-identify predates the 'Samsung Cloud Platform' asset tag"; return; } ;;
    esac
    echo ""
}

printf '%-40s %-13s %-26s %s\n' fixture expected ds-identify result
n=0; agree=0; differ=0
for d in "$FIXDIR"/*/; do
    f=$(basename "$d")
    [ -f "$d/cloud" ] || continue
    want=$(head -n1 "$d/cloud")
    got=$(dsi_verdict "$d/root")
    got=$(echo "$got" | sed 's/, None$//; s/^None$/-/')
    exp=$(ds_for "$want")
    n=$((n + 1))
    if [ "$want" = tencent ]; then
        res="n/a"; note="cloud-init has no Tencent datasource; nothing to compare"
    elif { [ -z "$exp" ] && [ "$got" = "-" ]; } || [ "$got" = "$exp" ]; then
        res=agree; agree=$((agree + 1)); note=""
    else
        res=DIFFER; differ=$((differ + 1)); note=$(note_for "$f" "$want" "$got")
    fi
    printf '%-40s %-13s %-26s %s%s\n' "$f" "$want" "$got" "$res" "${note:+  ($note)}"
done
echo "ds-identify $DSI_VERSION: $n fixtures, $agree agree, $differ differ, $((n - agree - differ)) not comparable"
exit 0
