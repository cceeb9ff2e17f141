/* The check's lines and verdict, as text or one JSON object. */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../util/buf.h"
#include "check.h"

static const char *const status_names[] = {
	[CM_CHECK_OK] = "ok", [CM_CHECK_WARN] = "warn", [CM_CHECK_MISSING] = "MISSING",
};

const char *cm_check_status_name(enum cm_check_status st)
{
	return st <= CM_CHECK_MISSING ? status_names[st] : "?";
}

void cm_check_add(struct cm_check_report *rep, enum cm_check_status st,
		  const char *what, const char *fmt, ...)
{
	struct cm_check_item *it;
	va_list ap;

	if (st == CM_CHECK_MISSING)
		rep->missing++;
	else if (st == CM_CHECK_WARN)
		rep->warnings++;
	if (rep->n == CM_CHECK_ITEMS_MAX) {
		rep->dropped++;		/* the counts above still decide */
		return;
	}
	it = &rep->v[rep->n++];
	it->status = st;
	snprintf(it->what, sizeof(it->what), "%s", what);
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
	va_end(ap);
}

void cm_check_setf(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

bool cm_check_bootable(const struct cm_check_report *rep)
{
	return rep->missing == 0;
}

const struct cm_check_item *cm_check_first_missing(const struct cm_check_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		if (rep->v[i].status == CM_CHECK_MISSING)
			return &rep->v[i];
	return NULL;
}

int cm_check_format_text(const struct cm_check_report *rep, const char *target,
			 struct cm_buf *out)
{
	size_t i;
	int r = 0;

	cm_buf_reset(out);
	for (i = 0; r == 0 && i < rep->n; i++)
		r = cm_buf_printf(out, "%s %s: %s\n",
				  cm_check_status_name(rep->v[i].status),
				  rep->v[i].what, rep->v[i].detail);
	if (r == 0 && rep->dropped)
		r = cm_buf_printf(out, "warn report: %zu more lines not shown\n",
				  rep->dropped);
	if (r == 0)
		r = cm_buf_printf(out, "verdict: %s on %s (%u missing, %u warning%s)\n",
				  cm_check_bootable(rep) ? "bootable" : "NOT bootable",
				  target, rep->missing, rep->warnings,
				  rep->warnings == 1 ? "" : "s");
	return r;
}

int cm_check_format_json(const struct cm_check_report *rep, const char *target,
			 const char *root, struct cm_buf *out)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	const char *s;
	size_t i;
	int r;

	cm_buf_reset(out);
	if (!o || !a) {
		json_object_put(o);
		json_object_put(a);
		return -ENOMEM;
	}
	json_object_object_add(o, "target", json_object_new_string(target));
	json_object_object_add(o, "root", json_object_new_string(root));
	for (i = 0; i < rep->n; i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "status", json_object_new_string(
			cm_check_status_name(rep->v[i].status)));
		json_object_object_add(e, "what", json_object_new_string(rep->v[i].what));
		json_object_object_add(e, "detail",
				       json_object_new_string(rep->v[i].detail));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "checks", a);
	json_object_object_add(o, "missing", json_object_new_int((int)rep->missing));
	json_object_object_add(o, "warnings", json_object_new_int((int)rep->warnings));
	json_object_object_add(o, "bootable",
			       json_object_new_boolean(cm_check_bootable(rep)));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					   JSON_C_TO_STRING_SPACED |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	r = s ? cm_buf_printf(out, "%s\n", s) : -ENOMEM;
	json_object_put(o);
	return r;
}
