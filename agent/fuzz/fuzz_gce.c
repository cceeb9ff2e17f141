/* libFuzzer: what the gcp control plane reads from servers
 * (control/gcp_proto.c): the token endpoint's answer and refusal, compute's
 * error body, an Operation, a MachineType, a SerialPortOutput; and the
 * pure helpers over text (gs:// URL, resource names, the series table).
 * Any bytes: no crash, no read past the input; every value kept is
 * NUL-terminated within its field; what is accepted is consistent. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "control/gcp_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void text_helpers(const char *s)
{
	struct cm_target_facts f;
	char out[256];

	if (cm_gce_raw_source(s, out, sizeof(out)) == 0 &&
	    strncmp(out, "https://storage.googleapis.com/", 31))
		abort();
	if (cm_gce_name(s, s, out, 64) == 0) {
		size_t n = strlen(out);

		if (n > 63 || out[0] < 'a' || out[0] > 'z' || out[n - 1] == '-' ||
		    strspn(out, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
			abort();
	}
	memset(&f, 0, sizeof(f));
	cm_gce_type_facts(s, "arm64", &f);
	if (f.boot_modes != CM_BOOT_UEFI)
		abort();
	cm_gce_basename(s, out, sizeof(out));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), tok[512], e[64], d[256], name[128], arch[16];
	struct cm_gce_error err;
	struct cm_gce_op op;
	struct cm_buf b;
	uint64_t next;
	long exp;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (cm_gcp_token_parse(s, size, tok, sizeof(tok), &exp) == 0 &&
	    (!tok[0] || strpbrk(tok, "\r\n \t")))
		abort();
	if (cm_gcp_oauth_error_parse(s, size, e, sizeof(e), d, sizeof(d)) == 0 && !e[0])
		abort();
	if (cm_gce_error_parse(s, size, &err) == 0 && !err.message[0])
		abort();
	if (cm_gce_op_parse(s, size, &op) == 0 &&
	    (!op.name[0] || op.done != !strcmp(op.status, "DONE")))
		abort();
	if (cm_gce_machine_type_parse(s, size, name, sizeof(name), arch, sizeof(arch)) == 0 &&
	    (!name[0] || (arch[0] && strcmp(arch, "x86_64") && strcmp(arch, "arm64"))))
		abort();
	cm_buf_init(&b, 4096);
	if (cm_gce_serial_parse(s, size, &b, &next) == 0 && b.len > 4096)
		abort();
	cm_buf_free(&b);
	text_helpers(s);
	free(s);
	return 0;
}
