/* The gcp control plane: Compute Engine's REST API v1
 * (https://cloud.google.com/compute/docs/reference/rest/v1), with an
 * OAuth2 bearer token (see control.h for the ops' contract, gcp_proto.h for
 * the wire formats).
 *
 * Credentials (launch): gcp_service_account = PATH, a service-account key
 * file, whose key signs a JWT that the token endpoint (the file's
 * token_uri) exchanges for an access token — no gcloud, no hour-long token
 * pasted by hand; or gcp_access_token, used as it is.
 * Identity (retire): the metadata server's token for the instance's
 * service account (instance/service-accounts/default/token), and who the
 * machine is (project/project-id, instance/zone, instance/name),
 * https://cloud.google.com/compute/docs/access/authenticate-workloads.
 *
 * Calls: zones.get (login: the token works for this project and zone),
 * machineTypes.get (describe_type), images.insert from the gs:// tar.gz
 * (import_image), instances.insert (run_instance), getSerialPortOutput
 * (console), instances.stop / instances.delete (retire_self).  The inserts
 * answer an Operation, waited for with zoneOperations.wait /
 * globalOperations.wait (each returns when the operation is DONE or after
 * about two minutes, so the loop asks again until its own deadline). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../log.h"
#include "../util/file.h"
#include "control.h"
#include "gcp_proto.h"

#define COMPUTE_BASE	"https://compute.googleapis.com"
#define METADATA_HOST	"169.254.169.254"	/* metadata.google.internal */
#define WAIT_CALL_MS	(150 * 1000)	/* one operations.wait: ~2 min */
#define IMPORT_WAIT_S	(2 * 3600)	/* images.insert of a large disk */
#define INSERT_WAIT_S	(15 * 60)
#define CONSOLE_KEEP	(512 * 1024)	/* the console's tail kept */
#define CONSOLE_ANSWER_MAX (4 * 1024 * 1024)
#define PATH_MAX_LEN	1024

static const char *const spec_keys[] = {
	"project", "zone", "machine_type", "network", "subnetwork", "name",
	"api_endpoint", NULL
};
static const char *const spec_required[] = {
	"project", "zone", "machine_type", "name", NULL
};

struct gcp {
	uint64_t console_next;		/* getSerialPortOutput's next */
	struct cm_buf console;		/* what came so far (its tail) */
};

/* "launch" or "retire": which command's line this is. */
static const char *verb(const struct cm_api *a)
{
	return a->spec ? "launch" : "retire";
}

static const char *project(const struct cm_api *a)
{
	return a->spec ? cm_spec_get(a->spec, "project") : a->self_scope;
}

static const char *zone(const struct cm_api *a)
{
	return a->spec ? cm_spec_get(a->spec, "zone") : a->self_region;
}

static struct gcp *priv(struct cm_api *a)
{
	if (!a->priv) {
		struct gcp *g = calloc(1, sizeof(*g));

		if (!g)
			return NULL;
		cm_buf_init(&g->console, CONSOLE_KEEP + CONSOLE_ANSWER_MAX);
		a->priv = g;
	}
	return a->priv;
}

static void gcp_cleanup(struct cm_api *a)
{
	struct gcp *g = a->priv;

	if (g) {
		cm_buf_free(&g->console);
		free(g);
		a->priv = NULL;
	}
}

static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/* A value that goes into a URL path as it is: GCE's names and project
 * ids ("example.com:proj" included) use no other characters. */
static int path_safe(const char *v)
{
	return v && *v && strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789-_.:") == strlen(v);
}

/* --- HTTP ----------------------------------------------------------------- */

/* How a request goes: to the API (through --api-endpoint when given, with
 * the bearer token), or straight to the metadata server (neither). */
enum route { TO_API, TO_METADATA };

/* One request to base+path: 0 and r->status, or -EIO (logged). */
static int request(struct cm_api *a, enum route route, const char *what,
		   const char *method, const char *base, const char *path,
		   const char *const *extra, const char *body, long timeout_ms,
		   struct cm_http_resp *r)
{
	char url[2 * PATH_MAX_LEN], host[300], auth[CM_CREDS_VALUE_MAX + 32];
	const char *headers[8];
	struct cm_http_req q = { 0 };
	size_t n = 0;
	int rc;

	if (route == TO_API) {
		rc = cm_api_url(a, base, path, url, sizeof(url), host, sizeof(host));
	} else {
		host[0] = '\0';
		rc = snprintf(url, sizeof(url), "%s%s", base, path);
		rc = rc < 0 || (size_t)rc >= sizeof(url) ? -ENAMETOOLONG : 0;
	}
	if (rc < 0)
		return cm_err(rc, "%s: gcp: %s: URL", verb(a), what);
	if (host[0])
		headers[n++] = host;
	if (route == TO_API && a->token[0]) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s", a->token);
		headers[n++] = auth;
	}
	if (body)
		headers[n++] = "Content-Type: application/json";
	for (; extra && *extra && n < 7; extra++)
		headers[n++] = *extra;
	headers[n] = NULL;
	q.method = method;
	q.url = url;
	q.headers = headers;
	q.body = body;
	q.body_len = body ? strlen(body) : 0;
	q.timeout_ms = timeout_ms;
	cm_buf_reset(&r->body);
	cm_buf_reset(&r->headers);
	rc = cm_http_do_retry(&a->http, &q, r);
	explicit_bzero(auth, sizeof(auth));
	if (rc == -EMSGSIZE)
		return cm_err(-EIO, "%s: gcp: %s: the answer is too large", verb(a), what);
	if (rc < 0)
		return cm_err(-EIO, "%s: gcp: %s: %s", verb(a), what, a->http.why);
	return 0;
}

/* A compute refusal's errno (control.h's conventions). */
static int refusal_errno(long status, const char *reason)
{
	if (strstr(reason, "uota") || strstr(reason, "rateLimit") || status == 429)
		return -EDQUOT;
	if (status == 401 || status == 403)
		return -EACCES;
	if (status == 404)
		return -ENOENT;
	if (status == 409)
		return -EEXIST;
	return -EIO;
}

static int token_from_key(struct cm_api *a, const char *key_path);

/* A compute call that must answer 200: 0, or the refusal logged as
 * "launch: gcp: WHAT: 403 PERMISSION_DENIED: message" and its errno.
 * A token from a key file lasts an hour, an import may take longer: a 401
 * gets a new token from the key and the call once again. */
static int compute(struct cm_api *a, const char *what, const char *method,
		   const char *path, const char *body, long timeout_ms,
		   struct cm_http_resp *r)
{
	struct cm_gce_error e;
	int rc = request(a, TO_API, what, method, COMPUTE_BASE, path, NULL, body,
			 timeout_ms, r);

	if (rc == 0 && r->status == 401 && a->creds && a->creds->gcp_service_account[0] &&
	    !a->creds->gcp_access_token[0]) {
		cm_info("%s: gcp: the access token ran out: a new one from the key file",
			verb(a));
		rc = token_from_key(a, a->creds->gcp_service_account);
		if (rc == 0)
			rc = request(a, TO_API, what, method, COMPUTE_BASE, path, NULL,
				     body, timeout_ms, r);
	}
	if (rc < 0 || r->status == 200)
		return rc;
	if (cm_gce_error_parse(r->body.data ? r->body.data : "", r->body.len, &e) < 0) {
		cm_err(-EIO, "%s: gcp: %s: HTTP %ld", verb(a), what, r->status);
		return refusal_errno(r->status, "");
	}
	cm_log(CM_LOG_ERR, "%s: gcp: %s: %ld %s%s%s", verb(a), what, r->status,
	       e.status[0] ? e.status : e.reason, e.status[0] || e.reason[0] ? ": " : "",
	       e.message);
	return refusal_errno(r->status, e.reason);
}

/* --- operations ----------------------------------------------------------- */

static int op_errno(const struct cm_gce_op *op)
{
	if (strstr(op->err_code, "QUOTA") || strstr(op->err_code, "EXHAUSTED"))
		return -EDQUOT;
	if (op->http_error == 401 || op->http_error == 403)
		return -EACCES;
	if (op->http_error == 404 || strstr(op->err_code, "NOT_FOUND"))
		return -ENOENT;
	if (strstr(op->err_code, "UNSUPPORTED") || strstr(op->err_code, "INVALID"))
		return -ENOTSUP;
	return -EIO;
}

/* Waits for the operation r->body describes until DONE: 0, or its error
 * logged ("launch: gcp: images.insert: QUOTA_EXCEEDED: ...") and -errno. */
static int op_wait(struct cm_api *a, const char *what, struct cm_http_resp *r,
		   int deadline_s)
{
	time_t end = time(NULL) + deadline_s;
	char path[PATH_MAX_LEN], wait_what[96];
	struct cm_gce_op op;
	int rc;

	snprintf(wait_what, sizeof(wait_what), "%s (operation)", what);
	for (;;) {
		if (cm_gce_op_parse(r->body.data ? r->body.data : "", r->body.len, &op) < 0)
			return cm_err(-EIO, "%s: gcp: %s: not an Operation", verb(a), what);
		if (op.done)
			break;
		if (time(NULL) >= end)
			return cm_err(-ETIMEDOUT, "%s: gcp: %s: operation %s still %s after %d s",
				      verb(a), what, op.name, op.status, deadline_s);
		if (op.zone[0])
			snprintf(path, sizeof(path),
				 "/compute/v1/projects/%s/zones/%s/operations/%s/wait",
				 project(a), op.zone, op.name);
		else
			snprintf(path, sizeof(path),
				 "/compute/v1/projects/%s/global/operations/%s/wait",
				 project(a), op.name);
		rc = compute(a, wait_what, "POST", path, NULL, WAIT_CALL_MS, r);
		if (rc < 0)
			return rc;
	}
	if (!op.err_code[0])
		return 0;
	cm_log(CM_LOG_ERR, "%s: gcp: %s: %s: %s", verb(a), what, op.err_code,
	       op.err_message[0] ? op.err_message : "the operation failed");
	return op_errno(&op);
}

/* --- credentials ---------------------------------------------------------- */

/* A private key others can read is a key others may use (as the
 * credentials file, stream/creds.c: a warning, not a refusal). */
static void warn_if_readable(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0 && (st.st_mode & 077))
		cm_warn("service-account key file %s: readable by other users "
			"(chmod 600 it)", path);
}

/* The JWT for the key file's account, exchanged at its token_uri. */
static int token_from_key(struct cm_api *a, const char *key_path)
{
	static const char form[] = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3A"
				   "grant-type%3Ajwt-bearer&assertion=";
	static const char *const form_header[] = {
		"Content-Type: application/x-www-form-urlencoded", NULL
	};
	char body[sizeof(form) + CM_GCP_JWT_MAX], base[512], error[64], desc[256];
	struct cm_gcp_key *k = calloc(1, sizeof(*k));
	struct cm_http_resp r;
	struct cm_buf file;
	const char *why = NULL, *path;
	long expires = 0;
	int rc;

	if (!k)
		return cm_err(-ENOMEM, "%s: gcp: key file", verb(a));
	cm_http_resp_init(&r);
	cm_buf_init(&file, CM_GCP_KEY_FILE_MAX);
	rc = cm_file_read(key_path, &file);
	if (rc < 0) {
		cm_err(rc, "%s: gcp: service-account key file %s", verb(a), key_path);
		goto out;
	}
	warn_if_readable(key_path);
	rc = cm_gcp_key_parse(file.data, file.len, k, &why);
	if (rc < 0) {
		cm_err(rc, "%s: gcp: service-account key file %s: %s", verb(a), key_path, why);
		goto out;
	}
	memcpy(body, form, sizeof(form));
	rc = cm_gcp_jwt_sign(k, CM_GCP_SCOPE, (int64_t)time(NULL), body + sizeof(form) - 1,
			     sizeof(body) - sizeof(form) + 1, &why);
	if (rc < 0) {
		cm_err(rc, "%s: gcp: service-account key file %s: %s", verb(a), key_path,
		       why ? why : "the JWT does not fit");
		goto out;
	}
	rc = cm_api_split_url(k->token_uri, cm_gcp_host_is_token, base, sizeof(base), &path);
	/* the token endpoint gets the assertion, not the token it replaces */
	explicit_bzero(a->token, sizeof(a->token));
	if (rc == 0)
		rc = request(a, TO_API, "token", "POST", base, path, form_header, body,
			     0, &r);
	else
		cm_err(rc, "%s: gcp: key file %s: token_uri is not an https URL of "
		       "Google's token endpoint", verb(a), key_path);
	if (rc < 0)
		goto out;
	if (r.status == 200) {
		rc = cm_gcp_token_parse(r.body.data ? r.body.data : "", r.body.len,
					a->token, sizeof(a->token), &expires);
		if (rc < 0)
			rc = cm_err(-EIO, "%s: gcp: token endpoint %s: an answer without a "
			       "bearer token", verb(a), k->token_uri);
		goto out;
	}
	if (cm_gcp_oauth_error_parse(r.body.data ? r.body.data : "", r.body.len, error,
				     sizeof(error), desc, sizeof(desc)) < 0)
		snprintf(error, sizeof(error), "HTTP %ld", r.status);
	rc = r.status >= 500 ? -EIO : -EACCES;
	cm_log(CM_LOG_ERR, "%s: gcp: token endpoint %s refused service account %s "
	       "(key file %s): %s%s%s", verb(a), k->token_uri, k->client_email, key_path,
	       error, desc[0] ? ": " : "", desc);
out:
	explicit_bzero(body, sizeof(body));
	if (r.body.data)
		explicit_bzero(r.body.data, r.body.len);	/* the token */
	cm_gcp_key_wipe(k);
	free(k);
	if (file.data)
		explicit_bzero(file.data, file.len);
	cm_buf_free(&file);
	cm_http_resp_free(&r);
	return rc;
}

static int gcp_login(struct cm_api *a)
{
	struct cm_http_resp r;
	char path[PATH_MAX_LEN];
	int rc;

	static const char *const names[] = { "project", "zone", "machine_type", NULL };
	const char *const *n;

	for (n = names; *n; n++)
		if (!path_safe(cm_spec_get(a->spec, *n)))
			return cm_err(-EINVAL, "launch: gcp: the spec's %s \"%s\" is not a GCE "
				      "name (lowercase letters, digits, - _ . :)", *n,
				      cm_spec_get(a->spec, *n) ? cm_spec_get(a->spec, *n) : "");
	/* The key file first when both are given: its tokens are renewed (an
	 * import and a wait outlast an access token's hour); the access token
	 * may be there for the gs:// stream alone. */
	if (a->creds && a->creds->gcp_service_account[0]) {
		rc = token_from_key(a, a->creds->gcp_service_account);
		if (rc < 0)
			return rc;
	} else if (a->creds && a->creds->gcp_access_token[0]) {
		if (strpbrk(a->creds->gcp_access_token, "\r\n"))
			return cm_err(-EINVAL, "launch: gcp: gcp_access_token is not one line");
		snprintf(a->token, sizeof(a->token), "%s", a->creds->gcp_access_token);
	} else {
		return cm_err(-EACCES, "launch: gcp: the credentials have neither "
			      "gcp_service_account (a key file) nor gcp_access_token");
	}
	cm_http_resp_init(&r);
	snprintf(path, sizeof(path), "/compute/v1/projects/%s/zones/%s", project(a), zone(a));
	rc = compute(a, "zones.get", "GET", path, NULL, 0, &r);
	cm_http_resp_free(&r);
	return rc;
}

/* --- launch --------------------------------------------------------------- */

static int gcp_describe_type(struct cm_api *a, struct cm_target_facts *f)
{
	const char *type = cm_spec_get(a->spec, "machine_type");
	struct cm_http_resp r;
	char path[PATH_MAX_LEN];
	int rc;

	memset(f, 0, sizeof(*f));
	cm_http_resp_init(&r);
	snprintf(path, sizeof(path), "/compute/v1/projects/%s/zones/%s/machineTypes/%s",
		 project(a), zone(a), type);
	rc = compute(a, "machineTypes.get", "GET", path, NULL, 0, &r);
	if (rc == 0 && cm_gce_machine_type_parse(r.body.data, r.body.len, f->instance_type,
						 sizeof(f->instance_type), f->arch,
						 sizeof(f->arch)) < 0)
		rc = cm_err(-EIO, "launch: gcp: machineTypes.get %s: not a MachineType", type);
	cm_http_resp_free(&r);
	if (rc < 0)
		return rc;
	cm_gce_type_facts(f->instance_type, f->arch, f);
	snprintf(f->source, sizeof(f->source), "gcp machineTypes.get %.80s", f->instance_type);
	return 0;
}

static void add_feature(struct json_object *list, const char *type)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_array_add(list, o);
}

/* A JSON body's text into a caller's buffer (json-c owns the string). */
static int body_text(struct json_object *o, struct cm_buf *out)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);

	cm_buf_reset(out);
	return s ? cm_buf_addstr(out, s) : -ENOMEM;
}

static int gcp_import_image(struct cm_api *a, const char *image_url,
			    const struct cm_image_facts *img,
			    struct cm_launch_result *r)
{
	struct json_object *o = json_object_new_object(), *raw, *feats;
	char source[2048], name[64], stamp[32], path[PATH_MAX_LEN];
	struct cm_http_resp resp;
	struct cm_buf body;
	int rc;

	if (!o)
		return cm_err(-ENOMEM, "launch: gcp: images.insert");
	cm_http_resp_init(&resp);
	cm_buf_init(&body, 64 * 1024);
	rc = cm_gce_raw_source(image_url, source, sizeof(source));
	if (rc < 0) {
		cm_err(rc == -EINVAL ? -ENOTSUP : rc, "launch: gcp: the image must be a gs:// "
		       "object (stream --format gce), not %s", image_url);
		rc = rc == -EINVAL ? -ENOTSUP : rc;
		goto out;
	}
	snprintf(stamp, sizeof(stamp), "%lld", (long long)time(NULL));
	if (cm_gce_name(cm_spec_get(a->spec, "name"), stamp, name, sizeof(name)) < 0) {
		rc = cm_err(-EINVAL, "launch: gcp: the spec's name makes no image name");
		goto out;
	}
	json_object_object_add(o, "name", json_object_new_string(name));
	raw = json_object_new_object();
	json_object_object_add(raw, "source", json_object_new_string(source));
	json_object_object_add(o, "rawDisk", raw);
	/* "Guest OS features" (images/create-custom#guest-os-features) */
	feats = json_object_new_array();
	if (img->firmware & CM_BOOT_UEFI)
		add_feature(feats, "UEFI_COMPATIBLE");
	if (has_word(img->drivers, "gve"))
		add_feature(feats, "GVNIC");
	add_feature(feats, "VIRTIO_SCSI_MULTIQUEUE");
	json_object_object_add(o, "guestOsFeatures", feats);
	if (strcmp(img->arch, "arm64") == 0 || strcmp(img->arch, "x86_64") == 0)
		json_object_object_add(o, "architecture", json_object_new_string(
			strcmp(img->arch, "arm64") == 0 ? "ARM64" : "X86_64"));
	rc = body_text(o, &body);
	if (rc < 0) {
		cm_err(rc, "launch: gcp: images.insert body");
		goto out;
	}
	snprintf(path, sizeof(path), "/compute/v1/projects/%s/global/images", project(a));
	rc = compute(a, "images.insert", "POST", path, body.data, 0, &resp);
	if (rc == 0) {
		/* the image exists from here: named even when the import fails */
		snprintf(r->image_id, sizeof(r->image_id), "%s", name);
		snprintf(r->region, sizeof(r->region), "%s", zone(a));
		rc = op_wait(a, "images.insert", &resp, IMPORT_WAIT_S);
	}
out:
	json_object_put(o);
	cm_buf_free(&body);
	cm_http_resp_free(&resp);
	return rc;
}

/* network / subnetwork as the spec gives them: a bare name is made a
 * partial URL ("global/networks/NAME", "regions/R/subnetworks/NAME"), a
 * path is kept. */
static void network_url(const char *value, char *out, size_t size)
{
	if (strchr(value, '/'))
		snprintf(out, size, "%s", value);
	else
		snprintf(out, size, "global/networks/%s", value);
}

static void subnetwork_url(const char *value, const char *region, char *out,
			   size_t size)
{
	if (strchr(value, '/'))
		snprintf(out, size, "%s", value);
	else
		snprintf(out, size, "regions/%s/subnetworks/%s", region, value);
}

static struct json_object *instance_body(struct cm_api *a, const char *name,
					 const struct cm_image_facts *img,
					 const char *move_id,
					 const struct cm_launch_result *r)
{
	const char *net = cm_spec_get(a->spec, "network");
	const char *subnet = cm_spec_get(a->spec, "subnetwork");
	struct json_object *o = json_object_new_object();
	struct json_object *disk, *init, *disks, *nic, *nics, *labels, *md, *items, *item;
	char buf[512], region[128];
	char *dash;

	snprintf(buf, sizeof(buf), "zones/%s/machineTypes/%s", zone(a),
		 cm_spec_get(a->spec, "machine_type"));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "machineType", json_object_new_string(buf));

	init = json_object_new_object();
	snprintf(buf, sizeof(buf), "projects/%s/global/images/%s", project(a), r->image_id);
	json_object_object_add(init, "sourceImage", json_object_new_string(buf));
	disk = json_object_new_object();
	json_object_object_add(disk, "boot", json_object_new_boolean(1));
	json_object_object_add(disk, "autoDelete", json_object_new_boolean(1));
	json_object_object_add(disk, "initializeParams", init);
	disks = json_object_new_array();
	json_object_array_add(disks, disk);
	json_object_object_add(o, "disks", disks);

	nic = json_object_new_object();
	network_url(net ? net : "default", buf, sizeof(buf));
	json_object_object_add(nic, "network", json_object_new_string(buf));
	if (subnet) {
		snprintf(region, sizeof(region), "%s", zone(a));
		dash = strrchr(region, '-');
		if (dash)
			*dash = '\0';
		subnetwork_url(subnet, region, buf, sizeof(buf));
		json_object_object_add(nic, "subnetwork", json_object_new_string(buf));
	}
	if (has_word(img->drivers, "gve"))
		json_object_object_add(nic, "nicType", json_object_new_string("GVNIC"));
	nics = json_object_new_array();
	json_object_array_add(nics, nic);
	json_object_object_add(o, "networkInterfaces", nics);

	/* the move id where the operator (and the arrival check) can see it */
	labels = json_object_new_object();
	json_object_object_add(labels, "cloudmove-move-id", json_object_new_string(move_id));
	json_object_object_add(o, "labels", labels);
	item = json_object_new_object();
	json_object_object_add(item, "key", json_object_new_string("cloudmove-move-id"));
	json_object_object_add(item, "value", json_object_new_string(move_id));
	items = json_object_new_array();
	json_object_array_add(items, item);
	md = json_object_new_object();
	json_object_object_add(md, "items", items);
	json_object_object_add(o, "metadata", md);
	return o;
}

static int gcp_run_instance(struct cm_api *a, const struct cm_image_facts *img,
			    const char *move_id, struct cm_launch_result *r)
{
	struct json_object *o;
	char name[64], path[PATH_MAX_LEN];
	struct cm_http_resp resp;
	struct cm_buf body;
	int rc;

	if (cm_gce_name(cm_spec_get(a->spec, "name"), NULL, name, sizeof(name)) < 0 ||
	    strcmp(name, cm_spec_get(a->spec, "name")))
		return cm_err(-EINVAL, "launch: gcp: the spec's name \"%s\" is not an "
			      "instance name ([a-z]([-a-z0-9]*[a-z0-9])?, 63 at most)",
			      cm_spec_get(a->spec, "name"));
	o = instance_body(a, name, img, move_id ? move_id : "", r);
	cm_http_resp_init(&resp);
	cm_buf_init(&body, 64 * 1024);
	rc = body_text(o, &body);
	json_object_put(o);
	if (rc < 0) {
		cm_err(rc, "launch: gcp: instances.insert body");
		goto out;
	}
	snprintf(path, sizeof(path), "/compute/v1/projects/%s/zones/%s/instances",
		 project(a), zone(a));
	rc = compute(a, "instances.insert", "POST", path, body.data, 0, &resp);
	if (rc == 0) {
		snprintf(r->instance_id, sizeof(r->instance_id), "%s", name);
		snprintf(r->region, sizeof(r->region), "%s", zone(a));
		rc = op_wait(a, "instances.insert", &resp, INSERT_WAIT_S);
		if (rc < 0)
			r->instance_id[0] = '\0';	/* a failed insert made none */
	}
out:
	cm_buf_free(&body);
	cm_http_resp_free(&resp);
	return rc;
}

static int gcp_console(struct cm_api *a, const struct cm_launch_result *r,
		       struct cm_buf *out)
{
	struct gcp *g = priv(a);
	struct cm_buf chunk;
	struct cm_http_resp resp;
	char path[PATH_MAX_LEN];
	uint64_t next = 0;
	int rc;

	if (!g)
		return cm_err(-ENOMEM, "launch: gcp: console");
	cm_http_resp_init(&resp);
	/* up to 1 MiB of contents per answer (as GCE sends), JSON-escaped */
	resp.body.max = CONSOLE_ANSWER_MAX;
	cm_buf_init(&chunk, CONSOLE_ANSWER_MAX);
	snprintf(path, sizeof(path),
		 "/compute/v1/projects/%s/zones/%s/instances/%s/serialPort?port=1&start=%llu",
		 project(a), r->region[0] ? r->region : zone(a), r->instance_id,
		 (unsigned long long)g->console_next);
	rc = compute(a, "getSerialPortOutput", "GET", path, NULL, 0, &resp);
	if (rc == 0 && cm_gce_serial_parse(resp.body.data, resp.body.len, &chunk, &next) < 0)
		rc = cm_err(-EIO, "launch: gcp: getSerialPortOutput: not a SerialPortOutput");
	if (rc == 0 && chunk.len) {
		/* keep the tail: the arrival line is among the newest */
		if (g->console.len + chunk.len > CONSOLE_KEEP) {
			size_t drop = g->console.len + chunk.len - CONSOLE_KEEP;

			drop = drop > g->console.len ? g->console.len : drop;
			memmove(g->console.data, g->console.data + drop, g->console.len - drop);
			g->console.len -= drop;
			g->console.data[g->console.len] = '\0';
		}
		rc = cm_buf_add(&g->console, chunk.data, chunk.len);
		if (rc < 0)
			cm_err(rc, "launch: gcp: console");
	}
	if (rc == 0) {
		g->console_next = next;
		cm_buf_reset(out);
		if (g->console.len && cm_buf_add(out, g->console.data, g->console.len) < 0)
			rc = cm_err(-EMSGSIZE, "launch: gcp: console");
	}
	cm_buf_free(&chunk);
	cm_http_resp_free(&resp);
	return rc;
}

/* --- retire --------------------------------------------------------------- */

/* One metadata value (computeMetadata/v1/<rel>) into out. */
static int metadata_get(struct cm_api *a, const char *rel, struct cm_http_resp *r)
{
	static const char *const flavor[] = { "Metadata-Flavor: Google", NULL };
	char base[300], path[512];
	int rc;

	snprintf(base, sizeof(base), "http://%s",
		 a->metadata_endpoint ? a->metadata_endpoint : METADATA_HOST);
	snprintf(path, sizeof(path), "/computeMetadata/v1/%s", rel);
	rc = request(a, TO_METADATA, rel, "GET", base, path, flavor, NULL, 10 * 1000, r);
	if (rc == 0 && r->status == 404 && strstr(rel, "service-accounts"))
		return cm_err(-EACCES, "retire: gcp: this instance has no service account "
			      "(the metadata server has no %s)", rel);
	if (rc == 0 && r->status != 200)
		return cm_err(-EIO, "retire: gcp: metadata %s: HTTP %ld", rel, r->status);
	return rc;
}

static int metadata_text(struct cm_api *a, const char *rel, char *out, size_t size)
{
	struct cm_http_resp r;
	int rc;

	cm_http_resp_init(&r);
	rc = metadata_get(a, rel, &r);
	if (rc == 0) {
		size_t n = r.body.len;

		while (n && (r.body.data[n - 1] == '\n' || r.body.data[n - 1] == ' '))
			n--;
		if (!n || n >= size || memchr(r.body.data, '\n', n))
			rc = cm_err(-EIO, "retire: gcp: metadata %s: not one short line", rel);
		else
			snprintf(out, size, "%.*s", (int)n, r.body.data);
	}
	cm_http_resp_free(&r);
	return rc;
}

static int gcp_self_login(struct cm_api *a)
{
	char zone_url[256], token[CM_CREDS_VALUE_MAX];
	struct cm_http_resp r;
	long expires = 0;
	int rc;

	rc = metadata_text(a, "project/project-id", a->self_scope, sizeof(a->self_scope));
	if (rc == 0)
		rc = metadata_text(a, "instance/zone", zone_url, sizeof(zone_url));
	if (rc == 0) {
		cm_gce_basename(zone_url, a->self_region, sizeof(a->self_region));
		rc = metadata_text(a, "instance/name", a->self_id, sizeof(a->self_id));
	}
	if (rc == 0 && !(path_safe(a->self_scope) && path_safe(a->self_region) &&
			 path_safe(a->self_id)))
		rc = cm_err(-EIO, "retire: gcp: the metadata server's project, zone or name "
			    "is not a GCE name");
	if (rc < 0)
		return rc;
	cm_http_resp_init(&r);
	rc = metadata_get(a, "instance/service-accounts/default/token", &r);
	if (rc == 0 && cm_gcp_token_parse(r.body.data ? r.body.data : "", r.body.len, token,
					  sizeof(token), &expires) < 0)
		rc = cm_err(-EIO, "retire: gcp: metadata service-accounts/default/token: "
			    "no bearer token in the answer");
	if (rc == 0)
		memcpy(a->token, token, sizeof(a->token));
	explicit_bzero(token, sizeof(token));
	if (r.body.data)
		explicit_bzero(r.body.data, r.body.len);
	cm_http_resp_free(&r);
	return rc;
}

static int gcp_retire_self(struct cm_api *a, int delete)
{
	const char *what = delete ? "instances.delete" : "instances.stop";
	struct cm_http_resp r;
	char path[PATH_MAX_LEN];
	struct cm_gce_op op;
	int rc;

	cm_http_resp_init(&r);
	snprintf(path, sizeof(path), "/compute/v1/projects/%s/zones/%s/instances/%s%s",
		 a->self_scope, a->self_region, a->self_id, delete ? "" : "/stop");
	rc = compute(a, what, delete ? "DELETE" : "POST", path, NULL, 0, &r);
	/* Accepted is enough: the operation ends with this machine, which
	 * cannot wait for it. */
	if (rc == 0 && cm_gce_op_parse(r.body.data, r.body.len, &op) < 0)
		rc = cm_err(-EIO, "retire: gcp: %s: not an Operation", what);
	if (rc == 0 && op.err_code[0]) {
		cm_log(CM_LOG_ERR, "retire: gcp: %s: %s: %s", what, op.err_code, op.err_message);
		rc = op_errno(&op);
	}
	cm_http_resp_free(&r);
	return rc;
}

static void gcp_retire_hint(const struct cm_api *a, int delete, char *out, size_t size)
{
	snprintf(out, size, "gcloud compute instances %s %s --zone %s --project %s%s",
		 delete ? "delete" : "stop", a->self_id[0] ? a->self_id : "NAME",
		 a->self_region[0] ? a->self_region : "ZONE",
		 a->self_scope[0] ? a->self_scope : "PROJECT", delete ? " --quiet" : "");
}

const struct cm_cloud_api cm_api_gcp = {
	.cloud = "gcp",
	.spec_keys = spec_keys,
	.spec_required = spec_required,
	.login = gcp_login,
	.describe_type = gcp_describe_type,
	.import_image = gcp_import_image,
	.run_instance = gcp_run_instance,
	.console = gcp_console,
	.self_login = gcp_self_login,
	.retire_self = gcp_retire_self,
	.retire_hint = gcp_retire_hint,
	.cleanup = gcp_cleanup,
};
