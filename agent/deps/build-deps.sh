#!/bin/bash
# build-deps.sh PREFIX — build the agent's static libraries with musl-gcc.
# build-deps.sh --fetch-only — only fill the source cache (no builds, no PREFIX).
#
# Fetches Debian 12 (bookworm) source packages (listed in ./versions) with
# `apt-get source` through a private apt configuration whose deb-src lines are
# derived from this machine's own apt sources, then builds zlib, mbedTLS,
# libcurl (http/https over mbedTLS), libblkid + libmount (util-linux) and
# json-c, static, -Os, function/data sections.
#
# Result, all or nothing (built in PREFIX.tmp, renamed to PREFIX at the end):
#   PREFIX/include/       headers
#   PREFIX/lib/           static archives
#   PREFIX/kinclude/      linux, asm, asm-generic -> the host's kernel headers
#   PREFIX/cflags         compiler flags, one line
#   PREFIX/ldflags        link flags in link order, one line
#   PREFIX/versions.txt   "name debian-version" per library
#   PREFIX/build.log      everything the tools said
#
# Sources are cached, extracted and patched, in ${CLOUDMOVE_CACHE:-<repo>/.cache}/src
# and reused offline when present (delete a directory there to refetch it).
# The last step compiles ./linkcheck.c against PREFIX and runs it: every
# feature the agent relies on, each named when it is missing.
#
# Needs: musl-tools dpkg-dev make patch autoconf automake libtool autopoint
# gettext bison flex pkg-config cmake linux-libc-dev.
#
# Seams for tests (agent/tests/run-deps.sh) and private mirrors:
#   CLOUDMOVE_DEPS_APT_SOURCES=FILE  apt source lines (one-line .list form)
#       used instead of those derived from this machine's apt sources
#   CLOUDMOVE_DEPS_VERSIONS=FILE     a versions file instead of ./versions;
#       with --fetch-only only (a PREFIX is keyed on ./versions' hash)
set -euo pipefail

prog=${0##*/}
say() { printf '%s: %s\n' "$prog" "$*"; }
die() { printf '%s: %s\n' "$prog" "$*" >&2; exit 1; }

fetch_only=0
if [ "${1-}" = --fetch-only ]; then fetch_only=1; shift; fi
if [ $fetch_only = 1 ] && [ $# -eq 0 ]; then
	:
elif [ $fetch_only = 1 ] || [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $prog PREFIX | $prog --fetch-only" >&2; exit 2
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${CLOUDMOVE_CACHE:-$repo/.cache}
srcdir=$cache/src
aptdir=$cache/apt
suite=bookworm                 # Debian 12 sources, whatever this machine runs
jobs=$(nproc 2>/dev/null || echo 2)
[ "$jobs" -ge 2 ] || jobs=2

versions_file=$here/versions
if [ -n "${CLOUDMOVE_DEPS_VERSIONS:-}" ]; then
	[ $fetch_only = 1 ] || die "CLOUDMOVE_DEPS_VERSIONS is for --fetch-only (a PREFIX is keyed on $here/versions)"
	versions_file=$CLOUDMOVE_DEPS_VERSIONS
fi
apt_sources_file=${CLOUDMOVE_DEPS_APT_SOURCES:-}
if [ -n "$apt_sources_file" ] && [ ! -r "$apt_sources_file" ]; then
	die "CLOUDMOVE_DEPS_APT_SOURCES: cannot read $apt_sources_file"
fi

mkdir -p "$srcdir"
if [ $fetch_only = 1 ]; then
	# the fetch step's log; kept only when the fetch fails
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/cloudmove-fetch.XXXXXX")
else
	mkdir -p "$(dirname "$1")"
	prefix=$(realpath -m "$1")
	tmp=$prefix.tmp
fi
log=$tmp/build.log
build=$tmp/build

# A caller's make must not leak into ours (command-line variables such as
# CFLAGS=... travel in MAKEFLAGS), nor host pkg-config files into configure.
unset MAKEFLAGS MFLAGS MAKEFILES MAKELEVEL MAKEOVERRIDES GNUMAKEFLAGS \
	CFLAGS CPPFLAGS CXXFLAGS LDFLAGS LIBS CC CPP CXX PKG_CONFIG_PATH \
	PKG_CONFIG_SYSROOT_DIR CMAKE_PREFIX_PATH
export LC_ALL=C
export PKG_CONFIG_LIBDIR=$tmp/no-pkgconfig

tools="apt-get dpkg-source realpath flock"
[ $fetch_only = 1 ] || tools="$tools musl-gcc make patch cmake autoreconf autopoint
	libtoolize bison flex pkg-config nasm"
for t in $tools; do
	command -v "$t" >/dev/null || die "missing tool: $t (see the header of $0)"
done
if [ $fetch_only = 0 ]; then
	[ -d /usr/include/linux ] || die "missing /usr/include/linux (apt-get install linux-libc-dev)"
	multiarch=$(musl-gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
	[ -d "/usr/include/$multiarch/asm" ] || die "missing /usr/include/$multiarch/asm"

	# One build per PREFIX at a time; a finished PREFIX is never touched again.
	exec 9>"$prefix.lock"
	flock 9
	if [ -d "$prefix" ]; then
		rm -f "$prefix.lock"
		say "$prefix exists, nothing to do"
		exit 0
	fi
	rm -rf "$tmp"
	mkdir -p "$tmp/include" "$tmp/lib" "$build"
fi
mkdir -p "$tmp/logs"

now() { date +%s%N; }
elapsed() { local t=$(( ($(now) - $1) / 100000000 )); printf '%d.%d s' $((t / 10)) $((t % 10)); }

# run STEP LABEL FUNCTION: run FUNCTION with errexit, its output to
# logs/STEP.log (build.log is assembled from those at exit: two steps may run
# at once); print one line with the time taken, or on failure the tail of the
# log and exit 1. Never call run (or what calls it) in an if, ||, && or !
# context: bash would then ignore errexit inside FUNCTION, even after set -e.
run() {
	local label=$2 fn=$3 t0 rc cpu l=$tmp/logs/$1.log
	t0=$(now)
	printf '===== %s =====\n' "$label" >"$l"
	set +e
	( set -e; "$fn"; times >"$l.cpu" ) >>"$l" 2>&1 </dev/null
	rc=$?
	set -e
	# CPU time of the step's processes (user + system, children line of times)
	cpu=$(awk 'NR == 2 { for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); c += t[1] * 60 + t[2] }
		printf "%.1f", c }' "$l.cpu" 2>/dev/null || true)
	rm -f "$l.cpu"
	if [ $rc -ne 0 ]; then
		{
			say "$label FAILED after $(elapsed "$t0"); last lines of its log:"
			tail -n 40 "$l" | sed 's/^/    /'
			say "full log: $log"
		} >&2
		exit 1
	fi
	say "$label $(elapsed "$t0") (cpu ${cpu:-?} s)"
}

# assemble_log: build.log = every step's log, in order
assemble_log() {
	local n
	[ -d "$tmp/logs" ] || return 0
	for n in fetch "${names[@]}" check; do
		if [ -f "$tmp/logs/$n.log" ]; then cat "$tmp/logs/$n.log"; echo; fi
	done >"$log"
}

# On any exit before the end: stop the build lanes, leave a build.log.
lanes=()
on_exit() {
	local p
	for p in "${lanes[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
	assemble_log || true
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------- versions
# names[i] srcpkgs[i] wants[i] from ./versions; vers[i] the Debian version used.
names=() srcpkgs=() wants=() vers=()
while read -r n p v rest; do
	case $n in ''|'#'*) continue ;; esac
	if [ -z "$v" ] || [ -n "$rest" ]; then die "versions: bad line: $n $p $v $rest"; fi
	names+=("$n") srcpkgs+=("$p") wants+=("$v")
done <"$versions_file"
[ ${#names[@]} -gt 0 ] || die "$versions_file names no library"

noepoch() { case $1 in *:*) echo "${1#*:}" ;; *) echo "$1" ;; esac; }

# matches WANT VERSION: is the Debian VERSION the one (or of the upstream) WANT names?
matches() {
	local want v
	want=$(noepoch "$1") v=$(noepoch "$2")
	case $want in
	*-*) [ "$v" = "$want" ] ;;
	*) [ "${v%-*}" = "$want" ] ;;
	esac
}

# newest_first VERSION...: one a line, highest by Debian ordering first
newest_first() {
	local sorted=() v i j
	for v; do
		i=${#sorted[@]}
		while [ "$i" -gt 0 ] && dpkg --compare-versions "$v" gt "${sorted[$((i - 1))]}"; do
			i=$((i - 1))
		done
		sorted=("${sorted[@]:0:$i}" "$v" "${sorted[@]:$i}")
	done
	for j in "${sorted[@]}"; do echo "$j"; done
}

# newest VERSION...: the highest by Debian ordering
newest() { newest_first "$@" | head -n 1; }

# cached PKG WANT: the newest matching version already extracted in the cache
cached() {
	local d v found=()
	for d in "$srcdir/$1"_*/; do
		[ "$(cat "$d/.cloudmove-src" 2>/dev/null)" = "$prepared" ] || continue
		d=${d%/}; v=${d##*/}; v=${v#"$1"_}
		if matches "$2" "$v"; then found+=("$v"); fi
	done
	[ ${#found[@]} -gt 0 ] && newest "${found[@]}"
}

# ------------------------------------------------------------- fetching
# A cached tree is extracted (Debian patches applied) and prepared: what
# depends on the source and the host's tools only, not on this recipe, is
# done once, here. Trees carry this stamp; change it when prepare changes.
prepared="cloudmove-src 1: util-linux autogen.sh"
prepare() {
	case $1 in
	util-linux)
		# Debian's patches touch configure.ac and Makefile.am: regenerate
		# (cp -a keeps the timestamps, so make will not try again)
		(cd "$2" && ./autogen.sh) ;;
	esac
}

# deb-src entries for $suite on this machine's Debian mirrors: every "deb"
# entry whose suite is a Debian release (a codename, stable, testing, ...)
# gives its URIs, options and keyring, with the suite moved to $suite
# (X -> $suite, X-updates -> $suite-updates, X-security -> $suite-security).
# Other repositories (third-party suites) are left out. Reads deb822
# .sources and one-line .list files, wherever apt-config says they are.
# CLOUDMOVE_DEPS_APT_SOURCES replaces all that with its own lines.
apt_sources() {
	local ETC='' SL='' SP='' f
	eval "$(apt-config shell ETC Dir::Etc/d SL Dir::Etc::sourcelist/f SP Dir::Etc::sourceparts/d)"
	: "${ETC:=/etc/apt/}" "${SL:=${ETC}sources.list}" "${SP:=${ETC}sources.list.d/}"
	local mapsuite='
	function mapsuite(s,   r) {
		r = "^(buster|bullseye|bookworm|trixie|forky|duke|sid|oldoldstable|oldstable|stable|testing|unstable)"
		if (s ~ (r "$")) return suite
		if (s ~ (r "-updates$")) return suite "-updates"
		if (s ~ (r "(-security|/updates)$")) return suite "-security"
		return ""
	}'
	rm -rf "$aptdir/sources.list.d"
	mkdir -p "$aptdir/sources.list.d" "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
	if [ -n "$apt_sources_file" ]; then
		cp "$apt_sources_file" "$aptdir/sources.list.d/cloudmove-src.list"
		return 0
	fi
	for f in "$SL" "$SP"*.list; do
		[ -f "$f" ] || continue
		awk -v suite="$suite" "$mapsuite"'
		$1 == "deb" {
			i = 2; opts = ""
			if ($i ~ /^\[/) {
				while (i <= NF) {
					o = $i; gsub(/[][]/, "", o)
					if (o != "" && o !~ /^arch=/) opts = opts " " o
					if ($i ~ /\]$/) { i++; break }
					i++
				}
			}
			uri = $i; s = mapsuite($(i + 1))
			if (s == "") next
			line = "deb-src" (opts != "" ? " [" substr(opts, 2) "]" : "") " " uri " " s
			for (j = i + 2; j <= NF && $j !~ /^#/; j++) line = line " " $j
			print line
		}' "$f"
	done | awk '!seen[$0]++' >"$aptdir/sources.list.d/cloudmove-src.list"
	for f in "$SP"*.sources; do
		[ -f "$f" ] || continue
		awk -v suite="$suite" "$mapsuite"'
		function flush(   i, s, m, keep, seen, k) {
			if (n && types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) != "no") {
				keep = ""; k = split(suites, s, /[ \t]+/)
				for (i = 1; i <= k; i++) {
					m = mapsuite(s[i])
					if (m != "" && !(m in seen)) { seen[m] = 1; keep = keep " " m }
				}
				if (keep != "") {
					print "Types: deb-src"; print "Suites:" keep
					for (i = 1; i <= n; i++)
						if (field[i] !~ /^(types|suites|enabled|architectures)$/) print text[i]
					print ""
				}
			}
			n = 0; types = ""; suites = ""; enabled = ""
		}
		/^#/ { next }
		/^[ \t]*$/ { flush(); next }
		/^[ \t]/ { n++; field[n] = cur; text[n] = $0; next }
		{
			cur = tolower($0); sub(/:.*/, "", cur)
			val = $0; sub(/^[^:]*:[ \t]*/, "", val)
			if (cur == "types") types = val
			else if (cur == "suites") suites = val
			else if (cur == "enabled") enabled = val
			n++; field[n] = cur; text[n] = $0
		}
		END { flush() }' "$f"
	done >"$aptdir/sources.list.d/cloudmove-src.sources"
	[ -s "$aptdir/sources.list.d/cloudmove-src.list" ] ||
		rm "$aptdir/sources.list.d/cloudmove-src.list"
	[ -s "$aptdir/sources.list.d/cloudmove-src.sources" ] ||
		rm "$aptdir/sources.list.d/cloudmove-src.sources"
	ls "$aptdir/sources.list.d/"* >/dev/null 2>&1 ||
		die "no Debian 'deb' entry in $SL or $SP: cannot derive a Debian mirror"
}

aptopts=(-q
	-o Dir::Etc::SourceList=/dev/null
	-o Dir::Etc::SourceParts="$aptdir/sources.list.d"
	-o Dir::State::Lists="$aptdir/lists"
	-o Dir::Cache="$aptdir/cache"
	-o APT::Sandbox::User=root
	-o APT::Get::Only-Source=true)

# fetch_source PKG VERSION DIR: download and extract PKG=VERSION into DIR.
# An index may list a revision whose source files the mirror does not serve
# (404 while its binaries are there): that is a failure of this version
# only, not of the build.
fetch_source() {
	(cd "$3" && apt-get "${aptopts[@]}" -y source "$1=$2")
}

# The notes a user must see (a newer revision skipped) go to the fetch
# step's log and to this file, printed after the step.
fetch_notes=$tmp/logs/fetch.notes

fetch_all() {
	local i n p v d t got
	rm -rf "$srcdir"/.fetch.*	# left by a killed fetch (we hold the lock)
	: >"$fetch_notes"
	apt_sources
	cat "$aptdir"/sources.list.d/*
	apt-get "${aptopts[@]}" update
	for i in "${!names[@]}"; do
		[ -z "${vers[$i]}" ] || continue
		n=${names[$i]} p=${srcpkgs[$i]}
		# every version of source package p the archive offers
		mapfile -t avail < <(apt-cache "${aptopts[@]}" showsrc "$p" |
			awk -v p="$p" '/^Package: /{q=$2} /^Version: /{if (q==p) print $2}' | sort -u)
		local ok=() tried=()
		for v in "${avail[@]}"; do
			if matches "${wants[$i]}" "$v"; then ok+=("$v"); fi
		done
		[ ${#ok[@]} -gt 0 ] || {
			echo "no $p ${wants[$i]} in the archive; it offers: ${avail[*]:-nothing}"
			return 1
		}
		# newest first; the first whose source downloads whole is built
		got=''
		for v in $(newest_first "${ok[@]}"); do
			t=$(mktemp -d "$srcdir/.fetch.XXXXXX")
			if fetch_source "$p" "$v" "$t"; then
				got=$v
				break
			fi
			echo "$p $v: listed, but its source could not be downloaded"
			rm -rf "$t"
			tried+=("$v")
		done
		if [ -z "$got" ]; then
			echo "$p: no listed version's source could be downloaded; tried: ${tried[*]}" |
				tee -a "$fetch_notes"
			return 1
		fi
		v=$got
		if [ ${#tried[@]} -gt 0 ]; then
			echo "$p: building $v; newer listed ${tried[*]} could not be fetched (it may carry security fixes)" |
				tee -a "$fetch_notes"
		fi
		d=$(find "$t" -mindepth 1 -maxdepth 1 -type d)
		if [ -z "$d" ] || [ "$(echo "$d" | wc -l)" -ne 1 ]; then
			echo "$p: no single source tree in $t"; return 1
		fi
		prepare "$p" "$d"
		# the revisions passed over stay with the tree (see remind_skipped)
		if [ ${#tried[@]} -gt 0 ]; then echo "${tried[*]}" >"$d/.cloudmove-skipped"; fi
		echo "$prepared" >"$d/.cloudmove-src"
		rm -rf "$srcdir/${p}_$(noepoch "$v")"
		mv "$d" "$srcdir/${p}_$(noepoch "$v")"
		rm -rf "$t"
		vers[i]=$(noepoch "$v")
		echo "fetched $p $v"
	done
}

# run_fetch: the fetch step; then its notes (a newer revision skipped, or
# the package none of whose versions downloaded) as lines of their own,
# whatever the step's outcome, so they are not lost in its log.
run_fetch() {
	local rc
	set +e
	( run fetch "fetch ${missing[*]}" fetch_all )
	rc=$?
	set -e
	# a step that failed after a download (a tree whose preparation
	# failed) leaves nothing half-made in the cache (we hold its lock)
	rm -rf "$srcdir"/.fetch.*
	if [ -s "$fetch_notes" ]; then sed "s/^/$prog: /" "$fetch_notes" >&2; fi
	[ "$rc" -eq 0 ] || exit 1
}

# Resolve from the cache first (offline); fetch only what is missing, under
# a lock on the shared source cache.
resolve() {
	local i
	for i in "${!names[@]}"; do
		vers[i]=$(cached "${srcpkgs[$i]}" "${wants[$i]}" || true)
	done
}
exec 8>"$srcdir/.lock"
flock 8
resolve
missing=()
for i in "${!names[@]}"; do
	[ -n "${vers[$i]}" ] || missing+=("${srcpkgs[$i]}")
done
if [ ${#missing[@]} -gt 0 ]; then
	run_fetch
	resolve
fi
flock -u 8
for i in "${!names[@]}"; do
	[ -n "${vers[$i]}" ] || die "no source for ${names[$i]} after fetching"
done

# remind_skipped: a tree fetched by an earlier run, when newer listed
# revisions would not download, says so at every build from it, not only
# in the run that fetched it (the cache is used as it is, offline).
remind_skipped() {
	local i d
	for i in "${!names[@]}"; do
		case " ${missing[*]} " in *" ${srcpkgs[$i]} "*) continue ;; esac
		d=$srcdir/${srcpkgs[$i]}_${vers[$i]}
		[ -s "$d/.cloudmove-skipped" ] || continue
		printf '%s: %s: building %s from the source cache; newer listed %s could not be fetched when it was (it may carry security fixes; delete %s to try again)\n' \
			"$prog" "${srcpkgs[$i]}" "${vers[$i]}" "$(cat "$d/.cloudmove-skipped")" "$d" >&2
	done
}
remind_skipped
if [ $fetch_only = 1 ]; then
	for i in "${!names[@]}"; do
		say "${names[$i]}: $srcdir/${srcpkgs[$i]}_${vers[$i]}"
	done
	trap - EXIT
	rm -rf "$tmp"
	exit 0
fi

# tree NAME: copy the cached source of NAME to a fresh build directory, cd there
tree() {
	local i
	for i in "${!names[@]}"; do
		if [ "${names[$i]}" = "$1" ]; then
			cp -a "$srcdir/${srcpkgs[$i]}_${vers[$i]}" "$build/$1"
			cd "$build/$1"
			return 0
		fi
	done
	echo "$1 is not in versions"; return 1
}

# --------------------------------------------------------------- builds
export CC=musl-gcc
# no unwind tables: C only, nothing unwinds (musl's cancellation does not);
# .eh_frame was 105 KiB of the agent
opt="-Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables"

# musl has no kernel headers: a private directory pointing at the host's.
kinc=$tmp/kinclude
mkdir -p "$kinc"
ln -s /usr/include/linux "$kinc/linux"
ln -s /usr/include/asm-generic "$kinc/asm-generic"
ln -s "/usr/include/$multiarch/asm" "$kinc/asm"

build_zlib() {
	tree zlib
	CFLAGS="$opt" ./configure --static --prefix=/usr
	make -j"$jobs" libz.a
	cp zlib.h zconf.h "$tmp/include/"
	cp libz.a "$tmp/lib/"
}

build_mbedtls() {
	tree mbedtls
	# as Debian does: thread-safe contexts (curl's threaded resolver, and
	# whatever threads the agent may grow)
	sed -i -e 's|^//\(#define MBEDTLS_THREADING_C\)$|\1|' \
		-e 's|^//\(#define MBEDTLS_THREADING_PTHREAD\)$|\1|' include/mbedtls/config.h
	grep -q '^#define MBEDTLS_THREADING_C$' include/mbedtls/config.h
	grep -q '^#define MBEDTLS_THREADING_PTHREAD$' include/mbedtls/config.h
	# The agent is a TLS 1.2 client (curl's https://): no server side,
	# DTLS, TLS 1.0/1.1, PSK or static-ECDH key exchanges, legacy ciphers
	# or rare curves, no debug messages (their tables and strings would
	# stay in the binary). ECDHE with RSA or ECDSA certificates, DHE-RSA
	# and RSA key exchanges, AES-GCM/CBC, ChaCha20-Poly1305, SHA-1/2,
	# MD5 and P-256/384/521 and X25519 stay; so do RSA private keys from
	# PEM (PKCS#8) and PKCS#1 v1.5 signing with base64: the JWT (RS256)
	# that a GCE service-account key signs for its token (control/gcp.c).
	local f
	for f in SSL_SRV_C SSL_COOKIE_C SSL_TICKET_C SSL_CONTEXT_SERIALIZATION \
		SSL_PROTO_DTLS SSL_DTLS_ANTI_REPLAY SSL_DTLS_HELLO_VERIFY \
		SSL_DTLS_CLIENT_PORT_REUSE SSL_DTLS_BADMAC_LIMIT \
		SSL_PROTO_TLS1 SSL_PROTO_TLS1_1 SSL_CBC_RECORD_SPLITTING SSL_TRUNCATED_HMAC \
		KEY_EXCHANGE_PSK_ENABLED KEY_EXCHANGE_DHE_PSK_ENABLED \
		KEY_EXCHANGE_ECDHE_PSK_ENABLED KEY_EXCHANGE_RSA_PSK_ENABLED \
		KEY_EXCHANGE_ECDH_ECDSA_ENABLED KEY_EXCHANGE_ECDH_RSA_ENABLED \
		ARC4_C BLOWFISH_C CAMELLIA_C DES_C XTEA_C RIPEMD160_C CCM_C \
		CIPHER_MODE_CFB CIPHER_MODE_OFB CIPHER_MODE_XTS \
		ECP_DP_SECP192R1_ENABLED ECP_DP_SECP224R1_ENABLED ECP_DP_SECP192K1_ENABLED \
		ECP_DP_SECP224K1_ENABLED ECP_DP_SECP256K1_ENABLED ECP_DP_BP256R1_ENABLED \
		ECP_DP_BP384R1_ENABLED ECP_DP_BP512R1_ENABLED ECP_DP_CURVE448_ENABLED \
		DEBUG_C; do
		sed -i "s|^#define MBEDTLS_$f\$|//&|" include/mbedtls/config.h
	done
	# every one the comment above says stays, so the trim cannot take one
	for f in SSL_CLI_C SSL_PROTO_TLS1_2 KEY_EXCHANGE_ECDHE_RSA_ENABLED \
		KEY_EXCHANGE_ECDHE_ECDSA_ENABLED KEY_EXCHANGE_DHE_RSA_ENABLED \
		KEY_EXCHANGE_RSA_ENABLED AES_C GCM_C CIPHER_MODE_CBC CHACHA20_C \
		POLY1305_C CHACHAPOLY_C MD5_C SHA1_C SHA256_C SHA512_C \
		ECP_DP_SECP256R1_ENABLED ECP_DP_SECP384R1_ENABLED \
		ECP_DP_SECP521R1_ENABLED ECP_DP_CURVE25519_ENABLED \
		PK_C PK_PARSE_C RSA_C PKCS1_V15 BASE64_C PEM_PARSE_C; do
		grep -q "^#define MBEDTLS_$f\$" include/mbedtls/config.h
	done
	# AES-GCM in 2.28 goes a block at a time (~110 MB/s with AES-NI): a
	# bulk AES-NI/PCLMULQDQ path for TLS's records (see the patch's header)
	# Performance only: should a newer Debian revision of the tree not take
	# it, build without it (and say so) rather than fail.
	if patch -p1 -s -f --dry-run <"$here/mbedtls-gcm-bulk.patch" >/dev/null 2>&1; then
		patch -p1 -s -f <"$here/mbedtls-gcm-bulk.patch"
	else
		echo "build-deps: mbedtls-gcm-bulk.patch does not apply to this mbedtls tree;" \
			"building without it (https slower)" >&2
	fi
	make -j"$jobs" lib CC=musl-gcc CFLAGS="$opt"
	cp -R include/mbedtls include/psa "$tmp/include/"
	cp library/libmbedtls.a library/libmbedx509.a library/libmbedcrypto.a "$tmp/lib/"
}

build_curl() {
	tree curl
	# Debian's last two patches turn the tree into libcurl-gnutls/-nss
	# (build system only); undo them so the tree is plain curl.
	local p
	for p in 99_nss.patch 90_gnutls.patch; do
		if [ -f "debian/patches/$p" ] && patch -R -p1 -s -f --dry-run <"debian/patches/$p" >/dev/null; then
			patch -R -p1 -s -f <"debian/patches/$p"
		fi
	done
	./configure CFLAGS="$opt" LDFLAGS=-static \
		--disable-shared --enable-static --disable-dependency-tracking \
		--with-mbedtls="$tmp" \
		--enable-http --enable-proxy --enable-crypto-auth --enable-http-auth \
		--enable-threaded-resolver --enable-pthreads --disable-ares \
		--enable-ipv6 --enable-verbose --enable-headers-api --enable-dateparse \
		--disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp \
		--disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap \
		--disable-smb --disable-smtp --disable-gopher --disable-mqtt \
		--disable-manual --disable-libcurl-option --disable-cookies --disable-mime \
		--disable-netrc --disable-doh --disable-alt-svc --disable-hsts \
		--disable-ntlm --disable-ntlm-wb --disable-tls-srp --disable-websockets \
		--disable-get-easy-options --disable-progress-meter --disable-sspi \
		--without-zlib --without-brotli --without-zstd --without-libidn2 \
		--without-libpsl --without-libgsasl --without-nghttp2 --without-ngtcp2 \
		--without-nghttp3 --without-quiche --without-msh3 --without-hyper \
		--without-libssh2 --without-libssh --without-wolfssh --without-librtmp \
		--without-gssapi --without-ca-path --without-ca-fallback \
		--with-ca-bundle=/etc/ssl/certs/ca-certificates.crt \
		--without-zsh-functions-dir --without-fish-functions-dir
	# what the agent relies on must really be there
	local h=lib/curl_config.h
	grep -q '^#define USE_MBEDTLS 1' $h
	grep -q '^#define USE_THREADS_POSIX 1' $h
	grep -q '^#define CURL_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"' $h
	if grep -E '^#define CURL_DISABLE_(HTTP|PROXY|CRYPTO_AUTH|HTTP_AUTH|HEADERS_API|VERBOSE_STRINGS) ' $h; then
		echo "curl: a feature the agent needs is disabled"; return 1
	fi
	make -j"$jobs" -C lib libcurl.la
	mkdir -p "$tmp/include/curl"
	cp include/curl/*.h "$tmp/include/curl/"
	cp lib/.libs/libcurl.a "$tmp/lib/"
}

build_util_linux() {
	tree util-linux		# autogen.sh ran when it was fetched
	./configure CFLAGS="$opt -isystem $kinc" \
		--prefix=/usr --sysconfdir=/etc --localstatedir=/var --runstatedir=/run \
		--disable-shared --enable-static --disable-dependency-tracking \
		--disable-all-programs --enable-libblkid --enable-libmount \
		--disable-libuuid --disable-libsmartcols --disable-libfdisk \
		--disable-nls --disable-asciidoc --disable-poman --disable-bash-completion \
		--disable-makeinstall-chown --disable-makeinstall-setuid \
		--without-python --without-systemd --without-udev --without-selinux \
		--without-audit --without-ncurses --without-ncursesw --without-slang \
		--without-tinfo --without-readline --without-cap-ng --without-libz \
		--without-libmagic --without-user --without-btrfs --without-econf \
		--without-cryptsetup --without-smack --without-utempter
	make -j"$jobs" libblkid.la libmount.la
	mkdir -p "$tmp/include/blkid" "$tmp/include/libmount"
	cp libblkid/src/blkid.h "$tmp/include/blkid/"
	cp libmount/src/libmount.h "$tmp/include/libmount/"
	cp .libs/libblkid.a .libs/libmount.a "$tmp/lib/"
}

build_json_c() {
	tree json-c
	cmake -S . -B _build -G "Unix Makefiles" \
		-DCMAKE_C_COMPILER=musl-gcc \
		-DCMAKE_BUILD_TYPE=MinSizeRel -DCMAKE_C_FLAGS_MINSIZEREL="$opt -DNDEBUG" \
		-DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DBUILD_TESTING=OFF \
		-DDISABLE_WERROR=ON -DDISABLE_EXTRA_LIBS=ON -DDISABLE_BSYMBOLIC=ON \
		-DENABLE_RDRAND=OFF -DENABLE_THREADING=OFF \
		-DCMAKE_INSTALL_PREFIX="$build/json-c-inst" \
		-DCMAKE_INSTALL_LIBDIR=lib -DCMAKE_INSTALL_INCLUDEDIR=include
	cmake --build _build -j"$jobs"
	cmake --install _build
	cp -R "$build/json-c-inst/include/json-c" "$tmp/include/"
	cp "$build/json-c-inst/lib/libjson-c.a" "$tmp/lib/"
}

build_zstd() {
	tree zstd
	# The decoder only (check reads zstd initramfs images): no compressor,
	# dictionary builder, legacy formats or threads.
	make -j"$jobs" -C lib libzstd.a CC=musl-gcc CFLAGS="$opt" \
		ZSTD_LIB_COMPRESSION=0 ZSTD_LIB_DICTBUILDER=0 ZSTD_LIB_DEPRECATED=0 \
		ZSTD_LEGACY_SUPPORT=0
	cp lib/zstd.h lib/zstd_errors.h "$tmp/include/"
	cp lib/libzstd.a "$tmp/lib/"
}

build_xz() {
	tree xz
	# liblzma's decoders only (xz and legacy lzma initramfs images).
	./configure CFLAGS="$opt" \
		--disable-shared --enable-static --disable-dependency-tracking \
		--disable-encoders --disable-xz --disable-xzdec --disable-lzmadec \
		--disable-lzmainfo --disable-lzma-links --disable-scripts --disable-doc \
		--disable-nls --enable-threads=no
	make -j"$jobs" -C src/liblzma liblzma.la
	cp src/liblzma/api/lzma.h "$tmp/include/"
	cp -R src/liblzma/api/lzma "$tmp/include/"
	cp src/liblzma/.libs/liblzma.a "$tmp/lib/"
}

# --- libyaml (netplan YAML, adapt/net_netplan.c) ------------------------------
# Only the parser is used (its marks give each node's byte offsets, so the
# file is edited in place and comments survive); the emitter comes along.
build_libyaml() {
	tree libyaml
	[ -x configure ] || autoreconf -fi
	./configure CFLAGS="$opt" --disable-shared --enable-static \
		--disable-dependency-tracking
	make -j"$jobs" -C src libyaml.la
	cp include/yaml.h "$tmp/include/"
	cp src/.libs/libyaml.a "$tmp/lib/"
}
yaml_libs=libyaml yaml_ldflags=-lyaml
# ------------------------------------------------------------------------------

# --- stream: Intel ISA-L (igzip deflate + CRC32), for the gce encoder ---
build_isa_l() {
	tree isa-l
	# Its plain Makefile (no autotools): just the igzip and crc units, one
	# static archive; nasm assembles the SIMD kernels, chosen at run time
	# by CPU (multibinary dispatch), so one binary serves every x86-64.
	make -f Makefile.unx -j"$jobs" lib CC=musl-gcc units="igzip crc" \
		DEBUG="$opt"
	mkdir -p "$tmp/include/isa-l"
	cp include/igzip_lib.h include/crc.h "$tmp/include/isa-l/"
	cp bin/isa-l.a "$tmp/lib/libisal.a"
}

# Two lanes, one per core, about even in CPU time: util-linux and json-c
# beside zlib, mbedTLS, curl (curl needs mbedTLS); configure scripts run one
# process at a time, so each make still runs -j$jobs. Each lane is a process
# group of its own: the first failure (or a signal to this script) stops all.
bg_lane=" util-linux json-c xz libyaml "
build_lane() {
	local i
	for i in "$@"; do
		run "${names[$i]}" "${names[$i]} ${vers[$i]}" "build_${names[$i]//-/_}"
	done
}
start_lane() {
	set -m
	( build_lane "$@" ) &
	lanes+=("$!")
	set +m
}
fg=() bg=()
for i in "${!names[@]}"; do
	declare -F "build_${names[$i]//-/_}" >/dev/null || die "no recipe for ${names[$i]}"
	case $bg_lane in *" ${names[$i]} "*) bg+=("$i") ;; *) fg+=("$i") ;; esac
done
if [ ${#fg[@]} -gt 0 ]; then start_lane "${fg[@]}"; fi
if [ ${#bg[@]} -gt 0 ]; then start_lane "${bg[@]}"; fi
for i in "${lanes[@]}"; do
	wait -n		# a failed lane fails (errexit) this script; on_exit stops the rest
done
lanes=()

# --------------------------------------------------------------- results
for a in libcurl libmbedtls libmbedx509 libmbedcrypto libmount libblkid libjson-c libz \
	libzstd liblzma libisal $yaml_libs; do
	[ -s "$tmp/lib/$a.a" ] || die "$a.a was not built"
done
for i in "${!names[@]}"; do
	echo "${names[$i]} ${vers[$i]}"
done >"$tmp/versions.txt"
cflags() { echo "-I$1/include -I$1/include/blkid -I$1/include/libmount -isystem $1/kinclude -DCURL_STATICLIB"; }
ldflags() { echo "-L$1/lib -lcurl -lmbedtls -lmbedx509 -lmbedcrypto -lmount -lblkid -ljson-c -lzstd -llzma -lisal -lz $yaml_ldflags -lpthread"; }
cflags "$prefix" >"$tmp/cflags"
ldflags "$prefix" >"$tmp/ldflags"

# The flags must link a static program using every library, and it must run
# and find every feature the agent relies on (linkcheck.c names each missing).
check_link() {
	cd "$build"
	# shellcheck disable=SC2046 # the flags are words
	musl-gcc -static -Os -Wall -Wextra -Werror $(cflags "$tmp") "$here/linkcheck.c" \
		-o linkcheck $(ldflags "$tmp")
	./linkcheck
}
run check "link check" check_link
tail -n 1 "$tmp/logs/check.log" | sed "s/^/$prog: /"	# "link check: N features ok"

rm -rf "$build" "$tmp/no-pkgconfig"
assemble_log
rm -rf "$tmp/logs"
trap - EXIT
mv -T "$tmp" "$prefix"
rm -f "$prefix.lock"
say "done: $prefix"
