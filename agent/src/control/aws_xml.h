/* The EC2 Query API's XML answers, the bits control/aws.c reads: an
 * element's span (nesting of the same name counted), a leaf's text (the
 * predefined entities decoded), the <item>s
 * of a set, the <Errors><Error> of a refusal, and an instance type's facts
 * out of a DescribeInstanceTypes answer.  Not an XML parser: EC2's
 * documents are machine-written (no CDATA, no comments); anything odd is
 * "not found".  Pure (the input need not be NUL-terminated), fuzzed
 * (agent/fuzz/fuzz_ec2xml.c). */
#ifndef CM_CONTROL_AWS_XML_H
#define CM_CONTROL_AWS_XML_H

#include <stddef.h>

/* The first <tag> (or <tag attr...>) at any depth in [p, end) and its
 * matching </tag>: *in .. *in_end is what lies between (empty for <tag/>).
 * 0 or -ENOENT. */
int cm_ec2xml_find(const char *p, const char *end, const char *tag,
		   const char **in, const char **in_end);

/* The text of the first leaf <tag> in [p, end), decoded, into out.
 * 0, -ENOENT or -EMSGSIZE (out is then ""). */
int cm_ec2xml_text(const char *p, const char *end, const char *tag, char *out,
		   size_t size);

/* The text of the direct child <tag> of the span [p, end) (not one
 * deeper down), decoded: 0, -ENOENT or -EMSGSIZE (out is then ""). */
int cm_ec2xml_child_text(const char *p, const char *end, const char *tag, char *out,
			 size_t size);

/* The next <item> ... </item> from *p (children of a set: nested items
 * are skipped whole): 1 with its inner span and *p past it, 0 when there
 * is none left. */
int cm_ec2xml_next_item(const char **p, const char *end, const char **in,
			const char **in_end);

/* A refusal's <Response><Errors><Error><Code>/<Message>: 0 (code set,
 * msg possibly "") or -ENOENT. */
int cm_ec2xml_error(const char *p, size_t len, char *code, size_t code_size,
		    char *msg, size_t msg_size);

#define CM_EC2_BIOS	0x1	/* as CM_BOOT_BIOS */
#define CM_EC2_UEFI	0x2	/* as CM_BOOT_UEFI */

struct cm_ec2_type {
	char name[64];
	char arch[16];		/* the first supported architecture */
	unsigned boot_modes;	/* CM_EC2_*, from supportedBootModes; EC2's
				 * default when absent: BIOS on x86_64,
				 * UEFI on arm64 */
	char nvme[16];		/* ebsInfo/nvmeSupport: required, supported,
				 * unsupported, "" */
	char ena[16];		/* networkInfo/enaSupport: same */
};

/* The first instance type of a DescribeInstanceTypes answer: 0 or
 * -ENOENT (none, or no name). */
int cm_ec2xml_instance_type(const char *p, size_t len, struct cm_ec2_type *t);

#endif
