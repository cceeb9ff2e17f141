/* What control/azure.c reads from Azure and builds for it, as pure
 * functions (no I/O), unit-tested and fuzzed (agent/fuzz/fuzz_azure.c):
 * the token answers (Azure AD's v2.0 endpoint, IMDS managed identity),
 * ARM's errors and long-running operation status, Resource SKUs pages,
 * boot diagnostics, IMDS's instance document, and the URL checks that
 * keep the bearer token on management.azure.com. */
#ifndef CM_CONTROL_AZURE_PROTO_H
#define CM_CONTROL_AZURE_PROTO_H

#include <stddef.h>

#include "control.h"

#define CM_AZ_ARM	"https://management.azure.com"
#define CM_AZ_LOGIN	"https://login.microsoftonline.com"

/* A token answer ({"access_token": ..., "token_type": "Bearer", ...}):
 * the token into out.  0, -EBADMSG (not one), -EMSGSIZE (does not fit). */
int cm_az_token_parse(const char *buf, size_t len, char *out, size_t size);

/* An error answer: ARM's {"error": {"code", "message"}} or Azure AD's and
 * IMDS's {"error": "code", "error_description": "..."}.  code and msg
 * are printable ASCII (others become '?'), msg cut to fit.  0 or
 * -ENODATA (no error in it; code and msg are then ""). */
int cm_az_error_parse(const char *buf, size_t len, char *code, size_t code_size,
		      char *msg, size_t msg_size);

/* A long-running operation's status resource ({"status": "InProgress"|
 * "Succeeded"|"Failed"|"Canceled", "error": {...}}): 1 still running,
 * 0 succeeded, -EPROTO failed or canceled (code and msg as
 * cm_az_error_parse's), -EBADMSG unreadable. */
int cm_az_lro_parse(const char *buf, size_t len, char *code, size_t code_size,
		    char *msg, size_t msg_size);

/* One page of Resource SKUs ({"value": [...], "nextLink": URL}): the
 * virtualMachines SKU named size, available in location, into f.
 * 0 found; 1 not on this page (next: the nextLink or ""); -ENOTSUP it is
 * restricted there (why: the reasonCode); -EBADMSG unreadable. */
int cm_az_skus_find(const char *buf, size_t len, const char *size,
		    const char *location, struct cm_target_facts *f,
		    char *next, size_t next_size, char *why, size_t why_size);

/* retrieveBootDiagnosticsData's answer: serialConsoleLogBlobUri.
 * 0, -ENODATA (none: boot diagnostics off), -EBADMSG, -EMSGSIZE. */
int cm_az_bootdiag_parse(const char *buf, size_t len, char *uri, size_t size);

/* IMDS /metadata/instance: compute.subscriptionId, resourceGroupName,
 * name, location (each at most CM_API_ID_MAX).  0, -ENODATA (one is
 * missing or not a plain ARM name), -EBADMSG. */
struct cm_az_self {
	char subscription[CM_API_ID_MAX];
	char resource_group[CM_API_ID_MAX];
	char name[CM_API_ID_MAX];
	char location[128];
};
int cm_az_instance_parse(const char *buf, size_t len, struct cm_az_self *s);

/* The hosts cm_api_split_url (control.h) may send azure's requests to. */
int cm_az_host_is_arm(const char *host, size_t len);
int cm_az_host_is_blob(const char *host, size_t len);

/* The blob the stream made (https://ACCOUNT.blob.core.windows.net/C/B?SAS
 * or path-style http(s)://HOST/ACCOUNT/C/B as the storage emulator takes
 * it) as Import's sourceUri: https://ACCOUNT.blob.core.windows.net/C/B,
 * no query (the SAS is not needed: ARM reads it as storageAccountId's
 * owner, and a signature is not sent where it is not needed).
 * 0 or -EINVAL. */
int cm_az_source_uri(const char *image_url, char *out, size_t size,
		     char *account, size_t account_size);

/* Is s a name ARM takes in a path (resource group, VM, location, size,
 * subscription: [A-Za-z0-9._()-], 1..90 chars)?  And a subnet's id
 * (/subscriptions/.../subnets/NAME)? */
int cm_az_name_ok(const char *s);
int cm_az_subnet_id_ok(const char *s);

/* The disk's Hyper-V generation for an image that boots with img_fw on
 * a size that boots type_modes (CM_BOOT_*): "V2" (UEFI) when both can,
 * "V1" (BIOS) when only BIOS is common, NULL when nothing is.  img_fw 0
 * (not known): Azure's own default, V1, where the size boots it, else
 * V2. */
const char *cm_az_hyperv_gen(unsigned img_fw, unsigned type_modes);

/* application/x-www-form-urlencoded value: 0 or -EMSGSIZE. */
int cm_az_form_encode(const char *s, char *out, size_t size);

#endif
