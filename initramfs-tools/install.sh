#!/bin/bash
# initramfs-tools/install.sh DESTDIR [AGENT] [SHARE] — install the cloudmove
# initramfs-tools integration under DESTDIR ("" or a staging root):
#   /usr/share/initramfs-tools/hooks/cloudmove               the hook
#   /usr/share/initramfs-tools/scripts/local-bottom/cloudmove the boot script
#   SHARE/cloudmove-drivers.sh, SHARE/cloudmove-run.sh        what the hook reads
# AGENT (default /usr/sbin/cloudmove) and SHARE (default /usr/share/cloudmove)
# are the installed paths, written into the hook as its defaults
# (CLOUDMOVE_AGENT and CLOUDMOVE_SHARE in mkinitramfs' environment still win).
# mkinitramfs (update-initramfs -u, -k all) runs the hook from then on:
# nothing to reconfigure.
#   make install:        initramfs-tools/install.sh $(DESTDIR) $(SBINDIR)/cloudmove $(PREFIX)/share/cloudmove
#   images/initramfs.sh: the same into a staging directory (--itools).
set -euo pipefail
[ $# -ge 1 ] && [ $# -le 3 ] || { echo "usage: $0 DESTDIR [AGENT] [SHARE]" >&2; exit 2; }
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
destdir=$1 agent=${2:-/usr/sbin/cloudmove} share=${3:-/usr/share/cloudmove}
for p in "$agent" "$share"; do
	case $p in
	/*) ;;
	*) echo "$0: AGENT and SHARE must be absolute paths: '$p'" >&2; exit 2 ;;
	esac
done
itools=$destdir/usr/share/initramfs-tools
install -d -m 0755 "$itools/hooks" "$itools/scripts/local-bottom" "$destdir$share"
sed -e "s|\${CLOUDMOVE_AGENT:-/usr/sbin/cloudmove}|\${CLOUDMOVE_AGENT:-$agent}|" \
	-e "s|\${CLOUDMOVE_SHARE:-/usr/share/cloudmove}|\${CLOUDMOVE_SHARE:-$share}|" \
	"$src/initramfs-tools/hooks/cloudmove" >"$itools/hooks/cloudmove.tmp"
grep -qF "\${CLOUDMOVE_AGENT:-$agent}" "$itools/hooks/cloudmove.tmp" &&
	grep -qF "\${CLOUDMOVE_SHARE:-$share}" "$itools/hooks/cloudmove.tmp" ||
	{ rm -f "$itools/hooks/cloudmove.tmp"; echo "$0: could not set the paths in the hook" >&2; exit 1; }
chmod 0755 "$itools/hooks/cloudmove.tmp"
mv -f "$itools/hooks/cloudmove.tmp" "$itools/hooks/cloudmove"
install -m 0755 "$src/initramfs-tools/scripts/local-bottom/cloudmove" "$itools/scripts/local-bottom/"
install -m 0644 "$src/hooks/cloudmove-drivers.sh" "$src/hooks/cloudmove-run.sh" "$destdir$share/"
