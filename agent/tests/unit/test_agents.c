#include <errno.h>

#include "adapt/agents.h"
#include "test.h"

static char t[CM_UNIT_TARGETS_MAX][CM_UNIT_NAME_MAX];
static char k[CM_UNIT_TARGETS_MAX];

static int parse(const char *s)
{
	return cm_unit_install_targets(s, strlen(s), t, k, CM_UNIT_TARGETS_MAX);
}

TEST(unit_install_targets)
{
	CHECK_INT(parse("[Unit]\nDescription=x\nWantedBy=nope.target\n[Service]\nExecStart=/x\n"
			"[Install]\nWantedBy=multi-user.target  graphical.target\n"
			"RequiredBy=cloud-init.target\nAlias=foo.service\n"), 3);
	CHECK_STR(t[0], "multi-user.target");
	CHECK_STR(t[1], "graphical.target");
	CHECK_STR(t[2], "cloud-init.target");
	CHECK_INT(k[2], 'r');
	CHECK_INT(parse("[Install]\nWantedBy=a.target\nWantedBy=\nWantedBy=b.target\n"), 1);
	CHECK_STR(t[0], "b.target");
	CHECK_INT(parse("[Service]\nExecStart=/x\n"), 0);
	CHECK_INT(parse("[Install]\nWantedBy=../../etc/passwd\n"), -EBADMSG);
	CHECK_INT(parse("[Install]\nWantedBy=a b c d e f g h i\n"), -EMSGSIZE);
	CHECK_INT(cm_unit_install_targets("[Install]\nWantedBy=a\0", 21, t, k, 8), -EBADMSG);
}
