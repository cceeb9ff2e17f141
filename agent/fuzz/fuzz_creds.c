/* libFuzzer: the credentials file parser (stream/creds.c).  Any bytes: no
 * crash, no read past the input; every value it keeps is NUL-terminated
 * within its field, and a refused file leaves nothing behind. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream/creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cm_creds c;
	static const struct cm_creds zero;
	char *s = malloc(size ? size : 1);
	unsigned line;
	int r;

	if (!s)
		return 0;
	memcpy(s, data, size);
	r = cm_creds_parse(s, size, &c, &line);
	if (r != 0 && r != -EINVAL)
		abort();
	if (r < 0 && (memcmp(&c, &zero, sizeof(c)) || !line))
		abort();
	if (!memchr(c.aws_secret_access_key, '\0', sizeof(c.aws_secret_access_key)) ||
	    !memchr(c.gcp_access_token, '\0', sizeof(c.gcp_access_token)))
		abort();
	free(s);
	return 0;
}
