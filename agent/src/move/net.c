/* Network for a move (see net.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include "../log.h"
#include "../stream/url.h"
#include "net.h"

int cm_move_net_up(const char *dest, struct cm_netup *net, long timeout_ms)
{
	char host[CM_URL_HOST_MAX];
	struct in_addr a;
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
	const char *hosts[1];
	int r;

	memset(net, 0, sizeof(*net));
	r = cm_move_dest_host(dest, host, sizeof(host));
	if (r <= 0)
		return r;
	if (inet_pton(AF_INET, host, &a) == 1) {
		hosts[0] = host;
		r = cm_netup(net, hosts, 1, timeout_ms);
		return r < 0 ? cm_err(r, "move: no network to %s", host) : 0;
	}
	if (getaddrinfo(host, NULL, &hints, &ai) != 0)
		return cm_err(-EHOSTUNREACH, "move: %s does not resolve here: give the "
			      "destination by address, or bring up the initramfs network "
			      "(ip=dhcp rd.neednet=1)", host);
	freeaddrinfo(ai);
	return 0;
}
