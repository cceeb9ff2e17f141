/* S3's XML answers (stream/sinks/s3_xml.c): the shapes of AWS's documented
 * ListParts, InitiateMultipartUpload and Error responses. */
#include <errno.h>

#include "stream/sinks/s3_xml.h"
#include "test.h"

static const char list_parts[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<ListPartsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
	"<Bucket>example-bucket</Bucket><Key>example-object</Key>"
	"<UploadId>XXBsb2FkIElEIGZvciBlbHZpbmcncyVcdS1tb3ZpZS5tMnRzEEEwbG9hZA</UploadId>"
	"<PartNumberMarker>1</PartNumberMarker><NextPartNumberMarker>3</NextPartNumberMarker>"
	"<MaxParts>2</MaxParts><IsTruncated>true</IsTruncated>"
	"<Part><PartNumber>2</PartNumber><LastModified>2010-11-10T20:48:34.000Z</LastModified>"
	"<ETag>&quot;7778aef83f66abc1fa1e8477f296d394&quot;</ETag><Size>10485760</Size></Part>"
	"<Part><PartNumber>3</PartNumber><LastModified>2010-11-10T20:48:33.000Z</LastModified>"
	"<ETag>\"aaaa18db4cc2f85cedef654fccc4a4x8\"</ETag><Size>10485760</Size></Part>"
	"<Part><PartNumber>x</PartNumber><ETag>\"e\"</ETag><Size>5</Size></Part>"
	"<Part><PartNumber>4</PartNumber><ETag>\"e\"</ETag>"
	"</ListPartsResult>";

TEST(s3xml_list_parts)
{
	const char *p = list_parts, *end = list_parts + sizeof(list_parts) - 1;
	struct cm_s3xml_part part;
	char more[8];

	CHECK_INT(cm_s3xml_text(p, end, "IsTruncated", more, sizeof(more)), 0);
	CHECK(!strcmp(more, "true"));
	CHECK_INT(cm_s3xml_next_part(&p, end, &part), 1);
	CHECK_INT(part.number, 2);
	CHECK_INT(part.size, 10485760);
	CHECK(!strcmp(part.etag, "\"7778aef83f66abc1fa1e8477f296d394\""));
	CHECK_INT(cm_s3xml_next_part(&p, end, &part), 1);
	CHECK_INT(part.number, 3);
	CHECK_INT(cm_s3xml_next_part(&p, end, &part), 1);	/* a bad number */
	CHECK_INT(part.number, 0);
	CHECK_INT(cm_s3xml_next_part(&p, end, &part), 0);	/* no </Part> */
}

TEST(s3xml_upload_id_and_error)
{
	static const char init[] = "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
				   "<UploadId>VXBsb2FkIElE&amp;x</UploadId></InitiateMultipartUploadResult>";
	static const char err[] = "<Error><Code>NoSuchBucket</Code><Message>The specified "
				  "bucket does not exist</Message></Error>";
	char id[16], small[4];

	CHECK_INT(cm_s3xml_text(init, init + sizeof(init) - 1, "UploadId", id, sizeof(id)), 0);
	CHECK(!strcmp(id, "VXBsb2FkIElE&x"));
	CHECK_INT(cm_s3xml_text(err, err + sizeof(err) - 1, "Code", id, sizeof(id)), 0);
	CHECK(!strcmp(id, "NoSuchBucket"));
	CHECK_INT(cm_s3xml_text(err, err + sizeof(err) - 1, "Message", small, sizeof(small)), -EMSGSIZE);
	CHECK(!strcmp(small, ""));
	CHECK_INT(cm_s3xml_text(err, err + 20, "Code", id, sizeof(id)), -ENOENT);
	CHECK_INT(cm_s3xml_text(err, err + sizeof(err) - 1, "UploadId", id, sizeof(id)), -ENOENT);
}
