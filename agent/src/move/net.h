/* Network for a move before the pivot.  Nothing may be configured in the
 * initramfs: for a destination given by address (an endpoint= of s3:// or
 * gs://, an http(s):// host), the network is brought up by DHCP just for
 * the stream (net/netup.c: a host route, taken back after).  A destination
 * by name needs DNS, which dracut's own network does (ip=dhcp
 * rd.neednet=1 on the command line); it is then used as it is. */
#ifndef CM_MOVE_NET_H
#define CM_MOVE_NET_H

#include <stddef.h>

#include "../net/netup.h"

/* The host a destination URL's transfers go to (an endpoint= query
 * parameter wins), without port, into out: 1 a host, 0 none (file://),
 * -EINVAL.  Pure. */
int cm_move_dest_host(const char *dest, char *out, size_t size);

/* Makes dest reachable: 0 (net says what to undo), -errno with a line
 * that says why and what to do. */
int cm_move_net_up(const char *dest, struct cm_netup *net, long timeout_ms);

#endif
