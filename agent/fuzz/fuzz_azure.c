/* libFuzzer: what the azure control plane reads from Azure
 * (control/azure_proto.c): token answers (Azure AD, IMDS), ARM and AAD
 * errors, long-running operation status, Resource SKUs pages, boot
 * diagnostics, IMDS's instance document; and the URLs it is handed
 * (operation URLs, nextLink, the serial console blob, the stream's blob).
 * Any bytes: no crash, no read past the input; what is accepted is
 * consistent: a token has no line break, printable errors are printable,
 * facts name boot modes and fit, an accepted URL goes only to its host. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "control/azure_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void printable_or_abort(const char *s, size_t cap)
{
	size_t i, n = strlen(s);

	if (n >= cap)
		abort();
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < ' ' || (unsigned char)s[i] >= 0x7f)
			abort();
}

static void answers(const char *s, size_t size)
{
	char tok[256], code[48], msg[160], next[512], why[64], uri[512];
	struct cm_target_facts f;
	struct cm_az_self me;
	int r;

	if (cm_az_token_parse(s, size, tok, sizeof(tok)) == 0 &&
	    (!tok[0] || strpbrk(tok, "\r\n") || strlen(tok) >= sizeof(tok)))
		abort();
	r = cm_az_error_parse(s, size, code, sizeof(code), msg, sizeof(msg));
	if (r != 0 && r != -ENODATA)
		abort();
	printable_or_abort(code, sizeof(code));
	printable_or_abort(msg, sizeof(msg));
	r = cm_az_lro_parse(s, size, code, sizeof(code), msg, sizeof(msg));
	if (r != 0 && r != 1 && r != -EPROTO && r != -EBADMSG)
		abort();
	if (r == -EPROTO && !code[0])
		abort();
	r = cm_az_skus_find(s, size, "Standard_D2s_v5", "eastus", &f, next, sizeof(next),
			    why, sizeof(why));
	if (r == 0 && (f.boot_modes & ~(unsigned)(CM_BOOT_BIOS | CM_BOOT_UEFI) ||
		       strlen(f.drivers) >= sizeof(f.drivers) || !f.arch[0]))
		abort();
	if (r != 1 && next[0])
		abort();
	printable_or_abort(next, sizeof(next));
	r = cm_az_bootdiag_parse(s, size, uri, sizeof(uri));
	if (r == 0 && !uri[0])
		abort();
	if (cm_az_instance_parse(s, size, &me) == 0 &&
	    (!cm_az_name_ok(me.subscription) || !cm_az_name_ok(me.resource_group) ||
	     !cm_az_name_ok(me.name) || !cm_az_name_ok(me.location)))
		abort();
}

static void urls(const char *s)
{
	char base[128], out[1024], acct[64];
	const char *path;

	if (cm_api_split_url(s, cm_az_host_is_arm, base, sizeof(base), &path) == 0 &&
	    (strcasecmp(base, "https://management.azure.com") || path[0] != '/' ||
	     strpbrk(path, " \r\n\x01\x7f")))
		abort();
	if (cm_api_split_url(s, cm_az_host_is_blob, base, sizeof(base), &path) == 0 &&
	    (strlen(base) < 31 || strcasecmp(base + strlen(base) - 22, ".blob.core.windows.net") ||
	     path[0] != '/'))
		abort();
	if (cm_az_source_uri(s, out, sizeof(out), acct, sizeof(acct)) == 0 &&
	    (strncmp(out, "https://", 8) || strchr(out, '?') || strpbrk(out, " \r\n\"") ||
	     strncmp(out + 8, acct, strlen(acct))))
		abort();
	if (cm_az_subnet_id_ok(s) && strncasecmp(s, "/subscriptions/", 15))
		abort();
	if (cm_az_form_encode(s, out, sizeof(out)) == 0 &&
	    strspn(out, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~%")
	    != strlen(out))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	answers(s, size);
	urls(s);	/* the NUL-terminated forms: stop at an embedded NUL */
	free(s);
	return 0;
}
