/* libFuzzer: EC2's XML answers as control/aws.c reads them
 * (control/aws_xml.c).  Any bytes: no crash, no read past the input,
 * every span inside the input, every text NUL-terminated in its buffer,
 * the item walk always moves forward and ends. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/aws_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const char *s, const char *end, const char *a, const char *b)
{
	if (a < s || b > end || a > b)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size ? size : 1), code[64], msg[256], id[128];
	const char *end, *a, *b, *p, *before, *in, *in_end;
	struct cm_ec2_type t;

	if (!s)
		return 0;
	memcpy(s, data, size);
	end = s + size;
	if (cm_ec2xml_error(s, size, code, sizeof(code), msg, sizeof(msg)) == 0 && !code[0])
		abort();
	if (!memchr(code, '\0', sizeof(code)) || !memchr(msg, '\0', sizeof(msg)))
		abort();
	cm_ec2xml_text(s, end, "instanceId", id, sizeof(id));
	if (!memchr(id, '\0', sizeof(id)))
		abort();
	if (cm_ec2xml_instance_type(s, size, &t) == 0 && !t.name[0])
		abort();
	if (!memchr(t.arch, '\0', sizeof(t.arch)) || !memchr(t.nvme, '\0', sizeof(t.nvme)))
		abort();
	if (cm_ec2xml_find(s, end, "instancesSet", &a, &b) == 0) {
		inside(s, end, a, b);
		for (p = a; before = p, cm_ec2xml_next_item(&p, b, &in, &in_end); ) {
			inside(a, b, in, in_end);
			if (p <= before || p > b)
				abort();
		}
	}
	free(s);
	return 0;
}
