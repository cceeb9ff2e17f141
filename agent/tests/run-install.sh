#!/bin/bash
# shellcheck disable=SC1090,SC2034 # module-setup.sh is sourced, with the variables it reads set
# run-install.sh — `make install` as a distribution ships it, proven on a
# real Debian 12 root (images/debootstrap.sh, with dracut, + the kernel of
# images/kernel.sh):
#   * the staged file list, modes, a self-contained dracut module, the
#     initramfs-tools hook and boot script (built into an image and booted:
#     the itools suite and the itools-* QEMU scenarios); uninstall;
#   * the man page renders without warnings and names every subcommand and
#     option of the agent's usage texts and every kernel command line key;
#   * the module's driver list covers every built-in profile's drivers;
#   * in a chroot of the root, its own dracut picks the module up, default
#     (Debian: not hostonly) and --hostonly: the agent, the unit, the CA
#     bundle and every cloud's storage and network drivers are in both;
#   * a shell-flavour hostonly image of a RHEL-style trust store layout
#     with a user profile: the bundle through its symlinks, the pre-pivot
#     hook, the profile's drivers;
#   * make uninstall in the root removes exactly what make install put.
# Needs root (chroot, mount namespace).  Prints the dracut times and the
# image sizes.  Ends with "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
# lap NAME — the time since the last lap goes into the timing line.
laps='' lap_at=$SECONDS
lap() { laps+="${laps:+, }$1 $((SECONDS - lap_at)) s"; lap_at=$SECONDS; }
if [ "$(id -u)" != 0 ]; then
	fail "run-install.sh" "needs root (chroot, mount namespace)"
	suite_end
fi
# The whole test runs in a private mount namespace, on a tmpfs: the 600 MB
# root unpacks and goes away in no time, and every mount (the tmpfs, the
# chroot's /dev, /sys, /proc) dies with the namespace, however the test ends.
if [ -z "${CM_INSTALL_TEST_NS-}" ]; then
	tmp=$(mktemp -d)
	CM_INSTALL_TEST_NS=$tmp unshare -m --propagation private "$0" "$@"
	rc=$?
	rmdir "$tmp"
	exit $rc
fi
tmp=$CM_INSTALL_TEST_NS
mount -t tmpfs -o size=4g,mode=0700 cloudmove-install-test "$tmp" || {
	fail "tmpfs" "cannot mount one on $tmp"
	suite_end
}
suite_on_exit 'umount -l "$tmp"'

# make from inside `make check`: not a sub-make of it (no jobserver here).
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -s -C "$top" "$@"; }
files_under() { (cd "$1" && find . \( -type f -o -type l \) -printf '%P\n' | LC_ALL=C sort); }

# --- staged install ------------------------------------------------------------
stage=$tmp/stage
mod=usr/lib/dracut/modules.d/90cloudmove
if mk install DESTDIR="$stage" PREFIX=/usr >"$tmp/make.log" 2>&1; then
	ok "make install DESTDIR=... PREFIX=/usr"
else
	fail "make install" "$(tail -5 "$tmp/make.log")"
	suite_end
fi
itools=usr/share/initramfs-tools
expected="$mod/cloudmove-drivers.sh
$mod/cloudmove-move.service
$mod/cloudmove-pre-pivot.sh
$mod/cloudmove-run.sh
$mod/cloudmove.service
$mod/module-setup.sh
usr/lib/systemd/system/cloudmove-export.service
usr/sbin/cloudmove
usr/share/cloudmove/cloudmove-drivers.sh
usr/share/cloudmove/cloudmove-run.sh
$itools/hooks/cloudmove
$itools/scripts/local-bottom/cloudmove
usr/share/man/man8/cloudmove.8"
got=$(files_under "$stage")
[ "$got" = "$expected" ] && ok "installs the agent, the dracut module, the initramfs-tools hook and boot script, the unit, the man page" ||
	fail "installed files" "$(diff <(echo "$expected") <(echo "$got") | tr '\n' ' ')"
modes=$(cd "$stage" && stat -c '%a %n' usr/sbin/cloudmove "$mod/module-setup.sh" \
	"$mod/cloudmove-run.sh" usr/lib/systemd/system/cloudmove-export.service \
	usr/share/man/man8/cloudmove.8 | tr '\n' ' ')
[ "$modes" = "755 usr/sbin/cloudmove 755 $mod/module-setup.sh 755 $mod/cloudmove-run.sh 644 usr/lib/systemd/system/cloudmove-export.service 644 usr/share/man/man8/cloudmove.8 " ] &&
	ok "modes: programs 0755, data 0644" || fail "modes" "$modes"
modes=$(cd "$stage" && stat -c '%a %n' "$itools/hooks/cloudmove" "$itools/scripts/local-bottom/cloudmove" \
	usr/share/cloudmove/cloudmove-drivers.sh | tr '\n' ' ')
[ "$modes" = "755 $itools/hooks/cloudmove 755 $itools/scripts/local-bottom/cloudmove 644 usr/share/cloudmove/cloudmove-drivers.sh " ] &&
	ok "initramfs-tools: hook and boot script 0755 (mkinitramfs runs only executables), data 0644" ||
	fail "initramfs-tools modes" "$modes"
# One driver list for both: the same file in the dracut module and beside
# the initramfs-tools hook, which reads it (and the agent) where make
# install put them.
cmp -s "$stage/$mod/cloudmove-drivers.sh" "$stage/usr/share/cloudmove/cloudmove-drivers.sh" &&
	cmp -s "$stage/$mod/cloudmove-drivers.sh" "$top/hooks/cloudmove-drivers.sh" &&
	grep -qF 'agent=${CLOUDMOVE_AGENT:-/usr/sbin/cloudmove}' "$stage/$itools/hooks/cloudmove" &&
	grep -qF 'share=${CLOUDMOVE_SHARE:-/usr/share/cloudmove}' "$stage/$itools/hooks/cloudmove" &&
	ok "initramfs-tools: the hook reads the agent and the shared driver list where make install put them" ||
	fail "initramfs-tools paths" "driver list copies differ or the hook's defaults are not the installed paths"
cmp -s "$stage/usr/sbin/cloudmove" "$top/build/cloudmove" &&
	ok "the agent installed is build/cloudmove" || fail "agent" "differs from build/cloudmove"
missing=
for f in $(grep -o '\$moddir/[A-Za-z0-9_.-]*' "$stage/$mod/module-setup.sh" | sort -u); do
	[ -f "$stage/$mod/${f#\$moddir/}" ] || missing+=" ${f#\$moddir/}"
done
[ -z "$missing" ] && ok "the module directory is self-contained (every \$moddir file is in it)" ||
	fail "self-contained" "missing:$missing"
grep -q '^ExecStart=/usr/sbin/cloudmove ' "$stage/usr/lib/systemd/system/cloudmove-export.service" &&
	ok "cloudmove-export.service runs /usr/sbin/cloudmove" || fail "unit" "ExecStart"
# The module leaves itself out quietly when the agent is gone (a stale
# module directory must not break every dracut run).
(CLOUDMOVE_AGENT=$tmp/none; . "$stage/$mod/module-setup.sh"; ! check) &&
	(CLOUDMOVE_AGENT=$stage/usr/sbin/cloudmove hostonly=-h; . "$stage/$mod/module-setup.sh"; check) &&
	ok "check(): 0 with the agent (hostonly too), 1 without it" || fail "check()" "wrong status"

# --- the man page ----------------------------------------------------------------
man8=$stage/usr/share/man/man8/cloudmove.8
if command -v man >/dev/null; then
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$man8" 2>&1 >"$tmp/man.txt")
	[ -z "$w" ] && [ -s "$tmp/man.txt" ] && ok "man --warnings -l renders cloudmove(8) without a warning" ||
		fail "man" "$w"
else
	fail "man" "man-db is not installed (.ci/packages)"
fi
w=$(groff -man -ww -z "$man8" 2>&1)
[ -z "$w" ] && ok "groff -ww (all warnings): none" || fail "groff -ww" "$w"
[ "$(lexgrog "$man8" 2>&1)" = "$man8: \"cloudmove - detect the cloud a Linux system boots in and adapt the installed system to it\"" ] &&
	ok "lexgrog reads its NAME line (whatis, apropos)" || fail "lexgrog" "$(lexgrog "$man8" 2>&1)"
# One line a paragraph (long line length): nothing hyphenated apart.
groff -man -Tascii -rLL=5000n -rHY=0 -P-cbou "$man8" 2>/dev/null >"$tmp/man.ascii"
agent=$top/build/cloudmove
{
	"$agent" --help
	for c in detect record boot profiles plan adapt rollback check; do
		"$agent" "$c" --no-such-option 2>&1
	done
} >"$tmp/usage"
commands=$("$agent" --help | awk '/^  [a-z]+ / { print $1 } /^  stream, migrate/ { print "stream"; print "migrate" }')
options=$(grep -o -- '--[a-z][a-z-]*' "$tmp/usage" | grep -vx -- '--no-such-option' | sort -u)
keys=$(grep -o '\.name = "[a-z_.]*"' "$top/agent/src/boot/cmdline.c" | grep -o '"[^"]*"' | tr -d '"')
envs=$(grep -rho 'getenv("CLOUDMOVE_[A-Z_]*")' "$top/agent/src" | grep -o 'CLOUDMOVE_[A-Z_]*' | sort -u)
absent=
# each command: in the synopsis, or a tag of its own under COMMANDS
sed -n '/^COMMANDS/,/^OPTIONS/p' "$tmp/man.ascii" >"$tmp/man.commands"
for c in $commands; do
	grep -qE "^       ([a-z]+, )*$c( |,|\$)" "$tmp/man.commands" || absent+=" $c"
done
for o in $options; do grep -qF -- "$o" "$tmp/man.ascii" || absent+=" $o"; done
for k in $keys $envs; do grep -qF -- "$k" "$tmp/man.ascii" || absent+=" $k"; done
[ -z "$absent" ] && [ -n "$commands" ] && [ -n "$keys" ] &&
	ok "the man page names all $(echo $commands | wc -w) commands, $(echo $options | wc -w) options, $(echo $keys | wc -w) kernel command line keys, $(echo $envs | wc -w) variables" ||
	fail "man page coverage" "not in it:$absent"

# --- the driver list ----------------------------------------------------------------
# shellcheck disable=SC2154 # set by module-setup.sh
static=$(. "$stage/$mod/module-setup.sh"; echo $cloudmove_cloud_drivers)
mkdir "$tmp/empty"
profile_drivers=$(for c in $("$agent" profiles list --root "$tmp/empty" | awk 'NR > 1 { print $1 }'); do
	"$agent" profiles show "$c" --root "$tmp/empty" |
		awk '/^  (storage|network) drivers:/ { for (i = 3; i <= NF; i++) if ($i != "-") print $i }'
done | sort -u)
required="nvme ena gve virtio_blk virtio_scsi virtio_net virtio_pci xen-blkfront xen-netfront
	hv_vmbus hv_storvsc hv_netvsc vmw_pvscsi vmxnet3"
absent=
for d in $required $profile_drivers; do [[ " $static " == *" $d "* ]] || absent+=" $d"; done
[ -z "$absent" ] && [ -n "$profile_drivers" ] &&
	ok "the module's list covers every built-in profile's storage and network drivers ($(echo $profile_drivers | wc -w))" ||
	fail "driver list" "not in hooks/cloudmove-drivers.sh's list:$absent"
# (the staged tree as dracut's --sysroot: no profiles.d there)
derived=$(dracutsysrootdir=$stage; . "$stage/$mod/module-setup.sh"; cloudmove_profile_drivers | tr '\n' ' ')
[ "$derived" = "$(echo $profile_drivers | tr ' ' '\n' | sort -u | tr '\n' ' ')" ] &&
	ok "installkernel() asks the agent's profiles for the same drivers" ||
	fail "profile drivers" "module: '$derived' agent: '$profile_drivers'"

# --- uninstall (staged) ---------------------------------------------------------------
mk uninstall DESTDIR="$stage" PREFIX=/usr >"$tmp/make.log" 2>&1
left=$(files_under "$stage")
[ -z "$left" ] && ok "make uninstall removes every file it installed" ||
	fail "uninstall" "left: $left"

lap "host-side checks"

# --- a real Debian 12 root ----------------------------------------------------------------
ddir=$("$top/images/debootstrap.sh") || { fail "debootstrap" "no root"; suite_end; }
kdir=$("$top/images/kernel.sh") || { fail "kernel" "no kernel"; suite_end; }
kver=$(cat "$kdir/kver")
root=$tmp/root
mkdir "$root"
zstd -q -dc "$ddir/rootfs.tar.zst" | tar -C "$root" --numeric-owner -xpf -
mkdir -p "$root/usr/lib/modules" "$root/boot"
cp -a "$kdir/modules/lib/modules/$kver" "$root/usr/lib/modules/"
cp "$kdir/vmlinuz" "$root/boot/vmlinuz-$kver"
# The minbase root has no ca-certificates package: put in the bundle that
# package would install (the host's own).
mkdir -p "$root/etc/ssl/certs"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
[ -x "$root/usr/bin/dracut" ] && ok "the root has its own dracut ($(grep '^dracut ' "$ddir/packages"))" ||
	fail "root" "no dracut in $ddir"
before=$(files_under "$root")
if mk install DESTDIR="$root" PREFIX=/usr >"$tmp/make.log" 2>&1; then
	ok "make install DESTDIR=<Debian 12 root> PREFIX=/usr"
else
	fail "make install into the root" "$(tail -5 "$tmp/make.log")"
	suite_end
fi

# in_root CMD... — CMD chrooted into the root, in a private mount namespace
# with the root's /dev, /sys, /run and /proc as dracut wants them (hostonly
# mode turns itself off when one is not a mount point).  /proc is the real
# one but for /proc/modules, which lists what a cloud VM on ext4 has
# loaded: hostonly then means "only the host's drivers" whatever the
# machine running this test has loaded (here a kernel without modules,
# where dracut-install -H would fall back to every driver).
printf '%s\n' "ext4 983040 1 - Live 0x0" "mbcache 16384 1 ext4, Live 0x0" \
	"jbd2 192512 1 ext4, Live 0x0" "crc32c_generic 16384 0 - Live 0x0" >"$tmp/modules"
in_root() {
	unshare -m --propagation private /bin/sh -c '
		r=$1 m=$2
		shift 2
		p=/run/cloudmove-test-proc
		mount --rbind /dev "$r/dev" && mount --rbind /sys "$r/sys" &&
			mount -t tmpfs tmpfs "$r/run" && mkdir "$r$p" &&
			mount -t proc proc "$r$p" && mount -t tmpfs tmpfs "$r/proc" || exit 1
		for e in "$r$p"/*; do
			n=${e##*/}
			case $n in *[!0-9]*) [ "$n" = modules ] || ln -s "$p/$n" "$r/proc/$n" ;; esac
		done
		cp "$m" "$r/proc/modules" || exit 1
		exec chroot "$r" "$@"' sh "$root" "$tmp/modules" "$@"
}

lap "root unpacked, make install"
in_root dracut --list-modules --kver "$kver" >"$tmp/list-modules" 2>&1
grep -qx cloudmove "$tmp/list-modules" && ok "the root's dracut sees the module (--list-modules)" ||
	fail "--list-modules" "$(tail -3 "$tmp/list-modules")"

# kmod_path NAME — the module's file under the kernel's module tree
# (modules.dep; '-' and '_' alike), "builtin", or nothing.
kdir_root=$root/usr/lib/modules/$kver
kmod_path() {
	awk -F: -v n="${1//-/_}" '{ b = $1; sub(/.*\//, "", b); sub(/\.ko(\..*)?$/, "", b)
		gsub(/-/, "_", b); if (b == n) { print $1; exit } }' "$kdir_root/modules.dep"
}
is_builtin() {
	awk -v n="${1//-/_}" '{ b = $1; sub(/.*\//, "", b); sub(/\.ko$/, "", b)
		gsub(/-/, "_", b); if (b == n) f = 1 } END { exit !f }' "$kdir_root/modules.builtin"
}
# Every cloud's drivers: the module's floor and what the profiles name.
drivers=$(echo $static $profile_drivers | tr ' ' '\n' | sort -u)

# check_image LABEL IMG FLAVOUR(systemd|shell) BUNDLE_SHA [DRIVER...] —
# the agent, the run script, the unit or hook, the CA bundle (by content,
# through a symlink too) and each driver the kernel has as a module.
check_image() {
	local label=$1 img=$2 flavour=$3 bundle=$4 list=$tmp/$1.list d='' p none='' builtin='' sum
	shift 4
	if ! lsinitrd "$img" >"$list" 2>"$tmp/lsinitrd.err"; then
		fail "$label: lsinitrd" "$(head -3 "$tmp/lsinitrd.err")"
		return
	fi
	grep -q ' usr/bin/cloudmove$' "$list" && grep -q ' usr/lib/cloudmove/cloudmove-run.sh$' "$list" &&
		ok "$label: usr/bin/cloudmove and its run script" || fail "$label: agent" "not in the image"
	if [ "$flavour" = systemd ]; then
		grep -q ' usr/lib/systemd/system/cloudmove.service$' "$list" &&
			grep -q ' etc/systemd/system/initrd.target.wants/cloudmove.service -> ' "$list" &&
			ok "$label: cloudmove.service, wanted by initrd.target" ||
			fail "$label: unit" "$(grep cloudmove "$list" | tr '\n' ' ')"
	else
		grep -q ' usr/lib/dracut/hooks/pre-pivot/50-cloudmove-pre-pivot.sh$' "$list" &&
			ok "$label: the pre-pivot hook (no systemd)" ||
			fail "$label: hook" "$(grep cloudmove "$list" | tr '\n' ' ')"
	fi
	# The bundle where the agent's libcurl looks; a link is followed in
	# the image (relative to etc/ssl/certs, as dracut-install makes it).
	p=etc/ssl/certs/ca-certificates.crt
	if grep -q " $p -> " "$list"; then
		d=$(grep " $p -> " "$list" | sed 's/.* -> //')
		case $d in
		/*) p=$(realpath -m --relative-to=/ "$d") ;;
		*) p=$(realpath -m --relative-to=/ "/etc/ssl/certs/$d") ;;
		esac
	fi
	sum=$(lsinitrd -f "$p" "$img" 2>/dev/null | sha256sum | cut -d' ' -f1)
	[ "$sum" = "$bundle" ] && ok "$label: the CA bundle at /etc/ssl/certs/ca-certificates.crt${d:+ (-> $d)}" ||
		fail "$label: CA bundle" "$p in the image is not the root's bundle"
	d=
	local missing=
	for d in "$@"; do
		p=$(kmod_path "$d")
		if [ -z "$p" ]; then
			if is_builtin "$d"; then builtin+=" $d"; else none+=" $d"; fi
			continue
		fi
		grep -q " usr/lib/modules/$kver/$p$" "$list" || missing+=" $d"
	done
	[ -z "$missing" ] &&
		ok "$label: every cloud driver: $(($# - $(echo $none $builtin | wc -w))) modules${builtin:+, built in:$builtin}${none:+, not in $kver:$none}" ||
		fail "$label: drivers" "missing:$missing"
}

bundle_sum=$(sha256sum <"$root/etc/ssl/certs/ca-certificates.crt" | cut -d' ' -f1)
mib() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }

# 1. Default: the root's own configuration (Debian: not hostonly).
start=$SECONDS
in_root dracut -f --kver "$kver" >"$tmp/dracut-default.log" 2>&1
rc=$?
t_default=$((SECONDS - start))
lap "dracut default"
img_default=$root/boot/initrd.img-$kver
if [ $rc -eq 0 ] && [ -s "$img_default" ]; then
	ok "dracut -f --kver $kver (default): ${t_default} s, $(mib "$img_default")"
	check_image default "$img_default" systemd "$bundle_sum" $drivers
	lap "its checks"
else
	fail "dracut default" "rc $rc $(tail -5 "$tmp/dracut-default.log")"
fi

# 2. --hostonly: the image keeps only this machine's drivers, and ours.
start=$SECONDS
in_root dracut -f --hostonly --kver "$kver" /boot/initrd-hostonly.img >"$tmp/dracut-hostonly.log" 2>&1
rc=$?
t_hostonly=$((SECONDS - start))
lap "dracut hostonly"
img_hostonly=$root/boot/initrd-hostonly.img
if [ $rc -eq 0 ] && [ -s "$img_hostonly" ]; then
	ok "dracut -f --hostonly --kver $kver: ${t_hostonly} s, $(mib "$img_hostonly")"
	check_image hostonly "$img_hostonly" systemd "$bundle_sum" $drivers
	n_default=$(grep -c '\.ko$' "$tmp/default.list")
	n_hostonly=$(grep -c '\.ko$' "$tmp/hostonly.list")
	! grep -q 'Turning off host-only mode' "$tmp/dracut-hostonly.log" &&
		[ "$n_hostonly" -lt "$n_default" ] &&
		grep -q '/usb-storage\.ko$' "$tmp/default.list" && ! grep -q '/usb-storage\.ko$' "$tmp/hostonly.list" &&
		ok "hostonly took effect: $n_hostonly kernel modules against $n_default (usb-storage left out)" ||
		fail "hostonly" "$n_hostonly modules against $n_default; $(grep -i 'host-only' "$tmp/dracut-hostonly.log")"
	lap "its checks"
else
	fail "dracut --hostonly" "rc $rc $(tail -5 "$tmp/dracut-hostonly.log")"
fi

# 3. A RHEL-style trust store (/etc/pki/tls/certs/ca-bundle.crt, a link to
# the extracted bundle; no Debian bundle), a user profile for another
# cloud, an initramfs without systemd, hostonly: only this module and base,
# uncompressed (the content is what counts here), so it takes seconds.
mv "$root/etc/ssl/certs/ca-certificates.crt" "$tmp/debian-bundle"
mkdir -p "$root/etc/pki/ca-trust/extracted/pem" "$root/etc/pki/tls/certs" "$root/etc/cloudmove/profiles.d"
echo "-----RHEL-STYLE BUNDLE-----" >"$root/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"
ln -s /etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem "$root/etc/pki/tls/certs/ca-bundle.crt"
printf '[mycloud]\ntitle = a private cloud\ndrivers.storage = megaraid_sas\ndrivers.net = bnx2x\n' \
	>"$root/etc/cloudmove/profiles.d/50-mycloud.conf"
start=$SECONDS
in_root dracut -f --hostonly -m "base cloudmove" --no-compress --no-early-microcode \
	--kver "$kver" /boot/initrd-shell.img >"$tmp/dracut-shell.log" 2>&1
rc=$?
t_shell=$((SECONDS - start))
lap "dracut shell"
if [ $rc -eq 0 ]; then
	ok "dracut --hostonly -m 'base cloudmove' (RHEL-style CA, user profile): ${t_shell} s, $(mib "$root/boot/initrd-shell.img")"
	check_image shell "$root/boot/initrd-shell.img" shell \
		"$(sha256sum <"$root/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem" | cut -d' ' -f1)" \
		$drivers megaraid_sas bnx2x
	lap "its checks"
else
	fail "dracut -m 'base cloudmove'" "rc $rc $(tail -5 "$tmp/dracut-shell.log")"
fi
rm -rf "$root/etc/pki" "$root/etc/cloudmove"
mv "$tmp/debian-bundle" "$root/etc/ssl/certs/ca-certificates.crt"
echo "dracut in a chroot: default ${t_default} s, hostonly ${t_hostonly} s, base+cloudmove ${t_shell} s (load $(cut -d' ' -f1 /proc/loadavg))"

# --- uninstall (the root) ----------------------------------------------------------------
rm -f "$root"/boot/initrd*
mk uninstall DESTDIR="$root" PREFIX=/usr >"$tmp/make.log" 2>&1
after=$(files_under "$root")
[ "$after" = "$before" ] && ok "make uninstall: the root holds exactly its files from before make install" ||
	fail "uninstall" "$(diff <(echo "$before") <(echo "$after") | head -10 | tr '\n' ' ')"
in_root dracut --list-modules --kver "$kver" >"$tmp/list-modules" 2>&1
! grep -qx cloudmove "$tmp/list-modules" && grep -qx base "$tmp/list-modules" &&
	ok "the root's dracut no longer sees the module" || fail "--list-modules" "cloudmove still listed"
# (the chroot's mounts are in namespaces of their own, now gone)
[ "$(grep -c " $tmp" /proc/mounts)" = 1 ] && ok "no mount left behind" ||
	fail "mounts" "$(grep " $tmp" /proc/mounts)"
lap "uninstall"
echo "time: $laps"

suite_end
