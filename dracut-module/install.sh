#!/bin/bash
# dracut-module/install.sh MODULES_D [AGENT] — install the cloudmove dracut
# module into MODULES_D/90cloudmove (a dracut modules.d directory),
# self-contained: module-setup.sh plus the files from hooks/ that it installs.
# AGENT: where the agent is installed, when not /usr/sbin/cloudmove (the
# module's default; CLOUDMOVE_AGENT in dracut's environment still wins).
#   make install:        dracut-module/install.sh $(DESTDIR)/usr/lib/dracut/modules.d $(SBINDIR)/cloudmove
#   images/initramfs.sh: the same into a private copy of dracut's basedir.
set -euo pipefail
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 MODULES_D [AGENT]" >&2; exit 2; }
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=$1/90cloudmove
agent=${2:-/usr/sbin/cloudmove}
case $agent in
/*) ;;
*) echo "$0: AGENT must be an absolute path: '$agent'" >&2; exit 2 ;;
esac
install -d -m 0755 "$dest"
install -m 0755 "$src/dracut-module/90cloudmove/module-setup.sh" "$dest/"
if [ "$agent" != /usr/sbin/cloudmove ]; then
	sed -i "s|\${CLOUDMOVE_AGENT:-/usr/sbin/cloudmove}|\${CLOUDMOVE_AGENT:-$agent}|" \
		"$dest/module-setup.sh"
	grep -qF "\${CLOUDMOVE_AGENT:-$agent}" "$dest/module-setup.sh" ||
		{ echo "$0: could not set the agent path in module-setup.sh" >&2; exit 1; }
fi
install -m 0755 "$src/hooks/cloudmove-run.sh" "$src/hooks/cloudmove-pre-pivot.sh" "$dest/"
install -m 0644 "$src/hooks/cloudmove-drivers.sh" "$dest/"
install -m 0644 "$src/hooks/cloudmove.service" "$src/hooks/cloudmove-move.service" "$dest/"
