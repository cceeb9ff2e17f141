#!/bin/bash
# images/prune.sh [DAYS] — free the cache of superseded builds: every
# kernel-*, debootstrap-*, root-* and initramfs-* directory not used for DAYS
# days (default 3; 0 = not in this very minute), except the most recently
# used one of each name.  A changed recipe builds a new directory next to the
# old one; nothing else ever deletes the old one.
set -euo pipefail
# shellcheck source=images/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
days=${1:-3}
[[ $days =~ ^[0-9]+$ ]] || { echo "usage: $0 [DAYS]" >&2; exit 2; }
[ -d "$CM_CACHE" ] || exit 0
for name in kernel debootstrap root initramfs-dracut initramfs-systemd \
	dressed-aws dressed-gcp dressed-azure dressed-openstack dressed-kvm; do
	newest=$(ls -1dt "$CM_CACHE/$name"-* 2>/dev/null | head -n 1) || :
	for d in "$CM_CACHE/$name"-*; do
		[ -d "$d" ] && [ "$d" != "$newest" ] || continue
		if [ "$days" = 0 ] || [ -n "$(find "$d" -maxdepth 0 -mtime "+$((days - 1))")" ]; then
			cm_log "removing $d ($(du -sm "$d" | cut -f1) MB)"
			rm -rf -- "$d"
		fi
	done
done
