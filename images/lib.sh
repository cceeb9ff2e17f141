# images/lib.sh — sourced (never run) by images/*.sh and qemu-tests/*.sh.
# shellcheck shell=bash
#
# Cache, logging and cleanup helpers only.  Nothing in here may change what a
# recipe builds: this file is deliberately NOT part of any cache key, so that
# editing a log format does not throw away a 200 MB debootstrap.  Everything
# that shapes an output lives in the recipe script, which IS hashed.
#
# Cache layout: $CM_CACHE/<name>-<key>/, key = first 16 hex digits of the
# sha256 of the recipe's files and inputs.  A directory is built in
# $CM_CACHE/.tmp.<name>-<key>.XXXX and renamed into place when complete, so
# an existing <name>-<key> directory is always whole.  Concurrent builders of
# the same key serialise on a flock.

CM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CM_CACHE=$(realpath -m "${CLOUDMOVE_CACHE:-$CM_TOP/.cache}")	# absolute: qcow2 backing paths
CM_PROG=${CM_PROG:-$(basename "$0" .sh)}
CM_T0=${CM_T0:-$(date +%s%N)}
export CM_T0	# children report times relative to the outermost script

# cm_log MSG... — one progress line on stderr (stdout carries results).
cm_log() {
	local now el
	now=$(date +%s%N)
	el=$(( (now - CM_T0) / 100000000 ))
	printf '[%4d.%ds %s] %s\n' $((el / 10)) $((el % 10)) "$CM_PROG" "$*" >&2
}

cm_die() {
	printf '%s: error: %s\n' "$CM_PROG" "$*" >&2
	exit 1
}

# Temporary paths removed when the script exits, however it exits.
# A script may define cm_on_exit to do more (it runs first).
CM_CLEANUP=()
cm_cleanup() {
	local p
	if declare -F cm_on_exit >/dev/null; then cm_on_exit || :; fi
	for p in "${CM_CLEANUP[@]}"; do
		[ -n "$p" ] && rm -rf -- "$p"
	done
}
trap cm_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# cm_key FILE_OR_DIR... [-- STRING...] — cache key of files (a directory
# stands for every file under it, names and contents) and strings.
cm_key() {
	{
		while [ $# -gt 0 ] && [ "$1" != -- ]; do
			if [ -d "$1" ]; then
				(cd "$1" && find . -type f -print0 | LC_ALL=C sort -z |
					xargs -0r sha256sum)
			else
				printf '%s\n' "${1##*/}"
				sha256sum <"$1"
			fi
			shift
		done
		[ "${1-}" = -- ] && shift
		printf '%s\n' "$@"
	} | sha256sum | cut -c1-16
}

# cm_cached NAME KEY FUNC — print the cache directory NAME-KEY, running
# "FUNC TMPDIR" to fill it first if it does not exist yet.
cm_cached() {
	local name=$1 key=$2 fn=$3 dir tmp lockfd stale
	dir=$CM_CACHE/$name-$key
	if [ -d "$dir" ]; then
		touch "$dir"	# last use, for images/prune.sh
		cm_log "$name: cached $dir"
		printf '%s\n' "$dir"
		return 0
	fi
	mkdir -p "$CM_CACHE"
	exec {lockfd}>"$CM_CACHE/.$name-$key.lock"
	flock "$lockfd"
	if [ ! -d "$dir" ]; then
		for stale in "$CM_CACHE/.tmp.$name-$key".*; do
			[ -e "$stale" ] && rm -rf -- "$stale"
		done
		tmp=$(mktemp -d "$CM_CACHE/.tmp.$name-$key.XXXXXX")
		chmod 755 "$tmp"
		CM_CLEANUP+=("$tmp")
		"$fn" "$tmp"
		mv -T "$tmp" "$dir"
	else
		cm_log "$name: cached $dir (built concurrently)"
	fi
	exec {lockfd}>&-
	printf '%s\n' "$dir"
}

cm_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
			cm_die "'$c' not found (Debian packages: see qemu-tests/README.md)"
	done
}
