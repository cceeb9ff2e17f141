/* The move's retire step (see retire.h): never without arrival. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../clouds/clouds.h"
#include "../detect/detect.h"
#include "../log.h"
#include "../net/netup.h"
#include "../record/move.h"
#include "retire.h"

int cm_move_retire_needs_launch(int after_retire, const char *launch,
				const char *retire_key, const char *launch_key,
				char *why, size_t size)
{
	if (!after_retire || (launch && *launch))
		return 0;
	snprintf(why, size, "%s needs %s: without a launch nothing can have arrived, "
		 "and the source is retired only after the target's arrival",
		 retire_key, launch_key);
	return -EINVAL;
}

void cm_move_retire_from_verdict(struct cm_move_retire *o, const struct cm_verdict *v)
{
	o->cloud = v->cloud;
	o->in_cloud = v->desc && v->desc->kind == CM_KIND_CLOUD;
	o->instance_id = v->instance_id;
	o->region = v->zone[0] && v->cloud && !strcmp(v->cloud, "gcp") ? v->zone : v->region;
	o->md_host = v->desc && v->desc->md ? v->desc->md->host : NULL;
}

/* "a.b.c.d" of "a.b.c.d:port" or "http(s)://a.b.c.d[:port]/...", when it
 * is a dotted IPv4 address (a name needs the initramfs network). */
static int ipv4_of(const char *s, char *out, size_t size)
{
	const char *p = strstr(s, "://");
	struct in_addr a;
	size_t n;

	p = p ? p + 3 : s;
	n = strcspn(p, ":/?#");
	if (!n || n >= size)
		return 0;
	memcpy(out, p, n);
	out[n] = '\0';
	return inet_pton(AF_INET, out, &a) == 1;
}

/* In the initramfs the network was taken down after detection: just
 * enough of it again to reach the metadata service (and an API endpoint
 * given by address), as detection does; the cloud's API by name needs the
 * initramfs network (ip=dhcp rd.neednet=1), as the launch step does. */
static void network_for(const struct cm_move_retire *o, struct cm_netup *net)
{
	const char *md = o->metadata_endpoint ? o->metadata_endpoint : o->md_host;
	char hosts[2][64];
	const char *dests[2];
	size_t n = 0;

	memset(net, 0, sizeof(*net));
	if (!o->bring_up_network || geteuid() != 0)
		return;
	if (md && ipv4_of(md, hosts[n], sizeof(hosts[n]))) {
		dests[n] = hosts[n];
		n++;
	}
	if (o->api_endpoint && ipv4_of(o->api_endpoint, hosts[n], sizeof(hosts[n]))) {
		dests[n] = hosts[n];
		n++;
	}
	if (n && cm_netup(net, dests, n, 10000) < 0)
		cm_warn("retire: no network to the metadata service; asking anyway");
}

/* The outcome in the hosting record and the move's CloudEvents
 * (io.cloudmove.move.retired with the mode; io.cloudmove.move.failed with
 * step "retire" and the reason, the command to finish included), after
 * the call: the record says what happened, not what was asked.  A note
 * that fails never changes the outcome (record/move.h). */
static void note_in_record(const struct cm_move_retire *o, const struct cm_retire_result *res)
{
	char reason[CM_RETIRE_LINE_MAX];
	int r;

	if (res->retired) {
		r = cm_record_note_move_retired(o->root, cm_retire_mode_name(o->delete));
	} else {
		snprintf(reason, sizeof(reason), "%s: %s%s%s", res->step, res->reason,
			 res->finish[0] ? "; to finish: " : "", res->finish);
		r = cm_record_note_move_failed(o->root, "retire", reason);
	}
	if (r < 0 && r != -ENOENT)
		cm_warn("retire: the outcome is not in the hosting record (%s)", cm_strerror(-r));
}

enum cm_move_end cm_move_retire(const struct cm_cloud_api *ops,
				const struct cm_move_retire *o, int arrived,
				char *line, size_t size)
{
	struct cm_retire_opts ro = {
		.cloud = o->cloud, .in_cloud = o->in_cloud,
		.instance_id = o->instance_id, .region = o->region,
		.api_endpoint = o->api_endpoint, .metadata_endpoint = o->metadata_endpoint,
		.delete = o->delete, .powering_off = 1,
	};
	struct cm_retire_result *res;
	struct cm_netup net;
	enum cm_move_end end;
	int r;

	if (arrived != 1) {
		snprintf(line, size, "retire: nothing retired: the target's arrival was %s; "
			 "the source boots as itself", arrived < 0 ? "not known" : "not seen");
		return CM_MOVE_END_BOOT;
	}
	res = calloc(1, sizeof(*res));
	if (!res) {
		snprintf(line, size, "retire: out of memory: not retired; powering off as "
			 "before: this machine and its disks stay provisioned and billed");
		return CM_MOVE_END_POWEROFF;
	}
	network_for(o, &net);
	r = cm_retire_run(ops, &ro, res);
	cm_netup_undo(&net);
	note_in_record(o, res);
	snprintf(line, size, "%s", res->line);
	end = r == 0 ? CM_MOVE_END_RETIRED : CM_MOVE_END_POWEROFF;
	free(res);
	return end;
}
