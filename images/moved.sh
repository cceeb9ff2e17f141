#!/bin/bash
# images/moved.sh FROM TO — the root dressed as installed on FROM
# (images/dress.sh), moved to TO by `cloudmove migrate` ($AGENT) as the
# rescue shell does it: the whole disk on a loop device, its root partition
# mounted read-only, migrate adapting it for TO, streaming it in TO's image
# format to file:// and undoing the adaptation.  Needs root (losetup, mount).
#
# Prints the cache directory (moved-FROM-TO-<key>), holding
#   image.gce|image.vhd|image.raw   what migrate streamed
#   disk.raw (gce only)             disk.raw out of the tar.gz
#   moved.env                       DISK_FILE, DISK_FORMAT (QEMU's: raw, vpc)
#   migrate.log                     migrate's output
#   source.sums                     every file of the source's root, before
#                                   and after (equal, or the build fails)
set -euo pipefail
# shellcheck source=images/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cm_need qemu-img losetup mount sfdisk tar

from=${1:?usage: images/moved.sh FROM TO}
to=${2:?usage: images/moved.sh FROM TO}
agent=${AGENT:?AGENT: the cloudmove binary}
ddir=$("$CM_TOP/images/dress.sh" "$from")
# shellcheck disable=SC1091
. "$ddir/dress.env"

sums() { (cd "$1" && find . -path ./var/lib/cloudmove -prune -o -path ./lost+found -prune \
	-o -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum); }

build() {
	local out=$1 src=$1/source.raw mnt=$1/mnt loop part start size fmt
	qemu-img convert -O raw "$ddir/$DISK_FILE" "$src"
	read -r start size < <(sfdisk --dump "$src" |
		sed -n 's/.*start= *\([0-9]*\), size= *\([0-9]*\).*/\1 \2/p' | head -n 1)
	loop=$(losetup -f --show -r "$src")
	part=$(losetup -f --show -o $((start * 512)) --sizelimit $((size * 512)) "$src")
	mkdir -p "$mnt"
	mount -o ro "$part" "$mnt"
	sums "$mnt" >"$out/source.sums"
	fmt=$(case $to in gcp) echo gce ;; azure) echo vhd ;; *) echo raw ;; esac)
	cm_log "migrate $from → $to ($fmt) of $DISK_FILE"
	if ! "$agent" migrate --root "$mnt" --source "$loop" --target "$to" \
		--dest "file://$out/image.$fmt" --progress=plain >"$out/migrate.log" 2>&1; then
		cat "$out/migrate.log" >&2
		umount "$mnt"; losetup -d "$part" "$loop"
		cm_die "migrate failed"
	fi
	sums "$mnt" | cmp -s - "$out/source.sums" ||
		{ umount "$mnt"; losetup -d "$part" "$loop"; cm_die "the source changed"; }
	umount "$mnt"
	losetup -d "$part" "$loop"
	rmdir "$mnt"
	rm -f "$src"
	case $fmt in
	gce)	(cd "$out" && tar -xzf image.gce disk.raw)
		printf 'DISK_FILE=disk.raw\nDISK_FORMAT=raw\n' >"$out/moved.env" ;;
	vhd)	printf 'DISK_FILE=image.vhd\nDISK_FORMAT=vpc\n' >"$out/moved.env" ;;
	*)	printf 'DISK_FILE=image.raw\nDISK_FORMAT=raw\n' >"$out/moved.env" ;;
	esac
}

key=$(cm_key "${BASH_SOURCE[0]}" "$agent" -- "${ddir##*/}" "$to")
cm_cached "moved-$from-$to" "$key" build
