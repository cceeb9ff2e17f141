/* EC2's XML answers (see aws_xml.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "aws_xml.h"
#include "../util/xml.h"

/* Is there an opening <tag at a (followed by '>', '/' or a blank)? */
static int opens(const char *a, const char *end, const char *tag, size_t n)
{
	char c;

	if ((size_t)(end - a) < n + 2 || a[0] != '<' || memcmp(a + 1, tag, n))
		return 0;
	c = a[n + 1];
	return c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int closes(const char *a, const char *end, const char *tag, size_t n)
{
	return (size_t)(end - a) >= n + 3 && a[0] == '<' && a[1] == '/' &&
	       !memcmp(a + 2, tag, n) && a[n + 2] == '>';
}

/* From a (an opening tag), its end: '>' and whether it was "/>". */
static const char *tag_end(const char *a, const char *end, int *empty)
{
	const char *gt = memchr(a, '>', (size_t)(end - a));

	if (!gt)
		return NULL;
	*empty = gt > a && gt[-1] == '/';
	return gt + 1;
}

int cm_ec2xml_find(const char *p, const char *end, const char *tag,
		   const char **in, const char **in_end)
{
	size_t n = strlen(tag);
	const char *a, *q;
	int empty, depth;

	if (!p || end <= p || n == 0 || n > 64)
		return -ENOENT;
	for (a = p; a < end && (a = memchr(a, '<', (size_t)(end - a))); a++) {
		if (!opens(a, end, tag, n))
			continue;
		q = tag_end(a, end, &empty);
		if (!q)
			return -ENOENT;
		if (empty) {
			*in = *in_end = q;
			return 0;
		}
		for (depth = 1, *in = q; q < end && (q = memchr(q, '<', (size_t)(end - q))); ) {
			if (closes(q, end, tag, n) && --depth == 0) {
				*in_end = q;
				return 0;
			}
			if (opens(q, end, tag, n)) {
				const char *next = tag_end(q, end, &empty);

				if (!next)
					return -ENOENT;
				depth += !empty;
				q = next;
				continue;
			}
			q++;
		}
		return -ENOENT;
	}
	return -ENOENT;
}

int cm_ec2xml_text(const char *p, const char *end, const char *tag, char *out,
		   size_t size)
{
	const char *a, *b;
	int r;

	if (size)
		out[0] = '\0';
	r = cm_ec2xml_find(p, end, tag, &a, &b);
	if (r < 0 || !size)
		return r < 0 ? r : -EMSGSIZE;
	if (memchr(a, '<', (size_t)(b - a)))
		return -ENOENT;		/* not a leaf */
	return cm_xml_unescape(a, b, out, size);
}

int cm_ec2xml_child_text(const char *p, const char *end, const char *tag, char *out,
			 size_t size)
{
	char name[72];
	const char *a, *in, *in_end;
	size_t n;

	if (size)
		out[0] = '\0';
	for (a = p; a && a < end && (a = memchr(a, '<', (size_t)(end - a))); ) {
		if (end - a < 2 || a[1] == '/')
			return -ENOENT;		/* the span's end */
		if (a[1] == '?' || a[1] == '!') {
			a++;
			continue;
		}
		n = strcspn(a + 1, " \t\r\n/>");
		if (n == 0 || n >= sizeof(name) || a + 1 + n >= end)
			return -ENOENT;
		memcpy(name, a + 1, n);
		name[n] = '\0';
		if (cm_ec2xml_find(a, end, name, &in, &in_end) < 0)
			return -ENOENT;
		if (!strcmp(name, tag))
			return cm_ec2xml_text(a, end, tag, out, size);
		/* past this child: its </name>, or its "/>" */
		a = in_end == in && in[-2] == '/' ? in : in_end + n + 3;
	}
	return -ENOENT;
}

int cm_ec2xml_next_item(const char **p, const char *end, const char **in,
			const char **in_end)
{
	if (!*p || *p >= end || cm_ec2xml_find(*p, end, "item", in, in_end) < 0)
		return 0;
	*p = *in_end + 7 <= end ? *in_end + 7 : end;	/* past </item> */
	if (*in_end == *in && (*in)[-2] == '/')	/* <item/> */
		*p = *in;
	return 1;
}

int cm_ec2xml_error(const char *p, size_t len, char *code, size_t code_size,
		    char *msg, size_t msg_size)
{
	const char *a, *b;

	if (msg_size)
		msg[0] = '\0';
	if (code_size)
		code[0] = '\0';
	if (cm_ec2xml_find(p, p + len, "Errors", &a, &b) < 0 ||
	    cm_ec2xml_find(a, b, "Error", &a, &b) < 0 ||
	    cm_ec2xml_text(a, b, "Code", code, code_size) < 0 || !code[0])
		return -ENOENT;
	if (cm_ec2xml_text(a, b, "Message", msg, msg_size) < 0 && msg_size)
		msg[0] = '\0';
	return 0;
}

static unsigned boot_modes(const char *a, const char *b, const char *arch)
{
	const char *set, *set_end, *in, *in_end, *it;
	unsigned modes = 0;
	char mode[32];

	if (cm_ec2xml_find(a, b, "supportedBootModes", &set, &set_end) < 0)
		return !strcmp(arch, "arm64") ? CM_EC2_UEFI : CM_EC2_BIOS;
	for (it = set; cm_ec2xml_next_item(&it, set_end, &in, &in_end); ) {
		size_t n = (size_t)(in_end - in);

		if (n >= sizeof(mode))
			continue;
		memcpy(mode, in, n);
		mode[n] = '\0';
		if (!strcmp(mode, "legacy-bios"))
			modes |= CM_EC2_BIOS;
		else if (!strcmp(mode, "uefi"))
			modes |= CM_EC2_UEFI;
	}
	return modes;
}

int cm_ec2xml_instance_type(const char *p, size_t len, struct cm_ec2_type *t)
{
	const char *end = p + len, *set, *set_end, *a, *b, *x, *y, *it;

	memset(t, 0, sizeof(*t));
	if (cm_ec2xml_find(p, end, "instanceTypeSet", &set, &set_end) < 0)
		return -ENOENT;
	it = set;
	if (!cm_ec2xml_next_item(&it, set_end, &a, &b) ||
	    cm_ec2xml_child_text(a, b, "instanceType", t->name, sizeof(t->name)) < 0 ||
	    !t->name[0])
		return -ENOENT;
	if (cm_ec2xml_find(a, b, "supportedArchitectures", &x, &y) == 0) {
		const char *in, *in_end, *i = x;

		if (cm_ec2xml_next_item(&i, y, &in, &in_end) &&
		    (size_t)(in_end - in) < sizeof(t->arch) && !memchr(in, '<', (size_t)(in_end - in))) {
			memcpy(t->arch, in, (size_t)(in_end - in));
			t->arch[in_end - in] = '\0';
		}
	}
	t->boot_modes = boot_modes(a, b, t->arch);
	if (cm_ec2xml_find(a, b, "ebsInfo", &x, &y) == 0)
		cm_ec2xml_child_text(x, y, "nvmeSupport", t->nvme, sizeof(t->nvme));
	if (cm_ec2xml_find(a, b, "networkInfo", &x, &y) == 0)
		cm_ec2xml_child_text(x, y, "enaSupport", t->ena, sizeof(t->ena));
	return 0;
}
