/* The azure control plane (see control.h): Azure Resource Manager with a
 * service principal's token (launch) or the VM's managed identity
 * (retire).
 *
 *   login          POST login.microsoftonline.com/TENANT/oauth2/v2.0/token
 *                  (client_credentials, scope management.azure.com/.default),
 *                  then GET /subscriptions/SUB (the cheap check)
 *   describe_type  GET .../providers/Microsoft.Compute/skus?$filter=location
 *                  eq 'LOC' (pages followed), the size's capabilities
 *   import_image   PUT .../disks/NAME-osdisk, createOption Import from the
 *                  page blob the stream wrote (a fixed VHD), hyperVGeneration
 *                  from the disk's firmware and the size's; waits on its
 *                  Azure-AsyncOperation
 *   run_instance   PUT .../networkInterfaces/NAME-nic in subnet_id, then PUT
 *                  .../virtualMachines/NAME attaching the disk, boot
 *                  diagnostics on (managed storage), tag cloudmove-move-id
 *   console        POST .../retrieveBootDiagnosticsData, GET its
 *                  serialConsoleLogBlobUri (a SAS URL: no token sent)
 *   self_login     IMDS: /metadata/instance, then the managed identity's
 *                  token (/metadata/identity/oauth2/token)
 *   retire_self    POST .../deallocate (compute billing ends; "stop" from
 *                  inside leaves a VM that is still billed) or DELETE
 *
 * The bearer token goes only to management.azure.com (an operation URL
 * or nextLink naming another host is refused), never to a blob URL. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../log.h"
#include "azure_proto.h"
#include "control.h"

#define API_SUBSCRIPTIONS	"2022-12-01"
#define API_SKUS		"2021-07-01"
#define API_DISKS		"2024-03-02"
#define API_COMPUTE		"2024-07-01"
#define API_NETWORK		"2024-05-01"
#define API_IMDS		"2021-02-01"
#define API_IMDS_TOKEN		"2018-02-01"

#define LRO_DISK_S	(60 * 60)	/* an import of a big disk takes a while */
#define LRO_S		(20 * 60)
#define SKUS_PAGES_MAX	64
#define SKUS_BODY_MAX	(64u * 1024 * 1024)
#define CONSOLE_MAX	(16u * 1024 * 1024)
#define URL_MAX		4096

static const char *const keys[] = {
	"subscription_id", "resource_group", "location", "vm_size", "subnet_id", "name",
	"api_endpoint", "storage_account_id", NULL
};
static const char *const required[] = {
	"subscription_id", "resource_group", "location", "vm_size", "subnet_id", "name", NULL
};

static const char *spec(const struct cm_api *a, const char *name)
{
	const char *v = a->spec ? cm_spec_get(a->spec, name) : NULL;

	return v ? v : "";
}

/* One clear line, the errno returned. */
static int fail(struct cm_api *a, int r, const char *what, const char *detail)
{
	cm_log(CM_LOG_ERR, "%s: azure: %s%s%s", a->spec ? "launch" : "retire", what,
	       detail && *detail ? ": " : "", detail ? detail : "");
	return r;
}

/* ARM's refusal in resp: one line (the call, the code, the message), the
 * errno for it. */
static int refused(struct cm_api *a, const char *what, const struct cm_http_resp *resp)
{
	char line[600], code[96], msg[384];
	long st = resp->status;
	int r;

	cm_az_error_parse(resp->body.data ? resp->body.data : "", resp->body.len,
			  code, sizeof(code), msg, sizeof(msg));
	if (st == 401 || st == 403)
		r = -EACCES;
	else if (st == 404)
		r = -ENOENT;
	else if (strstr(code, "Quota") || strstr(code, "SkuNotAvailable") ||
		 strstr(code, "AllocationFailed") ||
		 (!strcmp(code, "OperationNotAllowed") && strstr(msg, "quota")))
		r = -EDQUOT;
	else if (strstr(msg, "Hypervisor Generation"))
		r = -ENOTSUP;
	else
		r = st >= 400 && st < 500 ? -EINVAL : -EIO;
	if (code[0])
		snprintf(line, sizeof(line), "%s: %s (HTTP %ld)", code, msg, st);
	else
		snprintf(line, sizeof(line), "HTTP %ld", st);
	return fail(a, r, what, line);
}

static int sp_token(struct cm_api *a);
static int renewing;	/* inside the one renewal of an expired token */

/* ARM's 401 for a token past its time (ExpiredAuthenticationToken). */
static int token_expired(const struct cm_http_resp *resp)
{
	char code[64], msg[8];

	return cm_az_error_parse(resp->body.data ? resp->body.data : "", resp->body.len, code,
				 sizeof(code), msg, sizeof(msg)) == 0 &&
	       !strcmp(code, "ExpiredAuthenticationToken");
}

/* One request to base+path (cm_api_url: --api-endpoint keeps the Host).
 * bearer: send a->token.  0 (resp->status says the rest) or -errno,
 * logged. */
static int call(struct cm_api *a, const char *method, const char *base, const char *path,
		const char *const *extra, const char *body, size_t body_len, int bearer,
		struct cm_http_resp *resp, const char *what)
{
	char url[URL_MAX], host[300], auth[CM_CREDS_VALUE_MAX + 32];
	const char *hdrs[8];
	struct cm_http_req q = { 0 };
	size_t n = 0;
	int r;

	if (cm_api_url(a, base, path, url, sizeof(url), host, sizeof(host)) < 0)
		return fail(a, -ENAMETOOLONG, what, "URL too long");
	if (host[0])
		hdrs[n++] = host;
	if (bearer) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", a->token);
		hdrs[n++] = auth;
	}
	if (body && !(extra && *extra))
		hdrs[n++] = "Content-Type: application/json";
	hdrs[n++] = "Accept: application/json";
	for (; extra && *extra && n + 1 < sizeof(hdrs) / sizeof(hdrs[0]); extra++)
		hdrs[n++] = *extra;
	hdrs[n] = NULL;
	q.method = method;
	q.url = url;
	q.headers = hdrs;
	q.body = body;
	q.body_len = body_len;
	r = cm_http_do_retry(&a->http, &q, resp);
	explicit_bzero(auth, sizeof(auth));
	if (r < 0)
		return fail(a, r == -EMSGSIZE ? -EIO : r, what,
			    r == -EMSGSIZE ? "answer too large" : a->http.why);
	/* A token lasts about an hour, an import of a big disk may take
	 * longer: an expired one is renewed once, with the service principal
	 * (launch; a managed identity's outlives a retire). */
	if (bearer && resp->status == 401 && a->spec && a->creds && !renewing &&
	    token_expired(resp)) {
		renewing = 1;
		cm_info("launch: azure: the token expired, asking for a new one");
		r = sp_token(a);
		if (r == 0)
			r = call(a, method, base, path, extra, body, body_len, bearer, resp, what);
		renewing = 0;
		return r;
	}
	return 0;
}

static int arm(struct cm_api *a, const char *method, const char *path,
	       struct json_object *body, struct cm_http_resp *resp, const char *what)
{
	const char *b = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN) : NULL;

	return call(a, method, CM_AZ_ARM, path, NULL, b, b ? strlen(b) : 0, 1, resp, what);
}

/* Waits on the Azure-AsyncOperation of resp (an ARM 201/202 answer) until
 * it ends: 0 succeeded, -errno (logged) failed or timed out.  An answer
 * without one was synchronous: done. */
static int wait_lro(struct cm_api *a, struct cm_http_resp *resp, int max_s, const char *what)
{
	char op[URL_MAX], base[300], wait[16], code[96], msg[384];
	const char *path;
	time_t end = time(NULL) + max_s;
	int r;

	if (cm_http_header(resp->headers.data, resp->headers.len, "Azure-AsyncOperation",
			   op, sizeof(op)) < 0)
		return 0;
	if (cm_api_split_url(op, cm_az_host_is_arm, base, sizeof(base), &path) < 0)
		return fail(a, -EIO, what, "the operation URL is not on management.azure.com");
	for (;;) {
		unsigned s = 1;

		if (cm_http_header(resp->headers.data, resp->headers.len, "Retry-After",
				   wait, sizeof(wait)) == 0 && atoi(wait) > 1)
			s = atoi(wait) > 10 ? 10 : (unsigned)atoi(wait);
		if (time(NULL) + (time_t)s > end)
			return fail(a, -ETIMEDOUT, what, "the operation did not end in time");
		sleep(s);
		r = call(a, "GET", base, path, NULL, NULL, 0, 1, resp, what);
		if (r < 0)
			return r;
		if (resp->status != 200)
			return refused(a, what, resp);
		r = cm_az_lro_parse(resp->body.data, resp->body.len, code,
				    sizeof(code), msg, sizeof(msg));
		if (r == 0)
			return 0;
		if (r == -EBADMSG)
			return fail(a, -EIO, what, "unreadable operation status");
		if (r < 0) {
			char line[600];

			snprintf(line, sizeof(line), "%s: %s", code, msg);
			r = strstr(code, "Quota") || strstr(msg, "quota") ? -EDQUOT
			    : strstr(msg, "Hypervisor Generation") ? -ENOTSUP : -EIO;
			return fail(a, r, what, line);
		}
	}
}

/* ---- launch ---------------------------------------------------------------- */

static int spec_ok(struct cm_api *a)
{
	static const char *const names[] = {
		"subscription_id", "resource_group", "location", "vm_size", "name"
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!cm_az_name_ok(spec(a, names[i]))) {
			char what[64];

			snprintf(what, sizeof(what), "spec %s", names[i]);
			return fail(a, -EINVAL, what, "not an Azure name ([A-Za-z0-9._()-], 1-90)");
		}
	if (!cm_az_subnet_id_ok(spec(a, "subnet_id")))
		return fail(a, -EINVAL, "spec subnet_id", "not /subscriptions/SUB/resourceGroups/RG"
			    "/providers/Microsoft.Network/virtualNetworks/VNET/subnets/SUBNET");
	return 0;
}

/* The service principal's token (client_credentials) into a->token. */
static int sp_token(struct cm_api *a)
{
	struct cm_creds *c = a->creds;
	struct cm_http_resp resp;
	char id[200], secret[800], path[400];
	struct cm_buf form;
	int r;

	if (!c || !c->azure_tenant_id[0] || !c->azure_client_id[0] || !c->azure_client_secret[0])
		return fail(a, -EACCES, "credentials", "azure_tenant_id, azure_client_id and "
			    "azure_client_secret are needed in --creds");
	if (!cm_az_name_ok(c->azure_tenant_id))
		return fail(a, -EINVAL, "credentials", "azure_tenant_id is not a tenant id or domain");
	cm_buf_init(&form, 8192);
	cm_http_resp_init(&resp);
	if (cm_az_form_encode(c->azure_client_id, id, sizeof(id)) < 0 ||
	    cm_az_form_encode(c->azure_client_secret, secret, sizeof(secret)) < 0 ||
	    cm_buf_printf(&form, "grant_type=client_credentials&client_id=%s&client_secret=%s"
			  "&scope=https%%3A%%2F%%2Fmanagement.azure.com%%2F.default", id, secret) < 0) {
		r = fail(a, -EINVAL, "credentials", "too long");
		goto out;
	}
	snprintf(path, sizeof(path), "/%s/oauth2/v2.0/token", c->azure_tenant_id);
	{
		const char *const ct[] = { "Content-Type: application/x-www-form-urlencoded", NULL };

		r = call(a, "POST", CM_AZ_LOGIN, path, ct, form.data, form.len, 0, &resp,
			 "token (login.microsoftonline.com)");
	}
	if (r < 0)
		goto out;
	if (resp.status != 200) {
		r = refused(a, "token (login.microsoftonline.com)", &resp);
		r = r == -EINVAL || r == -ENOENT ? -EACCES : r;
		goto out;
	}
	if (cm_az_token_parse(resp.body.data, resp.body.len, a->token, sizeof(a->token)) < 0)
		r = fail(a, -EIO, "token (login.microsoftonline.com)", "no access_token in the answer");
out:
	explicit_bzero(secret, sizeof(secret));
	if (form.data)
		explicit_bzero(form.data, form.len);
	if (resp.body.data)
		explicit_bzero(resp.body.data, resp.body.len);
	cm_buf_free(&form);
	cm_http_resp_free(&resp);
	return r;
}

static int az_login(struct cm_api *a)
{
	struct cm_http_resp resp;
	char path[400];
	int r;

	r = spec_ok(a);
	if (r == 0)
		r = sp_token(a);
	if (r < 0)
		return r;
	cm_http_resp_init(&resp);
	snprintf(path, sizeof(path), "/subscriptions/%s?api-version=" API_SUBSCRIPTIONS,
		 spec(a, "subscription_id"));
	r = arm(a, "GET", path, NULL, &resp, "GET subscription");
	if (r == 0 && resp.status != 200)
		r = refused(a, "GET subscription", &resp);
	if (r == -ENOENT)
		r = -EACCES;	/* a subscription this principal cannot see */
	cm_http_resp_free(&resp);
	return r;
}

static int az_describe_type(struct cm_api *a, struct cm_target_facts *f)
{
	struct cm_http_resp resp;
	char first[600], next[URL_MAX], base[300], why[96];
	const char *path = first;
	int r = 1, pages;

	snprintf(first, sizeof(first), "/subscriptions/%s/providers/Microsoft.Compute/skus"
		 "?api-version=" API_SKUS "&%%24filter=location%%20eq%%20%%27%s%%27",
		 spec(a, "subscription_id"), spec(a, "location"));
	snprintf(base, sizeof(base), "%s", CM_AZ_ARM);
	cm_http_resp_init(&resp);
	resp.body.max = SKUS_BODY_MAX;
	for (pages = 0; r == 1 && pages < SKUS_PAGES_MAX; pages++) {
		r = call(a, "GET", base, path, NULL, NULL, 0, 1, &resp, "Resource SKUs");
		if (r < 0)
			break;
		if (resp.status != 200) {
			r = refused(a, "Resource SKUs", &resp);
			break;
		}
		r = cm_az_skus_find(resp.body.data, resp.body.len, spec(a, "vm_size"),
				    spec(a, "location"), f, next, sizeof(next), why, sizeof(why));
		if (r == -EBADMSG) {
			r = fail(a, -EIO, "Resource SKUs", "unreadable answer");
		} else if (r == -ENOTSUP) {
			char line[300];

			snprintf(line, sizeof(line), "%s is restricted in %s for this subscription (%s)",
				 spec(a, "vm_size"), spec(a, "location"), why);
			r = fail(a, -EDQUOT, "Resource SKUs", line);
		} else if (r == 1 && (!next[0] ||
				      cm_api_split_url(next, cm_az_host_is_arm, base, sizeof(base),
						      &path) < 0)) {
			char line[300];

			snprintf(line, sizeof(line), "no VM size %s in %s", spec(a, "vm_size"),
				 spec(a, "location"));
			r = fail(a, -ENOENT, "Resource SKUs", line);
		}
	}
	if (r == 1)
		r = fail(a, -EIO, "Resource SKUs", "too many pages");
	cm_http_resp_free(&resp);
	return r;
}

static void put_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static struct json_object *obj_at(struct json_object *o, const char *k)
{
	struct json_object *n = json_object_new_object();

	json_object_object_add(o, k, n);
	return n;
}

static int az_import_image(struct cm_api *a, const char *image_url,
			   const struct cm_image_facts *img, struct cm_launch_result *r)
{
	struct cm_target_facts f;
	struct cm_http_resp resp;
	struct json_object *body, *p, *cd;
	char source[1200], account[64], sa[700], path[600], disk[CM_API_ID_MAX];
	const char *gen;
	int rc;

	if (cm_az_source_uri(image_url, source, sizeof(source), account, sizeof(account)) < 0)
		return fail(a, -EINVAL, "import", "the image is not an Azure blob URL "
			    "(https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB)");
	/* what the size boots, asked again (the launch may run long after
	 * the check) */
	rc = az_describe_type(a, &f);
	if (rc < 0)
		return rc;
	gen = cm_az_hyperv_gen(img->firmware, f.boot_modes);
	if (gen && !img->firmware)
		cm_warn("launch: azure: the disk's firmware is not known: Gen%c, as Azure's "
			"default", gen[1]);
	if (!gen) {
		char line[300];

		snprintf(line, sizeof(line), "the disk boots with %s, %s boots %s only",
			 img->firmware & CM_BOOT_UEFI ? "UEFI" : img->firmware & CM_BOOT_BIOS ?
			 "BIOS" : "neither BIOS nor UEFI", spec(a, "vm_size"),
			 f.boot_modes & CM_BOOT_UEFI ? "UEFI (Gen2)" : "BIOS (Gen1)");
		return fail(a, -ENOTSUP, "import", line);
	}
	if (*spec(a, "storage_account_id"))
		snprintf(sa, sizeof(sa), "%s", spec(a, "storage_account_id"));
	else	/* the usual place: the storage account in the VM's resource group */
		snprintf(sa, sizeof(sa), "/subscriptions/%s/resourceGroups/%s/providers/"
			 "Microsoft.Storage/storageAccounts/%s", spec(a, "subscription_id"),
			 spec(a, "resource_group"), account);
	snprintf(disk, sizeof(disk), "%.70s-osdisk", spec(a, "name"));
	snprintf(path, sizeof(path), "/subscriptions/%s/resourceGroups/%s/providers/"
		 "Microsoft.Compute/disks/%s?api-version=" API_DISKS,
		 spec(a, "subscription_id"), spec(a, "resource_group"), disk);
	body = json_object_new_object();
	put_str(body, "location", spec(a, "location"));
	put_str(obj_at(body, "sku"), "name", "Standard_LRS");
	p = obj_at(body, "properties");
	put_str(p, "osType", "Linux");
	put_str(p, "hyperVGeneration", gen);
	cd = obj_at(p, "creationData");
	put_str(cd, "createOption", "Import");
	put_str(cd, "sourceUri", source);
	put_str(cd, "storageAccountId", sa);
	cm_info("launch: azure: importing %s as managed disk %s (%s, Gen%c)", source, disk,
		spec(a, "location"), gen[1]);
	cm_http_resp_init(&resp);
	rc = arm(a, "PUT", path, body, &resp, "create disk (Import)");
	json_object_put(body);
	if (rc == 0 && resp.status != 200 && resp.status != 201 && resp.status != 202)
		rc = refused(a, "create disk (Import)", &resp);
	if (rc == 0)
		rc = wait_lro(a, &resp, LRO_DISK_S, "create disk (Import)");
	cm_http_resp_free(&resp);
	if (rc == 0) {
		snprintf(r->image_id, sizeof(r->image_id), "%s", disk);
		snprintf(r->region, sizeof(r->region), "%s", spec(a, "location"));
	}
	return rc;
}

static int put_nic(struct cm_api *a, const char *nic, struct cm_http_resp *resp)
{
	struct json_object *body, *ipc, *cfg;
	char path[600];
	int rc;

	snprintf(path, sizeof(path), "/subscriptions/%s/resourceGroups/%s/providers/"
		 "Microsoft.Network/networkInterfaces/%s?api-version=" API_NETWORK,
		 spec(a, "subscription_id"), spec(a, "resource_group"), nic);
	body = json_object_new_object();
	put_str(body, "location", spec(a, "location"));
	ipc = json_object_new_array();
	cfg = json_object_new_object();
	put_str(cfg, "name", "ipconfig1");
	put_str(obj_at(obj_at(cfg, "properties"), "subnet"), "id", spec(a, "subnet_id"));
	json_object_array_add(ipc, cfg);
	json_object_object_add(obj_at(body, "properties"), "ipConfigurations", ipc);
	rc = arm(a, "PUT", path, body, resp, "create network interface");
	json_object_put(body);
	if (rc == 0 && resp->status != 200 && resp->status != 201)
		rc = refused(a, "create network interface", resp);
	return rc ? rc : wait_lro(a, resp, LRO_S, "create network interface");
}

static int az_run_instance(struct cm_api *a, const struct cm_image_facts *img,
			   const char *move_id, struct cm_launch_result *r)
{
	struct cm_http_resp resp;
	struct json_object *body, *p, *osd, *nics, *ni;
	char nic[CM_API_ID_MAX], path[600], id[800];
	int rc;

	(void)img;	/* the disk carries its generation */
	if (!r->image_id[0])
		return fail(a, -EINVAL, "run", "no disk imported");
	snprintf(nic, sizeof(nic), "%.70s-nic", spec(a, "name"));
	cm_http_resp_init(&resp);
	rc = put_nic(a, nic, &resp);
	if (rc < 0)
		goto out;
	snprintf(path, sizeof(path), "/subscriptions/%s/resourceGroups/%s/providers/"
		 "Microsoft.Compute/virtualMachines/%s?api-version=" API_COMPUTE,
		 spec(a, "subscription_id"), spec(a, "resource_group"), spec(a, "name"));
	body = json_object_new_object();
	put_str(body, "location", spec(a, "location"));
	if (move_id && *move_id)
		put_str(obj_at(body, "tags"), "cloudmove-move-id", move_id);
	p = obj_at(body, "properties");
	put_str(obj_at(p, "hardwareProfile"), "vmSize", spec(a, "vm_size"));
	osd = obj_at(obj_at(p, "storageProfile"), "osDisk");
	put_str(osd, "osType", "Linux");
	put_str(osd, "createOption", "Attach");
	snprintf(id, sizeof(id), "/subscriptions/%s/resourceGroups/%s/providers/"
		 "Microsoft.Compute/disks/%s", spec(a, "subscription_id"),
		 spec(a, "resource_group"), r->image_id);
	put_str(obj_at(osd, "managedDisk"), "id", id);
	nics = json_object_new_array();
	ni = json_object_new_object();
	snprintf(id, sizeof(id), "/subscriptions/%s/resourceGroups/%s/providers/"
		 "Microsoft.Network/networkInterfaces/%s", spec(a, "subscription_id"),
		 spec(a, "resource_group"), nic);
	put_str(ni, "id", id);
	json_object_array_add(nics, ni);
	json_object_object_add(obj_at(p, "networkProfile"), "networkInterfaces", nics);
	/* no storageUri: boot diagnostics in managed storage, read back
	 * through retrieveBootDiagnosticsData */
	json_object_object_add(obj_at(obj_at(p, "diagnosticsProfile"), "bootDiagnostics"),
			       "enabled", json_object_new_boolean(1));
	cm_info("launch: azure: creating VM %s (%s) in %s", spec(a, "name"), spec(a, "vm_size"),
		spec(a, "location"));
	rc = arm(a, "PUT", path, body, &resp, "create VM");
	json_object_put(body);
	if (rc == 0 && resp.status != 200 && resp.status != 201)
		rc = refused(a, "create VM", &resp);
	if (rc == 0) {
		/* the VM exists from here on, even if it then fails to start */
		snprintf(r->instance_id, sizeof(r->instance_id), "%s", spec(a, "name"));
		rc = wait_lro(a, &resp, LRO_S, "create VM");
	}
out:
	cm_http_resp_free(&resp);
	return rc;
}

static int az_console(struct cm_api *a, const struct cm_launch_result *r, struct cm_buf *out)
{
	struct cm_http_resp resp;
	char path[600], uri[URL_MAX], base[300];
	const char *bpath;
	int rc;

	snprintf(path, sizeof(path), "/subscriptions/%s/resourceGroups/%s/providers/"
		 "Microsoft.Compute/virtualMachines/%s/retrieveBootDiagnosticsData"
		 "?api-version=" API_COMPUTE "&sasUriExpirationTimeInMinutes=60",
		 spec(a, "subscription_id"), spec(a, "resource_group"), r->instance_id);
	cm_http_resp_init(&resp);
	rc = arm(a, "POST", path, NULL, &resp, "retrieveBootDiagnosticsData");
	if (rc == 0 && resp.status != 200)
		rc = refused(a, "retrieveBootDiagnosticsData", &resp);
	if (rc == 0 && (cm_az_bootdiag_parse(resp.body.data, resp.body.len, uri, sizeof(uri)) < 0 ||
			cm_api_split_url(uri, cm_az_host_is_blob, base, sizeof(base), &bpath) < 0))
		rc = fail(a, -EIO, "retrieveBootDiagnosticsData",
			  "no serial console blob URL on *.blob.core.windows.net in the answer");
	if (rc < 0)
		goto out;
	resp.body.max = CONSOLE_MAX;
	/* a SAS URL: the capability is in it, the bearer token is not sent */
	rc = call(a, "GET", base, bpath, NULL, NULL, 0, 0, &resp, "serial console blob");
	explicit_bzero(uri, sizeof(uri));
	if (rc < 0)
		goto out;
	cm_buf_reset(out);
	if (resp.status == 404)		/* nothing written yet */
		goto out;
	if (resp.status != 200) {
		rc = fail(a, resp.status == 403 ? -EACCES : -EIO, "serial console blob",
			  resp.status == 403 ? "HTTP 403 (the SAS was refused)" : "not HTTP 200");
		goto out;
	}
	{
		/* the end is what matters (the arrival line): keep what fits */
		size_t keep = out->max && resp.body.len >= out->max ? out->max - 1 : resp.body.len;

		if (cm_buf_add(out, resp.body.data + resp.body.len - keep, keep) < 0)
			rc = fail(a, -ENOMEM, "serial console blob", "out of memory");
	}
out:
	cm_http_resp_free(&resp);
	return rc;
}

/* ---- retire ------------------------------------------------------------------ */

/* IMDS at HOST:PORT (plain http, Metadata: true, no proxy). */
static int imds(struct cm_api *a, const char *path, struct cm_http_resp *resp, const char *what)
{
	const char *ep = a->metadata_endpoint && *a->metadata_endpoint ?
			 a->metadata_endpoint : "169.254.169.254";
	const char *hdrs[] = { "Metadata: true", NULL };
	char url[URL_MAX];
	struct cm_http_req q = { 0 };
	int r;

	snprintf(url, sizeof(url), "http://%s%s", ep, path);
	q.method = "GET";
	q.url = url;
	q.headers = hdrs;
	q.timeout_ms = 10 * 1000;
	r = cm_http_do_retry(&a->http, &q, resp);
	if (r < 0)
		return fail(a, -EIO, what, a->http.why);
	return 0;
}

static int az_self_login(struct cm_api *a)
{
	struct cm_http_resp resp;
	struct cm_az_self me;
	int r;

	cm_http_resp_init(&resp);
	r = imds(a, "/metadata/instance?api-version=" API_IMDS, &resp, "IMDS instance");
	if (r == 0 && resp.status != 200)
		r = refused(a, "IMDS instance", &resp);
	if (r == 0 && cm_az_instance_parse(resp.body.data, resp.body.len, &me) < 0)
		r = fail(a, -EIO, "IMDS instance", "no compute.subscriptionId, resourceGroupName, "
			 "name and location");
	if (r < 0)
		goto out;
	snprintf(a->self_id, sizeof(a->self_id), "%s", me.name);
	snprintf(a->self_region, sizeof(a->self_region), "%s", me.location);
	/* both at most 90 (cm_az_name_ok) */
	snprintf(a->self_scope, sizeof(a->self_scope), "%.100s/%.100s", me.subscription,
		 me.resource_group);
	r = imds(a, "/metadata/identity/oauth2/token?api-version=" API_IMDS_TOKEN
		 "&resource=https%3A%2F%2Fmanagement.azure.com%2F", &resp, "managed identity token");
	if (r == 0 && resp.status != 200) {
		r = refused(a, "managed identity token", &resp);
		r = -EACCES;	/* no identity, or none with that resource */
	}
	if (r == 0 && cm_az_token_parse(resp.body.data, resp.body.len, a->token,
					sizeof(a->token)) < 0)
		r = fail(a, -EIO, "managed identity token", "no access_token in the answer");
out:
	if (resp.body.data)
		explicit_bzero(resp.body.data, resp.body.len);
	cm_http_resp_free(&resp);
	return r;
}

/* self_scope "SUB/RG" -> its two parts. */
static void scope_parts(const struct cm_api *a, char *sub, size_t ss, char *rg, size_t rs)
{
	const char *slash = strchr(a->self_scope, '/');

	snprintf(sub, ss, "%.*s", slash ? (int)(slash - a->self_scope) : 0, a->self_scope);
	snprintf(rg, rs, "%s", slash ? slash + 1 : "");
}

static int az_retire_self(struct cm_api *a, int delete)
{
	struct cm_http_resp resp;
	char sub[CM_API_ID_MAX], rg[CM_API_ID_MAX], path[900];
	const char *what = delete ? "delete VM" : "deallocate VM";
	int r;

	scope_parts(a, sub, sizeof(sub), rg, sizeof(rg));
	if (!cm_az_name_ok(sub) || !cm_az_name_ok(rg) || !cm_az_name_ok(a->self_id))
		return fail(a, -EINVAL, what, "who this VM is is not known (IMDS)");
	snprintf(path, sizeof(path), "/subscriptions/%s/resourceGroups/%s/providers/"
		 "Microsoft.Compute/virtualMachines/%s%s?api-version=" API_COMPUTE,
		 sub, rg, a->self_id, delete ? "" : "/deallocate");
	cm_http_resp_init(&resp);
	r = arm(a, delete ? "DELETE" : "POST", path, NULL, &resp, what);
	/* accepted is all there is to wait for: the operation ends with this
	 * machine gone */
	if (r == 0 && resp.status != 200 && resp.status != 202 && resp.status != 204)
		r = refused(a, what, &resp);
	cm_http_resp_free(&resp);
	return r;
}

static void az_retire_hint(const struct cm_api *a, int delete, char *out, size_t size)
{
	char sub[CM_API_ID_MAX], rg[CM_API_ID_MAX];

	scope_parts(a, sub, sizeof(sub), rg, sizeof(rg));
	snprintf(out, size, "az vm %s --resource-group %s --name %s --subscription %s%s",
		 delete ? "delete" : "deallocate", rg[0] ? rg : "RESOURCE_GROUP",
		 a->self_id[0] ? a->self_id : "VM_NAME", sub[0] ? sub : "SUBSCRIPTION",
		 delete ? " --yes" : "");
}

const struct cm_cloud_api cm_api_azure = {
	.cloud = "azure",
	.spec_keys = keys,
	.spec_required = required,
	.login = az_login,
	.describe_type = az_describe_type,
	.import_image = az_import_image,
	.run_instance = az_run_instance,
	.console = az_console,
	.self_login = az_self_login,
	.retire_self = az_retire_self,
	.retire_hint = az_retire_hint,
};
