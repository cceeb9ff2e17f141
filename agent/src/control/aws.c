/* The aws control plane: the EC2 Query API (version 2016-11-15; AWS EC2
 * API reference: DescribeRegions, DescribeInstanceTypes, ImportSnapshot,
 * DescribeImportSnapshotTasks, RegisterImage, RunInstances,
 * GetConsoleOutput, StopInstances, TerminateInstances) and, for retire,
 * the instance metadata service (IMDSv2) for who this machine is and its
 * role's credentials.
 *
 * Every call is POST https://ec2.REGION.amazonaws.com/ with a form body
 * (Action=...&Version=2016-11-15&...), signed with SigV4 (service "ec2",
 * stream/sinks/s3_sigv4.c) over the body's hash, plus
 * X-Amz-Security-Token with temporary credentials (a role's).  Answers
 * are XML, read by control/aws_xml.c; a refusal is
 * <Response><Errors><Error><Code>...: logged as
 * "launch: aws: RunInstances: InsufficientInstanceCapacity: ...".
 *
 * Spec (launch): region, instance_type, subnet_id, name required;
 * security_group_ids (comma- or blank-separated; without it the subnet's
 * VPC default group applies, as in EC2), key_name (without it no SSH key:
 * the moved system keeps its own users and keys), api_endpoint optional.
 *
 * Images: ebs://REGION/snap-ID (what the ebs:// sink made) is registered
 * as it is; s3://BUCKET/KEY (a raw image) goes through ImportSnapshot
 * first (the vmimport service role must exist in the account, as for
 * `aws ec2 import-snapshot`), its task waited on.  RegisterImage: the
 * snapshot as /dev/xvda (gp3, deleted with the instance), hvm,
 * EnaSupport, the disk's architecture, BootMode from the disk's firmware:
 * uefi when it boots only UEFI, legacy-bios when only BIOS, and when it
 * boots both, uefi-preferred if the instance type boots UEFI (UEFI here,
 * still BIOS on a BIOS-only type) else legacy-bios. */
#include <errno.h>
#include <mbedtls/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../json.h"
#include "../log.h"
#include "../record/move.h"
#include "../stream/sinks/s3_sigv4.h"
#include "../stream/url.h"
#include "aws_xml.h"
#include "control.h"

#include <json-c/json.h>

#define EC2_VERSION		"2016-11-15"
#define EC2_BODY_MAX		(16 * 1024)
#define IMPORT_WAIT_S		(3 * 3600)	/* ImportSnapshot: hours at worst */
#define IMDS_DEFAULT		"169.254.169.254"

static const char *const keys[] = {
	"region", "instance_type", "subnet_id", "security_group_ids", "key_name",
	"name", "api_endpoint", NULL
};
static const char *const required[] = {
	"region", "instance_type", "subnet_id", "name", NULL
};

/* --- one EC2 call ------------------------------------------------------------ */

static const char *side(const struct cm_api *a)
{
	return a->spec ? "launch" : "retire";
}

static const struct cm_creds *creds_of(const struct cm_api *a)
{
	return a->spec ? a->creds : &a->self_creds;
}

static const char *region_of(const struct cm_api *a)
{
	const char *r = a->spec ? cm_spec_get(a->spec, "region") : a->self_region;

	return r && *r ? r : "us-east-1";
}

/* name=value, the value form-encoded, appended to the body */
static int param(struct cm_buf *b, const char *name, const char *value)
{
	int r = cm_buf_printf(b, "&%s=", name);

	return r < 0 ? r : cm_sigv4_uri_encode(b, value, 0);
}

struct ec2_headers {
	char host[300], date[48], auth[CM_SIGV4_AUTH_MAX + 16];
	char token[CM_CREDS_VALUE_MAX + 32];
	const char *list[8];
};

static int sign(const struct cm_api *a, const char *host, const struct cm_buf *body,
		struct ec2_headers *h)
{
	static const char ctype[] = "application/x-www-form-urlencoded; charset=utf-8";
	const struct cm_creds *c = creds_of(a);
	char amz_date[CM_AMZ_DATE], sum[CM_SHA256_HEX];
	struct cm_sigv4_hdr sh[4];
	const struct cm_sigv4_key key = { c->aws_access_key_id, c->aws_secret_access_key,
					  region_of(a), "ec2" };
	struct cm_sigv4_req q = { "POST", "/", "", sh, 0, sum, amz_date };
	size_t n = 0;
	int r;

	cm_amz_date((long long)time(NULL), amz_date);
	cm_sha256_hex(body->data, body->len, sum);
	sh[q.n_hdrs++] = (struct cm_sigv4_hdr){ "content-type", ctype };
	sh[q.n_hdrs++] = (struct cm_sigv4_hdr){ "host", host };
	sh[q.n_hdrs++] = (struct cm_sigv4_hdr){ "x-amz-date", amz_date };
	snprintf(h->host, sizeof(h->host), "Host: %s", host);
	snprintf(h->date, sizeof(h->date), "X-Amz-Date: %s", amz_date);
	h->list[n++] = "Content-Type: application/x-www-form-urlencoded; charset=utf-8";
	h->list[n++] = h->host;
	h->list[n++] = h->date;
	if (cm_sigv4_token(&q, sh, c->aws_session_token, h->token, sizeof(h->token)))
		h->list[n++] = h->token;
	r = cm_sigv4_auth_line(&key, &q, h->auth, sizeof(h->auth));
	h->list[n++] = h->auth;
	h->list[n] = NULL;
	return r;
}

/* EC2's error code as our errno (control.h's conventions). */
static int errno_of(const char *code, long status)
{
	static const struct { const char *prefix; int e; } map[] = {
		{ "AuthFailure", -EACCES }, { "SignatureDoesNotMatch", -EACCES },
		{ "UnauthorizedOperation", -EACCES }, { "InvalidClientTokenId", -EACCES },
		{ "OptInRequired", -EACCES }, { "Blocked", -EACCES },
		{ "InstanceLimitExceeded", -EDQUOT }, { "InsufficientInstanceCapacity", -EDQUOT },
		{ "VcpuLimitExceeded", -EDQUOT }, { "MaxSpotInstanceCountExceeded", -EDQUOT },
		{ "ResourceLimitExceeded", -EDQUOT }, { "InvalidInstanceType", -ENOENT },
		{ "InvalidParameterValue", -ENOTSUP }, { "Unsupported", -ENOTSUP },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strncmp(code, map[i].prefix, strlen(map[i].prefix)))
			return map[i].e;
	if (strstr(code, ".NotFound") || strstr(code, ".Malformed"))
		return -ENOENT;
	if (strstr(code, "LimitExceeded"))
		return -EDQUOT;
	return status >= 500 ? -EIO : status == 401 || status == 403 ? -EACCES : -EIO;
}

/* Action with params (each "&Name=value", encoded): 0 and the answer's
 * XML in resp (2xx), else -errno, logged with EC2's words. */
static int ec2_call(struct cm_api *a, const char *action, const char *params,
		    struct cm_http_resp *resp)
{
	char base[300], url[CM_URL_MAX], hosthdr[300], code[96], msg[512];
	struct ec2_headers *h;
	struct cm_buf body;
	struct cm_http_req q = { 0 };
	int r;

	snprintf(base, sizeof(base), "https://ec2.%s.amazonaws.com", region_of(a));
	r = cm_api_url(a, base, "/", url, sizeof(url), hosthdr, sizeof(hosthdr));
	if (r < 0)
		return cm_err(r, "%s: aws: %s: the endpoint URL", side(a), action);
	h = calloc(1, sizeof(*h));
	if (!h)
		return cm_err(-ENOMEM, "%s: aws", side(a));
	cm_buf_init(&body, EC2_BODY_MAX);
	r = cm_buf_printf(&body, "Action=%s&Version=%s%s", action, EC2_VERSION, params);
	if (r == 0)
		r = sign(a, base + 8, &body, h);
	if (r < 0) {
		free(h);
		cm_buf_free(&body);
		return cm_err(r < 0 ? r : -EINVAL, "%s: aws: %s: the request", side(a), action);
	}
	q.method = "POST";
	q.url = url;
	q.headers = h->list;
	q.body = body.data;
	q.body_len = body.len;
	r = cm_http_do_retry(&a->http, &q, resp);
	explicit_bzero(h, sizeof(*h));
	free(h);
	cm_buf_free(&body);
	if (r < 0)
		return cm_err(-EIO, "%s: aws: %s: %s", side(a), action,
			      r == -EMSGSIZE ? "answer too large" : a->http.why);
	if (resp->status / 100 == 2)
		return 0;
	if (!resp->body.data || cm_ec2xml_error(resp->body.data, resp->body.len, code,
						sizeof(code), msg, sizeof(msg)) < 0) {
		cm_log(CM_LOG_ERR, "%s: aws: %s: HTTP %ld", side(a), action, resp->status);
		return resp->status >= 500 ? -EIO : -EPROTO;
	}
	cm_log(CM_LOG_ERR, "%s: aws: %s: %s%s%s", side(a), action, code, msg[0] ? ": " : "", msg);
	return errno_of(code, resp->status);
}

/* The text of the first leaf tag of an answer: 0 or -EPROTO (logged). */
static int answer_text(const struct cm_api *a, const char *action,
		       const struct cm_http_resp *resp, const char *tag, char *out,
		       size_t size)
{
	const char *p = resp->body.data ? resp->body.data : "";

	if (cm_ec2xml_text(p, p + resp->body.len, tag, out, size) < 0 || !out[0])
		return cm_err(-EPROTO, "%s: aws: %s: no %s in the answer", side(a), action, tag);
	return 0;
}

/* &ClientToken=...: a retried request (a 5xx, a cut connection) is
 * then the same request to EC2, not a second instance or import. */
static int client_token(struct cm_buf *p)
{
	char token[CM_MOVE_ID_LEN + 1];
	int r = cm_move_id_new(token, sizeof(token));

	return r < 0 ? r : param(p, "ClientToken", token);
}

/* --- launch ----------------------------------------------------------------- */

static int aws_login(struct cm_api *a)
{
	const struct cm_creds *c = a->creds;
	struct cm_http_resp resp;
	struct cm_buf p;
	int r;

	if (!a->endpoint && a->spec && cm_spec_get(a->spec, "api_endpoint"))
		a->endpoint = cm_spec_get(a->spec, "api_endpoint");
	if (!c || !c->aws_access_key_id[0] || !c->aws_secret_access_key[0]) {
		cm_log(CM_LOG_ERR, "launch: aws: no credentials (--creds FILE with "
		       "aws_access_key_id and aws_secret_access_key)");
		return -EACCES;
	}
	cm_buf_init(&p, 1024);
	r = param(&p, "RegionName.1", region_of(a));
	cm_http_resp_init(&resp);
	if (r == 0)
		r = ec2_call(a, "DescribeRegions", p.data, &resp);
	cm_http_resp_free(&resp);
	cm_buf_free(&p);
	return r;
}

/* The type's facts as EC2 says them. */
static int describe(struct cm_api *a, struct cm_ec2_type *t)
{
	const char *type = cm_spec_get(a->spec, "instance_type");
	struct cm_http_resp resp;
	struct cm_buf p;
	int r;

	cm_buf_init(&p, 1024);
	r = param(&p, "InstanceType.1", type ? type : "");
	cm_http_resp_init(&resp);
	if (r == 0)
		r = ec2_call(a, "DescribeInstanceTypes", p.data, &resp);
	if (r == 0 && (!resp.body.data ||
		       cm_ec2xml_instance_type(resp.body.data, resp.body.len, t) < 0)) {
		cm_log(CM_LOG_ERR, "launch: aws: DescribeInstanceTypes: no instance type %s", type);
		r = -ENOENT;
	}
	cm_http_resp_free(&resp);
	cm_buf_free(&p);
	return r;
}

static int aws_describe_type(struct cm_api *a, struct cm_target_facts *f)
{
	struct cm_ec2_type t;
	int r = describe(a, &t);
	int nvme, ena;

	if (r < 0)
		return r;
	memset(f, 0, sizeof(*f));
	nvme = t.nvme[0] && strcmp(t.nvme, "unsupported");
	ena = t.ena[0] && strcmp(t.ena, "unsupported");
	snprintf(f->instance_type, sizeof(f->instance_type), "%s", t.name);
	snprintf(f->arch, sizeof(f->arch), "%s", t.arch);
	f->boot_modes = (t.boot_modes & CM_EC2_BIOS ? CM_BOOT_BIOS : 0) |
			(t.boot_modes & CM_EC2_UEFI ? CM_BOOT_UEFI : 0);
	f->nvme = nvme;
	snprintf(f->drivers, sizeof(f->drivers), "%s%s%s", ena ? "ena" : "",
		 ena && nvme ? " " : "", nvme ? "nvme" : "");
	snprintf(f->source, sizeof(f->source), "ec2 DescribeInstanceTypes %s", t.name);
	return 0;
}

/* DescribeImportSnapshotTasks until the task ends: its snapshot id. */
static int wait_import(struct cm_api *a, const char *task, char *snap, size_t size)
{
	char status[32], why[256];
	time_t deadline = time(NULL) + IMPORT_WAIT_S;
	unsigned delay = 1;
	struct cm_buf p;
	int r;

	cm_buf_init(&p, 1024);
	r = param(&p, "ImportTaskId.1", task);
	while (r == 0) {
		struct cm_http_resp resp;
		const char *b;

		cm_http_resp_init(&resp);
		r = ec2_call(a, "DescribeImportSnapshotTasks", p.data, &resp);
		b = resp.body.data ? resp.body.data : "";
		if (r == 0)
			r = answer_text(a, "DescribeImportSnapshotTasks", &resp, "status", status,
					sizeof(status));
		if (r == 0 && !strcmp(status, "completed"))
			r = answer_text(a, "DescribeImportSnapshotTasks", &resp, "snapshotId",
					snap, size);
		else if (r == 0 && (!strcmp(status, "deleted") || !strcmp(status, "deleting") ||
				    !strcmp(status, "error"))) {
			cm_ec2xml_text(b, b + resp.body.len, "statusMessage", why, sizeof(why));
			cm_log(CM_LOG_ERR, "launch: aws: ImportSnapshot %s: %s%s%s", task, status,
			       why[0] ? ": " : "", why);
			r = -EIO;
		}
		cm_http_resp_free(&resp);
		if (r < 0 || !strcmp(status, "completed"))
			break;
		if (time(NULL) > deadline) {
			cm_log(CM_LOG_ERR, "launch: aws: ImportSnapshot %s: not done after %d s",
			       task, IMPORT_WAIT_S);
			r = -ETIMEDOUT;
			break;
		}
		sleep(delay);
		delay = delay < 15 ? delay * 2 : 15;
	}
	cm_buf_free(&p);
	return r;
}

static int import_snapshot(struct cm_api *a, const struct cm_url *u, char *snap, size_t size)
{
	char task[CM_API_ID_MAX];
	struct cm_http_resp resp;
	struct cm_buf p;
	int r;

	cm_buf_init(&p, 4096);
	r = param(&p, "DiskContainer.Format", "RAW");
	if (r == 0)
		r = param(&p, "DiskContainer.UserBucket.S3Bucket", u->host);
	if (r == 0)
		r = param(&p, "DiskContainer.UserBucket.S3Key", u->path);
	if (r == 0)
		r = param(&p, "Description", "cloudmove image");
	if (r == 0)
		r = client_token(&p);
	cm_http_resp_init(&resp);
	if (r == 0)
		r = ec2_call(a, "ImportSnapshot", p.data, &resp);
	if (r == 0)
		r = answer_text(a, "ImportSnapshot", &resp, "importTaskId", task, sizeof(task));
	cm_http_resp_free(&resp);
	cm_buf_free(&p);
	if (r == 0)
		cm_info("launch: aws: ImportSnapshot %s from s3://%s/%s", task, u->host, u->path);
	return r < 0 ? r : wait_import(a, task, snap, size);
}

/* BootMode for a disk that boots with firmware (see the top). */
static int boot_mode(struct cm_api *a, unsigned firmware, const char **mode)
{
	struct cm_ec2_type t;
	int r;

	*mode = NULL;
	if (firmware == CM_BOOT_UEFI)
		*mode = "uefi";
	else if (firmware == CM_BOOT_BIOS)
		*mode = "legacy-bios";
	if (firmware != (CM_BOOT_BIOS | CM_BOOT_UEFI))
		return 0;
	r = describe(a, &t);
	if (r < 0)
		return r;
	*mode = t.boot_modes & CM_EC2_UEFI ? "uefi-preferred" : "legacy-bios";
	return 0;
}

static int register_image(struct cm_api *a, const struct cm_image_facts *img,
			  struct cm_launch_result *res)
{
	const char *name = cm_spec_get(a->spec, "name"), *mode;
	char ami_name[CM_API_ID_MAX];
	struct cm_http_resp resp;
	struct cm_buf p;
	int r = boot_mode(a, img->firmware, &mode);

	if (r < 0)
		return r;
	/* AMI names are unique in an account: the snapshot's id makes it so */
	snprintf(ami_name, sizeof(ami_name), "%.100s-%.120s", name ? name : "cloudmove",
		 res->snapshot_id);
	cm_buf_init(&p, 4096);
	r = param(&p, "Name", ami_name);
	if (r == 0)
		r = param(&p, "Architecture", img->arch[0] ? img->arch : "x86_64");
	if (r == 0)
		r = param(&p, "RootDeviceName", "/dev/xvda");
	if (r == 0)
		r = param(&p, "VirtualizationType", "hvm");
	if (r == 0)
		r = param(&p, "EnaSupport", "true");
	if (r == 0)
		r = param(&p, "BlockDeviceMapping.1.DeviceName", "/dev/xvda");
	if (r == 0)
		r = param(&p, "BlockDeviceMapping.1.Ebs.SnapshotId", res->snapshot_id);
	if (r == 0)
		r = param(&p, "BlockDeviceMapping.1.Ebs.VolumeType", "gp3");
	if (r == 0)
		r = param(&p, "BlockDeviceMapping.1.Ebs.DeleteOnTermination", "true");
	if (r == 0 && mode)
		r = param(&p, "BootMode", mode);
	cm_http_resp_init(&resp);
	if (r == 0)
		r = ec2_call(a, "RegisterImage", p.data, &resp);
	if (r == 0)
		r = answer_text(a, "RegisterImage", &resp, "imageId", res->image_id,
				sizeof(res->image_id));
	cm_http_resp_free(&resp);
	cm_buf_free(&p);
	if (r == 0)
		cm_info("launch: aws: image %s from %s (BootMode %s)", res->image_id,
			res->snapshot_id, mode ? mode : "the type's default");
	return r;
}

static int aws_import_image(struct cm_api *a, const char *image_url,
			    const struct cm_image_facts *img, struct cm_launch_result *res)
{
	struct cm_url *u = calloc(1, sizeof(*u));
	int r;

	if (!u)
		return cm_err(-ENOMEM, "launch: aws");
	snprintf(res->region, sizeof(res->region), "%s", region_of(a));
	r = cm_url_parse(image_url, strlen(image_url), u);
	if (r == 0 && u->scheme == CM_URL_EBS && u->path[0]) {
		if (strcmp(u->host, region_of(a)))
			cm_log(CM_LOG_ERR, "launch: aws: the snapshot is in %s, the spec's region "
			       "is %s", u->host, region_of(a));
		r = strcmp(u->host, region_of(a)) ? -EINVAL : 0;
		snprintf(res->snapshot_id, sizeof(res->snapshot_id), "%.64s", u->path);
	} else if (r == 0 && u->scheme == CM_URL_S3) {
		r = import_snapshot(a, u, res->snapshot_id, sizeof(res->snapshot_id));
	} else {
		cm_log(CM_LOG_ERR, "launch: aws: --image %.*s: want ebs://REGION/snap-ID or "
		       "s3://BUCKET/KEY", (int)strcspn(image_url, "?"), image_url);
		r = -EINVAL;
	}
	free(u);
	return r < 0 ? r : register_image(a, img, res);
}

/* security_group_ids: "sg-1,sg-2" or "sg-1 sg-2" */
static int security_groups(struct cm_buf *p, const char *list)
{
	char name[48], id[128];
	unsigned n = 0;
	int r = 0;

	while (list && *list && r == 0) {
		size_t k;

		list += strspn(list, ", \t");
		k = strcspn(list, ", \t");
		if (!k)
			break;
		if (k >= sizeof(id))
			return -EINVAL;
		memcpy(id, list, k);
		id[k] = '\0';
		snprintf(name, sizeof(name), "SecurityGroupId.%u", ++n);
		r = param(p, name, id);
		list += k;
	}
	return r;
}

static int aws_run_instance(struct cm_api *a, const struct cm_image_facts *img,
			    const char *move_id, struct cm_launch_result *res)
{
	const struct cm_spec *s = a->spec;
	const char *key = cm_spec_get(s, "key_name");
	struct cm_http_resp resp;
	struct cm_buf p;
	int r;

	(void)img;
	cm_buf_init(&p, 8192);
	r = param(&p, "ImageId", res->image_id);
	if (r == 0)
		r = param(&p, "InstanceType", cm_spec_get(s, "instance_type"));
	if (r == 0)
		r = cm_buf_addstr(&p, "&MinCount=1&MaxCount=1");
	if (r == 0)
		r = client_token(&p);
	if (r == 0)
		r = param(&p, "SubnetId", cm_spec_get(s, "subnet_id"));
	if (r == 0)
		r = security_groups(&p, cm_spec_get(s, "security_group_ids"));
	if (r == 0 && key)
		r = param(&p, "KeyName", key);
	if (r == 0)
		r = cm_buf_addstr(&p, "&TagSpecification.1.ResourceType=instance"
				  "&TagSpecification.1.Tag.1.Key=Name");
	if (r == 0)
		r = param(&p, "TagSpecification.1.Tag.1.Value", cm_spec_get(s, "name"));
	if (r == 0 && move_id && *move_id) {
		r = param(&p, "TagSpecification.1.Tag.2.Key", "cloudmove:move-id");
		if (r == 0)
			r = param(&p, "TagSpecification.1.Tag.2.Value", move_id);
	}
	if (r < 0) {
		cm_buf_free(&p);
		return cm_err(-EINVAL, "launch: aws: RunInstances: the request");
	}
	cm_http_resp_init(&resp);
	r = ec2_call(a, "RunInstances", p.data, &resp);
	if (r == 0)
		r = answer_text(a, "RunInstances", &resp, "instanceId", res->instance_id,
				sizeof(res->instance_id));
	cm_http_resp_free(&resp);
	cm_buf_free(&p);
	if (r == 0)
		cm_info("launch: aws: instance %s (%s) from %s", res->instance_id,
			cm_spec_get(s, "instance_type"), res->image_id);
	return r;
}

/* base64 text [in, in_end) decoded into out (replacing it). */
static int base64_into(struct cm_buf *out, const char *in, const char *in_end)
{
	size_t need = 0, n = 0;
	int r;

	cm_buf_reset(out);
	mbedtls_base64_decode(NULL, 0, &need, (const unsigned char *)in, (size_t)(in_end - in));
	if (!need)
		return 0;
	r = cm_buf_add(out, in, need);		/* room: need bytes and the NUL */
	if (r < 0)
		return r;
	if (mbedtls_base64_decode((unsigned char *)out->data, need, &n,
				  (const unsigned char *)in, (size_t)(in_end - in)))
		return -EPROTO;
	out->len = n;
	out->data[n] = '\0';
	return 0;
}

static int aws_console(struct cm_api *a, const struct cm_launch_result *res,
		       struct cm_buf *out)
{
	struct cm_http_resp resp;
	const char *b, *in, *in_end;
	struct cm_buf p;
	int r;

	cm_buf_reset(out);
	cm_buf_init(&p, 1024);
	r = param(&p, "InstanceId", res->instance_id);
	cm_http_resp_init(&resp);
	if (r == 0)
		r = ec2_call(a, "GetConsoleOutput", p.data, &resp);
	cm_buf_free(&p);
	b = resp.body.data ? resp.body.data : "";
	/* no <output> yet: nothing printed so far */
	if (r == 0 && cm_ec2xml_find(b, b + resp.body.len, "output", &in, &in_end) == 0 &&
	    base64_into(out, in, in_end) < 0)
		r = cm_err(-EPROTO, "launch: aws: GetConsoleOutput: the output is not base64");
	cm_http_resp_free(&resp);
	return r;
}

/* --- retire: who am I, with which credentials (IMDSv2) ------------------------- */

/* GET (or PUT for the token) of an IMDS path into out (its text). */
static int imds(struct cm_api *a, const char *method, const char *path, const char *token,
		char *out, size_t size, long *status)
{
	char url[512], hdr[128];
	const char *hdrs[2] = { hdr, NULL };
	struct cm_http_req q = { 0 };
	struct cm_http_resp resp;
	int r;

	snprintf(url, sizeof(url), "http://%s%s", a->metadata_endpoint ?
		 a->metadata_endpoint : IMDS_DEFAULT, path);
	if (token)
		snprintf(hdr, sizeof(hdr), "X-aws-ec2-metadata-token: %s", token);
	else
		snprintf(hdr, sizeof(hdr), "X-aws-ec2-metadata-token-ttl-seconds: 300");
	q.method = method;
	q.url = url;
	q.headers = hdrs;
	q.body = !strcmp(method, "PUT") ? "" : NULL;
	q.timeout_ms = 5000;
	cm_http_resp_init(&resp);
	r = cm_http_do_retry(&a->http, &q, &resp);
	*status = resp.status;
	if (r == 0 && resp.status == 200) {
		if (resp.body.len >= size)
			r = -EMSGSIZE;
		else {
			memcpy(out, resp.body.data ? resp.body.data : "", resp.body.len);
			out[resp.body.len] = '\0';
		}
	} else if (r == 0) {
		r = -ENOENT;
	}
	explicit_bzero(hdr, sizeof(hdr));
	cm_http_resp_free(&resp);
	return r;
}

/* The role's credentials document into a->self_creds. */
static int role_creds(struct cm_api *a, const char *doc)
{
	struct json_object *root = NULL;
	struct cm_creds *c = &a->self_creds;
	char code[32] = "";
	int r = cm_json_parse(doc, strlen(doc), 16 * 1024, &root);

	if (r == 0) {
		cm_json_get_text(root, "Code", code, sizeof(code));
		if (strcmp(code, "Success") ||
		    cm_json_get_text(root, "AccessKeyId", c->aws_access_key_id,
				     sizeof(c->aws_access_key_id)) < 0 ||
		    cm_json_get_text(root, "SecretAccessKey", c->aws_secret_access_key,
				     sizeof(c->aws_secret_access_key)) < 0 ||
		    cm_json_get_text(root, "Token", c->aws_session_token,
				     sizeof(c->aws_session_token)) < 0)
			r = -EPROTO;
		json_object_put(root);
	}
	return r;
}

static int aws_self_login(struct cm_api *a)
{
	char *buf = calloc(1, 16 * 1024), token[256], role[256], path[384];
	long status = 0;
	int r;

	if (!buf)
		return cm_err(-ENOMEM, "retire: aws");
	r = imds(a, "PUT", "/latest/api/token", NULL, token, sizeof(token), &status);
	if (r < 0)
		cm_log(CM_LOG_ERR, "retire: aws: no IMDSv2 token from the metadata service "
		       "(HTTP %ld)", status);
	if (r == 0 && (r = imds(a, "GET", "/latest/meta-data/instance-id", token, a->self_id,
				sizeof(a->self_id), &status)) < 0)
		cm_log(CM_LOG_ERR, "retire: aws: no instance-id in the metadata (HTTP %ld)", status);
	if (r == 0 && (r = imds(a, "GET", "/latest/meta-data/placement/region", token,
				a->self_region, sizeof(a->self_region), &status)) < 0)
		cm_log(CM_LOG_ERR, "retire: aws: no placement/region in the metadata (HTTP %ld)",
		       status);
	if (r == 0 && (r = imds(a, "GET", "/latest/meta-data/iam/security-credentials/", token,
				role, sizeof(role), &status)) < 0) {
		cm_log(CM_LOG_ERR, "retire: aws: this instance has no IAM role "
		       "(iam/security-credentials/: HTTP %ld)", status);
		r = -EACCES;
	}
	if (r == 0) {
		role[strcspn(role, "\r\n")] = '\0';
		snprintf(path, sizeof(path), "/latest/meta-data/iam/security-credentials/%s", role);
		r = imds(a, "GET", path, token, buf, 16 * 1024, &status);
		if (r == 0)
			r = role_creds(a, buf);
		if (r < 0) {
			cm_log(CM_LOG_ERR, "retire: aws: no credentials for role %s in the "
			       "metadata (HTTP %ld)", role, status);
			r = -EACCES;
		}
	}
	explicit_bzero(token, sizeof(token));
	explicit_bzero(buf, 16 * 1024);
	free(buf);
	if (r == 0)
		cm_info("retire: aws: %s in %s, role %s", a->self_id, a->self_region, role);
	return r;
}

static int aws_retire_self(struct cm_api *a, int delete)
{
	const char *action = delete ? "TerminateInstances" : "StopInstances";
	struct cm_http_resp resp;
	struct cm_buf p;
	int r;

	cm_buf_init(&p, 1024);
	r = param(&p, "InstanceId.1", a->self_id);
	cm_http_resp_init(&resp);
	if (r == 0)
		r = ec2_call(a, action, p.data, &resp);
	cm_http_resp_free(&resp);
	cm_buf_free(&p);
	if (r == 0)
		cm_info("retire: aws: %s %s", action, a->self_id);
	return r;
}

static void aws_retire_hint(const struct cm_api *a, int delete, char *out, size_t size)
{
	snprintf(out, size, "aws ec2 %s --region %s --instance-ids %s",
		 delete ? "terminate-instances" : "stop-instances",
		 a->self_region[0] ? a->self_region : "REGION",
		 a->self_id[0] ? a->self_id : "INSTANCE-ID");
}

const struct cm_cloud_api cm_api_aws = {
	.cloud = "aws",
	.spec_keys = keys,
	.spec_required = required,
	.login = aws_login,
	.describe_type = aws_describe_type,
	.import_image = aws_import_image,
	.run_instance = aws_run_instance,
	.console = aws_console,
	.self_login = aws_self_login,
	.retire_self = aws_retire_self,
	.retire_hint = aws_retire_hint,
};
