/* EC2's XML answers (control/aws_xml.c): the shapes of AWS's documented
 * DescribeInstanceTypes, RunInstances and error responses. */
#include <errno.h>
#include <string.h>

#include "control/aws_xml.h"
#include "test.h"

static const char types[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<DescribeInstanceTypesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
	"<requestId>59dbff89</requestId><instanceTypeSet><item>"
	"<instanceType>m5.large</instanceType><processorInfo><supportedArchitectures>"
	"<item>x86_64</item></supportedArchitectures></processorInfo><ebsInfo>"
	"<nvmeSupport>required</nvmeSupport></ebsInfo><networkInfo><networkCards><item>"
	"<enaSupport>wrong-place</enaSupport></item></networkCards><enaSupport>required"
	"</enaSupport></networkInfo><supportedBootModes><item>legacy-bios</item>"
	"<item>uefi</item></supportedBootModes></item></instanceTypeSet>"
	"</DescribeInstanceTypesResponse>";

TEST(ec2xml_instance_type)
{
	struct cm_ec2_type t;

	CHECK_INT(cm_ec2xml_instance_type(types, sizeof(types) - 1, &t), 0);
	CHECK_STR(t.name, "m5.large");
	CHECK_STR(t.arch, "x86_64");
	CHECK_INT(t.boot_modes, CM_EC2_BIOS | CM_EC2_UEFI);
	CHECK_STR(t.nvme, "required");
	/* networkInfo's own enaSupport, not the one of a nested item */
	CHECK_STR(t.ena, "required");
}

TEST(ec2xml_instance_type_defaults)
{
	static const char t2[] = "<r><instanceTypeSet><item><instanceType>t2.micro</instanceType>"
		"<processorInfo><supportedArchitectures><item>x86_64</item>"
		"</supportedArchitectures></processorInfo></item></instanceTypeSet></r>";
	static const char arm[] = "<r><instanceTypeSet><item><instanceType>m6g.large"
		"</instanceType><processorInfo><supportedArchitectures><item>arm64</item>"
		"</supportedArchitectures></processorInfo></item></instanceTypeSet></r>";
	static const char none[] = "<r><instanceTypeSet/></r>";
	struct cm_ec2_type t;

	CHECK_INT(cm_ec2xml_instance_type(t2, sizeof(t2) - 1, &t), 0);
	CHECK_INT(t.boot_modes, CM_EC2_BIOS);	/* EC2's default on x86_64 */
	CHECK_STR(t.nvme, "");
	CHECK_INT(cm_ec2xml_instance_type(arm, sizeof(arm) - 1, &t), 0);
	CHECK_INT(t.boot_modes, CM_EC2_UEFI);	/* and on arm64 */
	CHECK_INT(cm_ec2xml_instance_type(none, sizeof(none) - 1, &t), -ENOENT);
	CHECK_INT(cm_ec2xml_instance_type(types, 200, &t), -ENOENT);	/* cut short */
}

TEST(ec2xml_error_and_text)
{
	static const char err[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors>"
		"<Error><Code>UnauthorizedOperation</Code><Message>You are not &quot;authorized"
		"&quot; &amp; that is it</Message></Error></Errors><RequestID>x</RequestID>"
		"</Response>";
	static const char run[] = "<RunInstancesResponse><instancesSet><item><instanceId>"
		"i-0abc</instanceId><tagSet><item><key>Name</key></item></tagSet></item><item>"
		"<instanceId>i-0def</instanceId></item></instancesSet></RunInstancesResponse>";
	char code[64], msg[128], id[32];
	const char *a, *b, *p, *in, *in_end;
	int n = 0;

	CHECK_INT(cm_ec2xml_error(err, sizeof(err) - 1, code, sizeof(code), msg, sizeof(msg)), 0);
	CHECK_STR(code, "UnauthorizedOperation");
	CHECK_STR(msg, "You are not \"authorized\" & that is it");
	CHECK_INT(cm_ec2xml_error(run, sizeof(run) - 1, code, sizeof(code), msg, sizeof(msg)),
		  -ENOENT);
	CHECK_INT(cm_ec2xml_text(run, run + sizeof(run) - 1, "instanceId", id, sizeof(id)), 0);
	CHECK_STR(id, "i-0abc");
	CHECK_INT(cm_ec2xml_text(run, run + sizeof(run) - 1, "instanceId", id, 4), -EMSGSIZE);
	CHECK_INT(cm_ec2xml_text(run, run + sizeof(run) - 1, "item", id, sizeof(id)), -ENOENT);
	CHECK_INT(cm_ec2xml_find(run, run + sizeof(run) - 1, "instancesSet", &a, &b), 0);
	for (p = a; cm_ec2xml_next_item(&p, b, &in, &in_end); n++)
		;
	CHECK_INT(n, 2);	/* the tagSet's item is inside the first */
}

TEST(ec2xml_child_text)
{
	static const char x[] = "<a><b><c>deep</c></b><e/><d x=\"1\">d1</d><c>top</c></a>";
	const char *a, *b;
	char out[16];

	CHECK_INT(cm_ec2xml_find(x, x + sizeof(x) - 1, "a", &a, &b), 0);
	CHECK_INT(cm_ec2xml_child_text(a, b, "c", out, sizeof(out)), 0);
	CHECK_STR(out, "top");
	CHECK_INT(cm_ec2xml_child_text(a, b, "d", out, sizeof(out)), 0);
	CHECK_STR(out, "d1");
	CHECK_INT(cm_ec2xml_child_text(a, b, "z", out, sizeof(out)), -ENOENT);
	CHECK_INT(cm_ec2xml_child_text(a, b, "b", out, sizeof(out)), -ENOENT);	/* not a leaf */
}
