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
	/* TLS 1.2 at least (RFC 8996): the static build's mbedTLS has no 1.0
	 * or 1.1, and offering them would end a handshake with such a server
	 * in its "internal error" rather than a protocol version alert */
	curl_easy_setopt((CURL *)curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (ca)
		curl_easy_setopt((CURL *)curl, CURLOPT_CAINFO, ca);
}
