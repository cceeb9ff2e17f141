#include <curl/curl.h>
#include <stdlib.h>
#include <unistd.h>

#include "tls.h"

/* The same list, in the same order, as dracut-module's install(). */
static const char *const bundles[] = {
	"/etc/ssl/certs/ca-certificates.crt",		/* Debian, Ubuntu, initramfs */
	"/etc/pki/tls/certs/ca-bundle.crt",		/* RHEL, Fedora, AL */
	"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
	"/etc/ssl/ca-bundle.pem",			/* SUSE */
	"/etc/ssl/cert.pem",
	NULL,
};

const char *cm_tls_ca_bundle(void)
{
	const char *env = getenv("CLOUDMOVE_CA_BUNDLE");
	size_t i;

	if (env && *env)
		return env;
	for (i = 0; bundles[i]; i++)
		if (access(bundles[i], R_OK) == 0)
			return bundles[i];
	return NULL;
}

void cm_tls_setup(void *curl)
{
	const char *ca = cm_tls_ca_bundle();

	curl_easy_setopt((CURL *)curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt((CURL *)curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca)
		curl_easy_setopt((CURL *)curl, CURLOPT_CAINFO, ca);
}
