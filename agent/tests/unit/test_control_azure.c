/* The azure control plane's pure parts (control/azure_proto.c): Azure AD
 * and IMDS token answers, ARM errors and operation status, Resource SKUs
 * pages, boot diagnostics, IMDS's instance document, the URL checks that
 * keep the token on management.azure.com, the Hyper-V generation choice.
 * The answers are shaped as the documented examples (see azure_proto.c's
 * links); the suite launch-azure checks them against arm_server.py. */
#include <errno.h>
#include <string.h>

#include "control/azure_proto.h"
#include "test.h"

#define S(lit)	lit, sizeof(lit) - 1

TEST(control_azure_token)
{
	char t[64];

	CHECK_INT(cm_az_token_parse(S("{\"token_type\":\"Bearer\",\"expires_in\":3599,"
				      "\"ext_expires_in\":3599,\"access_token\":\"eyJ0.abc\"}"),
				    t, sizeof(t)), 0);
	CHECK_STR(t, "eyJ0.abc");
	/* IMDS: numbers as strings, resource echoed */
	CHECK_INT(cm_az_token_parse(S("{\"access_token\":\"mi-tok\",\"expires_in\":\"86399\","
				      "\"resource\":\"https://management.azure.com/\","
				      "\"token_type\":\"Bearer\"}"), t, sizeof(t)), 0);
	CHECK_STR(t, "mi-tok");
	CHECK_INT(cm_az_token_parse(S("{\"token_type\":\"Bearer\"}"), t, sizeof(t)), -EBADMSG);
	CHECK_INT(cm_az_token_parse(S("{\"access_token\":\"\"}"), t, sizeof(t)), -EBADMSG);
	CHECK_INT(cm_az_token_parse(S("{\"access_token\":\"a\",\"token_type\":\"pop\"}"), t,
				    sizeof(t)), -EBADMSG);
	/* a token that would end the Authorization header line */
	CHECK_INT(cm_az_token_parse(S("{\"access_token\":\"a\\r\\nX-Evil: 1\"}"), t, sizeof(t)),
		  -EBADMSG);
	CHECK_STR(t, "");
	CHECK_INT(cm_az_token_parse(S("{\"access_token\":\"0123456789\"}"), t, 4), -EMSGSIZE);
	CHECK_INT(cm_az_token_parse(S("not json"), t, sizeof(t)), -EBADMSG);
}

TEST(control_azure_errors)
{
	char code[32], msg[64];

	CHECK_INT(cm_az_error_parse(S("{\"error\":{\"code\":\"OperationNotAllowed\",\"message\":"
				      "\"Operation could not be completed as it results in "
				      "exceeding approved quota.\"}}"),
				    code, sizeof(code), msg, sizeof(msg)), 0);
	CHECK_STR(code, "OperationNotAllowed");
	CHECK_INT((int)strlen(msg), 63);	/* cut to fit */
	/* AAD: a string error, the description's first line only */
	CHECK_INT(cm_az_error_parse(S("{\"error\":\"invalid_client\",\"error_description\":"
				      "\"AADSTS7000215: Invalid client secret.\\r\\nTrace ID: x\","
				      "\"error_codes\":[7000215]}"),
				    code, sizeof(code), msg, sizeof(msg)), 0);
	CHECK_STR(code, "invalid_client");
	CHECK_STR(msg, "AADSTS7000215: Invalid client secret.");
	CHECK_INT(cm_az_error_parse(S("{\"error\":\"invalid_request\",\"error_description\":"
				      "\"Identity not found\"}"), code, sizeof(code), msg,
				    sizeof(msg)), 0);
	CHECK_STR(msg, "Identity not found");
	/* control characters are not passed to the terminal */
	CHECK_INT(cm_az_error_parse(S("{\"error\":{\"code\":\"A\\u001b[2J\",\"message\":\"m\"}}"),
				    code, sizeof(code), msg, sizeof(msg)), 0);
	CHECK_STR(code, "A?[2J");
	CHECK_INT(cm_az_error_parse(S("{}"), code, sizeof(code), msg, sizeof(msg)), -ENODATA);
	CHECK_STR(code, "");
	CHECK_INT(cm_az_error_parse(S("<html>"), code, sizeof(code), msg, sizeof(msg)), -ENODATA);
}

TEST(control_azure_lro)
{
	char code[32], msg[128];

	CHECK_INT(cm_az_lro_parse(S("{\"startTime\":\"2026-12-07T23:00:00+00:00\","
				    "\"status\":\"InProgress\",\"name\":\"x\"}"),
				  code, sizeof(code), msg, sizeof(msg)), 1);
	CHECK_INT(cm_az_lro_parse(S("{\"status\":\"Succeeded\",\"properties\":{\"output\":{}}}"),
				  code, sizeof(code), msg, sizeof(msg)), 0);
	CHECK_INT(cm_az_lro_parse(S("{\"status\":\"Failed\",\"error\":{\"code\":\"BadRequest\","
				    "\"message\":\"not a supported VHD\"}}"),
				  code, sizeof(code), msg, sizeof(msg)), -EPROTO);
	CHECK_STR(code, "BadRequest");
	CHECK_STR(msg, "not a supported VHD");
	CHECK_INT(cm_az_lro_parse(S("{\"status\":\"Canceled\"}"), code, sizeof(code), msg,
				  sizeof(msg)), -EPROTO);
	CHECK_STR(code, "Canceled");
	CHECK_INT(cm_az_lro_parse(S("{\"status\":\"Failed\",\"error\":{\"code\":\"\"}}"),
				  code, sizeof(code), msg, sizeof(msg)), -EPROTO);
	CHECK_STR(code, "Failed");
	CHECK_INT(cm_az_lro_parse(S("{\"status\":3}"), code, sizeof(code), msg, sizeof(msg)),
		  -EBADMSG);
	CHECK_INT(cm_az_lro_parse(S("[]"), code, sizeof(code), msg, sizeof(msg)), -EBADMSG);
}

#define SKU(name, caps, extra) \
	"{\"resourceType\":\"virtualMachines\",\"name\":\"" name "\",\"tier\":\"Standard\"," \
	"\"locations\":[\"eastus\"],\"capabilities\":[" caps "]" extra "}"
#define CAP(n, v) "{\"name\":\"" n "\",\"value\":\"" v "\"}"

TEST(control_azure_skus)
{
	static const char page[] = "{\"value\":["
		"{\"resourceType\":\"disks\",\"name\":\"Standard_D2s_v5\",\"locations\":[\"eastus\"]},"
		SKU("Standard_B1s", CAP("HyperVGenerations", "V1,V2") "," CAP("CpuArchitectureType", "x64")
		    "," CAP("AcceleratedNetworkingEnabled", "False"), "") ","
		SKU("Standard_D2s_v5", CAP("vCPUs", "2") "," CAP("HyperVGenerations", "V1,V2") ","
		    CAP("CpuArchitectureType", "x64") "," CAP("AcceleratedNetworkingEnabled", "True"),
		    ",\"restrictions\":[]") ","
		SKU("Standard_D2ps_v5", CAP("HyperVGenerations", "V2") "," CAP("CpuArchitectureType", "Arm64")
		    "," CAP("AcceleratedNetworkingEnabled", "True"), "") ","
		SKU("Standard_D2s_v6", CAP("HyperVGenerations", "V2") ","
		    CAP("DiskControllerTypes", "NVMe") "," CAP("AcceleratedNetworkingEnabled", "True"), "") ","
		SKU("Standard_A1_v2", "", "") ","
		SKU("Standard_NC6s_v3", CAP("HyperVGenerations", "V1,V2"),
		    ",\"restrictions\":[{\"type\":\"Location\",\"values\":[\"eastus\"],"
		    "\"reasonCode\":\"NotAvailableForSubscription\"}]")
		"],\"nextLink\":\"https://management.azure.com/subscriptions/s/providers/"
		"Microsoft.Compute/skus?api-version=2021-07-01&$skiptoken=7\"}";
	struct cm_target_facts f;
	char next[256], why[64];

	CHECK_INT(cm_az_skus_find(page, sizeof(page) - 1, "standard_d2s_v5", "eastus", &f, next,
				  sizeof(next), why, sizeof(why)), 0);
	CHECK_STR(f.instance_type, "Standard_D2s_v5");
	CHECK_STR(f.arch, "x86_64");
	CHECK_INT((int)f.boot_modes, CM_BOOT_BIOS | CM_BOOT_UEFI);
	CHECK_STR(f.drivers, "mana mlx5_core");
	CHECK_INT(f.nvme, 0);
	CHECK(strstr(f.source, "Resource SKUs") && strstr(f.source, "eastus"));
	CHECK_STR(next, "");

	CHECK_INT(cm_az_skus_find(page, sizeof(page) - 1, "Standard_D2ps_v5", "EastUS", &f, next,
				  sizeof(next), why, sizeof(why)), 0);
	CHECK_STR(f.arch, "arm64");
	CHECK_INT((int)f.boot_modes, CM_BOOT_UEFI);
	CHECK_INT(cm_az_skus_find(page, sizeof(page) - 1, "Standard_B1s", "eastus", &f, next,
				  sizeof(next), why, sizeof(why)), 0);
	CHECK_STR(f.drivers, "");
	CHECK_INT(cm_az_skus_find(page, sizeof(page) - 1, "Standard_D2s_v6", "eastus", &f, next,
				  sizeof(next), why, sizeof(why)), 0);
	CHECK_INT(f.nvme, 1);
	CHECK_STR(f.drivers, "mana mlx5_core nvme");
	/* no capabilities: what a size was before they were listed */
	CHECK_INT(cm_az_skus_find(page, sizeof(page) - 1, "Standard_A1_v2", "eastus", &f, next,
				  sizeof(next), why, sizeof(why)), 0);
	CHECK_INT((int)f.boot_modes, CM_BOOT_BIOS);
	CHECK_INT(cm_az_skus_find(page, sizeof(page) - 1, "Standard_NC6s_v3", "eastus", &f, next,
				  sizeof(next), why, sizeof(why)), -ENOTSUP);
	CHECK_STR(why, "NotAvailableForSubscription");
	/* not here: the next page */
	CHECK_INT(cm_az_skus_find(page, sizeof(page) - 1, "Standard_X", "eastus", &f, next,
				  sizeof(next), why, sizeof(why)), 1);
	CHECK(!strncmp(next, "https://management.azure.com/subscriptions/s/", 45));
	CHECK_INT(cm_az_skus_find(page, sizeof(page) - 1, "Standard_B1s", "westus", &f, next,
				  sizeof(next), why, sizeof(why)), 1);
	CHECK_INT(cm_az_skus_find(S("{\"value\":{}}"), "a", "b", &f, next, sizeof(next), why,
				  sizeof(why)), -EBADMSG);
}

TEST(control_azure_bootdiag_and_instance)
{
	char uri[200];
	struct cm_az_self me;

	CHECK_INT(cm_az_bootdiag_parse(S("{\"consoleScreenshotBlobUri\":\"https://x/s.bmp\","
					 "\"serialConsoleLogBlobUri\":\"https://md-ab.blob.core."
					 "windows.net/c/vm.serialconsole.log?sv=1&sig=x\"}"),
				       uri, sizeof(uri)), 0);
	CHECK(!strncmp(uri, "https://md-ab.blob.core.windows.net/c/", 38));
	CHECK_INT(cm_az_bootdiag_parse(S("{}"), uri, sizeof(uri)), -ENODATA);
	CHECK_INT(cm_az_instance_parse(S("{\"compute\":{\"subscriptionId\":\"sub-1\","
					 "\"resourceGroupName\":\"rg_1\",\"name\":\"vm.1\","
					 "\"location\":\"eastus\",\"vmSize\":\"Standard_A3\"}}"),
				       &me), 0);
	CHECK_STR(me.subscription, "sub-1");
	CHECK_STR(me.resource_group, "rg_1");
	CHECK_STR(me.name, "vm.1");
	CHECK_STR(me.location, "eastus");
	/* a name that would change the ARM path is no name */
	CHECK_INT(cm_az_instance_parse(S("{\"compute\":{\"subscriptionId\":\"s\",\"resourceGroupName\":"
					 "\"rg/../x\",\"name\":\"v\",\"location\":\"l\"}}"), &me),
		  -ENODATA);
	CHECK_INT(cm_az_instance_parse(S("{\"compute\":{\"name\":\"v\"}}"), &me), -ENODATA);
}

TEST(control_azure_urls)
{
	char base[64], out[200], acct[32];
	const char *path;

	CHECK_INT(cm_api_split_url("https://management.azure.com/subscriptions/s/providers/"
				  "Microsoft.Compute/locations/eastus/operations/1?api-version=x",
				  cm_az_host_is_arm, base, sizeof(base), &path), 0);
	CHECK_STR(base, "https://management.azure.com");
	CHECK(!strncmp(path, "/subscriptions/s/", 17));
	/* the token never goes elsewhere */
	CHECK_INT(cm_api_split_url("https://management.azure.com.evil.example/x", cm_az_host_is_arm,
				  base, sizeof(base), &path), -EINVAL);
	CHECK_INT(cm_api_split_url("http://management.azure.com/x", cm_az_host_is_arm, base,
				  sizeof(base), &path), -EINVAL);
	CHECK_INT(cm_api_split_url("https://user@management.azure.com/x", cm_az_host_is_arm, base,
				  sizeof(base), &path), -EINVAL);
	CHECK_INT(cm_api_split_url("https://management.azure.com/x\r\nHost: y", cm_az_host_is_arm,
				  base, sizeof(base), &path), -EINVAL);
	CHECK_INT(cm_api_split_url("https://management.azure.com/x\x01y", cm_az_host_is_arm,
				  base, sizeof(base), &path), -EINVAL);
	CHECK_INT(cm_api_split_url("https://management.azure.com/x#f", cm_az_host_is_arm,
				  base, sizeof(base), &path), -EINVAL);
	CHECK_INT(cm_api_split_url("https://md-x1.blob.core.windows.net/c/b?sig=1", cm_az_host_is_blob,
				  base, sizeof(base), &path), 0);
	CHECK_INT(cm_api_split_url("https://blob.core.windows.net/c/b", cm_az_host_is_blob, base,
				  sizeof(base), &path), -EINVAL);
	CHECK_INT(cm_api_split_url("https://a.b.blob.core.windows.net/c/b", cm_az_host_is_blob, base,
				  sizeof(base), &path), -EINVAL);

	CHECK_INT(cm_az_source_uri("https://acct1.blob.core.windows.net/images/d.vhd?sv=1&sig=SECRET",
				   out, sizeof(out), acct, sizeof(acct)), 0);
	CHECK_STR(out, "https://acct1.blob.core.windows.net/images/d.vhd");
	CHECK_STR(acct, "acct1");
	CHECK_INT(cm_az_source_uri("http://127.0.0.1:10000/devstoreaccount1/images/d.vhd", out,
				   sizeof(out), acct, sizeof(acct)), 0);
	CHECK_STR(out, "https://devstoreaccount1.blob.core.windows.net/images/d.vhd");
	CHECK_INT(cm_az_source_uri("gs://b/d.tar.gz", out, sizeof(out), acct, sizeof(acct)), -EINVAL);
	CHECK_INT(cm_az_source_uri("https://acct1.blob.core.windows.net/images", out, sizeof(out),
				   acct, sizeof(acct)), -EINVAL);
	CHECK_INT(cm_az_source_uri("https://ACCT.blob.core.windows.net/c/b", out, sizeof(out),
				   acct, sizeof(acct)), -EINVAL);
}

TEST(control_azure_names_and_generation)
{
	char out[64];

	CHECK(cm_az_name_ok("rg-cloud_move.1(a)"));
	CHECK(!cm_az_name_ok(""));
	CHECK(!cm_az_name_ok("a/b"));
	CHECK(!cm_az_name_ok("a?b"));
	CHECK(!cm_az_name_ok("a b"));
	CHECK(cm_az_subnet_id_ok("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"
				 "virtualNetworks/v/subnets/default"));
	CHECK(!cm_az_subnet_id_ok("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/"
				  "virtualNetworks/v/subnets/default/x"));
	CHECK(!cm_az_subnet_id_ok("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/"
				  "virtualNetworks/v/subnets/default"));
	CHECK(!cm_az_subnet_id_ok("/subscriptions/s/resourceGroups/../providers/Microsoft.Network/"
				  "virtualNetworks/v/subnets/d?x=1"));

	CHECK_STR(cm_az_hyperv_gen(CM_BOOT_UEFI, CM_BOOT_BIOS | CM_BOOT_UEFI), "V2");
	CHECK_STR(cm_az_hyperv_gen(CM_BOOT_BIOS, CM_BOOT_BIOS | CM_BOOT_UEFI), "V1");
	CHECK_STR(cm_az_hyperv_gen(CM_BOOT_BIOS | CM_BOOT_UEFI, CM_BOOT_BIOS), "V1");
	CHECK_STR(cm_az_hyperv_gen(CM_BOOT_BIOS | CM_BOOT_UEFI, CM_BOOT_BIOS | CM_BOOT_UEFI), "V2");
	CHECK(!cm_az_hyperv_gen(CM_BOOT_BIOS, CM_BOOT_UEFI));
	/* not known: Azure's default where the size has it */
	CHECK_STR(cm_az_hyperv_gen(0, CM_BOOT_BIOS | CM_BOOT_UEFI), "V1");
	CHECK_STR(cm_az_hyperv_gen(0, CM_BOOT_UEFI), "V2");
	CHECK(!cm_az_hyperv_gen(0, 0));

	CHECK_INT(cm_az_form_encode("a~b c&d=e+/", out, sizeof(out)), 0);
	CHECK_STR(out, "a~b%20c%26d%3De%2B%2F");
	CHECK_INT(cm_az_form_encode("abcdef", out, 4), -EMSGSIZE);
}
