# agent/tests/lib/npm.sh — sourced by the suites and qemu-tests that run a
# storage emulator from npm (s3rver, azurite).
#
# npm_bin PKG VERSION BIN — prints the path of the package's binary BIN,
# installed once into $CLOUDMOVE_CACHE/npm/PKG-VERSION (default cache:
# <repo>/.cache).  The install goes to a temporary directory first, so a
# half-done or concurrent install is never taken for a whole one.  Returns
# 1 (npm's output on stderr) when it cannot be had.
npm_bin() {
	local cache=${CLOUDMOVE_CACHE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)/.cache}
	local dir=$cache/npm/$1-$2 inst
	if [ ! -x "$dir/node_modules/.bin/$3" ]; then
		mkdir -p "$cache/npm" || return 1
		inst=$(mktemp -d "$cache/npm/.$1.XXXXXX") || return 1
		if ! npm install --silent --no-audit --no-fund --prefix "$inst" "$1@$2" \
			>"$inst/npm.log" 2>&1; then
			cat "$inst/npm.log" >&2
			rm -rf "$inst"
			return 1
		fi
		mkdir -p "$dir" && mv "$inst/node_modules" "$dir/" 2>/dev/null
		rm -rf "$inst"
	fi
	[ -x "$dir/node_modules/.bin/$3" ] && printf '%s\n' "$dir/node_modules/.bin/$3"
}
