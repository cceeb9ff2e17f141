#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <json-c/json.h>

#include "../clouds/clouds.h"
#include "report.h"

/* A value between double quotes, readable back without doubt: a double
 * quote or a backslash gets a backslash before it, a control byte is
 * \xHH (facts carry none today; the line stays one line whatever
 * comes).  UTF-8 as is. */
static void put_quoted(FILE *out, const char *v)
{
	fputc('"', out);
	for (; *v; v++) {
		unsigned char c = (unsigned char)*v;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* Bare when it is one word of the characters ids, regions and types are
 * made of (i-0abc, us-east-1a, m5.large, projects/1/zones/x); else
 * quoted like the DMI values. */
static void put_value(FILE *out, const char *v)
{
	const char *p;

	for (p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-:/@+", *p))
			break;
	if (*v && !*p)
		fputs(v, out);
	else
		put_quoted(out, v);
}

int cm_report_line(FILE *out, const struct cm_verdict *v)
{
	const struct { const char *name, *value; } md[] = {
		{ "instance_id", v->instance_id }, { "region", v->region },
		{ "zone", v->zone }, { "instance_type", v->instance_type },
	};
	size_t i;

	fprintf(out, "%s (%s)", v->cloud, v->confidence);
	for (i = 0; i < v->n_evidence; i++) {
		fprintf(out, "%s %s=", i ? "" : ":",
			cm_fact_name(v->evidence[i].fact));
		put_quoted(out, v->evidence[i].value);
	}
	for (i = 0; i < sizeof(md) / sizeof(md[0]); i++) {
		if (!md[i].value[0])
			continue;
		fprintf(out, " %s=", md[i].name);
		put_value(out, md[i].value);
	}
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}

static const char *kind_name(const struct cm_verdict *v)
{
	if (!v->desc)
		return v->cloud;	/* baremetal, unknown */
	switch (v->desc->kind) {
	case CM_KIND_CLOUD:
		return "cloud";
	case CM_KIND_HYPERVISOR:
		return "hypervisor";
	default:
		return "virtual-machine";
	}
}

static struct json_object *string_or_null(const char *s)
{
	return s && *s ? json_object_new_string(s) : NULL;
}

static void add_entry(struct json_object *arr, const char *source,
		      const char *key, const char *field, const char *value)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return;
	json_object_object_add(o, "source", json_object_new_string(source));
	if (field)
		json_object_object_add(o, key, json_object_new_string(field));
	if (value)
		json_object_object_add(o, "value", json_object_new_string(value));
	json_object_array_add(arr, o);
}

static void metadata_json(struct json_object *arr, const struct cm_verdict *v)
{
	const struct { const char *name, *value; } fields[] = {
		{ "instance_id", v->instance_id }, { "region", v->region },
		{ "zone", v->zone }, { "instance_type", v->instance_type },
	};
	size_t i;

	for (i = 0; v->instance_from_metadata && i < 4; i++)
		if (fields[i].value[0])
			add_entry(arr, "metadata", "field", fields[i].name,
				  fields[i].value);
	for (i = 0; i < v->n_notes; i++)
		add_entry(arr, "decision", "note", v->notes[i], NULL);
}

static struct json_object *evidence_json(const struct cm_verdict *v)
{
	struct json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; arr && i < v->n_evidence; i++) {
		const struct cm_evidence *e = &v->evidence[i];
		struct json_object *o = json_object_new_object();

		if (!o)
			break;
		json_object_object_add(o, "source", json_object_new_string(
					       cm_fact_source_name(e->source)));
		json_object_object_add(o, "field", json_object_new_string(
					       cm_fact_name(e->fact)));
		json_object_object_add(o, "value", json_object_new_string(e->value));
		json_object_array_add(arr, o);
	}
	if (arr)
		metadata_json(arr, v);
	return arr;
}

int cm_report_json(FILE *out, const struct cm_verdict *v)
{
	struct json_object *o = json_object_new_object();
	const char *text;
	int r = 0;

	if (!o)
		return -ENOMEM;
	json_object_object_add(o, "cloud", json_object_new_string(v->cloud));
	json_object_object_add(o, "kind", json_object_new_string(kind_name(v)));
	json_object_object_add(o, "confidence",
			       json_object_new_string(v->confidence));
	json_object_object_add(o, "instance_id", string_or_null(v->instance_id));
	json_object_object_add(o, "region", string_or_null(v->region));
	json_object_object_add(o, "zone", string_or_null(v->zone));
	json_object_object_add(o, "instance_type",
			       string_or_null(v->instance_type));
	json_object_object_add(o, "public", json_object_new_boolean(v->is_public));
	json_object_object_add(o, "reason", json_object_new_string(v->reason));
	json_object_object_add(o, "evidence", evidence_json(v));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					      JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!text || fprintf(out, "%s\n", text) < 0)
		r = text ? -EIO : -ENOMEM;
	json_object_put(o);
	return r;
}
