/*
 * tls_rand.h: the two primitives OAuth2's browser flow needs from GnuTLS
 * (tls_rand.c): key-grade random bytes for the PKCE verifier and the
 * state, and SHA-256 for the S256 challenge (RFC 7636).
 */
#ifndef POSTERN_TLS_RAND_H
#define POSTERN_TLS_RAND_H

#include <stddef.h>

/* SHA-256 of data into out. 0, or -1. */
int tls_sha256(const void *data, size_t len, unsigned char out[32]);

/* n bytes from GnuTLS's key-grade random generator. 0, or -1. */
int tls_random(void *out, size_t n);

#endif
