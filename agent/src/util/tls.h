/* Where the CA certificates are: libcurl is built for Debian's bundle
 * path only, and the agent runs on every distribution (and in the
 * initramfs, where the dracut module copies the first bundle it finds to
 * Debian's path).  TLS is always verified: no bundle means no https. */
#ifndef CM_UTIL_TLS_H
#define CM_UTIL_TLS_H

/* CLOUDMOVE_CA_BUNDLE from the environment (tests with a local CA), else
 * the first distribution bundle that exists, else NULL. */
const char *cm_tls_ca_bundle(void);

/* Sets CURLOPT_CAINFO on a curl easy handle (void *: no curl.h here). */
void cm_tls_setup(void *curl);

#endif
