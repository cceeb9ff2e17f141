#include <errno.h>

#include "clouds/clouds.h"
#include "detect/detect.h"
#include "detect/metadata.h"
#include "test.h"

static struct cm_instance inst;

static int doc(const struct cm_cloud *c, const char *json)
{
	return cm_md_parse_doc(c->md, json, strlen(json), &inst);
}

TEST(md_gcp_keeps_big_ids_exact)
{
	CHECK_INT(doc(&gcp_cloud, "{\"id\": 8736259342352342879, "
		      "\"zone\": \"projects/123/zones/us-central1-a\", "
		      "\"machineType\": \"projects/123/machineTypes/e2-medium\"}"), 0);
	CHECK_STR(inst.v[CM_MD_INSTANCE_ID], "8736259342352342879");
	CHECK_STR(inst.v[CM_MD_ZONE], "us-central1-a");
	CHECK_STR(inst.v[CM_MD_REGION], "us-central1");
	CHECK_STR(inst.v[CM_MD_INSTANCE_TYPE], "e2-medium");
}

TEST(md_aws_identity_document)
{
	CHECK_INT(doc(&aws_cloud, "{\"instanceId\": \"i-1234567890abcdef0\", "
		      "\"region\": \"us-west-2\", \"availabilityZone\": \"us-west-2b\", "
		      "\"instanceType\": \"t2.micro\", \"accountId\": \"123456789012\"}\n"), 0);
	CHECK_STR(inst.v[CM_MD_INSTANCE_ID], "i-1234567890abcdef0");
	CHECK_STR(inst.v[CM_MD_REGION], "us-west-2");
	CHECK_STR(inst.v[CM_MD_ZONE], "us-west-2b");
	CHECK_STR(inst.v[CM_MD_INSTANCE_TYPE], "t2.micro");
}

TEST(md_azure_nested_paths)
{
	CHECK_INT(doc(&azure_cloud, "{\"compute\": {\"vmId\": \"02aab8a4-74ef-476e-8182-f6d2ba4166a6\", "
		      "\"location\": \"westus\", \"zone\": \"\", \"vmSize\": \"Standard_A3\"}, "
		      "\"network\": {}}"), 0);
	CHECK_STR(inst.v[CM_MD_INSTANCE_ID], "02aab8a4-74ef-476e-8182-f6d2ba4166a6");
	CHECK_STR(inst.v[CM_MD_REGION], "westus");
	CHECK_STR(inst.v[CM_MD_ZONE], "");	/* empty: absent */
	CHECK_STR(inst.v[CM_MD_INSTANCE_TYPE], "Standard_A3");
}

TEST(md_upcloud_must_say_upcloud)
{
	/* DigitalOcean serves the same path */
	CHECK_INT(doc(&upcloud_cloud, "{\"droplet_id\": 2756294, \"region\": \"nyc3\"}"),
		  -ENODATA);
	CHECK_INT(doc(&upcloud_cloud, "{\"cloud_name\": \"upcloud\", "
		      "\"instance_id\": \"00133099-f1fd-4ed2-8ad0-1ac3b6e9c4d1\", "
		      "\"region\": \"fi-hel2\"}"), 0);
	CHECK_INT(doc(&digitalocean_cloud, "{\"droplet_id\": 2756294, \"region\": \"nyc3\"}"), 0);
	CHECK_STR(inst.v[CM_MD_INSTANCE_ID], "2756294");
}

TEST(md_bad_answers)
{
	CHECK_INT(doc(&aws_cloud, "{\"instanceId\": \"i-1\""), -EBADMSG);	/* cut */
	CHECK_INT(doc(&aws_cloud, "<html>404</html>"), -EBADMSG);
	CHECK_INT(doc(&aws_cloud, "[\"instanceId\"]"), -EBADMSG);
	CHECK_INT(doc(&aws_cloud, "{\"instanceId\": {\"x\": 1}}"), -ENODATA);
	CHECK_INT(doc(&aws_cloud, "{\"instanceId\": \"i-1\\n2\"}"), -ENODATA);
	CHECK_INT(doc(&aws_cloud, "{\"instanceId\": \"i-\\\"q\"}"), -ENODATA);
	CHECK_INT(doc(&aws_cloud, "{} {}"), -EBADMSG);
	CHECK_INT(doc(&gcp_cloud, "{\"id\": 99999999999999999999}"), -ENODATA);
	CHECK_INT(doc(&gcp_cloud, "{\"id\": 1.5e3}"), -ENODATA);
	CHECK_INT(cm_md_parse_doc(aws_cloud.md, "", 0, &inst), -EBADMSG);
}

TEST(md_plain_keys_and_tokens)
{
	static const struct cm_md_value key = { CM_MD_ZONE, "/x", CM_XF_NONE };
	static const struct cm_md_token ibm = { .json_path = "access_token" };
	char tok[64];

	CHECK_INT(cm_md_parse_key(&key, "fsn1-dc14\n", 10, &inst), 0);
	CHECK_STR(inst.v[CM_MD_ZONE], "fsn1-dc14");
	CHECK_INT(cm_md_parse_key(&key, "a\nb\n", 4, &inst), -EBADMSG);
	CHECK_INT(cm_md_parse_key(&key, "", 0, &inst), -ENODATA);
	CHECK_INT(cm_md_parse_token(aws_cloud.md->token, "AQAEAxyz==\n", 11, tok,
				    sizeof(tok)), 0);
	CHECK_STR(tok, "AQAEAxyz==");
	const char *ibm_answer = "{\"access_token\": \"eyJ0\", \"expires_in\": 300}";

	CHECK_INT(cm_md_parse_token(&ibm, ibm_answer, strlen(ibm_answer), tok,
				    sizeof(tok)), 0);
	CHECK_STR(tok, "eyJ0");
	CHECK_INT(cm_md_parse_token(&ibm, "{\"token\": 1}", 12, tok, sizeof(tok)),
		  -ENODATA);
	/* Akamai answers a JSON token request with a one-element array */
	CHECK_INT(cm_md_parse_token(linode_cloud.md->token, "[\"abc123\"]", 10,
				    tok, sizeof(tok)), 0);
	CHECK_STR(tok, "abc123");
	CHECK_INT(cm_md_parse_token(linode_cloud.md->token, "[]", 2, tok,
				    sizeof(tok)), -ENODATA);
}

TEST(md_every_cloud_spec_is_sane)
{
	const struct cm_cloud *const *all;
	size_t n, i;

	all = cm_clouds_all(&n);
	for (i = 0; i < n; i++) {
		const struct cm_metadata *md = all[i]->md;
		const struct cm_md_value *v;
		int has_id = 0;

		if (!md)
			continue;
		CHECK(md->host && !strncmp(md->host, "1", 1));
		CHECK(!!md->doc_path != !!md->keys);	/* one or the other */
		for (v = md->doc_path ? md->doc_values : md->keys; v && v->field; v++)
			has_id |= v->field == CM_MD_INSTANCE_ID;
		CHECK(has_id);
		if (md->token)
			CHECK(md->token->send_header && md->token->path);
	}
}

TEST(md_endpoint_parse)
{
	char host[64];
	unsigned port;

	CHECK_INT(cm_md_endpoint_parse("127.0.0.1:8080", host, sizeof(host), &port), 0);
	CHECK_STR(host, "127.0.0.1");
	CHECK_INT(port, 8080);
	CHECK_INT(cm_md_endpoint_parse("[::1]:80", host, sizeof(host), &port), 0);
	CHECK_STR(host, "[::1]");
	CHECK_INT(cm_md_endpoint_parse("localhost:1", host, sizeof(host), &port), 0);
	CHECK_INT(cm_md_endpoint_parse("127.0.0.1", host, sizeof(host), &port), -EINVAL);
	CHECK_INT(cm_md_endpoint_parse("127.0.0.1:0", host, sizeof(host), &port), -EINVAL);
	CHECK_INT(cm_md_endpoint_parse("127.0.0.1:65536", host, sizeof(host), &port), -EINVAL);
	CHECK_INT(cm_md_endpoint_parse(":80", host, sizeof(host), &port), -EINVAL);
	CHECK_INT(cm_md_endpoint_parse("a b:80", host, sizeof(host), &port), -EINVAL);
	CHECK_INT(cm_md_endpoint_parse("h:80x", host, sizeof(host), &port), -EINVAL);
	CHECK_INT(cm_md_endpoint_parse("1:2:3", host, sizeof(host), &port), -EINVAL);
}

TEST(md_refused_connection_is_fast)
{
	const struct cm_cloud *all[32];
	struct cm_md_opts o = { .timeout_ms = 2000, .endpoint = "127.0.0.1:9" };
	struct cm_md_outcome out;
	struct cm_verdict v = { .cloud = "kvm" };
	size_t n = 0;

	(void)v;
	all[n++] = &aws_cloud;
	all[n++] = &gcp_cloud;
	all[n++] = &azure_cloud;
	CHECK_INT(cm_metadata_probe(&o, all, n, &out), 0);
	CHECK(out.cloud == NULL);
	CHECK(out.elapsed_ms < 1000);	/* refused: not the 2 s budget (valgrind, loaded CI: slow) */
	CHECK_INT(out.n_notes, 3);
	o.endpoint = "nope";
	CHECK_INT(cm_metadata_probe(&o, all, n, &out), -EINVAL);
}

/* issue 15: a token answer refused for its bytes said "HTTP 200" only */
TEST(md_token_problem_says_what)
{
	static const struct cm_md_token ibm = { .json_path = "access_token" };
	char tok[64], why[160];
	const char *crlf = "AQAE\r\nX-Evil: 1\n";
	int r;

	r = cm_md_parse_token(aws_cloud.md->token, crlf, strlen(crlf), tok, sizeof(tok));
	CHECK_INT(r, -EBADMSG);
	cm_md_token_problem(aws_cloud.md->token, crlf, strlen(crlf), r, why, sizeof(why));
	CHECK_STR(why, "HTTP 200, but the token answer holds control bytes (CR/LF inside)");
	CHECK(!strstr(why, "AQAE"));
	cm_md_token_problem(aws_cloud.md->token, "a\x01" "b", 3, -EBADMSG, why, sizeof(why));
	CHECK_STR(why, "HTTP 200, but the token answer holds control bytes");
	cm_md_token_problem(aws_cloud.md->token, "a\"b", 3, -EBADMSG, why, sizeof(why));
	CHECK(strstr(why, "quotes, backslashes or non-ASCII"));
	cm_md_token_problem(aws_cloud.md->token, "\n", 1, -ENODATA, why, sizeof(why));
	CHECK_STR(why, "HTTP 200, but the token answer is empty");
	cm_md_token_problem(&ibm, "{}", 2, -ENODATA, why, sizeof(why));
	CHECK_STR(why, "HTTP 200, but the token answer's JSON has no access_token");
}
