/* libFuzzer: the service-account key file (control/gcp_proto.c,
 * cm_gcp_key_parse) and the unsigned JWT made from what it accepts.  Any
 * bytes: no crash, no read past the input; an accepted key has an email,
 * a PEM-looking key and an http(s) token_uri, none with a line break; a
 * refused one leaves nothing behind. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/gcp_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cm_gcp_key k;
	static const struct cm_gcp_key zero;
	static char jwt[CM_GCP_JWT_MAX];
	char *s = malloc(size ? size : 1);
	const char *why = NULL;
	int r;

	if (!s)
		return 0;
	memcpy(s, data, size);
	r = cm_gcp_key_parse(s, size, &k, &why);
	if (r != 0 && r != -EINVAL)
		abort();
	if (r < 0 && (!why || memcmp(&k, &zero, sizeof(k))))
		abort();
	if (r == 0) {
		if (why || !k.client_email[0] || !strstr(k.private_key, "-----BEGIN ") ||
		    strncmp(k.token_uri, "http", 4) || strpbrk(k.client_email, "\r\n"))
			abort();
		r = cm_gcp_jwt_unsigned(&k, CM_GCP_SCOPE, 1700000000, jwt, sizeof(jwt));
		if (r != 0 && r != -EMSGSIZE)
			abort();
		if (r == 0 && (strchr(jwt, '=') || strchr(jwt, '+') || strchr(jwt, '/') ||
			       !strchr(jwt, '.')))
			abort();
	}
	free(s);
	return 0;
}
