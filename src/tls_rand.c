/*
 * tls_rand.c: random bytes and SHA-256 from GnuTLS (see tls_rand.h), so
 * that no other crypto library is needed for PKCE.
 */
#include "config.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "tls_rand.h"

int
tls_sha256(const void *data, size_t len, unsigned char out[32])
{
	return gnutls_hash_fast(GNUTLS_DIG_SHA256, data, len, out) < 0 ? -1 : 0;
}

int
tls_random(void *out, size_t n)
{
	return gnutls_rnd(GNUTLS_RND_KEY, out, n) < 0 ? -1 : 0;
}
