#!/bin/bash
# dracut-module/install.sh MODULES_D — install the cloudmove dracut module into
# MODULES_D/90cloudmove (a dracut modules.d directory), self-contained:
# module-setup.sh plus the files from hooks/ that it installs.
#   make install:        dracut-module/install.sh $(DESTDIR)/usr/lib/dracut/modules.d
#   images/initramfs.sh: the same into a private copy of dracut's basedir.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 MODULES_D" >&2; exit 2; }
src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest=$1/90cloudmove
install -d -m 0755 "$dest"
install -m 0755 "$src/dracut-module/90cloudmove/module-setup.sh" "$dest/"
install -m 0755 "$src/hooks/cloudmove-run.sh" "$src/hooks/cloudmove-pre-pivot.sh" "$dest/"
install -m 0644 "$src/hooks/cloudmove.service" "$dest/"
