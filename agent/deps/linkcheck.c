/* linkcheck.c — what the agent relies on from each static library, proven
 * by a program linked the way the agent is (build-deps.sh compiles it with
 * PREFIX's cflags and ldflags and runs it as its last step).
 *
 * Each feature is a named check that exercises the library for real (a
 * decoder decodes, a parser parses, an option is accepted), and every
 * check runs: a failure prints one line "link check: FEATURE missing:
 * DETAIL" and the others still report, so one build names everything it
 * lacks.  Exit 0 only when all passed ("link check: N features ok").
 *
 * It compiles against other builds of the same libraries too (the host's
 * Debian -dev packages, run-deps.sh), which must then fail on exactly the
 * features they lack: this program is its own test that it checks. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <blkid.h>
#include <curl/curl.h>
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <json-c/json.h>
#include <libmount.h>
#include <linux/fs.h> /* the kernel headers (PREFIX/kinclude) are reachable */
#include <lzma.h>
#include <mbedtls/sha256.h>
#include <mbedtls/version.h>
#include <yaml.h>
#include <zlib.h>
#include <zstd.h>

#define DETAIL_MAX 200

/* where Debian keeps the CA bundle (build-deps.sh: curl --with-ca-bundle) */
#define WANT_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

static const char plain[] = "cloudmove";

/* printf("cloudmove" | zstd --no-check): one raw block */
static const unsigned char zstd_frame[] = {
	0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x58, 0x49, 0x00, 0x00, 0x63, 0x6c, 0x6f,
	0x75, 0x64, 0x6d, 0x6f, 0x76, 0x65,
};

/* printf("cloudmove" | xz --check=crc32) */
static const unsigned char xz_stream[] = {
	0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x01, 0x69, 0x22, 0xde, 0x36,
	0x02, 0x00, 0x21, 0x01, 0x16, 0x00, 0x00, 0x00, 0x74, 0x2f, 0xe5, 0xa3,
	0x01, 0x00, 0x08, 0x63, 0x6c, 0x6f, 0x75, 0x64, 0x6d, 0x6f, 0x76, 0x65,
	0x00, 0x00, 0x00, 0x00, 0xac, 0x85, 0x7a, 0x80, 0x00, 0x01, 0x1d, 0x09,
	0x93, 0x61, 0x36, 0xa6, 0x90, 0x42, 0x99, 0x0d, 0x01, 0x00, 0x00, 0x00,
	0x00, 0x01, 0x59, 0x5a,
};

/* printf("cloudmove" | xz --format=lzma): the legacy .lzma format */
static const unsigned char lzma_alone[] = {
	0x5d, 0x00, 0x00, 0x80, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0x00, 0x31, 0x9b, 0x0a, 0x43, 0xc1, 0xbe, 0xe9, 0xf7, 0xfb, 0x1e,
	0x27, 0x81, 0x6c, 0xff, 0xfe, 0x3c, 0x00, 0x00,
};

/* SHA-256("cloudmove"), as sha256sum prints it */
static const char sha256_hex[] =
	"7402cd33830d563846ea24a6a95e524ac0bfaddcb64b60115d0b2e831148970a";

/* fail(DETAIL, FMT, ...): say what is wrong; returns -1 for the check */
static int fail(char *detail, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(char *detail, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, DETAIL_MAX, fmt, ap);
	va_end(ap);
	return -1;
}

static const curl_version_info_data *curl_info(void)
{
	return curl_version_info(CURLVERSION_NOW);
}

static int check_https(char *detail)
{
	const curl_version_info_data *v = curl_info();
	const char *const *p;

	if (!(v->features & CURL_VERSION_SSL))
		return fail(detail, "libcurl %s was built without TLS", v->version);
	for (p = v->protocols; p && *p; p++)
		if (!strcmp(*p, "https"))
			return 0;
	return fail(detail, "libcurl %s has no https protocol", v->version);
}

/* the agent's TLS settings (CA blobs, cipher choice, the GCM patch) are
 * mbedTLS's; another backend links but behaves otherwise */
static int check_tls_mbedtls(char *detail)
{
	const curl_version_info_data *v = curl_info();

	if (!v->ssl_version || !strstr(v->ssl_version, "mbedTLS"))
		return fail(detail, "libcurl's TLS backend is %s, not mbedTLS",
			    v->ssl_version ? v->ssl_version : "none");
	return 0;
}

/* setopt(OPTION, VALUE) on a fresh handle: does this libcurl take it? */
static int curl_takes(char *detail, const char *name, CURLoption option, const char *value)
{
	CURL *c = curl_easy_init();
	CURLcode rc;

	if (!c)
		return fail(detail, "curl_easy_init failed");
	rc = curl_easy_setopt(c, option, value);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK)
		return fail(detail, "libcurl refuses %s: %s", name, curl_easy_strerror(rc));
	return 0;
}

static int check_sigv4(char *detail)
{
	return curl_takes(detail, "CURLOPT_AWS_SIGV4", CURLOPT_AWS_SIGV4, "aws:amz:r:s3");
}

static int check_proxy(char *detail)
{
	return curl_takes(detail, "CURLOPT_PROXY", CURLOPT_PROXY, "http://127.0.0.1:1");
}

/* a name lookup must not block the transfer loop (timeouts, aborts) */
static int check_async_dns(char *detail)
{
	if (!(curl_info()->features & CURL_VERSION_ASYNCHDNS))
		return fail(detail, "libcurl resolves names synchronously (no threaded resolver)");
	return 0;
}

static int check_ca_bundle(char *detail)
{
	CURL *c = curl_easy_init();
	char *path = NULL;
	int rc;

	if (!c)
		return fail(detail, "curl_easy_init failed");
	if (curl_easy_getinfo(c, CURLINFO_CAINFO, &path) != CURLE_OK)
		path = NULL;
	rc = path && !strcmp(path, WANT_CA_BUNDLE) ? 0 :
		fail(detail, "default CA bundle is %s, not " WANT_CA_BUNDLE,
		     path ? path : "none");
	curl_easy_cleanup(c);
	return rc;
}

/* SigV4 and the Azure SharedKey hash with mbedcrypto */
static int check_mbedcrypto(char *detail)
{
	unsigned char sum[32];
	char hex[65], version[32];
	size_t i;

	mbedtls_version_get_string(version);
	if (mbedtls_sha256_ret((const unsigned char *)plain, strlen(plain), sum, 0))
		return fail(detail, "mbedtls %s: SHA-256 failed", version);
	for (i = 0; i < sizeof(sum); i++)
		snprintf(hex + 2 * i, 3, "%02x", sum[i]);
	if (strcmp(hex, sha256_hex))
		return fail(detail, "mbedtls %s: SHA-256 gives %s", version, hex);
	return 0;
}

static int check_blkid(char *detail)
{
	const char *version = NULL;
	blkid_probe pr;

	blkid_get_library_version(&version, NULL);
	if (!version || !*version)
		return fail(detail, "no libblkid version");
	pr = blkid_new_probe();
	if (!pr)
		return fail(detail, "libblkid %s: blkid_new_probe failed", version);
	blkid_free_probe(pr);
	return 0;
}

/* fstab parsing (adapt) through a memory stream */
static int check_mount(char *detail)
{
	static char fstab[] = "UUID=1234 / ext4 defaults 0 1\n";
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_fs *fs = NULL;
	FILE *f = fmemopen(fstab, strlen(fstab), "r");
	int rc = -1;

	if (tb && f && mnt_table_parse_stream(tb, f, "fstab") == 0 &&
	    mnt_table_get_nents(tb) == 1 && mnt_table_first_fs(tb, &fs) == 0 &&
	    !strcmp(mnt_fs_get_target(fs), "/"))
		rc = 0;
	if (f)
		fclose(f);
	mnt_unref_table(tb);
	return rc ? fail(detail, "libmount cannot parse a one-line fstab") : 0;
}

static int check_json_c(char *detail)
{
	json_object *o = json_tokener_parse("{\"ok\":true}");
	json_object *ok = NULL;
	int rc = o && json_object_object_get_ex(o, "ok", &ok) && json_object_get_boolean(ok);

	json_object_put(o);
	return rc ? 0 : fail(detail, "json-c %s cannot parse {\"ok\":true}", json_c_version());
}

static int check_zlib(char *detail)
{
	Bytef packed[64], out[sizeof(plain)];
	uLongf n = sizeof(packed), m = sizeof(out);

	if (compress(packed, &n, (const Bytef *)plain, sizeof(plain)) != Z_OK ||
	    uncompress(out, &m, packed, n) != Z_OK || m != sizeof(plain) ||
	    memcmp(out, plain, m))
		return fail(detail, "zlib %s: no round trip", zlibVersion());
	return 0;
}

/* the check subcommand reads zstd initramfs images */
static int check_zstd(char *detail)
{
	char out[32];
	size_t n = ZSTD_decompress(out, sizeof(out), zstd_frame, sizeof(zstd_frame));

	if (ZSTD_isError(n) || n != strlen(plain) || memcmp(out, plain, n))
		return fail(detail, "zstd %s cannot decode a frame: %s", ZSTD_versionString(),
			    ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong output");
	return 0;
}

/* ... and xz ones, and legacy .lzma ones */
static int check_xz(char *detail)
{
	uint64_t memlimit = 1 << 26;
	size_t in = 0, out_n = 0;
	uint8_t out[32];
	lzma_stream alone = LZMA_STREAM_INIT;
	lzma_ret rc = lzma_stream_buffer_decode(&memlimit, 0, NULL, xz_stream, &in,
						sizeof(xz_stream), out, &out_n, sizeof(out));

	if (rc != LZMA_OK || out_n != strlen(plain) || memcmp(out, plain, out_n))
		return fail(detail, "liblzma %s cannot decode an xz stream (%d)",
			    lzma_version_string(), (int)rc);
	rc = lzma_alone_decoder(&alone, memlimit);
	if (rc == LZMA_OK) {
		alone.next_in = lzma_alone;
		alone.avail_in = sizeof(lzma_alone);
		alone.next_out = out;
		alone.avail_out = sizeof(out);
		rc = lzma_code(&alone, LZMA_FINISH);
		out_n = sizeof(out) - alone.avail_out;
		lzma_end(&alone);
	}
	if (rc != LZMA_STREAM_END || out_n != strlen(plain) || memcmp(out, plain, out_n))
		return fail(detail, "liblzma %s cannot decode a legacy .lzma stream (%d)",
			    lzma_version_string(), (int)rc);
	return 0;
}

/* netplan YAML: the parser's events to the end of a small document */
static int check_yaml(char *detail)
{
	static const char doc[] = "network:\n  version: 2\n";
	yaml_parser_t parser;
	yaml_event_t event;
	int scalars = 0, done = 0, ok = 1;

	if (!yaml_parser_initialize(&parser))
		return fail(detail, "yaml_parser_initialize failed");
	yaml_parser_set_input_string(&parser, (const unsigned char *)doc, strlen(doc));
	while (ok && !done) {
		ok = yaml_parser_parse(&parser, &event);
		if (!ok)
			break;
		scalars += event.type == YAML_SCALAR_EVENT;
		done = event.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&event);
	}
	yaml_parser_delete(&parser);
	if (!ok || scalars != 3)
		return fail(detail, "libyaml %s cannot parse a netplan document",
			    yaml_get_version_string());
	return 0;
}

/* the gce encoder: igzip deflate (level 1, gzip wrapper) and CRC32 */
static int check_isa_l(char *detail)
{
	static unsigned char level_buf[ISAL_DEF_LVL1_DEFAULT];
	unsigned char in[sizeof(plain)], out[256];
	struct isal_zstream gz;

	memcpy(in, plain, sizeof(in));
	isal_deflate_init(&gz);
	gz.level = 1;
	gz.level_buf = level_buf;
	gz.level_buf_size = sizeof(level_buf);
	gz.gzip_flag = IGZIP_GZIP;
	gz.end_of_stream = 1;
	gz.flush = NO_FLUSH;
	gz.next_in = in;
	gz.avail_in = sizeof(in);
	gz.next_out = out;
	gz.avail_out = sizeof(out);
	if (isal_deflate(&gz) != COMP_OK || gz.internal_state.state != ZSTATE_END)
		return fail(detail, "isal_deflate did not finish a gzip member");
	if (crc32_gzip_refl(0, in, sizeof(in)) != crc32(0, in, sizeof(in)))
		return fail(detail, "crc32_gzip_refl disagrees with zlib's crc32");
	return 0;
}

struct check {
	const char *feature;
	const char *what;	/* what it proves, for the reader of this table */
	int (*run)(char *detail);
};

static const struct check checks[] = {
	{ "https", "libcurl speaks https", check_https },
	{ "tls-mbedtls", "libcurl's TLS backend is mbedTLS", check_tls_mbedtls },
	{ "sigv4", "libcurl takes CURLOPT_AWS_SIGV4", check_sigv4 },
	{ "proxy", "libcurl takes CURLOPT_PROXY", check_proxy },
	{ "async-dns", "libcurl resolves names asynchronously", check_async_dns },
	{ "ca-bundle", "libcurl's default CA bundle is Debian's", check_ca_bundle },
	{ "mbedcrypto", "mbedTLS hashes SHA-256", check_mbedcrypto },
	{ "blkid", "libblkid creates a probe", check_blkid },
	{ "mount", "libmount parses fstab", check_mount },
	{ "json-c", "json-c parses JSON", check_json_c },
	{ "zlib", "zlib compresses and inflates", check_zlib },
	{ "zstd", "libzstd decodes a frame", check_zstd },
	{ "xz", "liblzma decodes xz and legacy .lzma", check_xz },
	{ "yaml", "libyaml parses YAML", check_yaml },
	{ "isa-l", "ISA-L deflates and computes CRC32", check_isa_l },
};

int main(void)
{
	const curl_version_info_data *v = curl_info();
	const char *blkid_version = NULL, *mount_version = NULL;
	char mbedtls_version[32], detail[DETAIL_MAX];
	size_t i, n = sizeof(checks) / sizeof(checks[0]), failed = 0;

	blkid_get_library_version(&blkid_version, NULL);
	mnt_get_library_version(&mount_version);
	mbedtls_version_get_string(mbedtls_version);
	printf("link check: curl %s (%s) blkid %s mount %s json-c %s zlib %s mbedtls %s "
	       "zstd %s lzma %s yaml %s\n", v->version,
	       v->ssl_version ? v->ssl_version : "no TLS", blkid_version, mount_version,
	       json_c_version(), zlibVersion(), mbedtls_version, ZSTD_versionString(),
	       lzma_version_string(), yaml_get_version_string());
	for (i = 0; i < n; i++) {
		detail[0] = '\0';
		if (checks[i].run(detail) == 0)
			continue;
		printf("link check: %s missing: %s\n", checks[i].feature,
		       detail[0] ? detail : checks[i].what);
		failed++;
	}
	if (failed) {
		printf("link check: %zu of %zu features missing\n", failed, n);
		return 1;
	}
	printf("link check: %zu features ok\n", n);
	return 0;
}
