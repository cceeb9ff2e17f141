#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "util/yamledit.h"

/* The engine on a document that is not netplan's: a key goes, a pair is
 * added and one already as wanted stays; comments and what is not
 * touched stay byte-identical, and a second run changes nothing. */
static int edit(const char *in, struct cm_buf *out)
{
	static const char *const drop[] = { "password", NULL };
	struct cm_yaml_kv kv[2] = { { .k = "enabled", .v = "true" },
				    { .k = "port", .v = "8080" } };
	struct cm_yaml *d = malloc(sizeof(*d));
	yaml_node_t *svc;
	const char *why;
	size_t line;
	int r;

	if (!d)
		return -ENOMEM;
	r = cm_yaml_load(d, in, strlen(in), 1 << 16, &line, &why);
	svc = r == 0 ? cm_yaml_get(d, cm_yaml_root(d), "service") : NULL;
	if (svc)
		cm_yaml_edit_map(d, svc, drop, kv, 2);
	if (r == 0)
		r = cm_yaml_apply(d, out);
	cm_yaml_free(d);
	free(d);
	return r;
}

TEST(yamledit_edits_in_place)
{
	const char *in = "# settings\nservice:\n  name: web  # the front\n"
			 "  password: \"x\"\n  port: 8080\n\nother: {a: 1}\n";
	struct cm_buf out, again;

	cm_buf_init(&out, 1 << 16);
	cm_buf_init(&again, 1 << 16);
	CHECK_INT(edit(in, &out), 0);
	CHECK_STR(out.data, "# settings\nservice:\n  name: web  # the front\n"
		  "  port: 8080\n  enabled: true\n\nother: {a: 1}\n");
	CHECK_INT(edit(out.data, &again), 0);
	CHECK_STR(again.data, out.data);
	cm_buf_free(&out);
	cm_buf_free(&again);
}

TEST(yamledit_refuses_what_it_cannot_read_one_way)
{
	struct cm_yaml d;
	const char *why;
	size_t line;

	CHECK_INT(cm_yaml_load(&d, "a: 1\nb: 2\na: 3\n", 15, 64, &line, &why), -EBADMSG);
	CHECK_INT((int)line, 3);
	cm_yaml_free(&d);
	CHECK_INT(cm_yaml_load(&d, "a: [1\n", 6, 64, &line, &why), -EBADMSG);
	cm_yaml_free(&d);
	CHECK_INT(cm_yaml_load(&d, "a: 1\n", 5, 4, &line, &why), -EMSGSIZE);
	cm_yaml_free(&d);
}
