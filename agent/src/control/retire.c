/* Retire, the generic flow (see retire.h): self_login, retire_self, and
 * the one line either way. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../log.h"
#include "retire.h"

const char *cm_retire_mode_name(int delete)
{
	return delete ? "delete" : "stop";
}

int cm_retire_mode_parse(const char *s, int *delete)
{
	if (s && !strcmp(s, "stop")) {
		*delete = 0;
		return 0;
	}
	if (s && !strcmp(s, "delete")) {
		*delete = 1;
		return 0;
	}
	return -EINVAL;
}

/* What a machine left in place costs, per cloud: powered off from inside
 * (the move powers off when retire fails) a machine is not gone.  AWS and
 * GCE stop compute billing at a guest shutdown but keep the disks; Azure
 * keeps billing compute until the VM is deallocated. */
struct billing {
	const char *cloud;
	const char *thing;		/* "instance", "VM" */
	const char *powered_off;	/* what a guest poweroff leaves billed */
	const char *stopped;		/* what its API's stop is called */
};

static const struct billing billings[] = {
	{ "aws", "instance", "stopped from inside, its EBS volumes are still billed",
	  "stopped" },
	{ "gcp", "instance", "stopped from inside, its persistent disks are still billed",
	  "stopped" },
	{ "azure", "VM", "powered off from inside but not deallocated, its compute "
	  "and its managed disks are still billed", "deallocated" },
};

static const struct billing *billing_of(const char *cloud)
{
	static const struct billing other = {
		NULL, "instance", "powered off from inside, it and its disks are "
		"still billed on most clouds", "stopped",
	};
	size_t i;

	for (i = 0; i < sizeof(billings) / sizeof(billings[0]); i++)
		if (cloud && !strcmp(billings[i].cloud, cloud))
			return &billings[i];
	return &other;
}

static void say_billed(const struct cm_retire_opts *o, struct cm_retire_result *res)
{
	const struct billing *b = billing_of(o->cloud);
	char who[CM_API_ID_MAX + 160];

	if (res->instance[0])
		snprintf(who, sizeof(who), "%s %s%s%s%s", b->thing, res->instance,
			 res->region[0] ? " (" : "", res->region,
			 res->region[0] ? ")" : "");
	else
		snprintf(who, sizeof(who), "this %s", b->thing);
	if (o->powering_off)
		snprintf(res->billed, sizeof(res->billed), "%s stays provisioned, %s",
			 who, b->powered_off);
	else
		snprintf(res->billed, sizeof(res->billed),
			 "%s still runs: it and its disks are provisioned and billed", who);
}

static int no_api(const struct cm_retire_opts *o, struct cm_retire_result *res)
{
	const char *cloud = o->cloud && *o->cloud ? o->cloud : "unknown";

	res->step = "api";
	say_billed(o, res);
	if (!o->in_cloud) {
		snprintf(res->reason, sizeof(res->reason),
			 "not in a cloud (detected %s): no API to ask", cloud);
		snprintf(res->line, sizeof(res->line), "retire: %s; %s", res->reason,
			 o->powering_off ? "powering off as before" :
			 "power it off where it runs");
		return -ENOTSUP;
	}
	snprintf(res->reason, sizeof(res->reason), "no API we speak for %s", cloud);
	snprintf(res->finish, sizeof(res->finish), "delete it in %s's console or CLI",
		 cloud);
	if (o->powering_off)
		snprintf(res->line, sizeof(res->line),
			 "retire: %s: no API we speak; powering off as before: %s; "
			 "to finish: %s", cloud, res->billed, res->finish);
	else
		snprintf(res->line, sizeof(res->line),
			 "retire: %s: no API we speak; power off (`poweroff`) and %s: %s",
			 cloud, res->finish, res->billed);
	return -ENOTSUP;
}

static const char *why_words(int r)
{
	switch (r) {
	case -EACCES: case -EPERM:
		return "the cloud refused this machine's identity or the permission";
	case -ENOENT: case -ENODATA:
		return "no identity for this machine (no role, service account or "
		       "managed identity), or the instance was not found";
	case -ETIMEDOUT:
		return "the cloud did not answer in time";
	case -EIO:
		return "the cloud could not be asked (transport, or an answer we "
		       "cannot read)";
	}
	return cm_strerror(-r);
}

static void refused(const struct cm_api *a, const struct cm_retire_opts *o,
		    const char *step, int r, struct cm_retire_result *res)
{
	res->step = step;
	snprintf(res->reason, sizeof(res->reason), "%s", why_words(r));
	if (a->self_id[0])
		snprintf(res->instance, sizeof(res->instance), "%s", a->self_id);
	if (a->self_region[0])
		snprintf(res->region, sizeof(res->region), "%s", a->self_region);
	say_billed(o, res);
	/* self_id is what the cloud file learned (an azure VM's name is not
	 * detection's vmId): the hint says only that, or its placeholders */
	if (a->ops->retire_hint)
		a->ops->retire_hint(a, o->delete, res->finish, sizeof(res->finish));
	if (!res->finish[0])
		snprintf(res->finish, sizeof(res->finish), "%s it in %s's console",
			 cm_retire_mode_name(o->delete), o->cloud);
	snprintf(res->line, sizeof(res->line), "retire: %s: not %s (%s: %s); %s; to finish: %s",
		 o->cloud, o->delete ? "deleted" : billing_of(o->cloud)->stopped, step, res->reason,
		 res->billed, res->finish);
}

static void retired(const struct cm_api *a, const struct cm_retire_opts *o,
		    struct cm_retire_result *res)
{
	res->retired = 1;
	if (a->self_id[0])
		snprintf(res->instance, sizeof(res->instance), "%s", a->self_id);
	if (a->self_region[0])
		snprintf(res->region, sizeof(res->region), "%s", a->self_region);
	snprintf(res->line, sizeof(res->line), "retire: %s: %s %s%s%s%s %s through the %s API%s",
		 o->cloud, billing_of(o->cloud)->thing,
		 res->instance[0] ? res->instance : "(this machine)",
		 res->region[0] ? " (" : "", res->region, res->region[0] ? ")" : "",
		 o->delete ? "deleted" : billing_of(o->cloud)->stopped, o->cloud,
		 o->delete ? "" : "; its disks are kept (a way back)");
}

int cm_retire_run(const struct cm_cloud_api *ops, const struct cm_retire_opts *o,
		  struct cm_retire_result *res)
{
	struct cm_api a;
	int r;

	memset(res, 0, sizeof(*res));
	snprintf(res->instance, sizeof(res->instance), "%s",
		 o->instance_id ? o->instance_id : "");
	snprintf(res->region, sizeof(res->region), "%s", o->region ? o->region : "");
	if (!ops || !ops->self_login || !ops->retire_self)
		return no_api(o, res);
	r = cm_api_init(&a, ops, o->api_endpoint);
	if (r < 0) {
		refused(&a, o, "identity", r, res);
		cm_api_cleanup(&a);
		return r;
	}
	a.metadata_endpoint = o->metadata_endpoint && *o->metadata_endpoint ?
			      o->metadata_endpoint : NULL;
	r = ops->self_login(&a);
	if (r < 0) {
		refused(&a, o, "identity", r, res);
		goto out;
	}
	r = ops->retire_self(&a, o->delete);
	if (r < 0) {
		refused(&a, o, cm_retire_mode_name(o->delete), r, res);
		goto out;
	}
	retired(&a, o, res);
out:
	cm_api_cleanup(&a);
	return r < 0 ? r : 0;
}
