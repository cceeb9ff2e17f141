#!/bin/sh
# dracut pre-pivot hook (non-systemd initramfs).  dracut *sources* this file
# from its init: it must not exit, set options or leave variables behind, so
# the work happens in a child shell that cannot take init down with it.
/bin/sh /usr/lib/cloudmove/cloudmove-run.sh || :
