#!/bin/bash
# run-network.sh [--regen] CLOUDMOVE — the network rewriter on fixture
# roots (agent/tests/network/<case>/root, one back end and one real-world
# shape each): `plan --target T` against plan-T.expected, then `adapt`,
# and every file of the adapted root checked by the real tool's own
# parser (netplan generate, systemd-networkd and udev's .link reader,
# nmcli --offline, ifup --no-act, a shell-syntax and key check for ifcfg),
# the input too (a fixture the tool rejects proves nothing); then a second
# adapt finding nothing and rollback restoring every byte.  Malformed
# files: exit 1, one line, nothing written.  Ends with "N passed, N failed".
#
# The parsers run in namespaces of their own (unshare -m -n): they see the
# fixture's files mounted over /etc's, and no network but a veth pair.
set -uo pipefail
regen=0
[ "${1:-}" = --regen ] && { regen=1; shift; }
bin=$(realpath "${1:?usage: run-network.sh [--regen] CLOUDMOVE}")
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp
snapshot() { (cd "$1" && find . -path ./var/lib/cloudmove -prune -o -print0 | sort -z |
	xargs -0 stat -c '%n %a %F %s' && find . -path ./var/lib/cloudmove -prune -o -type f -print0 |
	sort -z | xargs -0 -r sha256sum); }

# --- the real parsers -----------------------------------------------------
# Each prints what the tool said against the root's files and returns 1
# when it rejected or ignored something of them.

# systemd-networkd reads /etc/systemd/network at start and logs every line
# it ignores as "<file>:<line>: ..."; udev's net_setup_link builtin does
# the same for .link files.  Run both in private namespaces for a moment.
check_networkd() {
	local root=$1 dir=${2:-$1/etc/systemd/network} out=$tmp/networkd.out
	[ -d "$dir" ] || return 0
	command -v udevadm >/dev/null && [ -x /lib/systemd/systemd-networkd ] || return 2
	timeout 40 unshare -m -n sh -c '
		mount -t tmpfs none /run/systemd 2>/dev/null ||
			{ mkdir -p /run/systemd && mount -t tmpfs none /run/systemd; }
		mkdir -p /run/systemd/netif && chown systemd-network: /run/systemd/netif
		mount --bind "$1" /etc/systemd/network
		# it reads its configuration before enumerating the links:
		# stop it once it says it has; on a loaded machine it now and
		# then says nothing for seconds: then it is tried again
		for try in 1 2 3; do
			SYSTEMD_LOG_TARGET=console SYSTEMD_LOG_LEVEL=info \
				/lib/systemd/systemd-networkd >"$2" 2>&1 &
			i=0
			while [ $i -lt 100 ] && ! grep -q "Enumeration completed" "$2"; do
				sleep 0.05; i=$((i + 1))
			done
			kill -KILL $! 2>/dev/null; wait
			grep -q "Enumeration completed" "$2" && break
		done
		cat "$2"
		SYSTEMD_LOG_LEVEL=info udevadm test-builtin net_setup_link \
			/sys/class/net/lo' sh "$dir" "$tmp/networkd.raw" >"$out" 2>&1
	grep -q "Enumeration completed" "$out" || { echo "networkd did not start"; cat "$out"; return 1; }
	if grep -E '^/etc/systemd/network/[^:]+:' "$out"; then return 1; fi
	return 0
}

# netplan's own parser and renderer (what boot runs); what it renders for
# networkd then goes through networkd's parser too.
check_netplan() {
	local root=$1 err=$tmp/netplan.err gen=$tmp/netplan-gen rc=0
	[ -d "$root/etc/netplan" ] || return 0
	command -v netplan >/dev/null || return 2
	rm -rf "$gen" && mkdir -p "$gen" && cp -a "$root/etc" "$gen/"
	if ! netplan generate --root-dir "$gen" 2>"$err"; then
		cat "$err"; return 1
	fi
	grep -v -e 'Permissions for .* are too open' -e 'has been deprecated' \
		-e "'Default routes' section" "$err" |
		grep . && return 1
	check_networkd "$gen" "$gen/run/systemd/network" || rc=1
	rm -rf "$gen"
	return $rc
}

# NetworkManager's keyfile reader, without a daemon: `nmcli --offline
# connection modify` reads the keyfile from stdin, checks the connection
# and prints it back; every key=value we wrote must come back unchanged
# (nmcli drops what it does not understand).
check_nm() {
	local root=$1 f sec line rc=0
	[ -d "$root/etc/NetworkManager/system-connections" ] || return 0
	command -v nmcli >/dev/null || return 2
	for f in "$root"/etc/NetworkManager/system-connections/*; do
		[ -f "$f" ] || continue
		if ! nmcli --offline connection modify connection.autoconnect-priority \
			"$(sed -n 's/^autoconnect-priority=//p' "$f" | tail -1)" <"$f" \
			>"$tmp/nm.out" 2>"$tmp/nm.err"; then
			echo "${f#$root}: $(cat "$tmp/nm.err")"; rc=1; continue
		fi
		sec=
		while IFS= read -r line; do
			case $line in
			'#'*|'') continue ;;
			'['*) sec=$line; continue ;;
			esac
			if ! awk -v s="$sec" -v l="$line" '
				/^\[/ { cur = $0; next }
				cur == s && $0 == l { found = 1 }
				END { exit !found }' "$tmp/nm.out"; then
				echo "${f#$root}: nmcli did not keep '$line' in $sec"; rc=1
			fi
		done <"$f"
	done
	return $rc
}

# ifupdown: ifup --no-act -a parses the file (and what it sources, as
# /etc/network/... inside the namespace) and prints what it would run for
# the NICs there (a veth pair, ens5 and eth1), patterns included.
check_ifupdown() {
	local root=$1 out=$tmp/ifup.out
	[ -f "$root/etc/network/interfaces" ] || return 0
	command -v ifup >/dev/null || return 2
	timeout 20 unshare -m -n sh -c '
		mount -t sysfs none /sys
		mount --bind "$1/etc/network" /etc/network
		mount -t tmpfs none /run/network 2>/dev/null ||
			{ mkdir -p /run/network && mount -t tmpfs none /run/network; }
		ip link add ens5 type veth peer name eth1
		ifup --no-act -a && ifup --no-act --allow=hotplug -a' sh "$root" >"$out" 2>&1
	local rc=$?
	if [ $rc -ne 0 ] || grep -v '^run-parts ' "$out" |
		grep -iE 'error|unknown|misplaced|duplicate|ignoring|not recognized'; then
		cat "$out"; return 1
	fi
	return 0
}

# ifcfg: no Debian package reads it (NetworkManager's ifcfg-rh plugin is
# not built there), so: each file must be valid shell that only assigns
# variables (bash -n, then sourced under set -u in an empty environment),
# with the values network-scripts(5)/wicked's ifcfg(5) allow for the keys
# we write.
check_ifcfg() {
	local root=$1 f rc=0
	for f in "$root"/etc/sysconfig/network-scripts/ifcfg-* "$root"/etc/sysconfig/network/ifcfg-*; do
		[ -f "$f" ] || continue
		if ! bash -n "$f" 2>"$tmp/ifcfg.err"; then
			echo "${f#$root}: $(cat "$tmp/ifcfg.err")"; rc=1; continue
		fi
		if grep -vE '^[[:space:]]*(#.*)?$|^[A-Za-z_][A-Za-z0-9_]*=' "$f"; then
			echo "${f#$root}: a line that is not VAR=value"; rc=1; continue
		fi
		if ! env -i bash -c 'set -eu; . "$1"
			case ${BOOTPROTO:-none} in none|static|dhcp|bootp|dhcp4|dhcp6|autoip|auto|dhcp+autoip|"") ;; *) echo "BOOTPROTO=$BOOTPROTO"; exit 1 ;; esac
			case ${ONBOOT:-yes} in yes|no) ;; *) echo "ONBOOT=$ONBOOT"; exit 1 ;; esac
			case ${STARTMODE:-auto} in auto|hotplug|ifplugd|manual|off|nfsroot|onboot) ;; *) echo "STARTMODE=$STARTMODE"; exit 1 ;; esac
			case ${MTU:-0} in *[!0-9]*) echo "MTU=$MTU"; exit 1 ;; esac
			case ${IPV6INIT:-no} in yes|no) ;; *) echo "IPV6INIT=$IPV6INIT"; exit 1 ;; esac
			case ${DHCPV6C:-no} in yes|no) ;; *) echo "DHCPV6C=$DHCPV6C"; exit 1 ;; esac
			[ -z "${DEVICE+x}" ] || [ -n "$DEVICE" ] || { echo "DEVICE empty"; exit 1; }
			' sh "$f" >"$tmp/ifcfg.err" 2>&1; then
			echo "${f#$root}: $(cat "$tmp/ifcfg.err")"; rc=1
		fi
	done
	return $rc
}

check_all() {
	local root=$1 what=$2 be rc
	for be in networkd netplan nm ifupdown ifcfg; do
		"check_$be" "$root" >"$tmp/check.out" 2>&1
		rc=$?
		case $rc in
		0) ;;
		2) skip "$what" "no $be parser on this machine" ;;
		*) fail "$what" "$be parser rejects: $(head -5 "$tmp/check.out")"; return 1 ;;
		esac
	done
	return 0
}

# --- the cases ------------------------------------------------------------
for case_dir in "$here"/network/*/; do
	case_dir=${case_dir%/}
	name=$(basename "$case_dir")
	[ -d "$case_dir/root" ] || continue
	input=$tmp/$name-input
	cp -a "$case_dir/root" "$input"
	check_all "$input" "$name: input" && ok "$name: the input passes the real parser"
	for golden in "$case_dir"/plan-*.expected; do
		[ -f "$golden" ] || continue
		target=${golden##*/plan-}
		target=${target%.expected}
		root=$tmp/$name-$target
		cp -a "$case_dir/root" "$root"
		mkdir -p "$root/var/lib"	# where adapt keeps its journal
		before=$(snapshot "$root")
		"$bin" plan --target "$target" --root "$root" >"$tmp/plan" 2>"$tmp/err"
		rc=$?
		[ $regen = 1 ] && cp "$tmp/plan" "$golden"
		if [ $rc -eq 0 ] && diff -u "$golden" "$tmp/plan" >"$tmp/d"; then
			ok "$name: plan for $target matches"
		else
			fail "$name: plan for $target" "rc $rc $(cat "$tmp/err"; head -40 "$tmp/d")"
		fi
		[ "$(snapshot "$root")" = "$before" ] || fail "$name: plan for $target" "the root changed"
		grep -q "^nothing to change for $target" "$tmp/plan" && continue

		"$bin" adapt --target "$target" --root "$root" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		if [ $rc -ne 0 ]; then
			fail "$name: adapt for $target" "rc $rc $(cat "$tmp/out" "$tmp/err")"
			continue
		fi
		check_all "$root" "$name: $target output" &&
			ok "$name: $target output passes the real parser"
		"$bin" adapt --target "$target" --root "$root" >"$tmp/out" 2>"$tmp/err"
		grep -q "^nothing to change for $target" "$tmp/out" &&
			ok "$name: a second adapt for $target changes nothing" ||
			fail "$name: second adapt for $target" "$(cat "$tmp/out" "$tmp/err")"
		"$bin" rollback --root "$root" >"$tmp/out" 2>"$tmp/err"
		rc=$?
		[ $rc -eq 0 ] && [ "$(snapshot "$root")" = "$before" ] &&
			ok "$name: rollback restores every file" ||
			fail "$name: rollback" "rc $rc $(cat "$tmp/err") $(diff <(echo "$before") <(snapshot "$root") | head -5)"
	done
done

# --- malformed files: one line, exit 1, nothing written ---------------------
bad() {	# bad NAME RELPATH CONTENT PATTERN
	local root=$tmp/bad-$1
	mkdir -p "$root/etc/$(dirname "$2")"
	printf '%b' "$3" >"$root/etc/$2"
	chmod 600 "$root/etc/$2"
	mkdir -p "$root/var/lib"
	local before
	before=$(snapshot "$root")
	# refused fast too: a timeout (rc 124) fails
	timeout 20 "$bin" adapt --target gcp --root "$root" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	if [ $rc -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "$4" "$tmp/err" &&
		[ "$(snapshot "$root")" = "$before" ]; then
		ok "malformed $1: exit 1, one line ($(cat "$tmp/err")), nothing written"
	else
		fail "malformed $1" "rc $rc $(cat "$tmp/err")"
	fi
}
bad networkd systemd/network/10-x.network '[Match]\nName=eth0\nthis is not a key\n' \
	'^cloudmove: networkd: .*10-x.network:3: '
bad networkd-nul systemd/network/10-x.network '[Match]\nName=eth0\0\n' \
	'^cloudmove: networkd: .*10-x.network'
bad nm NetworkManager/system-connections/x.nmconnection '[connection]\nid=x\njunk\n' \
	'^cloudmove: NetworkManager: .*x.nmconnection:3: '
bad ifcfg sysconfig/network-scripts/ifcfg-eth0 'DEVICE=eth0\nif true; then\n' \
	'^cloudmove: ifcfg: .*ifcfg-eth0:2: '
bad ifupdown network/interfaces 'auto lo\n  address 10.0.0.1\niface lo inet loopback\n' \
	'^cloudmove: ifupdown: .*interfaces:2: '
bad ifupdown-loop network/interfaces 'auto lo\niface lo inet loopback\nsource /etc/network/interfaces\n' \
	'^cloudmove: ifupdown: .*interfaces: sources nested too deep'
bad netplan netplan/50-x.yaml 'network:\n  ethernets:\n    eth0: [dhcp4\n' \
	'^cloudmove: netplan: .*50-x.yaml:[0-9]*: '
bad netplan-shape netplan/50-x.yaml 'network:\n  ethernets: [eth0]\n' \
	'^cloudmove: netplan: .*50-x.yaml:2: a device section that is not a mapping'
# 100k levels of "[" (200 KB, within the size cap): libyaml took 53 s
# over it; refused before the load, where the 65th level opens
many() { printf "%${2}s" '' | tr ' ' "$1"; }
bad netplan-deep netplan/50-x.yaml "network:\n  x: $(many '[' 100000)b$(many ']' 100000)\n" \
	'^cloudmove: netplan: .*50-x.yaml:2: nested more than 64 levels deep'

suite_end
