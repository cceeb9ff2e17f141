/* Azure's answers, read; its URLs, checked (see azure_proto.h).
 *
 * Formats: Azure AD v2.0 client credentials token answer
 * (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow),
 * IMDS managed identity token (learn.microsoft.com/entra/identity/
 * managed-identities-azure-resources/how-to-use-vm-token), ARM errors and
 * async operations (learn.microsoft.com/azure/azure-resource-manager/
 * management/async-operations), Resource SKUs - List
 * (learn.microsoft.com/rest/api/compute/resource-skus/list), Virtual
 * Machines - Retrieve Boot Diagnostics Data, IMDS instance metadata
 * (learn.microsoft.com/azure/virtual-machines/instance-metadata-service). */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../json.h"
#include "../stream/sinks/azure_sign.h"
#include "../stream/url.h"
#include "azure_proto.h"

/* SKU lists run to megabytes; nothing else comes close. */
#define AZ_JSON_MAX	(64u * 1024 * 1024)

static int parse(const char *buf, size_t len, struct json_object **root)
{
	return cm_json_parse(buf, len, AZ_JSON_MAX, root) < 0 ? -EBADMSG : 0;
}

/* Copies s into out, printable ASCII only, cut to fit. */
static void printable(const char *s, char *out, size_t size)
{
	size_t i;

	if (!size)
		return;
	for (i = 0; s[i] && i + 1 < size; i++)
		out[i] = (unsigned char)s[i] < ' ' || (unsigned char)s[i] >= 0x7f ? '?' : s[i];
	out[i] = '\0';
}

static const char *str_at(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!o || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int cm_az_token_parse(const char *buf, size_t len, char *out, size_t size)
{
	struct json_object *root;
	const char *type;
	int r;

	if (size)
		out[0] = '\0';
	if (parse(buf, len, &root) < 0)
		return -EBADMSG;
	r = cm_json_get_text(root, "access_token", out, size);
	type = str_at(root, "token_type");
	if (r == -ENODATA || (r == 0 && !out[0]) || (type && strcasecmp(type, "Bearer")))
		r = -EBADMSG;
	/* a token goes into a header line: nothing that could end it */
	if (r == 0 && strpbrk(out, "\r\n"))
		r = -EBADMSG;
	if (r < 0 && size)
		explicit_bzero(out, size);
	json_object_put(root);
	return r;
}

static int error_of(struct json_object *root, char *code, size_t code_size,
		    char *msg, size_t msg_size)
{
	struct json_object *e;
	const char *c = NULL, *m = NULL;

	if (json_object_is_type(root, json_type_object) &&
	    json_object_object_get_ex(root, "error", &e)) {
		if (json_object_is_type(e, json_type_string)) {
			c = json_object_get_string(e);
			m = str_at(root, "error_description");
		} else {
			c = str_at(e, "code");
			m = str_at(e, "message");
		}
	}
	printable(c ? c : "", code, code_size);
	printable(m ? m : "", msg, msg_size);
	/* AAD's descriptions go on over lines (trace and correlation ids):
	 * the first says it */
	if (msg_size) {
		char *cut = strstr(msg, "??");

		if (cut)
			*cut = '\0';
	}
	return c ? 0 : -ENODATA;
}

int cm_az_error_parse(const char *buf, size_t len, char *code, size_t code_size,
		      char *msg, size_t msg_size)
{
	struct json_object *root;
	int r;

	if (parse(buf, len, &root) < 0) {
		printable("", code, code_size);
		printable("", msg, msg_size);
		return -ENODATA;
	}
	r = error_of(root, code, code_size, msg, msg_size);
	json_object_put(root);
	return r;
}

int cm_az_lro_parse(const char *buf, size_t len, char *code, size_t code_size,
		    char *msg, size_t msg_size)
{
	struct json_object *root;
	const char *st;
	int r;

	printable("", code, code_size);
	printable("", msg, msg_size);
	if (parse(buf, len, &root) < 0)
		return -EBADMSG;
	st = str_at(root, "status");
	if (!st)
		r = -EBADMSG;
	else if (!strcmp(st, "Succeeded"))
		r = 0;
	else if (!strcmp(st, "Failed") || !strcmp(st, "Canceled")) {
		if (error_of(root, code, code_size, msg, msg_size) < 0 || !code[0])
			printable(st, code, code_size);	/* the status says it at least */
		r = -EPROTO;
	} else {
		r = 1;	/* InProgress, or a provider's own word for it */
	}
	json_object_put(root);
	return r;
}

static int in_list(struct json_object *arr, const char *s)
{
	size_t i, n;

	if (!arr || !json_object_is_type(arr, json_type_array))
		return 0;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);

		if (json_object_is_type(v, json_type_string) &&
		    !strcasecmp(json_object_get_string(v), s))
			return 1;
	}
	return 0;
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

/* "V1,V2" -> CM_BOOT_BIOS | CM_BOOT_UEFI (Gen1 boots BIOS, Gen2 UEFI:
 * learn.microsoft.com/azure/virtual-machines/generation-2) */
static unsigned boot_modes_of(const char *gens)
{
	unsigned m = 0;
	const char *p = gens;

	while (*p) {
		size_t n;

		p += strspn(p, ", ");
		n = strcspn(p, ", ");
		if (n == 2 && !strncasecmp(p, "V1", 2))
			m |= CM_BOOT_BIOS;
		else if (n == 2 && !strncasecmp(p, "V2", 2))
			m |= CM_BOOT_UEFI;
		p += n;
	}
	return m;
}

static void add_driver(struct cm_target_facts *f, const char *mod)
{
	size_t n = strlen(f->drivers);

	snprintf(f->drivers + n, sizeof(f->drivers) - n, "%s%s", n ? " " : "", mod);
}

/* The capabilities that matter to the image (name/value strings). */
static void facts_of(struct json_object *s, const char *size, const char *location,
		     struct cm_target_facts *f)
{
	struct json_object *caps = member(s, "capabilities");
	size_t i, n = caps && json_object_is_type(caps, json_type_array) ?
		      json_object_array_length(caps) : 0;
	int accel = 0, nvme_only = 0;

	memset(f, 0, sizeof(*f));
	printable(size, f->instance_type, sizeof(f->instance_type));
	/* a size without the capability is a Gen1, x64 one (what the API
	 * meant before the capabilities were added) */
	f->boot_modes = CM_BOOT_BIOS;
	snprintf(f->arch, sizeof(f->arch), "x86_64");
	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(caps, i);
		const char *name = str_at(c, "name"), *v = str_at(c, "value");

		if (!name || !v)
			continue;
		if (!strcmp(name, "HyperVGenerations"))
			f->boot_modes = boot_modes_of(v);
		else if (!strcmp(name, "CpuArchitectureType"))
			snprintf(f->arch, sizeof(f->arch), "%s",
				 !strcasecmp(v, "Arm64") ? "arm64" : !strcasecmp(v, "x64") ? "x86_64" : "unknown");
		else if (!strcmp(name, "AcceleratedNetworkingEnabled"))
			accel = !strcasecmp(v, "True");
		else if (!strcmp(name, "DiskControllerTypes"))
			nvme_only = strstr(v, "NVMe") && !strstr(v, "SCSI");
	}
	/* Accelerated networking hands the guest a VF of the host's NIC:
	 * Mellanox ConnectX-4/5 (mlx5_core) or, on newer hosts, the
	 * Microsoft Azure Network Adapter (mana); which one a VM gets is the
	 * host's choice, so both
	 * (learn.microsoft.com/azure/virtual-network/accelerated-networking-overview,
	 *  learn.microsoft.com/azure/virtual-network/accelerated-networking-mana-linux).
	 * ConnectX-3 (mlx4) hosts are being retired and left out. */
	if (accel) {
		add_driver(f, "mana");
		add_driver(f, "mlx5_core");
	}
	/* NVMe-only sizes (v6 and later) present the OS disk over NVMe
	 * (learn.microsoft.com/azure/virtual-machines/nvme-overview) */
	if (nvme_only) {
		f->nvme = 1;
		add_driver(f, "nvme");
	}
	snprintf(f->source, sizeof(f->source), "Resource SKUs (Microsoft.Compute/skus, %.60s)",
		 location);
}

/* The restriction that keeps s out of location, or NULL. */
static const char *restricted_in(struct json_object *s, const char *location)
{
	struct json_object *rs = member(s, "restrictions");
	size_t i, n = rs && json_object_is_type(rs, json_type_array) ?
		      json_object_array_length(rs) : 0;

	for (i = 0; i < n; i++) {
		struct json_object *r = json_object_array_get_idx(rs, i);
		const char *type = str_at(r, "type"), *why = str_at(r, "reasonCode");

		if (type && !strcmp(type, "Location") && in_list(member(r, "values"), location))
			return why ? why : "restricted";
	}
	return NULL;
}

int cm_az_skus_find(const char *buf, size_t len, const char *size,
		    const char *location, struct cm_target_facts *f,
		    char *next, size_t next_size, char *why, size_t why_size)
{
	struct json_object *root, *list;
	const char *nl;
	size_t i, n;
	int r = 1;

	printable("", next, next_size);
	printable("", why, why_size);
	if (parse(buf, len, &root) < 0)
		return -EBADMSG;
	list = member(root, "value");
	if (!list || !json_object_is_type(list, json_type_array)) {
		json_object_put(root);
		return -EBADMSG;
	}
	n = json_object_array_length(list);
	for (i = 0; i < n && r == 1; i++) {
		struct json_object *s = json_object_array_get_idx(list, i);
		const char *type = str_at(s, "resourceType"), *name = str_at(s, "name"), *no;

		if (!type || !name || strcmp(type, "virtualMachines") || strcasecmp(name, size) ||
		    !in_list(member(s, "locations"), location))
			continue;
		no = restricted_in(s, location);
		if (no) {
			printable(no, why, why_size);
			r = -ENOTSUP;
		} else {
			facts_of(s, name, location, f);
			r = 0;
		}
	}
	nl = str_at(root, "nextLink");
	if (r == 1 && nl && strlen(nl) < next_size)
		printable(nl, next, next_size);
	json_object_put(root);
	return r;
}

int cm_az_bootdiag_parse(const char *buf, size_t len, char *uri, size_t size)
{
	struct json_object *root;
	int r;

	if (size)
		uri[0] = '\0';
	if (parse(buf, len, &root) < 0)
		return -EBADMSG;
	r = cm_json_get_text(root, "serialConsoleLogBlobUri", uri, size);
	if (r == 0 && !uri[0])
		r = -ENODATA;
	if (r == -ERANGE)
		r = -ENODATA;
	json_object_put(root);
	return r;
}

int cm_az_name_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 90 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._()-") == n;
}

int cm_az_subnet_id_ok(const char *s)
{
	const char *p = s;
	static const char *const shape[] = {
		"subscriptions", NULL, "resourceGroups", NULL, "providers",
		"Microsoft.Network", "virtualNetworks", NULL, "subnets", NULL,
	};
	size_t i;

	for (i = 0; i < sizeof(shape) / sizeof(shape[0]); i++) {
		char seg[128];
		size_t n;

		if (*p != '/')
			return 0;
		p++;
		n = strcspn(p, "/");
		if (!n || n >= sizeof(seg))
			return 0;
		memcpy(seg, p, n);
		seg[n] = '\0';
		if (shape[i] ? strcasecmp(seg, shape[i]) != 0 : !cm_az_name_ok(seg))
			return 0;
		p += n;
	}
	return *p == '\0';
}

int cm_az_instance_parse(const char *buf, size_t len, struct cm_az_self *s)
{
	struct json_object *root;
	int r;

	memset(s, 0, sizeof(*s));
	if (parse(buf, len, &root) < 0)
		return -EBADMSG;
	r = cm_json_get_text(root, "compute.subscriptionId", s->subscription, sizeof(s->subscription));
	if (!r)
		r = cm_json_get_text(root, "compute.resourceGroupName", s->resource_group,
				     sizeof(s->resource_group));
	if (!r)
		r = cm_json_get_text(root, "compute.name", s->name, sizeof(s->name));
	if (!r)
		r = cm_json_get_text(root, "compute.location", s->location, sizeof(s->location));
	json_object_put(root);
	if (r || !cm_az_name_ok(s->subscription) || !cm_az_name_ok(s->resource_group) ||
	    !cm_az_name_ok(s->name) || !cm_az_name_ok(s->location)) {
		memset(s, 0, sizeof(*s));
		return -ENODATA;
	}
	return 0;
}

int cm_az_host_is_arm(const char *host, size_t len)
{
	return len == 20 && !strncasecmp(host, "management.azure.com", 20);
}

int cm_az_host_is_blob(const char *host, size_t len)
{
	static const char sfx[] = ".blob.core.windows.net";
	size_t i, acct;

	if (len <= sizeof(sfx) - 1 || strncasecmp(host + len - (sizeof(sfx) - 1), sfx, sizeof(sfx) - 1))
		return 0;
	acct = len - (sizeof(sfx) - 1);
	for (i = 0; i < acct; i++)
		if (!((host[i] >= 'a' && host[i] <= 'z') || (host[i] >= '0' && host[i] <= '9') ||
		      host[i] == '-'))
			return 0;
	return 1;
}


int cm_az_source_uri(const char *image_url, char *out, size_t size,
		     char *account, size_t account_size)
{
	struct cm_url u;
	const char *p;
	int n;

	if (cm_url_parse(image_url, strlen(image_url), &u) < 0 ||
	    (strcmp(u.scheme_name, "https") && strcmp(u.scheme_name, "http")) ||
	    cm_azure_url_account(&u, account, account_size) < 0 ||
	    strlen(account) < 3 || strlen(account) > 24 ||
	    strspn(account, "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(account))
		return -EINVAL;
	p = u.path;
	if (!cm_azure_host_is_blob(u.host)) {
		/* path-style: /ACCOUNT/CONTAINER/BLOB */
		p = strchr(p + 1, '/');
		if (!p)
			return -EINVAL;
	}
	if (strpbrk(p, " \r\n\t\"\\"))
		return -EINVAL;
	n = snprintf(out, size, "https://%s.blob.core.windows.net%s", account, p);
	return n < 0 || (size_t)n >= size ? -EINVAL : 0;
}

const char *cm_az_hyperv_gen(unsigned img_fw, unsigned type_modes)
{
	unsigned both = img_fw & type_modes;

	if (!img_fw)	/* what a disk without hyperVGeneration gets */
		return type_modes & CM_BOOT_BIOS ? "V1" : type_modes & CM_BOOT_UEFI ? "V2" : NULL;
	if (both & CM_BOOT_UEFI)
		return "V2";
	if (both & CM_BOOT_BIOS)
		return "V1";
	return NULL;
}

int cm_az_form_encode(const char *s, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			if (o + 1 >= size)
				return -EMSGSIZE;
			out[o++] = (char)c;
		} else {
			if (o + 3 >= size)
				return -EMSGSIZE;
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (o >= size)
		return -EMSGSIZE;
	out[o] = '\0';
	return 0;
}
