/* cloudmove --version: ours and the versions of what we link, so an
 * operator can tell which TLS stack and parsers a given initramfs has. */
#include <blkid.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <libmount.h>
#include <lzma.h>
#include <stdio.h>
#include <zlib.h>
#include <zstd.h>

#include "cmd.h"

#ifndef CM_VERSION
#define CM_VERSION "0.0.0-dev"
#endif

/* The static build's libraries with the Debian revision each was built
 * from ("zlib 1.2.13.dfsg-1, mbedtls 2.28.3-1, ..."): the fetch may fall
 * back to an older revision than the archive lists (build-deps.sh), and
 * which one a binary carries is what a security notice asks. */
#ifndef CM_BUILT_FROM
#define CM_BUILT_FROM ""
#endif

int cm_cmd_version(int argc, char **argv)
{
	const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
	const char *blkid_version = NULL, *mount_version = NULL;

	(void)argc;
	(void)argv;
	blkid_get_library_version(&blkid_version, NULL);
	mnt_get_library_version(&mount_version);
	printf("cloudmove %s\n", CM_VERSION);
	printf("libcurl %s\n", curl->version);
	printf("tls %s\n", curl->ssl_version ? curl->ssl_version : "none");
	printf("libblkid %s\n", blkid_version ? blkid_version : "?");
	printf("libmount %s\n", mount_version ? mount_version : "?");
	printf("json-c %s\n", json_c_version());
	printf("zlib %s\n", zlibVersion());
	printf("libzstd %s\n", ZSTD_versionString());
	printf("liblzma %s\n", lzma_version_string());
	if (CM_BUILT_FROM[0])
		printf("built from Debian sources: %s\n", CM_BUILT_FROM);
	return fflush(stdout) == EOF ? CM_EXIT_FAIL : CM_EXIT_OK;
}
