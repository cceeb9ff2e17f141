#!/bin/bash
# run-addcloud.sh — a cloud is one file and one registry line.  In a
# throw-away copy of the tree, adds clouds/zeta.c (a DMI signature and a
# profile that enables one agent) and the line CM_CLOUD(zeta) to
# clouds/clouds.def, edits nothing else, builds a glibc cloudmove there
# (the Makefile's own rule, at -O0) and checks that zeta is detected,
# listed by `profiles list`, and that its agent is one the other clouds
# turn off (`plan --target aws` disables it).  Ends with "N passed,
# N failed".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp

# The tree: what the Makefile's build/glibc/cloudmove needs, nothing of
# the build outputs.
src=$tmp/src
mkdir -p "$src/agent" "$src/.ci"
cp -r "$top/agent/src" "$top/agent/deps" "$src/agent/"
cp "$top/Makefile" "$src/"
cp "$top/.ci/packages" "$src/.ci/"

cat >"$src/agent/src/clouds/zeta.c" <<'EOF'
/* zeta: a throw-away cloud of run-addcloud.sh. */
#include "clouds.h"

static const struct cm_signature zeta_signatures[] = {
	{ .name = "Zeta system vendor",
	  .all = { { CM_DMI_SYS_VENDOR, CM_MATCH_EQ, "Zeta Cloud" } } },
	{ 0 }
};

static const struct cm_profile zeta_profile = {
	.storage_drivers = { "virtio_blk" },
	.net_drivers     = { "virtio_net" },
	.disk            = CM_DISK_VD,
	.time            = CM_TIME_POOL,
	.agents_enable   = { "zeta-agent" },
	.fstab_by_uuid   = true,
	.dhcp4           = true,
};

const struct cm_cloud zeta_cloud = {
	.name       = "zeta",
	.title      = "Zeta Cloud",
	.kind       = CM_KIND_CLOUD,
	.is_public  = true,
	.signatures = zeta_signatures,
	.profile    = &zeta_profile,
};
EOF
# Its registry line: a cloud, so before the hypervisors.
sed -i 's/^CM_CLOUD(openstack)/CM_CLOUD(zeta)\n&/' "$src/agent/src/clouds/clouds.def"
grep -qx 'CM_CLOUD(zeta)' "$src/agent/src/clouds/clouds.def" ||
	fail "registry line" "clouds.def has no CM_CLOUD(openstack) line to put it before"

start=$(date +%s)
# -O0, no -g: the fastest build (-Wformat-truncation guesses differently
# at -O0: the product's builds run it).
if make -s -C "$src" -j2 build/glibc/cloudmove VERSION=addcloud \
	HOST_CFLAGS='$(STD) $(WARN) -Wno-format-truncation -O0 $(shell pkg-config --cflags $(HOST_PKGS))' \
	>"$tmp/build.log" 2>&1; then
	ok "build with clouds/zeta.c and one registry line ($(( $(date +%s) - start )) s)"
else
	fail "build" "$(grep -m5 -E 'error|Error' "$tmp/build.log")"
	suite_end
fi
bin=$src/build/glibc/cloudmove

# detect: a root whose DMI says Zeta.
r=$tmp/dmi
mkdir -p "$r/sys/class/dmi/id"
echo "Zeta Cloud" >"$r/sys/class/dmi/id/sys_vendor"
out=$("$bin" detect --root "$r" --no-metadata 2>&1)
case $out in
"zeta ("*) ok "detect: $out" ;;
*) fail "detect" "$out" ;;
esac

mkdir -p "$tmp/empty"
out=$("$bin" profiles list --root "$tmp/empty" 2>&1)
if grep -q '^zeta  *Zeta Cloud  *built-in$' <<<"$out"; then
	ok "profiles list: zeta, built-in"
else
	fail "profiles list" "$out"
fi

# A root on which zeta-agent is enabled: moving to aws turns it off,
# though aws.c names no zeta agent.
r=$tmp/root
mkdir -p "$r/usr/lib/systemd/system" "$r/etc/systemd/system/multi-user.target.wants"
printf '[Unit]\nDescription=Zeta agent\n[Service]\nExecStart=/usr/bin/zeta-agent\n[Install]\nWantedBy=multi-user.target\n' \
	>"$r/usr/lib/systemd/system/zeta-agent.service"
ln -s /usr/lib/systemd/system/zeta-agent.service \
	"$r/etc/systemd/system/multi-user.target.wants/zeta-agent.service"
"$bin" plan --target aws --root "$r" >"$tmp/plan" 2>&1
if grep -q "multi-user.target.wants/zeta-agent.service" "$tmp/plan" &&
   grep -q "another cloud's agent zeta-agent.service disabled" "$tmp/plan"; then
	ok "plan --target aws: zeta-agent disabled"
else
	fail "plan --target aws" "$(head -20 "$tmp/plan")"
fi
# and zeta keeps its own: plan for zeta does not disable it.
"$bin" plan --target zeta --root "$r" >"$tmp/plan" 2>&1
if ! grep -q "zeta-agent.service disabled" "$tmp/plan"; then
	ok "plan --target zeta: zeta-agent left on"
else
	fail "plan --target zeta" "$(head -20 "$tmp/plan")"
fi

suite_end
