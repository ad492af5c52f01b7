/*
 * tls_why.h: why a server's certificate was refused, in the user's
 * terms (tls_why.c). Part of the TLS module: only tls.c includes this
 * (it needs GnuTLS's types). Never prints; pure over the certificate.
 */
#ifndef POSTERN_TLS_WHY_H
#define POSTERN_TLS_WHY_H

#include <stddef.h>

#include <gnutls/gnutls.h>

#include "err.h"

/*
 * One phrase for the first problem in status (gnutls_certificate_status
 * bits) of the leaf certificate leaf (DER; NULL when none was sent),
 * verified for host: "it has expired", "it is self-signed and not in
 * the trusted CAs (tls_trust_file)", "its RSA key has only 1024 bits",
 * "the host name in it does not match: ...". Written into out; returns
 * out and sets *reason (an ERR_REASON_CERT_*), or returns NULL when
 * status names nothing this knows (the caller then uses GnuTLS's own
 * text).
 */
const char *tls_why_refused(const gnutls_datum_t *leaf, const char *host,
    unsigned status, char *out, size_t cap, enum err_reason *reason);

/*
 * "its RSA key has only 1024 bits (...)" when the leaf's RSA or DSA key
 * is under 2048 bits; NULL when it is not (or cannot be read).
 */
const char *tls_why_short_key(const gnutls_datum_t *leaf, char *out,
    size_t cap);

#endif
