#!/bin/bash
# run-netup.sh PROBE — cm_netup()/cm_netup_undo() against a real DHCP
# server, on a veth pair between two network namespaces this script
# creates (and always removes): a client namespace where PROBE
# (agent/tests/netup-probe.c) runs, and a server namespace with dnsmasq
# on the peer and python3's http.server on 169.254.169.254 standing in
# for the metadata service.  No other host, no host network state, is
# touched.  Needs root, iproute2, dnsmasq-base, python3.
#
# Each case checks what netup did (lease, routes, fetch) and that the
# client namespace's links, addresses and routes (ip -j, diffed) are
# afterwards exactly as before.  One thing is compared apart: the queueing
# discipline the kernel attaches the first time a link goes up ("noop"
# to the default) and never detaches; it carries no configuration (see
# the report in the log when it differs).
#
# Ends with "N passed, N failed"; exits 0 only when all passed.
set -uo pipefail
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"

if [ $# -ne 1 ] || [ ! -x "$1" ]; then
	echo "usage: $0 PROBE" >&2
	exit 2
fi
probe=$(readlink -f "$1")
for tool in ip dnsmasq python3; do
	if ! command -v $tool >/dev/null; then
		echo "$0: $tool not found (apt-get install iproute2 dnsmasq-base python3)" >&2
		failed=1
		suite_end
	fi
done
if [ "$(id -u)" != 0 ]; then
	echo "$0: needs root (network namespaces)" >&2
	failed=1
	suite_end
fi
python=$(python3 -c 'import sys; print(sys.executable)')

C=cmnu$$c S=cmnu$$s		# client and server namespaces
suite_tmp /tmp/cm-netup.XXXXXX
work=$tmp
pids=()
case_failed=0

stop_servers() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	pids=()
}

drop_namespaces() {
	ip netns del $C 2>/dev/null
	ip netns del $S 2>/dev/null
	true
}

cleanup() {
	stop_servers
	drop_namespaces
}
suite_on_exit cleanup
trap 'exit 130' INT TERM HUP

check() {	# check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then
		echo "  ok   $what"
	else
		echo "  FAIL $what"
		case_failed=1
	fi
}

# A fresh pair of namespaces: vc (client) <-> vs (server, 10.77.0.1/24,
# also 10.77.0.2 and the metadata addresses).
make_namespaces() {
	drop_namespaces
	ip netns add $C && ip netns add $S &&
	ip link add vc netns $C type veth peer name vs netns $S &&
	ip -n $S link set lo up &&
	server_side
}

server_side() {
	ip -n $S addr add 10.77.0.1/24 dev vs &&
	ip -n $S addr add 10.77.0.2/24 dev vs &&
	ip -n $S addr add 169.254.169.254/32 dev vs &&
	ip -n $S addr add 169.254.42.42/32 dev vs &&
	ip -n $S link set vs up
}

wait_listen() {	# wait_listen tcp|udp PORT
	local i flag=-Hltn
	[ "$1" = udp ] && flag=-Hlun
	for i in $(seq 100); do
		[ -n "$(ip netns exec $S ss $flag "sport = :$2" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	echo "  server on $1/$2 did not start" >&2
	return 1
}

start_http() {
	mkdir -p "$work/www"
	echo "instance-id: i-netup-test" >"$work/www/index.html"
	ip netns exec $S "$python" -m http.server 80 --bind 0.0.0.0 \
		--directory "$work/www" >"$work/http.log" 2>&1 &
	pids+=($!)
	wait_listen tcp 80
}

# dnsmasq with nothing from the system's config: DHCP only (port=0: no
# DNS), a tiny range.  --no-ping: dnsmasq would otherwise probe each
# address for 3 s before offering it; cloud DHCP servers answer at once.
start_dhcp() {	# start_dhcp [extra dnsmasq options...]
	rm -f "$work/leases"
	ip netns exec $S dnsmasq --no-daemon --conf-file=/dev/null --port=0 \
		--no-ping --interface=vs --bind-interfaces --user=root \
		--dhcp-range=10.77.0.50,10.77.0.59,255.255.255.0,1h \
		--dhcp-leasefile="$work/leases" --pid-file="$work/dnsmasq.pid" \
		--log-dhcp --log-facility="$work/dnsmasq.log" "$@" \
		>"$work/dnsmasq.out" 2>&1 &
	pids+=($!)
	wait_listen udp 67
}

# The client namespace's state as ip -j shows it, keys sorted, indented
# (so a diff names the field), with the qdisc fields moved to a file of
# their own.
snapshot() {	# snapshot NAME
	{
		ip -n $C -j link show
		ip -n $C -j addr show
		ip -n $C -j -4 route show table all
		ip -n $C -j -6 route show table all
	} >"$work/$1.raw"
	"$python" - "$work/$1.raw" "$work/$1.json" "$work/$1.qdisc" <<'EOF'
import json, sys
out, qd = open(sys.argv[2], "w"), open(sys.argv[3], "w")
for line in open(sys.argv[1]):
    if not line.strip():
        continue
    doc = json.loads(line)
    for item in doc:
        if isinstance(item, dict) and "qdisc" in item:
            q = item.pop("qdisc")
            if "addr_info" not in item:	# once, from ip link
                qd.write("%s %s\n" % (item.get("ifname"), q))
    out.write(json.dumps(doc, sort_keys=True, indent=1) + "\n")
EOF
}

same_state() {	# same_state BEFORE AFTER
	if ! diff -u "$work/$1.json" "$work/$2.json" >"$work/diff"; then
		sed 's/^/      /' "$work/diff" | head -40
		return 1
	fi
	if ! diff -q "$work/$1.qdisc" "$work/$2.qdisc" >/dev/null; then
		echo "  note: qdisc the kernel attached at first link up:" \
			$(join <(sort "$work/$1.qdisc") <(sort "$work/$2.qdisc") |
			  awk '$2 != $3 { printf "%s %s->%s ", $1, $2, $3 }')
	fi
	return 0
}

run_probe() {	# run_probe PROBE-ARGS...: output in $work/out, $work/err
	local t0=$(date +%s%N)
	ip netns exec $C "$probe" "$@" >"$work/out" 2>"$work/err"
	probe_rc=$?
	probe_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
	sed 's/^/      | /' "$work/out" "$work/err"
}

has() { grep -qE "$1" "$work/out"; }
err_has() { grep -qE "$1" "$work/err"; }
field() { grep -oE "$1=[^ ]*" "$work/out" | head -1 | cut -d= -f2; }

# No default route, nor any route that is not ours or the kernel's.
no_default_route() {
	! grep -q '"dst":"default"' "$work/during.routes"
}

begin() {
	echo "--- $1"
	case_failed=0
	stop_servers
	if ! make_namespaces; then
		echo "  FAIL cannot create namespaces"
		case_failed=1
		return 1
	fi
}

end() {
	stop_servers
	drop_namespaces
	if [ $case_failed -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		[ -s "$work/dnsmasq.log" ] && tail -5 "$work/dnsmasq.log" | sed 's/^/      dnsmasq: /'
	fi
	rm -f "$work/dnsmasq.log"
}

during="ip -j -4 route show table main >$work/during.routes"

# 1. The usual case: a /24 with a router; the link starts down.
case_plain() {
	begin "lease on a /24 with a router, fetch, undo" || { end; return; }
	start_http && start_dhcp --dhcp-option=3,10.77.0.1
	snapshot before
	run_probe -t 2000 -f 169.254.169.254 -x "$during" 169.254.169.254
	snapshot after
	check "cm_netup returned 0" [ "$probe_rc" -eq 0 ]
	check "lease obtained in $(field dhcp_ms) ms" has 'addr=10\.77\.0\.5[0-9]/24 router=10\.77\.0\.1 server=10\.77\.0\.1 lease_s=3600'
	check "link was down" has 'link_was_down=1'
	check "host route via the router" has '^route: 169\.254\.169\.254/32 via 10\.77\.0\.1$'
	check "only that route added" [ "$(grep -c '^route:' "$work/out")" -eq 1 ]
	check "no default route while up" no_default_route
	check "metadata fetched" has 'status=HTTP/1\.[01] 200'
	check "state as before" same_state before after
	end
}

# 2. Cloud style (GCP): a /32 lease, option 121 with an on-link host
#    route to the gateway and a default through it, MTU 1460, and a
#    bogus option 3 that RFC 3442 says to ignore when 121 is there.
case_cloud32() {
	begin "cloud-style /32 lease, classless routes, on-link gateway" || { end; return; }
	start_http && start_dhcp --dhcp-option=1,255.255.255.255 \
		--dhcp-option=3,10.77.0.99 --dhcp-option=26,1460 \
		--dhcp-option=121,10.77.0.1/32,0.0.0.0,0.0.0.0/0,10.77.0.1
	snapshot before
	run_probe -t 2000 -f 169.254.169.254 -x "$during" 169.254.169.254
	snapshot after
	check "cm_netup returned 0" [ "$probe_rc" -eq 0 ]
	check "lease obtained in $(field dhcp_ms) ms, /32, mtu 1460" has 'addr=10\.77\.0\.5[0-9]/32 .*mtu=1460'
	check "on-link route to the gateway" has '^route: 10\.77\.0\.1/32 via on-link$'
	check "host route via the gateway (option 3 ignored)" has '^route: 169\.254\.169\.254/32 via 10\.77\.0\.1$'
	check "no default route while up" no_default_route
	check "metadata fetched" has 'status=HTTP/1\.[01] 200'
	check "state as before" same_state before after
	end
}

# 3. OpenStack style: option 121 sends the metadata address to its own
#    next hop (10.77.0.2), everything else to the router; two dests.
case_two_dests() {
	begin "two destinations, a metadata-specific classless route" || { end; return; }
	start_http && start_dhcp \
		--dhcp-option=121,169.254.169.254/32,10.77.0.2,0.0.0.0/0,10.77.0.1
	snapshot before
	run_probe -t 2000 -f 169.254.169.254 -f 169.254.42.42 -x "$during" \
		169.254.169.254 169.254.42.42
	snapshot after
	check "cm_netup returned 0" [ "$probe_rc" -eq 0 ]
	check "169.254.169.254 via its own next hop" has '^route: 169\.254\.169\.254/32 via 10\.77\.0\.2$'
	check "169.254.42.42 via the default's router" has '^route: 169\.254\.42\.42/32 via 10\.77\.0\.1$'
	check "both fetched" [ "$(grep -c 'status=HTTP/1\.[01] 200' "$work/out")" -eq 2 ]
	check "no default route while up" no_default_route
	check "state as before" same_state before after
	end
}

# 4. No DHCP server: an error within the budget, nothing left behind.
case_no_server() {
	begin "no DHCP server: clear error within the budget" || { end; return; }
	snapshot before
	run_probe -v -t 1500 169.254.169.254
	snapshot after
	local ready dhcp
	ready=$(grep -oE 'ready after [0-9]+' "$work/err" | grep -oE '[0-9]+$')
	dhcp=$(grep -oE 'no offer after [0-9]+' "$work/err" | grep -oE '[0-9]+$')
	check "failed (exit 1, rc<0)" [ "$probe_rc" -eq 1 ]
	# 50 ms of slack: poll() wakes late on a loaded machine.
	check "link wait ${ready:-?} ms + DHCP ${dhcp:-?} ms within the 1500 ms budget" \
		[ -n "$ready" ] && [ -n "$dhcp" ] && [ $((ready + dhcp)) -le 1550 ]
	# Plus undo's own bound: setting a link down waits for the kernel's
	# RCU grace period, which a loaded machine stretches.
	check "returned in ${probe_ms} ms (budget 1500 + undo 1000)" [ "$probe_ms" -lt 2700 ]
	check "one clear error line" [ "$(grep -v ': debug: ' "$work/err" | grep -c '^cloudmove: ')" -eq 1 ]
	check "it says no offer" err_has '^cloudmove: netup: dhcp on vc: no offer after [0-9]+ ms: '
	check "state as before" same_state before after
	end
}

# 5. The system already has network: nothing is done.
case_configured() {
	begin "already configured: nothing done" || { end; return; }
	start_http
	ip -n $C link set vc up && ip -n $C addr add 10.77.0.9/24 dev vc &&
	ip -n $C route add 169.254.169.254/32 via 10.77.0.1
	wait_settled
	snapshot before
	run_probe -t 2000 -f 169.254.169.254 169.254.169.254
	snapshot after
	check "returned 1 (nothing to do)" has '^netup: rc=1 .*nothing-to-do'
	check "fast ($(field elapsed_ms) ms)" [ "$(field elapsed_ms)" -lt 100 ]
	check "metadata fetched over the existing route" has 'status=HTTP/1\.[01] 200'
	check "state as before" same_state before after
	end
}

# After "ip link set vc up": until the link is running and its IPv6
# link-local address is past duplicate detection, so that a snapshot
# taken now is not of a state still changing on its own.
wait_settled() {
	local i state
	for i in $(seq 100); do
		state=$(ip -n $C -j addr show vc)
		case $state in
		*'"operstate":"UP"'*'"family":"inet6"'*)
			[ -z "$(ip -n $C -6 addr show dev vc tentative)" ] && return 0 ;;
		esac
		sleep 0.05
	done
	echo "  vc did not settle" >&2
}

# 6. The link is up (no address): it stays up after undo.
case_link_up() {
	begin "link already up: left up" || { end; return; }
	start_http && start_dhcp --dhcp-option=3,10.77.0.1
	ip -n $C link set vc up
	wait_settled
	snapshot before
	run_probe -t 2000 -f 169.254.169.254 169.254.169.254
	snapshot after
	check "cm_netup returned 0" [ "$probe_rc" -eq 0 ]
	check "link was not down" has 'link_was_down=0'
	check "metadata fetched" has 'status=HTTP/1\.[01] 200'
	check "link still up" grep -q '"UP"' <(ip -n $C -j link show vc)
	check "state as before" same_state before after
	end
}

# 7. Other interfaces: a bridge (virtual: skipped) and, at a lower
#    ifindex, a veth without carrier (raised, unused, lowered again).
case_other_links() {
	begin "skips a bridge and a carrierless veth" || { end; return; }
	ip -n $C link del vc		# and its peer vs: made again below
	ip link add vx netns $C type veth peer name vy netns $S &&
	ip link add vc netns $C type veth peer name vs netns $S &&
	server_side && ip -n $C link add br9 type bridge
	start_http && start_dhcp --dhcp-option=3,10.77.0.1
	check "vx comes first in ifindex order" [ "$(ip -n $C -j link show vx | grep -o '"ifindex":[0-9]*' | cut -d: -f2)" -lt \
		"$(ip -n $C -j link show vc | grep -o '"ifindex":[0-9]*' | cut -d: -f2)" ]
	snapshot before
	run_probe -v -t 2000 -f 169.254.169.254 169.254.169.254
	snapshot after
	check "cm_netup returned 0" [ "$probe_rc" -eq 0 ]
	check "chose vc" has 'iface=vc '
	check "metadata fetched" has 'status=HTTP/1\.[01] 200'
	check "state as before (vx down again, bridge untouched)" same_state before after
	end
}

# 8. Option 121 with no route to the destination: the address was
#    added, then taken back; a clear error.
case_unroutable() {
	begin "lease without a route to the destination: taken back" || { end; return; }
	start_dhcp --dhcp-option=121,10.0.0.0/8,10.77.0.1
	snapshot before
	run_probe -t 2000 169.254.169.254
	snapshot after
	check "failed (exit 1)" [ "$probe_rc" -eq 1 ]
	check "it says why" err_has '^cloudmove: netup: the lease from 10\.77\.0\.1 routes none of the destinations'
	check "one error line" [ "$(grep -c '^cloudmove: ' "$work/err")" -eq 1 ]
	check "state as before" same_state before after
	end
}

# 9. No usable interface at all.
case_no_iface() {
	begin "no Ethernet interface: clear error" || { end; return; }
	ip -n $C link del vc
	snapshot before
	run_probe -t 2000 169.254.169.254
	snapshot after
	check "failed (exit 1)" [ "$probe_rc" -eq 1 ]
	check "it says why" err_has '^cloudmove: netup: no wired Ethernet interface'
	check "state as before" same_state before after
	end
}

case_plain
case_cloud32
case_two_dests
case_no_server
case_configured
case_link_up
case_other_links
case_unroutable
case_no_iface

suite_end
