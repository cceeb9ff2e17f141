#!/bin/bash
# Installs the Debian packages listed in .ci/packages that are missing.
# Used by .ci/run and by `make` (so that `make check` / `make demo` set a
# fresh Debian 12 machine up by themselves).  Needs root to install.
set -euo pipefail
cd "$(dirname "$0")/.."

mapfile -t wanted < <(grep -v '^#' .ci/packages | tr ' ' '\n' | sed '/^$/d')
missing=()
for p in "${wanted[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	# npm: NodeSource's nodejs Provides it (and Conflicts with Debian's)
	[ "$status" = "install ok installed" ] || { [ "$p" = npm ] && command -v npm >/dev/null; } ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "cloudmove: missing Debian packages: ${missing[*]}" >&2
	echo "cloudmove: run as root, or: apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "installing ${#missing[@]} Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
if ! { apt-get update -q && apt-get install -y -q "${missing[@]}"; } >"$log" 2>&1; then
	tail -30 "$log" >&2
	exit 1
fi
rm -f "$log"
