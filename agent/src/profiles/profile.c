/* Target profiles: built-in data to runtime form, list operations. */
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "profile.h"
#include "../clouds/clouds.h"

int cm_plist_add(struct cm_plist *l, const char *item, size_t len)
{
	if (!len)
		return -EINVAL;
	if (len >= CM_PROFILE_ITEM_MAX)
		return -ENAMETOOLONG;
	if (l->n >= CM_PROFILE_LIST_MAX)
		return -E2BIG;
	memcpy(l->v[l->n], item, len);
	l->v[l->n][len] = '\0';
	l->n++;
	return 0;
}

void cm_plist_remove(struct cm_plist *l, const char *item)
{
	unsigned i = 0, j;

	while (i < l->n) {
		if (strcmp(l->v[i], item)) {
			i++;
			continue;
		}
		for (j = i + 1; j < l->n; j++)
			memcpy(l->v[j - 1], l->v[j], sizeof(l->v[j]));
		l->n--;
	}
}

bool cm_plist_has(const struct cm_plist *l, const char *item)
{
	unsigned i;

	for (i = 0; i < l->n; i++)
		if (!strcmp(l->v[i], item))
			return true;
	return false;
}

static void list_from(struct cm_plist *l, const char *const *src)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	for (i = 0; i < CM_PROFILE_LIST_MAX && src[i]; i++)
		(void)cm_plist_add(l, src[i], strlen(src[i]));
}

void cm_profile_from_builtin(const struct cm_profile *p, const char *name,
			     const char *title, struct cm_profile_rt *out)
{
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(out->title, sizeof(out->title), "%s", title ? title : name);
	out->source = CM_PROFILE_BUILTIN;
	list_from(&out->storage_drivers, p->storage_drivers);
	list_from(&out->net_drivers, p->net_drivers);
	list_from(&out->other_drivers, p->other_drivers);
	out->disk = p->disk;
	list_from(&out->kargs_add, p->kargs_add);
	list_from(&out->kargs_remove, p->kargs_remove);
	out->time = p->time;
	list_from(&out->time_servers, p->time_servers);
	snprintf(out->time_options, sizeof(out->time_options), "%s",
		 p->time_options ? p->time_options : "");
	list_from(&out->time_aliases, p->time_aliases);
	snprintf(out->time_doc, sizeof(out->time_doc), "%s",
		 p->time_doc ? p->time_doc : "");
	list_from(&out->agents_enable, p->agents_enable);
	out->fstab_by_uuid = p->fstab_by_uuid;
	out->fstab_nofail = p->fstab_nofail;
	out->fstab_device_timeout = p->fstab_device_timeout;
	out->no_swap_on_os_disk = p->no_swap_on_os_disk;
	out->mtu = p->mtu;
	out->dhcp4 = p->dhcp4;
	out->dhcp6 = p->dhcp6;
	out->ifnames = p->ifnames;
	list_from(&out->cloudinit_datasource, p->cloudinit_datasource);
	snprintf(out->image_format, sizeof(out->image_format), "%s",
		 p->image_format ? p->image_format : "");
}

const char *const cm_hypervisor_agents[] = {
	"hv-kvp-daemon", "hypervkvpd", "hv-vss-daemon", "hypervvssd",	/* Hyper-V */
	"hv_kvp_daemon", "hv_vss_daemon",	/* SUSE's names */
	"open-vm-tools", "vmtoolsd",		/* VMware (Debian, RHEL) */
	"qemu-guest-agent",			/* KVM/QEMU */
	NULL,
};

/* 1 when name is one of list's units or "a|b" alternatives. */
static int names_unit(const char *const *list, const char *name)
{
	size_t i, n = strlen(name);
	const char *s, *bar;

	for (i = 0; i < CM_PROFILE_LIST_MAX && list[i]; i++)
		for (s = list[i]; s; s = bar ? bar + 1 : NULL) {
			bar = strchr(s, '|');
			if ((bar ? (size_t)(bar - s) : strlen(s)) == n &&
			    !strncmp(s, name, n))
				return 1;
		}
	return 0;
}

/* Each unit of item ("a|b": both) to out, unless self has it. */
static int add_others(struct cm_plist *out, const char *item,
		      const struct cm_profile *self)
{
	char name[CM_PROFILE_ITEM_MAX];
	const char *s, *bar;
	size_t n;
	int r;

	for (s = item; s; s = bar ? bar + 1 : NULL) {
		bar = strchr(s, '|');
		n = bar ? (size_t)(bar - s) : strlen(s);
		if (!n || n >= sizeof(name))
			continue;
		memcpy(name, s, n);
		name[n] = '\0';
		if (names_unit(self->agents_enable, name) ||
		    names_unit(self->agents_own, name) ||
		    names_unit(self->agents_keep, name) || cm_plist_has(out, name))
			continue;
		r = cm_plist_add(out, name, n);
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_list(struct cm_plist *out, const char *const *list,
		    const struct cm_profile *self)
{
	size_t i;
	int r = 0;

	for (i = 0; !r && i < CM_PROFILE_LIST_MAX && list[i]; i++)
		r = add_others(out, list[i], self);
	return r;
}

/* The other clouds' agents, in registry order, then the hypervisors'. */
static int derive_disable(const struct cm_cloud *const *all, size_t n,
			  const struct cm_cloud *self, struct cm_plist *out)
{
	size_t i;
	int r = 0;

	memset(out, 0, sizeof(*out));
	for (i = 0; !r && i < n; i++) {
		if (all[i] == self || !all[i]->profile)
			continue;
		r = add_list(out, all[i]->profile->agents_enable, self->profile);
		if (!r)
			r = add_list(out, all[i]->profile->agents_own, self->profile);
	}
	return r ? r : add_list(out, cm_hypervisor_agents, self->profile);
}

int cm_profiles_init(struct cm_profiles *set)
{
	const struct cm_cloud *const *all;
	size_t n, i;
	int r;

	set->n = 0;
	all = cm_clouds_all(&n);
	for (i = 0; i < n; i++) {
		if (!all[i]->profile)
			continue;
		if (set->n >= CM_PROFILES_MAX)
			return -E2BIG;
		cm_profile_from_builtin(all[i]->profile, all[i]->name,
					all[i]->title, &set->v[set->n]);
		r = derive_disable(all, n, all[i], &set->v[set->n++].agents_disable);
		if (r < 0)
			return r;
	}
	return 0;
}

struct cm_profile_rt *cm_profiles_find(struct cm_profiles *set,
				       const char *name)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		if (!strcmp(set->v[i].name, name))
			return &set->v[i];
	return NULL;
}

int cm_karg_pattern_match(const char *pattern, const char *arg)
{
	size_t n;

	if (!fnmatch(pattern, arg, 0))
		return 1;
	/* A bare key also removes key=value. */
	if (strchr(pattern, '='))
		return 0;
	n = strlen(pattern);
	return !strncmp(pattern, arg, n) && arg[n] == '=';
}

const char *cm_disk_naming_name(enum cm_disk_naming d)
{
	switch (d) {
	case CM_DISK_NVME: return "nvme";
	case CM_DISK_SD: return "sd";
	case CM_DISK_VD: return "vd";
	case CM_DISK_XVD: return "xvd";
	case CM_DISK_ANY: break;
	}
	return "any";
}

const char *cm_time_kind_name(enum cm_time_kind t)
{
	switch (t) {
	case CM_TIME_NTP: return "ntp";
	case CM_TIME_PTP: return "ptp";
	case CM_TIME_POOL: return "pool";
	case CM_TIME_NONE: break;
	}
	return "none";
}

const char *cm_ifnames_name(enum cm_ifnames i)
{
	switch (i) {
	case CM_IFNAMES_PREDICTABLE: return "predictable";
	case CM_IFNAMES_KERNEL: return "kernel";
	case CM_IFNAMES_KEEP: break;
	}
	return "keep";
}

const char *cm_profile_source_name(enum cm_profile_source s)
{
	switch (s) {
	case CM_PROFILE_BUILTIN_USER: return "built-in+user";
	case CM_PROFILE_USER: return "user";
	case CM_PROFILE_BUILTIN: break;
	}
	return "built-in";
}
