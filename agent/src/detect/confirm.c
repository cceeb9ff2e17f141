#include <stdio.h>
#include <string.h>

#include "../clouds/clouds.h"
#include "confirm.h"

size_t cm_confirm_candidates(const struct cm_verdict *v,
			     const struct cm_cloud **out, size_t max)
{
	const struct cm_cloud *const *all;
	size_t n, i, k = 0;

	if (v->desc && v->desc->kind == CM_KIND_CLOUD) {
		if (!v->desc->md || !max)
			return 0;
		out[0] = v->desc;
		return 1;
	}
	all = cm_clouds_all(&n);
	for (i = 0; i < n && k < max; i++)
		if (all[i]->kind == CM_KIND_CLOUD && all[i]->md &&
		    all[i]->md->blind_ok)
			out[k++] = all[i];
	return k;
}

static void copy_instance(struct cm_verdict *v, const struct cm_instance *in)
{
	snprintf(v->instance_id, sizeof(v->instance_id), "%s",
		 in->v[CM_MD_INSTANCE_ID]);
	snprintf(v->region, sizeof(v->region), "%s", in->v[CM_MD_REGION]);
	snprintf(v->zone, sizeof(v->zone), "%s", in->v[CM_MD_ZONE]);
	/* DMI's instance type (EC2 Nitro) stays when metadata has none */
	if (in->v[CM_MD_INSTANCE_TYPE][0])
		snprintf(v->instance_type, sizeof(v->instance_type), "%s",
			 in->v[CM_MD_INSTANCE_TYPE]);
	v->instance_from_metadata = 1;
}

void cm_confirm_apply(struct cm_verdict *v, const struct cm_md_outcome *o,
		      long timeout_ms)
{
	size_t i;

	if (!o->cloud) {
		for (i = 0; i < o->n_notes; i++)
			cm_verdict_add_note(v, "metadata: %s", o->notes[i]);
		cm_verdict_add_note(v, "metadata: nothing confirmed in %ld ms "
				    "(budget %ld ms); verdict from DMI alone",
				    o->elapsed_ms, timeout_ms);
		return;
	}
	if (v->desc == o->cloud) {
		v->confidence = "dmi+metadata";
	} else {
		cm_verdict_add_note(v, "metadata: DMI said %s; the metadata "
				    "service answered as %s", v->cloud,
				    o->cloud->name);
		v->cloud = o->cloud->name;
		v->desc = o->cloud;
		v->confidence = "metadata";
		v->reason = "metadata service";
	}
	cm_verdict_add_note(v, "metadata: %s confirmed in %ld ms (%s)",
			    o->cloud->name, o->elapsed_ms, o->how);
	copy_instance(v, &o->inst);
}

void cm_confirm_public(struct cm_verdict *v)
{
	const char *how = strstr(v->confidence, "metadata") ?
			  "its metadata service answered" : "from DMI";

	if (!v->desc || v->desc->kind != CM_KIND_CLOUD) {
		v->is_public = 0;
		cm_verdict_add_note(v, "private: %s is no public cloud (no cloud "
				    "identified)", v->cloud);
	} else if (v->desc->is_public) {
		v->is_public = 1;
		cm_verdict_add_note(v, "public: %s is a public cloud, %s",
				    v->desc->title, how);
	} else {
		v->is_public = 0;
		cm_verdict_add_note(v, "private: %s is run by its operator, %s; "
				    "nothing names a public provider",
				    v->desc->title, how);
	}
}
