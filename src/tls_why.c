/*
 * tls_why.c: the reason a server's certificate was refused, naming the
 * problem (see tls_why.h). GnuTLS gives status bits; the same bit covers
 * several problems (SIGNER_NOT_FOUND: an unknown CA or a self-signed
 * certificate; INSECURE_ALGORITHM: a short key or a SHA-1 signature;
 * UNEXPECTED_OWNER: every kind of name mismatch), so the leaf
 * certificate is looked at to say which one it is. The names it holds
 * are reported as they are, except that a name with a NUL inside (a
 * forged "good.example\0.evil" name) is never printed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tls_why.h"
#include "util.h"

#define TLS_WHY_MISMATCH "the host name in it does not match"
#define TLS_WHY_ISSUER "its issuer is not in the trusted CAs (tls_trust_file)"

/* What the leaf's subjectAltName (or, without one, its CN) holds. */
struct tls_names {
	char list[256]; /* "localhost, 127.0.0.1" */
	bool san;       /* it has DNS or IP subjectAltNames */
	bool dns, ip;   /* of each kind */
	bool nul;       /* a DNS name with a NUL inside */
	bool bad_wild;  /* a '*' elsewhere than as the left-most label */
	char cn[256];
};

static void
tls_names_add(struct tls_names *n, const char *name)
{
	if (n->list[0] != '\0')
		(void)strlcat(n->list, ", ", sizeof(n->list));
	(void)strlcat(n->list, name, sizeof(n->list));
	if (strchr(name, '*') != NULL &&
	    (strncmp(name, "*.", 2) != 0 || strchr(name + 1, '*') != NULL))
		n->bad_wild = true;
}

static void
tls_names_san(gnutls_x509_crt_t crt, struct tls_names *n)
{
	char buf[256], ip[INET6_ADDRSTRLEN];
	unsigned i, critical;
	size_t size;
	int type;

	for (i = 0; i < 64; i++) {
		size = sizeof(buf) - 1;
		type = gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &size,
		    &critical);
		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type == GNUTLS_SAN_DNSNAME) {
			n->san = n->dns = true;
			buf[size] = '\0';
			if (memchr(buf, '\0', size) != NULL)
				n->nul = true;
			else
				tls_names_add(n, buf);
		} else if (type == GNUTLS_SAN_IPADDRESS &&
		    (size == 4 || size == 16) &&
		    inet_ntop(size == 4 ? AF_INET : AF_INET6, buf, ip,
		        sizeof(ip)) != NULL) {
			n->san = n->ip = true;
			tls_names_add(n, ip);
		}
	}
}

static void
tls_names_get(gnutls_x509_crt_t crt, struct tls_names *n)
{
	size_t size = sizeof(n->cn) - 1;

	memset(n, 0, sizeof(*n));
	tls_names_san(crt, n);
	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0,
	        0, n->cn, &size) < 0 ||
	    memchr(n->cn, '\0', size) != NULL)
		n->cn[0] = '\0';
	else
		n->cn[size] = '\0';
	if (!n->san && n->cn[0] != '\0')
		tls_names_add(n, n->cn);
}

static const char *
tls_why_put(char *out, size_t cap, const char *s)
{
	(void)strlcpy(out, s, cap);
	return out;
}

static bool
tls_is_addr(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
}

/* UNEXPECTED_OWNER: which kind of mismatch. */
static const char *
tls_why_name(gnutls_x509_crt_t crt, const char *host, char *out, size_t cap)
{
	struct tls_names n;
	bool addr = tls_is_addr(host);

	tls_names_get(crt, &n);
	if (n.nul)
		(void)snprintf(out, cap,
		    "%s: a name in it has a NUL byte inside (a forged name)",
		    TLS_WHY_MISMATCH);
	else if (addr && !n.ip)
		(void)snprintf(out, cap,
		    "%s: %s is an IP address and it names none (it is for %s)",
		    TLS_WHY_MISMATCH, host, n.list);
	else if (!addr && n.ip && !n.dns)
		(void)snprintf(out, cap,
		    "%s: it names only IP addresses (%s), not %s",
		    TLS_WHY_MISMATCH, n.list, host);
	else if (n.bad_wild)
		(void)snprintf(out, cap,
		    "%s: its wildcard (%s) is not valid: a '*' must be the whole left-most label",
		    TLS_WHY_MISMATCH, n.list);
	else if (n.san && strcasecmp(n.cn, host) == 0)
		(void)snprintf(out, cap,
		    "%s: only its common name (CN) is %s, and a certificate with subjectAltName names is checked against those (%s)",
		    TLS_WHY_MISMATCH, host, n.list);
	else
		(void)strlcpy(out, TLS_WHY_MISMATCH, cap);
	return out;
}

static const char *
tls_why_key(gnutls_x509_crt_t crt, char *out, size_t cap)
{
	unsigned bits = 0;
	int pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);

	if ((pk != GNUTLS_PK_RSA && pk != GNUTLS_PK_DSA) || bits == 0 ||
	    bits >= 2048)
		return NULL;
	(void)snprintf(out, cap,
	    "its %s key has only %u bits (at least 2048 are needed)",
	    pk == GNUTLS_PK_RSA ? "RSA" : "DSA", bits);
	return out;
}

const char *
tls_why_short_key(const gnutls_datum_t *leaf, char *out, size_t cap)
{
	gnutls_x509_crt_t crt = NULL;
	const char *r = NULL;

	if (gnutls_x509_crt_init(&crt) == 0 &&
	    gnutls_x509_crt_import(crt, leaf, GNUTLS_X509_FMT_DER) == 0)
		r = tls_why_key(crt, out, cap);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	return r;
}

/* INSECURE_ALGORITHM: a short key or a weak signature hash. */
static const char *
tls_why_weak(gnutls_x509_crt_t crt, char *out, size_t cap)
{
	int sig = gnutls_x509_crt_get_signature_algorithm(crt);

	if (tls_why_key(crt, out, cap) != NULL)
		return out;
	if (sig >= 0 &&
	    (gnutls_sign_get_hash_algorithm((gnutls_sign_algorithm_t)sig) ==
	            GNUTLS_DIG_SHA1 ||
	        gnutls_sign_get_hash_algorithm((gnutls_sign_algorithm_t)sig) ==
	            GNUTLS_DIG_MD5))
		(void)snprintf(out, cap,
		    "it is signed with %s, which is insecure",
		    gnutls_sign_get_name((gnutls_sign_algorithm_t)sig));
	else
		(void)strlcpy(out,
		    "it or its issuer uses an insecure algorithm or too short a key",
		    cap);
	return out;
}

static const char *
tls_why_leaf(gnutls_x509_crt_t crt, const char *host, unsigned status,
    char *out, size_t cap, enum err_reason *reason)
{
	bool self = gnutls_x509_crt_check_issuer(crt, crt) != 0;

	if (status &
	    (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA)) {
		*reason =
		    self ? ERR_REASON_CERT_SELF_SIGNED : ERR_REASON_CERT_ISSUER;
		return tls_why_put(out, cap,
		    self
		        ? "it is self-signed and not in the trusted CAs (tls_trust_file)"
		        : TLS_WHY_ISSUER);
	}
	if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
		return tls_why_weak(crt, out, cap);
	if (status & GNUTLS_CERT_UNEXPECTED_OWNER) {
		*reason = ERR_REASON_CERT_NAME;
		return tls_why_name(crt, host, out, cap);
	}
	return NULL;
}

/* Without the leaf (or with one unreadable): from status alone. */
static const char *
tls_why_bits(unsigned status, char *out, size_t cap, enum err_reason *reason)
{
	if (status &
	    (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA)) {
		*reason = ERR_REASON_CERT_ISSUER;
		return tls_why_put(out, cap, TLS_WHY_ISSUER);
	}
	if (status & GNUTLS_CERT_INSECURE_ALGORITHM)
		return tls_why_put(out, cap,
		    "it is signed with an insecure algorithm");
	if (status & GNUTLS_CERT_UNEXPECTED_OWNER) {
		*reason = ERR_REASON_CERT_NAME;
		return tls_why_put(out, cap, TLS_WHY_MISMATCH);
	}
	return NULL;
}

const char *
tls_why_refused(const gnutls_datum_t *leaf, const char *host, unsigned status,
    char *out, size_t cap, enum err_reason *reason)
{
	gnutls_x509_crt_t crt = NULL;
	const char *r = NULL;

	*reason = status & GNUTLS_CERT_EXPIRED ? ERR_REASON_CERT_EXPIRED
	                                       : ERR_REASON_CERT_OTHER;
	if (status & GNUTLS_CERT_EXPIRED)
		return tls_why_put(out, cap, "it has expired");
	if (status & GNUTLS_CERT_NOT_ACTIVATED)
		return tls_why_put(out, cap, "it is not valid yet");
	if (status & GNUTLS_CERT_REVOKED)
		return tls_why_put(out, cap, "it has been revoked");
	if (leaf != NULL && gnutls_x509_crt_init(&crt) == 0 &&
	    gnutls_x509_crt_import(crt, leaf, GNUTLS_X509_FMT_DER) == 0)
		r = tls_why_leaf(crt, host, status, out, cap, reason);
	else
		r = tls_why_bits(status, out, cap, reason);
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	return r;
}
