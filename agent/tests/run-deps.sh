#!/bin/bash
# run-deps.sh [CLOUDMOVE] — agent/deps, without the real Debian mirror:
#   * the source fetch (build-deps.sh --fetch-only) from a local apt source
#     on 127.0.0.1 serving two revisions of a tiny source package built
#     here: the newest's files answer 404 → the older is fetched, with the
#     line naming both; none downloads → exit 1, one line naming the
#     package and every version tried, nothing left in the source cache; a
#     pinned revision that does not download is not replaced by another; a
#     tree already in the cache → no request at all (offline);
#   * linkcheck.c compiles clean (-Werror, the project's warnings) with gcc,
#     clang and musl-gcc; against the host's Debian -dev libraries (libcurl
#     over OpenSSL) it fails naming exactly the features they lack; against
#     the static deps of this tree it passes;
#   * CLOUDMOVE --version (default build/cloudmove) names the Debian
#     revision of every library of agent/deps/versions, as the deps build
#     recorded it.
# Ends with "N passed, N failed".
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
agent=${1:-$top/build/cloudmove}
builddeps=$top/agent/deps/build-deps.sh
# shellcheck source=agent/tests/lib/suite.sh
. "$(dirname "$0")/lib/suite.sh"
suite_tmp
server=''
# shellcheck disable=SC2317 # an exit hook calls it
cleanup() {
	[ -z "$server" ] || kill "$server" 2>/dev/null
}
suite_on_exit cleanup

# --- a local apt source ----------------------------------------------------------
# A flat repository with its Sources index: cmdeps-test 1.0-1 and
# 1.0-1+deb12u1 (3.0 quilt, one orig tarball), and a util-linux 1.0-1 whose
# autogen.sh (build-deps.sh runs it when it fetches util-linux) fails.
pkg=cmdeps-test
repo=$tmp/repo

# make_package NAME VERSION...: NAME's source package, one per VERSION, in $repo
make_package() {
	local name=$1 w=$tmp/pkgsrc d v
	shift
	d=$w/$name-1.0
	mkdir -p "$d/debian/source" "$repo" || return 1
	echo "cloudmove deps test" >"$d/hello.txt"
	printf '#!/bin/sh\necho "autogen.sh: failing on purpose" >&2\nexit 1\n' >"$d/autogen.sh"
	chmod +x "$d/autogen.sh"
	tar -C "$w" -czf "$w/${name}_1.0.orig.tar.gz" "$name-1.0" || return 1
	echo "3.0 (quilt)" >"$d/debian/source/format"
	printf '#!/usr/bin/make -f\n%%:\n\tdh $@\n' >"$d/debian/rules"
	chmod +x "$d/debian/rules"
	cat >"$d/debian/control" <<-EOF
	Source: $name
	Section: misc
	Priority: optional
	Maintainer: cloudmove tests <tests@cloudmove.invalid>
	Standards-Version: 4.6.2

	Package: $name
	Architecture: all
	Description: cloudmove's deps test package
	 Nothing to see.
	EOF
	for v; do
		echo "revision $v" >"$d/debian/revision"
		cat >"$d/debian/changelog" <<-EOF
		$name ($v) bookworm; urgency=medium

		  * Revision $v.

		 -- cloudmove tests <tests@cloudmove.invalid>  Mon, 07 Dec 2026 12:00:00 +0000
		EOF
		(cd "$w" && dpkg-source -q -b "$name-1.0") >"$tmp/dpkg-source.log" 2>&1 || {
			cat "$tmp/dpkg-source.log"; return 1
		}
	done
	mv "$w/${name}_"* "$repo/" && rm -rf "$w"
}
make_packages() {
	make_package "$pkg" 1.0-1 1.0-1+deb12u1 && make_package util-linux 1.0-1 &&
		(cd "$repo" && dpkg-scansources . /dev/null >Sources 2>/dev/null) &&
		[ "$(grep -c '^Package: ' "$repo/Sources")" = 3 ]
}

# serve PATTERN: an HTTP server on 127.0.0.1 for $repo whose paths matching
# the regex PATTERN answer 404; every request is logged to $tmp/requests.
# Sets $server (pid) and $port.
serve() {
	[ -z "$server" ] || { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; }
	: >"$tmp/requests"
	rm -f "$tmp/port"
	python3 - "$repo" "$1" "$tmp/port" "$tmp/requests" <<-'EOF' &
	import http.server, os, re, sys
	root, pattern, portfile, reqlog = sys.argv[1:]
	missing = re.compile(pattern)
	class Handler(http.server.SimpleHTTPRequestHandler):
	    def __init__(self, *a, **kw):
	        super().__init__(*a, directory=root, **kw)
	    def send_head(self):
	        with open(reqlog, "a") as f:
	            f.write(self.path + "\n")
	        if pattern and missing.search(self.path):
	            self.send_error(404)
	            return None
	        return super().send_head()
	    def log_message(self, *a):
	        pass
	s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
	with open(portfile + ".tmp", "w") as f:
	    f.write(str(s.server_address[1]))
	os.rename(portfile + ".tmp", portfile)
	s.serve_forever()
	EOF
	server=$!
	local _
	for _ in $(seq 200); do
		[ -s "$tmp/port" ] && break
		sleep 0.05
	done
	port=$(cat "$tmp/port" 2>/dev/null)
	[ -n "$port" ] && echo "deb-src [trusted=yes] http://127.0.0.1:$port/ ./" >"$tmp/sources.list"
}

# fetch CACHE VERSION-WANTED [NAME]: build-deps.sh --fetch-only of NAME
# (default $pkg) into CACHE; its status in $rc, its output in $tmp/out and $tmp/err
fetch() {
	printf '# name source version\ntest %s %s\n' "${3:-$pkg}" "$2" >"$tmp/versions"
	mkdir -p "$tmp/tmpdir"
	CLOUDMOVE_CACHE=$1 CLOUDMOVE_DEPS_APT_SOURCES=$tmp/sources.list \
		CLOUDMOVE_DEPS_VERSIONS=$tmp/versions TMPDIR=$tmp/tmpdir \
		"$builddeps" --fetch-only >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
# what a source cache holds besides its lock, sorted, a space after each
cache_entries() {
	find "$1/src" -mindepth 1 -maxdepth 1 ! -name .lock -printf '%f\n' 2>/dev/null |
		LC_ALL=C sort | tr '\n' ' '
}
show() { tail -n 5 "$tmp/err" | tr '\n' '|'; }

t0=$SECONDS
if make_packages; then
	ok "test source packages built (dpkg-source -b) and indexed (dpkg-scansources)"
else
	fail "test packages" "dpkg-source or dpkg-scansources failed"
	suite_end
fi

# 1. the newest revision's files answer 404: the older one is fetched
serve 'deb12u1'
if [ -z "$port" ]; then fail "http server" "no port"; suite_end; fi
c1=$tmp/cache1
fetch "$c1" 1.0
note="build-deps.sh: $pkg: building 1.0-1; newer listed 1.0-1+deb12u1 could not be fetched (it may carry security fixes)"
if [ $rc -eq 0 ]; then ok "fallback: exit 0"; else fail "fallback: exit $rc" "$(show)"; fi
if [ "$(cat "$c1/src/${pkg}_1.0-1/hello.txt" 2>/dev/null)" = "cloudmove deps test" ] &&
	[ "$(cat "$c1/src/${pkg}_1.0-1/debian/revision" 2>/dev/null)" = "revision 1.0-1" ]; then
	ok "fallback: 1.0-1 extracted in the source cache"
else
	fail "fallback: source cache" "holds: $(cache_entries "$c1")"
fi
if [ "$(cache_entries "$c1")" = "${pkg}_1.0-1 " ]; then
	ok "fallback: nothing else in the source cache"
else
	fail "fallback: source cache" "holds: $(cache_entries "$c1")"
fi
if [ "$(grep -cxF "$note" "$tmp/err")" = 1 ]; then
	ok "fallback: the line naming both revisions on stderr"
else
	fail "fallback: no line '$note'" "$(show)"
fi
if grep -q 'deb12u1.*\.dsc' "$tmp/requests"; then
	ok "fallback: the newer revision was tried first"
else
	fail "fallback: 1.0-1+deb12u1 not requested" "$(tr '\n' ' ' <"$tmp/requests")"
fi

# 2. the cache holds a tree: offline, not one request
: >"$tmp/requests"
fetch "$c1" 1.0
if [ $rc -eq 0 ] && [ ! -s "$tmp/requests" ] && ! grep -q fetch "$tmp/out" &&
	grep -q "test: $c1/src/${pkg}_1.0-1$" "$tmp/out"; then
	ok "cached tree: used offline, no request"
else
	fail "cached tree: exit $rc" "requests: $(tr '\n' ' ' <"$tmp/requests"); $(show)"
fi
remind="build-deps.sh: $pkg: building 1.0-1 from the source cache; newer listed 1.0-1+deb12u1 could not be fetched when it was (it may carry security fixes; delete $c1/src/${pkg}_1.0-1 to try again)"
if [ "$(cat "$tmp/err")" = "$remind" ]; then
	ok "cached tree: the skipped revision is still named, and how to retry"
else
	fail "cached tree: no line '$remind'" "$(show)"
fi

# 3. a pinned revision whose files answer 404 is not replaced by another
: >"$tmp/requests"
c3=$tmp/cache3
fetch "$c3" 1.0-1+deb12u1
if [ $rc -eq 1 ] &&
	grep -qxF "build-deps.sh: $pkg: no listed version's source could be downloaded; tried: 1.0-1+deb12u1" "$tmp/err" &&
	[ -z "$(cache_entries "$c3")" ]; then
	ok "pinned 1.0-1+deb12u1, 404: exit 1, not replaced by 1.0-1"
else
	fail "pinned revision: exit $rc" "cache: $(cache_entries "$c3"); $(show)"
fi

# 4. nothing downloads: one line naming the package and both versions
serve '\.(dsc|tar\.[a-z]+)$'
c4=$tmp/cache4
fetch "$c4" 1.0
none="build-deps.sh: $pkg: no listed version's source could be downloaded; tried: 1.0-1+deb12u1 1.0-1"
if [ $rc -eq 1 ]; then ok "nothing downloads: exit 1"; else fail "nothing downloads: exit $rc" "$(show)"; fi
if [ "$(grep -c "$pkg" "$tmp/err" | head -1)" -ge 1 ] && [ "$(grep -cxF "$none" "$tmp/err")" = 1 ] &&
	[ "$(tail -n 1 "$tmp/err")" = "$none" ]; then
	ok "nothing downloads: the last line names $pkg and both versions"
else
	fail "nothing downloads: no line '$none'" "$(show)"
fi
if [ -z "$(cache_entries "$c4")" ]; then
	ok "nothing downloads: nothing left in the source cache"
else
	fail "nothing downloads: source cache" "holds: $(cache_entries "$c4")"
fi

# 5. a fetched tree whose preparation fails (util-linux: autogen.sh)
serve ''
c5=$tmp/cache5
fetch "$c5" 1.0 util-linux
if [ $rc -eq 1 ] && grep -q "autogen.sh: failing on purpose" "$tmp/err" &&
	[ -z "$(cache_entries "$c5")" ]; then
	ok "preparation fails: exit 1, nothing left in the source cache"
else
	fail "preparation fails: exit $rc" "cache: $(cache_entries "$c5"); $(show)"
fi
echo "fetch tests: $((SECONDS - t0)) s"

# --- linkcheck.c -------------------------------------------------------------------
t0=$SECONDS
lc=$top/agent/deps/linkcheck.c
warn=(-std=gnu11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
	-Wmissing-prototypes -Wformat=2 -Wvla)
host_pkgs="libcurl blkid mount json-c zlib libzstd liblzma yaml-0.1 libisal"
# shellcheck disable=SC2086,SC2046 # the flags are words
host_cc() { "$1" "${warn[@]}" -o "$2" "$lc" $(pkg-config --cflags --libs $host_pkgs) -lmbedcrypto; }
for cc in gcc clang; do
	if host_cc $cc "$tmp/linkcheck-$cc" >"$tmp/cc.log" 2>&1; then
		ok "linkcheck.c: $cc -Werror against the host's -dev libraries, clean"
	else
		fail "linkcheck.c: $cc" "$(head -n 5 "$tmp/cc.log" | tr '\n' '|')"
		continue
	fi
	# Debian's libcurl4-openssl: all but the TLS backend is what the agent needs
	"$tmp/linkcheck-$cc" >"$tmp/lc.out" 2>&1
	rc=$?
	missing=$(sed -n 's/^link check: \([^ ]*\) missing: .*/\1/p' "$tmp/lc.out" | tr '\n' ' ')
	if [ $rc -eq 1 ] && [ "$missing" = "tls-mbedtls " ] &&
		grep -q "^link check: tls-mbedtls missing: libcurl's TLS backend is OpenSSL" "$tmp/lc.out"; then
		ok "linkcheck ($cc, host libcurl over OpenSSL): exit 1, missing exactly tls-mbedtls"
	else
		fail "linkcheck ($cc, host libs): exit $rc, missing '$missing'" "$(tr '\n' '|' <"$tmp/lc.out")"
	fi
done

# the static deps of this tree, keyed as the Makefile keys them
deps=${CLOUDMOVE_CACHE:-$top/.cache}/deps-$(cd "$top" && cat agent/deps/* | sha256sum | cut -c1-12)
nchecks=$(grep -c '^	{ "[a-z0-9-]*", "' "$lc")
if [ ! -s "$deps/ldflags" ]; then
	fail "linkcheck (static deps)" "$deps not built (make deps)"
else
	# shellcheck disable=SC2046 # the flags are words
	if musl-gcc -static -Os "${warn[@]}" $(cat "$deps/cflags") "$lc" -o "$tmp/linkcheck-musl" \
		$(cat "$deps/ldflags") >"$tmp/cc.log" 2>&1; then
		ok "linkcheck.c: musl-gcc -Werror against $deps, clean"
		"$tmp/linkcheck-musl" >"$tmp/lc.out" 2>&1
		rc=$?
		if [ $rc -eq 0 ] && [ "$(tail -n 1 "$tmp/lc.out")" = "link check: $nchecks features ok" ]; then
			ok "linkcheck (static deps): all $nchecks features ok"
		else
			fail "linkcheck (static deps): exit $rc" "$(tr '\n' '|' <"$tmp/lc.out")"
		fi
	else
		fail "linkcheck.c: musl-gcc" "$(head -n 5 "$tmp/cc.log" | tr '\n' '|')"
	fi
fi
echo "link check tests: $((SECONDS - t0)) s"

# --- --version: the Debian revision of each library -----------------------------------
noepoch() { echo "${1#*:}"; }
built=$("$agent" --version 2>&1 | sed -n 's/^built from Debian sources: //p')
if [ -z "$built" ]; then
	fail "--version" "$agent prints no 'built from Debian sources:' line"
else
	bad=''
	while read -r n _ want rest; do
		case $n in ''|'#'*) continue ;; esac
		[ -z "$rest" ] || continue
		# "zlib 1.2.13.dfsg-1": the upstream version wanted, or the pinned revision
		v=$(printf '%s\n' "$built" | tr ',' '\n' | sed -n "s/^ *$n \([^ ]*\)\$/\1/p")
		want=$(noepoch "$want")
		case $want in
		*-*) [ "$v" = "$want" ] || bad+="$n '$v' (want $want) " ;;
		*) [ -n "$v" ] && [ "${v%-*}" = "$want" ] || bad+="$n '$v' (want $want-*) " ;;
		esac
	done <"$top/agent/deps/versions"
	if [ -z "$bad" ]; then
		ok "--version: every library of agent/deps/versions with its Debian revision"
	else
		fail "--version" "$bad; line: $built"
	fi
	if [ -s "$deps/versions.txt" ]; then
		if [ "$built" = "$(paste -sd, "$deps/versions.txt" | sed 's/,/, /g')" ]; then
			ok "--version: as the deps build recorded (versions.txt)"
		else
			fail "--version" "'$built' is not $deps/versions.txt"
		fi
	fi
fi
suite_end
