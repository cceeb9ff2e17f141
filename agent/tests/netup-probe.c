/* netup-probe: drives cm_netup() for agent/tests/run-netup.sh.
 *
 *   netup-probe [-t MS] [-f HOST]... [-x CMD] [-v] DEST...
 *
 * Calls cm_netup(DEST...), prints what it did, fetches http://HOST/
 * with a plain socket (-f, up to 4), runs CMD while the network is up
 * (-x: the test snapshots routes there), calls cm_netup_undo().  Lines:
 *   netup: rc=R elapsed_ms=N [nothing-to-do | error=TEXT]
 *   lease: iface=IF addr=A/P router=R server=S lease_s=L mtu=M dhcp_ms=N
 *          link_was_down=0|1 classless=N
 *   route: DST/32 via GW|on-link
 *   fetch: HOST status=LINE bytes=N
 *   undo: done
 * Exit: 0 when cm_netup() succeeded (and the fetch, when asked), 1 when
 * not, 2 usage. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "log.h"
#include "net/netup.h"

#define USAGE "usage: netup-probe [-t MS] [-f HOST]... [-x CMD] [-v] DEST..."
#define FETCHES_MAX 4
#define FETCH_MAX (64 * 1024)
#define FETCH_TIMEOUT_MS 2000

static const char *ip(uint32_t a, char *buf)
{
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN) ? buf : "?";
}

static void print_state(const struct cm_netup *st)
{
	const struct cm_dhcp_lease *l = &st->lease;
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], c[INET_ADDRSTRLEN];
	size_t i;

	printf("lease: iface=%s addr=%s/%u router=%s server=%s lease_s=%u "
	       "mtu=%u dhcp_ms=%ld link_was_down=%u classless=%zu\n",
	       st->ifname, ip(l->yiaddr, a), l->prefix_len,
	       l->has_router ? ip(l->router, b) : "none", ip(l->server_id, c),
	       l->lease_s, l->mtu, st->dhcp_ms, st->set_link_up, l->n_routes);
	for (i = 0; i < st->n_routes; i++)
		printf("route: %s/%u via %s\n", ip(st->routes[i].dst, a),
		       st->routes[i].dst_len,
		       st->routes[i].gw ? ip(st->routes[i].gw, b) : "on-link");
}

static void set_timeouts(int fd)
{
	struct timeval tv = { FETCH_TIMEOUT_MS / 1000,
			      (FETCH_TIMEOUT_MS % 1000) * 1000 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* GET http://host/ (HTTP/1.0, so the server closes): 0 on a 200. */
static int fetch(const char *host)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(80) };
	char req[256], *buf, *eol;
	size_t len = 0;
	ssize_t n;
	int fd, r = -EIO;

	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		return -EINVAL;
	buf = malloc(FETCH_MAX + 1);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (!buf || fd < 0)
		goto out;
	set_timeouts(fd);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	snprintf(req, sizeof(req), "GET / HTTP/1.0\r\nHost: %s\r\n\r\n", host);
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
		r = -errno;
		goto out;
	}
	while (len < FETCH_MAX && (n = recv(fd, buf + len, FETCH_MAX - len, 0)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	eol = strpbrk(buf, "\r\n");
	if (eol)
		*eol = '\0';
	printf("fetch: %s status=%s bytes=%zu\n", host, buf, len);
	r = !strncmp(buf, "HTTP/1.", 7) && !strncmp(buf + 8, " 200", 4) ? 0 : -EBADMSG;
out:
	if (r < 0)
		printf("fetch: %s failed: %s\n", host, strerror(-r));
	if (fd >= 0)
		close(fd);
	free(buf);
	return r;
}

int main(int argc, char **argv)
{
	const char *fetch_hosts[FETCHES_MAX], *cmd = NULL;
	size_t n_fetch = 0, i;
	struct cm_netup st;
	long timeout_ms = 2000;
	int opt, r, ok;

	while ((opt = getopt(argc, argv, "t:f:x:v")) != -1) {
		switch (opt) {
		case 't': timeout_ms = strtol(optarg, NULL, 10); break;
		case 'f':
			if (n_fetch == FETCHES_MAX) {
				fprintf(stderr, "%s\n", USAGE);
				return 2;
			}
			fetch_hosts[n_fetch++] = optarg;
			break;
		case 'x': cmd = optarg; break;
		case 'v': cm_log_set_level(CM_LOG_DEBUG); break;
		default: fprintf(stderr, "%s\n", USAGE); return 2;
		}
	}
	if (optind >= argc || timeout_ms <= 0) {
		fprintf(stderr, "%s\n", USAGE);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	r = cm_netup(&st, (const char *const *)argv + optind,
		     (size_t)(argc - optind), timeout_ms);
	printf("netup: rc=%d elapsed_ms=%ld%s%s%s\n", r, st.elapsed_ms,
	       r == 1 ? " nothing-to-do" : "", r < 0 ? " error=" : "",
	       r < 0 ? strerror(-r) : "");
	if (r == 0)
		print_state(&st);
	ok = r >= 0;
	for (i = 0; ok && i < n_fetch; i++)
		ok = fetch(fetch_hosts[i]) == 0;
	if (cmd && system(cmd) != 0)
		printf("cmd: failed\n");
	cm_netup_undo(&st);
	printf("undo: done\n");
	return ok ? 0 : 1;
}
