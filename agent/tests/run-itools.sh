#!/bin/bash
# run-itools.sh — the initramfs-tools integration with the real
# initramfs-tools (Debian's initramfs-tools and -core: update-initramfs,
# mkinitramfs, lsinitramfs, unmkinitramfs): `make install` staged, then
# update-initramfs -u with the host's own /etc/initramfs-tools (Debian's
# defaults, MODULES=most) and the staged files seen at their installed
# paths, for the kernel of images/kernel.sh:
#   * the hook and the boot script in the image (scripts/local-bottom/ORDER
#     runs it), the agent and the run script byte for byte, the CA bundle
#     by content, every cloud's storage and network drivers the kernel has
#     as modules (the shared list and the agent's profiles);
#     (zstd -3: Debian's -19 takes a minute longer on 2 cores)
#   * the same with MODULES=list and nothing listed: the drivers come from
#     the hook alone;
#   * without the agent the hook warns and the build goes on.
# Nothing of the host's changes: in a private mount namespace, read-only
# overlays put the staged /usr/sbin and /usr/share over the host's, a
# writable one gives /usr/lib a modules/<kver> (the kernel's, bound), a
# tmpfs /boot holds its config, /etc/initramfs-tools is a copy.  Needs root.  Ends with "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
[ "$(id -u)" = 0 ] || suite_abort "run-itools.sh: needs root (mount namespace)"
for c in mkinitramfs lsinitramfs unmkinitramfs unshare; do
	command -v "$c" >/dev/null || suite_abort "no $c: install initramfs-tools-core (.ci/packages)"
done
suite_tmp
t0=$SECONDS

mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -s -C "$top" "$@"; }
stage=$tmp/stage
mk install DESTDIR="$stage" PREFIX=/usr >"$tmp/make.log" 2>&1 ||
	suite_abort "make install: $(tail -3 "$tmp/make.log")"
kdir=$("$top/images/kernel.sh" 2>/dev/null) || suite_abort "images/kernel.sh failed"
kver=$(cat "$kdir/kver")
kmods=$kdir/modules/lib/modules/$kver

# in_itools_ns CMD... — CMD with the staged install at its paths (above).
in_itools_ns() {
	mkdir -p "$tmp/ns"
	unshare -m --propagation private sh -ec '
		ns=$1 stage=$2 kver=$3 kmods=$4 config=$5
		shift 5
		mount -t tmpfs cm-itools "$ns"
		mkdir "$ns/u" "$ns/w"
		mount -t overlay cm-itools -o "lowerdir=$stage/usr/share:/usr/share" /usr/share
		mount -t overlay cm-itools -o "lowerdir=$stage/usr/sbin:/usr/sbin" /usr/sbin
		mount -t overlay cm-itools -o "lowerdir=/usr/lib,upperdir=$ns/u,workdir=$ns/w" /usr/lib
		mkdir -p "/usr/lib/modules/$kver"
		mount --bind "$kmods" "/usr/lib/modules/$kver"
		mount -t tmpfs cm-itools /boot
		cp "$config" "/boot/config-$kver"
		mount --bind "$ns/../conf-default" /etc/initramfs-tools
		exec "$@"' sh "$tmp/ns" "$stage" "$kver" "$kmods" "$kdir/config" "$@"
}

# Every cloud's drivers: the shared list and what the agent's profiles name.
# shellcheck source=hooks/cloudmove-drivers.sh
. "$stage/usr/share/cloudmove/cloudmove-drivers.sh"
mkdir -p "$tmp/empty"
# shellcheck disable=SC2046,SC2086 # word lists
drivers=$(printf '%s\n' $cloudmove_cloud_drivers $(cloudmove_agent_drivers "$stage/usr/sbin/cloudmove" "$tmp/empty") | sort -u)
[ "$(echo "$drivers" | wc -l)" -ge 20 ] || fail "driver list" "only: $(echo $drivers)"
# kmod_path NAME — the module's file in modules.dep ('-' and '_' alike), or nothing.
kmod_path() {
	awk -F: -v n="${1//-/_}" '{ b = $1; sub(/.*\//, "", b); sub(/\.ko(\..*)?$/, "", b)
		gsub(/-/, "_", b); if (b == n) { print $1; exit } }' "$kmods/modules.dep"
}

# check_image LABEL IMG — what the dracut module's image holds, by content.
check_image() {
	local label=$1 img=$2 list=$tmp/$1.list x=$tmp/$1.x d p missing='' n=0
	if ! lsinitramfs "$img" >"$list" 2>"$tmp/ls.err"; then
		fail "$label: lsinitramfs" "$(head -3 "$tmp/ls.err")"
		return
	fi
	grep -qx 'usr/bin/cloudmove' "$list" && grep -qx 'scripts/local-bottom/cloudmove' "$list" &&
		grep -qx 'usr/lib/cloudmove/cloudmove-run.sh' "$list" &&
		grep -qx 'etc/ssl/certs/ca-certificates.crt' "$list" &&
		ok "$label: lsinitramfs lists the agent, the boot script, the run script, the CA bundle" ||
		fail "$label: files" "$(grep -E 'cloudmove|ca-cert' "$list" | tr '\n' ' ')"
	unmkinitramfs "$img" "$x" 2>"$tmp/un.err" || { fail "$label: unmkinitramfs" "$(head -3 "$tmp/un.err")"; return; }
	[ -d "$x/main" ] && x=$x/main	# an early (microcode) archive in front
	cmp -s "$x/usr/bin/cloudmove" "$top/build/cloudmove" &&
		cmp -s "$x/usr/lib/cloudmove/cloudmove-run.sh" "$top/hooks/cloudmove-run.sh" &&
		[ -x "$x/usr/lib/cloudmove/cloudmove-run.sh" ] &&
		cmp -s "$x/scripts/local-bottom/cloudmove" "$top/initramfs-tools/scripts/local-bottom/cloudmove" &&
		ok "$label: the agent, run script and boot script byte for byte (run script executable)" ||
		fail "$label: contents" "differ from the tree"
	grep -q '^/scripts/local-bottom/cloudmove ' "$x/scripts/local-bottom/ORDER" &&
		ok "$label: scripts/local-bottom/ORDER runs it" ||
		fail "$label: ORDER" "$(cat "$x/scripts/local-bottom/ORDER" 2>/dev/null | tr '\n' ' ')"
	cmp -s "$x/etc/ssl/certs/ca-certificates.crt" "$(readlink -f /etc/ssl/certs/ca-certificates.crt)" &&
		ok "$label: the CA bundle is the host's, by content" || fail "$label: CA bundle" "differs"
	for d in $drivers; do
		p=$(kmod_path "$d")
		[ -n "$p" ] || continue		# built in, or not in this kernel
		n=$((n + 1))
		grep -qx "usr/lib/modules/$kver/${p}" "$list" || missing+=" $d"
	done
	[ -z "$missing" ] && [ "$n" -ge 15 ] &&
		ok "$label: every cloud's storage and network driver the kernel has as a module ($n)" ||
		fail "$label: drivers" "missing:$missing (of $n)"
}

# 1. update-initramfs -u: the host's /etc/initramfs-tools (Debian's:
# MODULES=most), but zstd -3 for Debian's -19 (a minute less here); the
# image into $tmp/boot (-b).
mkdir -p "$tmp/conf-default" "$tmp/boot"
cp -a /etc/initramfs-tools/. "$tmp/conf-default/"
echo COMPRESSLEVEL=3 >>"$tmp/conf-default/initramfs.conf"
img=$tmp/boot/initrd.img-$kver
t=$SECONDS
if ! command -v update-initramfs >/dev/null; then
	fail "update-initramfs" "not installed (initramfs-tools, .ci/packages)"
elif in_itools_ns update-initramfs -u -k "$kver" -b "$tmp/boot" >"$tmp/mk.log" 2>&1 && [ -s "$img" ]; then
	ok "update-initramfs -u -k $kver (Debian's configuration, MODULES=most): $((SECONDS - t)) s, $(($(stat -c %s "$img") / 1048576)) MiB"
	check_image default "$img"
else
	fail "update-initramfs -u" "$(tail -5 "$tmp/mk.log")"
fi

# 2. MODULES=list, nothing listed: the drivers are the hook's own doing.
mkdir -p "$tmp/conf"
cp -a /etc/initramfs-tools/. "$tmp/conf/"
sed -i 's/^MODULES=.*/MODULES=list/' "$tmp/conf/initramfs.conf"
echo COMPRESSLEVEL=3 >>"$tmp/conf/initramfs.conf"
: >"$tmp/conf/modules"
img=$tmp/initrd.img-list
t=$SECONDS
if in_itools_ns mkinitramfs -d "$tmp/conf" -o "$img" "$kver" >"$tmp/mk.log" 2>&1; then
	ok "mkinitramfs, MODULES=list with none listed: $((SECONDS - t)) s, $(($(stat -c %s "$img") / 1048576)) MiB"
	check_image list "$img"
else
	fail "mkinitramfs (MODULES=list)" "$(tail -5 "$tmp/mk.log")"
fi

# 3. A hook left behind by a removed agent: a warning, never a failed build.
mkdir -p "$tmp/dest"
out=$(DESTDIR=$tmp/dest CLOUDMOVE_AGENT=$tmp/none sh "$stage/usr/share/initramfs-tools/hooks/cloudmove" 2>&1)
rc=$?
[ "$rc" = 0 ] && [ -z "$(ls -A "$tmp/dest")" ] &&
	[ "$out" = "W: cloudmove: agent '$tmp/none' not found or not executable; not in the initramfs" ] &&
	ok "no agent: the hook warns, exits 0, installs nothing" || fail "no agent" "rc $rc: $out"
echo "itools: $((SECONDS - t0)) s"
suite_end
