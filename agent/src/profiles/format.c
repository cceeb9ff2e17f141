/* A profile for people (text) and for programs (JSON). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "profile.h"
#include "../util/buf.h"

static int list_text(struct cm_buf *out, const char *label,
		     const struct cm_plist *l)
{
	unsigned i;
	int r;

	r = cm_buf_printf(out, "  %-20s", label);
	if (!r && !l->n)
		r = cm_buf_addstr(out, " -");
	for (i = 0; !r && i < l->n; i++)
		r = cm_buf_printf(out, " %s", l->v[i]);
	return r ? r : cm_buf_addstr(out, "\n");
}

int cm_profile_format_text(const struct cm_profile_rt *p, struct cm_buf *out)
{
	char fstab[96];
	int r;

	r = cm_buf_printf(out, "%s: %s (%s%s%s)\n", p->name, p->title,
			  cm_profile_source_name(p->source),
			  p->last_file[0] ? ", last changed by " : "",
			  p->last_file);
	if (!r) r = list_text(out, "storage drivers:", &p->storage_drivers);
	if (!r) r = list_text(out, "network drivers:", &p->net_drivers);
	if (!r) r = list_text(out, "other drivers:", &p->other_drivers);
	if (!r) r = cm_buf_printf(out, "  %-20s %s\n", "disk naming:",
				  cm_disk_naming_name(p->disk));
	if (!r) r = list_text(out, "kernel args remove:", &p->kargs_remove);
	if (!r) r = list_text(out, "kernel args add:", &p->kargs_add);
	if (!r) {
		struct cm_plist l = p->time_servers;

		r = cm_buf_printf(out, "  %-20s %s", "time source:",
				  cm_time_kind_name(p->time));
		if (!r && p->time == CM_TIME_POOL && !l.n)
			r = cm_buf_addstr(out, " (the distribution's default)");
		for (unsigned i = 0; !r && i < l.n; i++)
			r = cm_buf_printf(out, " %s", l.v[i]);
		if (!r)
			r = cm_buf_addstr(out, "\n");
	}
	if (!r) r = list_text(out, "agents enable:", &p->agents_enable);
	if (!r) r = list_text(out, "agents disable:", &p->agents_disable);
	if (p->fstab_device_timeout)
		snprintf(fstab, sizeof(fstab), ", x-systemd.device-timeout=%us",
			 p->fstab_device_timeout);
	else
		fstab[0] = '\0';
	if (!r) r = cm_buf_printf(out, "  %-20s %s; data disks: %s%s\n", "fstab:",
				  p->fstab_by_uuid ? "by UUID" : "as is",
				  p->fstab_nofail ? "nofail" : "as is",
				  p->fstab_nofail ? fstab : "");
	if (!r) r = cm_buf_printf(out, "  %-20s %s\n", "swap on OS disk:",
				  p->no_swap_on_os_disk ? "no" : "allowed");
	if (!r && p->mtu)
		r = cm_buf_printf(out, "  %-20s %u\n", "mtu:", p->mtu);
	else if (!r)
		r = cm_buf_printf(out, "  %-20s %s\n", "mtu:", "as DHCP says");
	if (!r) r = cm_buf_printf(out, "  %-20s first NIC: DHCPv4 %s, DHCPv6 %s; "
				  "net.ifnames: %s\n", "network:",
				  p->dhcp4 ? "yes" : "no", p->dhcp6 ? "yes" : "no",
				  cm_ifnames_name(p->ifnames));
	if (!r && !p->cloudinit_datasource.n)
		r = cm_buf_printf(out, "  %-20s %s\n", "cloud-init source:",
				  "as cloud-init detects");
	else if (!r)
		r = list_text(out, "cloud-init source:", &p->cloudinit_datasource);
	return r;
}

static struct json_object *list_json(const struct cm_plist *l)
{
	struct json_object *a = json_object_new_array();
	unsigned i;

	for (i = 0; a && i < l->n; i++)
		json_object_array_add(a, json_object_new_string(l->v[i]));
	return a;
}

static struct json_object *pair(const char *k1, struct json_object *v1,
				const char *k2, struct json_object *v2)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, k1, v1);
	json_object_object_add(o, k2, v2);
	return o;
}

int cm_profile_format_json(const struct cm_profile_rt *p, struct cm_buf *out)
{
	struct json_object *o = json_object_new_object(), *x;
	const char *text;
	int r;

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "cloud", json_object_new_string(p->name));
	json_object_object_add(o, "title", json_object_new_string(p->title));
	json_object_object_add(o, "source",
			       json_object_new_string(cm_profile_source_name(p->source)));
	json_object_object_add(o, "file", p->last_file[0] ?
			       json_object_new_string(p->last_file) : NULL);
	x = json_object_new_object();
	json_object_object_add(x, "storage", list_json(&p->storage_drivers));
	json_object_object_add(x, "net", list_json(&p->net_drivers));
	json_object_object_add(x, "other", list_json(&p->other_drivers));
	json_object_object_add(o, "drivers", x);
	json_object_object_add(o, "disk",
			       json_object_new_string(cm_disk_naming_name(p->disk)));
	json_object_object_add(o, "kargs", pair("remove", list_json(&p->kargs_remove),
						"add", list_json(&p->kargs_add)));
	json_object_object_add(o, "timesync",
			       pair("kind", json_object_new_string(cm_time_kind_name(p->time)),
				    "servers", list_json(&p->time_servers)));
	json_object_object_add(o, "agents", pair("enable", list_json(&p->agents_enable),
						 "disable", list_json(&p->agents_disable)));
	x = pair("by_uuid", json_object_new_boolean(p->fstab_by_uuid),
		 "nofail", json_object_new_boolean(p->fstab_nofail));
	json_object_object_add(x, "device_timeout",
			       json_object_new_int((int)p->fstab_device_timeout));
	json_object_object_add(o, "fstab", x);
	json_object_object_add(o, "swap_on_os_disk",
			       json_object_new_boolean(!p->no_swap_on_os_disk));
	json_object_object_add(o, "mtu", p->mtu ? json_object_new_int((int)p->mtu) : NULL);
	x = pair("dhcp4", json_object_new_boolean(p->dhcp4),
		 "dhcp6", json_object_new_boolean(p->dhcp6));
	json_object_object_add(x, "ifnames",
			       json_object_new_string(cm_ifnames_name(p->ifnames)));
	json_object_object_add(o, "network", x);
	json_object_object_add(o, "cloudinit_datasource",
			       list_json(&p->cloudinit_datasource));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	r = text ? cm_buf_addstr(out, text) : -ENOMEM;
	if (!r)
		r = cm_buf_addstr(out, "\n");
	json_object_put(o);
	return r;
}
