/*
 * tls.c: TLS for the SMTP transport, the only file that includes GnuTLS.
 *
 * A session lives on the connection's non-blocking socket; net.c drives
 * the handshake with poll() and the command deadline, then reads and
 * writes through tls_transport. Verification is decided here (see
 * tls.h): CA chain + host name right after the handshake, before
 * anything is sent (tls_late_verify; inside the handshake,
 * gnutls_session_set_verify_cert, for an account with a client
 * certificate), or a leaf-certificate pin checked right after it, or
 * nothing when the account says tls_certcheck off. A resumed session is
 * checked the same way. The trust anchors are the cached root of the
 * account (tls_trust_load) or the whole store, loaded while the server
 * answers the ClientHello (tls_trust_now); the session and root cache
 * files (tls_cache.c) are read before the handshake and written after.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "buf.h"
#include "idn.h"
#include "tls.h"
#include "tls_cache.h"
#include "tls_why.h"
#include "util.h"

/* Whatever the user's priority string says, never below TLS 1.2. */
#define TLS_FLOOR "-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1"

struct tls_session {
	gnutls_session_t s;
	gnutls_certificate_credentials_t cred;
	unsigned char pin[32];
	size_t pinlen;
	enum tls_verify verify;
	char host[256];                    /* the name verified, for messages */
	char *cache;                       /* session cache file, or NULL */
	char cache_hdr[TLS_CACHE_HDR_MAX]; /* its first line */
	char *trust_file;                  /* tls_trust_file, or NULL */
	char *root;                        /* trust anchor cache, or NULL */
	char root_hdr[TLS_CACHE_HDR_MAX];  /* its first line */
	bool root_only;                    /* only the cached root is loaded */
	bool trust_later; /* the whole store is still to be loaded */
	bool late;        /* verify after the handshake, not in it */
	bool ready;
};

/*
 * GnuTLS's message for rc without its final period ("A TLS fatal alert
 * has been received"): postern's lines go on after it ("...; the message
 * was not sent"). Returns a static buffer: one message at a time.
 */
static const char *
tls_strerror(int rc)
{
	static char msg[256];
	size_t n;

	(void)strlcpy(msg, gnutls_strerror(rc), sizeof(msg));
	n = strlen(msg);
	if (n > 0 && msg[n - 1] == '.')
		msg[n - 1] = '\0';
	return msg;
}

const char *
tls_library_version(void)
{
	return gnutls_check_version(NULL);
}

static int
tls_hexval(int c)
{
	if (isdigit(c))
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int
tls_fingerprint_parse(const char *s, unsigned char *out, size_t cap,
    size_t *len)
{
	size_t n = 0;
	int hi, lo;

	while (*s != '\0') {
		if (*s == ':') {
			s++;
			continue;
		}
		if ((hi = tls_hexval((unsigned char)s[0])) < 0 ||
		    (lo = tls_hexval((unsigned char)s[1])) < 0 || n >= cap)
			return -1;
		out[n++] = (unsigned char)(hi << 4 | lo);
		s += 2;
	}
	if (n != 32 && n != 20)
		return -1;
	*len = n;
	return 0;
}

/* The whole tls_trust_file. */
static int
tls_trust_full(struct tls_session *t, struct err *e)
{
	int rc;

	rc = gnutls_certificate_set_x509_trust_file(t->cred, t->trust_file,
	    GNUTLS_X509_FMT_PEM);
	if (rc <= 0)
		return err_set(e, ERR_NOINPUT, "cannot load trust file %s: %s",
		    t->trust_file,
		    rc == 0 ? "no certificates" : tls_strerror(rc));
	return 0;
}

/* The whole trust store: tls_trust_file or the system's. */
static int
tls_trust_whole(struct tls_session *t, struct err *e)
{
	int rc;

	if (t->trust_file != NULL)
		return tls_trust_full(t, e);
	rc = gnutls_certificate_set_x509_system_trust(t->cred);
	if (rc <= 0)
		return err_set(e, ERR_CONFIG,
		    "cannot load the system trust store: %s; set tls_trust_file",
		    rc == 0 ? "it is empty" : tls_strerror(rc));
	return 0;
}

/*
 * The whole store, if it is still to be loaded: called once the
 * ClientHello is out (the store loads while the server answers) and at
 * the latest before the verification.
 */
static int
tls_trust_now(struct tls_session *t, struct err *e)
{
	if (!t->trust_later)
		return 0;
	t->trust_later = false;
	return tls_trust_whole(t, e);
}

/* Trust, pin or nothing; and the client certificate. */
static int
tls_setup_creds(struct tls_session *t, const struct tls_params *p,
    struct err *e)
{
	int rc;

	if (p->no_certcheck)
		t->verify = TLS_VERIFY_NONE;
	else if (p->fingerprint != NULL) {
		if (tls_fingerprint_parse(p->fingerprint, t->pin,
		        sizeof(t->pin), &t->pinlen) == -1)
			return err_set(e, ERR_CONFIG,
			    "tls_fingerprint: not a SHA-256 or SHA-1 fingerprint (AA:BB:...)");
		t->verify = TLS_VERIFY_FINGERPRINT;
	} else {
		/* loaded by tls_trust_load, once the cache files are named */
		if (p->trust_file != NULL &&
		    (t->trust_file = strdup(p->trust_file)) == NULL)
			return err_set(e, ERR_SOFTWARE, "out of memory");
		t->verify = TLS_VERIFY_CA_HOSTNAME;
	}
	if ((p->cert_file == NULL) != (p->key_file == NULL))
		return err_set(e, ERR_CONFIG,
		    "tls_cert_file and tls_key_file need each other");
	if (p->cert_file == NULL)
		return 0;
	rc = gnutls_certificate_set_x509_key_file(t->cred, p->cert_file,
	    p->key_file, GNUTLS_X509_FMT_PEM);
	if (rc < 0)
		return err_set(e, ERR_NOINPUT,
		    "cannot load client certificate %s / key %s: %s",
		    p->cert_file, p->key_file, tls_strerror(rc));
	return 0;
}

static int
tls_setup_priorities(struct tls_session *t, const struct tls_params *p,
    struct err *e)
{
	struct buf prio;
	const char *where = NULL;
	int rc;

	if (p->priorities == NULL) {
		rc = gnutls_set_default_priority_append(t->s, TLS_FLOOR, &where,
		    0);
		if (rc < 0)
			return err_set(e, ERR_SOFTWARE, "TLS priorities: %s",
			    tls_strerror(rc));
		return 0;
	}
	buf_init(&prio, 4096);
	if (buf_printf(&prio, "%s:%s", p->priorities, TLS_FLOOR) == -1) {
		buf_free(&prio);
		return err_set(e, ERR_CONFIG, "tls_priorities is too long");
	}
	rc = gnutls_priority_set_direct(t->s, buf_str(&prio), &where);
	buf_free(&prio);
	if (rc < 0)
		return err_set(e, ERR_CONFIG, "tls_priorities \"%s\": %s",
		    p->priorities, tls_strerror(rc));
	return 0;
}

static bool
tls_is_ip(const char *host)
{
	unsigned char a[16];

	return inet_pton(AF_INET, host, a) == 1 ||
	    inet_pton(AF_INET6, host, a) == 1;
}

/* The cache file of this identity, and its header. */
static int
tls_cache_name(struct tls_session *t, const struct tls_params *p)
{
	unsigned char md[32];

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, p->session_id,
	        strlen(p->session_id), md) < 0)
		return -1;
	return tls_cache_path(p->session_dir, md, &t->cache, t->cache_hdr);
}

/* Offer the cached session, if there is a sound one (tls_cache.h). */
static void
tls_cache_load(struct tls_session *t)
{
	unsigned char *d;
	size_t n;

	if (tls_cache_read(t->cache, t->cache_hdr, &d, &n) == -1)
		return;
	(void)gnutls_session_set_data(t->s, d, n);
	free(d);
}

/*
 * Keep the session for the next connection, when the server gave one
 * that can resume (TLS 1.3: a ticket arrived on this connection; TLS
 * 1.2: a session ticket or id). Best effort: a failure costs a full
 * handshake next time.
 */
static void
tls_cache_save(struct tls_session *t)
{
	gnutls_datum_t d = { NULL, 0 };

	if (t->cache == NULL || !t->ready ||
	    (gnutls_protocol_get_version(t->s) == GNUTLS_TLS1_3 &&
	        !(gnutls_session_get_flags(t->s) &
	            GNUTLS_SFLAGS_SESSION_TICKET)) ||
	    gnutls_session_get_data2(t->s, &d) < 0 || d.size == 0)
		goto out;
	(void)tls_cache_write(t->cache, t->cache_hdr, d.data, d.size);
out:
	gnutls_free(d.data);
}

/*
 * The cached root of this identity (tls_cache.h), when the trust file
 * is the one it was found in (the header's stamp) and the bytes are the
 * root whose hash they carry: 0 with that one root as the trust list.
 */
static int
tls_root_load(struct tls_session *t)
{
	unsigned char *d = NULL, md[32];
	gnutls_datum_t der;
	size_t n = 0;
	int r = -1;

	if (tls_cache_read(t->root, t->root_hdr, &d, &n) == -1 ||
	    n <= sizeof(md))
		goto out;
	der.data = d + sizeof(md);
	der.size = (unsigned)(n - sizeof(md));
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, md) < 0 ||
	    memcmp(md, d, sizeof(md)) != 0)
		goto out;
	if (gnutls_certificate_set_x509_trust_mem(t->cred, &der,
	        GNUTLS_X509_FMT_DER) == 1)
		r = 0;
out:
	free(d);
	return r;
}

/*
 * The trust anchors (issue 19 item 4). With a client certificate: the
 * whole store now, verified in the handshake (after it, the certificate
 * would already have gone to a server not verified yet). Otherwise the
 * chain and host name are verified after the handshake, before anything
 * is sent, against: the cached root of a tls_trust_file account when
 * there is a sound one (the whole file loaded if it does not verify);
 * else the whole store, loaded while the server answers the ClientHello.
 */
static int
tls_trust_load(struct tls_session *t, const struct tls_params *p, struct err *e)
{
	if (t->verify != TLS_VERIFY_CA_HOSTNAME)
		return 0;
	if (p->cert_file != NULL) {
		if (tls_trust_whole(t, e) == -1)
			return -1;
		gnutls_session_set_verify_cert(t->s, t->host, 0);
		return 0;
	}
	t->late = true;
	if (t->trust_file != NULL && t->cache != NULL &&
	    tls_cache_root_hdr(t->cache, t->trust_file, &t->root,
	        t->root_hdr) == 0 &&
	    tls_root_load(t) == 0)
		t->root_only = true;
	else
		t->trust_later = true;
	return 0;
}

/*
 * After a verification with the whole trust file: keep the root that
 * verified the chain (the first issuer of the chain, from the leaf, in
 * the trust list). Best effort, as the session cache.
 */
static void
tls_root_save(struct tls_session *t)
{
	gnutls_x509_trust_list_t tl;
	gnutls_x509_crt_t crt = NULL, root = NULL;
	gnutls_datum_t der = { NULL, 0 };
	const gnutls_datum_t *certs;
	unsigned char *d = NULL;
	unsigned i, n = 0;

	certs = gnutls_certificate_get_peers(t->s, &n);
	if (t->root == NULL || t->root_only || certs == NULL)
		return;
	gnutls_certificate_get_trust_list(t->cred, &tl);
	for (i = 0; i < n && root == NULL; i++) {
		if (gnutls_x509_crt_init(&crt) < 0)
			return;
		if (gnutls_x509_crt_import(crt, &certs[i],
		        GNUTLS_X509_FMT_DER) == 0)
			(void)gnutls_x509_trust_list_get_issuer(tl, crt, &root,
			    GNUTLS_TL_GET_COPY);
		gnutls_x509_crt_deinit(crt);
	}
	if (root == NULL ||
	    gnutls_x509_crt_export2(root, GNUTLS_X509_FMT_DER, &der) < 0)
		goto out;
	if ((d = malloc(32 + (size_t)der.size)) != NULL &&
	    gnutls_hash_fast(GNUTLS_DIG_SHA256, der.data, der.size, d) == 0) {
		memcpy(d + 32, der.data, der.size);
		(void)tls_cache_write(t->root, t->root_hdr, d,
		    32 + (size_t)der.size);
	}
	free(d);
out:
	gnutls_free(der.data);
	if (root != NULL)
		gnutls_x509_crt_deinit(root);
}

int
tls_session_new(struct tls_session **out, int fd, const struct tls_params *p,
    struct err *e)
{
	struct tls_session *t;
	int rc;

	*out = NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if ((rc = gnutls_certificate_allocate_credentials(&t->cred)) < 0 ||
	    (rc = gnutls_init(&t->s, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL)) < 0) {
		err_set(e, ERR_SOFTWARE, "TLS: %s", tls_strerror(rc));
		goto fail;
	}
	if (tls_setup_creds(t, p, e) == -1 ||
	    tls_setup_priorities(t, p, e) == -1)
		goto fail;
	rc = gnutls_credentials_set(t->s, GNUTLS_CRD_CERTIFICATE, t->cred);
	if (rc < 0) {
		err_set(e, ERR_SOFTWARE, "TLS: %s", tls_strerror(rc));
		goto fail;
	}
	/* SNI and the reference identity are A-labels (RFC 6125 6.4.2). */
	if (idn_to_ascii("TLS host name", p->host, t->host, sizeof(t->host),
	        e) == -1) {
		if (e->cls == ERR_DATA)
			e->cls = ERR_CONFIG;
		goto fail;
	}
	if (!tls_is_ip(t->host))
		(void)gnutls_server_name_set(t->s, GNUTLS_NAME_DNS, t->host,
		    strlen(t->host));
	if (p->session_dir != NULL && p->session_id != NULL) {
		if (tls_cache_name(t, p) == -1) {
			err_set(e, ERR_SOFTWARE, "out of memory");
			goto fail;
		}
		tls_cache_load(t);
	}
	if (tls_trust_load(t, p, e) == -1)
		goto fail;
	gnutls_transport_set_int(t->s, fd);
	*out = t;
	return 0;
fail:
	tls_session_free(t);
	return -1;
}

/*
 * One line naming the host and the first reason (tls_why.c; GnuTLS's
 * own text is a list of sentences that does not name the host).
 */
static int
tls_verify_error(struct tls_session *t, unsigned status, struct err *e)
{
	gnutls_datum_t d = { NULL, 0 };
	const gnutls_datum_t *certs;
	unsigned n = 0;
	char buf[ERR_TEXT_MAX];
	const char *why;
	enum err_reason r;
	size_t len;

	certs = gnutls_certificate_get_peers(t->s, &n);
	why = tls_why_refused(n > 0 ? &certs[0] : NULL, t->host, status, buf,
	    sizeof(buf), &r);
	if (why != NULL)
		return err_setr(e, ERR_NOPERM, r,
		    "%s: TLS certificate refused: %s", t->host, why);
	if (gnutls_certificate_verification_status_print(status,
	        GNUTLS_CRT_X509, &d, 0) < 0 ||
	    d.data == NULL)
		return err_setr(e, ERR_NOPERM, ERR_REASON_CERT_OTHER,
		    "%s: TLS certificate refused", t->host);
	for (len = strlen((char *)d.data); len > 0 && d.data[len - 1] == ' ';
	     len--)
		d.data[len - 1] = '\0';
	err_setr(e, ERR_NOPERM, ERR_REASON_CERT_OTHER,
	    "%s: TLS certificate refused: %s", t->host, d.data);
	gnutls_free(d.data);
	return -1;
}

/*
 * GnuTLS's default verification still takes an RSA-1024 leaf key: refuse
 * keys under 112 bits of security as its "medium" profile would.
 */
static int
tls_check_key(struct tls_session *t, struct err *e)
{
	const gnutls_datum_t *certs;
	unsigned n = 0;
	char why[ERR_TEXT_MAX];

	certs = gnutls_certificate_get_peers(t->s, &n);
	if (certs == NULL || n == 0 ||
	    tls_why_short_key(&certs[0], why, sizeof(why)) == NULL)
		return 0;
	return err_setr(e, ERR_NOPERM, ERR_REASON_CERT_OTHER,
	    "%s: TLS certificate refused: %s", t->host, why);
}

/* The pin against the leaf certificate (SHA-256 or SHA-1 by length). */
static int
tls_check_pin(struct tls_session *t, struct err *e)
{
	const gnutls_datum_t *certs;
	unsigned n = 0;
	unsigned char md[32];
	size_t mdlen = sizeof(md);

	certs = gnutls_certificate_get_peers(t->s, &n);
	if (certs == NULL || n == 0)
		return err_setr(e, ERR_NOPERM, ERR_REASON_CERT_OTHER,
		    "the server sent no certificate");
	if (gnutls_fingerprint(t->pinlen == 32 ? GNUTLS_DIG_SHA256
	                                       : GNUTLS_DIG_SHA1,
	        &certs[0], md, &mdlen) < 0 ||
	    mdlen != t->pinlen || memcmp(md, t->pin, mdlen) != 0)
		return err_setr(e, ERR_NOPERM, ERR_REASON_CERT_PIN,
		    "TLS certificate refused: its fingerprint does not match tls_fingerprint");
	return 0;
}

/*
 * The chain and host name against the trust list. With only the cached
 * root loaded, a chain it does not verify is checked again against the
 * whole trust file: the server may have moved to another CA.
 */
static int
tls_peers_verify(struct tls_session *t, unsigned *status, struct err *e)
{
	int rc;

	if (tls_trust_now(t, e) == -1)
		return -2;
	rc = gnutls_certificate_verify_peers3(t->s, t->host, status);
	if ((rc == 0 && *status == 0) || !t->root_only)
		return rc;
	t->root_only = false;
	if (tls_trust_full(t, e) == -1)
		return -2;
	*status = 0;
	return gnutls_certificate_verify_peers3(t->s, t->host, status);
}

/*
 * Verification after the handshake: a resumed session has no
 * certificate message, so check the certificate it carries (GnuTLS
 * keeps the peer's chain in the session data) as a full handshake
 * would, against today's trust file and host name; and a full handshake
 * without a client certificate (nothing verified it in the handshake:
 * the store, or only the cached root, was loaded late). A resumed
 * session that is refused loses its cache file, so the next connection
 * is full.
 */
static int
tls_late_verify(struct tls_session *t, struct err *e)
{
	unsigned status = 0, n = 0;
	int rc = 0;

	if (t->verify == TLS_VERIFY_CA_HOSTNAME &&
	    (rc = tls_peers_verify(t, &status, e)) == -2)
		return -1;
	else if (t->verify == TLS_VERIFY_FINGERPRINT &&
	    gnutls_certificate_get_peers(t->s, &n) == NULL)
		rc = GNUTLS_E_NO_CERTIFICATE_FOUND;
	if (rc == 0 && status == 0)
		return 0;
	if (!gnutls_session_is_resumed(t->s))
		return rc < 0 ? err_setr(e, ERR_NOPERM, ERR_REASON_CERT_OTHER,
		                    "%s: TLS certificate refused: %s", t->host,
		                    tls_strerror(rc))
		              : tls_verify_error(t, status, e);
	if (t->cache != NULL)
		(void)unlink(t->cache);
	if (rc < 0)
		return err_set_temp(e, ERR_TEMP,
		    "%s: resumed TLS session cannot be verified (%s); the next connection makes a full handshake",
		    t->host, tls_strerror(rc));
	return tls_verify_error(t, status, e);
}

int
tls_session_handshake(struct tls_session *t, struct err *e)
{
	int rc = gnutls_handshake(t->s);

	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED ||
	    (rc < 0 && !gnutls_error_is_fatal(rc))) {
		if (tls_trust_now(t, e) == -1)
			return -1;
		return gnutls_record_get_direction(t->s) ? NET_IO_WANT_WRITE
		                                         : NET_IO_WANT_READ;
	}
	if (rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
		return tls_verify_error(t,
		    gnutls_session_get_verify_cert_status(t->s), e);
	if (rc == GNUTLS_E_PREMATURE_TERMINATION || rc == GNUTLS_E_PULL_ERROR ||
	    rc == GNUTLS_E_PUSH_ERROR)
		return err_setr_temp(e, ERR_TEMP, ERR_REASON_TLS_HANDSHAKE,
		    "TLS handshake interrupted: %s", tls_strerror(rc));
	if (rc < 0)
		return err_setr(e, ERR_PROTOCOL, ERR_REASON_TLS_HANDSHAKE,
		    "TLS handshake failed: %s", tls_strerror(rc));
	if ((gnutls_session_is_resumed(t->s) || t->late) &&
	    tls_late_verify(t, e) == -1)
		return -1;
	if (t->pinlen > 0 && tls_check_pin(t, e) == -1)
		return -1;
	if (t->verify == TLS_VERIFY_CA_HOSTNAME && tls_check_key(t, e) == -1)
		return -1;
	if (t->verify == TLS_VERIFY_CA_HOSTNAME)
		tls_root_save(t);
	t->ready = true;
	return 0;
}

static void
tls_cert_info(struct tls_session *t, struct tls_info *i)
{
	const gnutls_datum_t *certs;
	gnutls_x509_crt_t crt;
	unsigned char md[32];
	size_t n, mdlen = sizeof(md), k, o = 0;
	unsigned count = 0;
	time_t when;
	struct tm tm;

	certs = gnutls_certificate_get_peers(t->s, &count);
	if (certs == NULL || count == 0 || gnutls_x509_crt_init(&crt) < 0)
		return;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) == 0) {
		n = sizeof(i->subject);
		if (gnutls_x509_crt_get_dn(crt, i->subject, &n) < 0)
			i->subject[0] = '\0';
		n = sizeof(i->issuer);
		if (gnutls_x509_crt_get_issuer_dn(crt, i->issuer, &n) < 0)
			i->issuer[0] = '\0';
		when = gnutls_x509_crt_get_expiration_time(crt);
		if (when != (time_t)-1 && gmtime_r(&when, &tm) != NULL)
			(void)strftime(i->not_after, sizeof(i->not_after),
			    "%Y-%m-%d %H:%M:%S UTC", &tm);
	}
	gnutls_x509_crt_deinit(crt);
	if (gnutls_fingerprint(GNUTLS_DIG_SHA256, &certs[0], md, &mdlen) < 0)
		return;
	for (k = 0; k < mdlen && o + 4 <= sizeof(i->sha256); k++)
		o += (size_t)snprintf(i->sha256 + o, sizeof(i->sha256) - o,
		    "%s%02X", k ? ":" : "", md[k]);
}

static const char *const tls_verify_names[] = {
	[TLS_VERIFY_UNSET] = "-",
	[TLS_VERIFY_CA_HOSTNAME] = "ca+hostname",
	[TLS_VERIFY_FINGERPRINT] = "fingerprint",
	[TLS_VERIFY_NONE] = "none",
};
_Static_assert(sizeof(tls_verify_names) / sizeof(tls_verify_names[0]) ==
        TLS_VERIFY_COUNT,
    "a name for every tls_verify mode");

const char *
tls_verify_name(enum tls_verify v)
{
	return v < TLS_VERIFY_COUNT ? tls_verify_names[v] : "?";
}

void
tls_session_info(struct tls_session *t, struct tls_info *i)
{
	const char *v;
	char *desc;

	memset(i, 0, sizeof(*i));
	i->verify = t->verify;
	if (!t->ready)
		return;
	v = gnutls_protocol_get_name(gnutls_protocol_get_version(t->s));
	(void)strlcpy(i->version, v ? v : "?", sizeof(i->version));
	/* The cipher's name ("AES-256-GCM"): the session description
	 * repeats the version and is empty in places under TLS 1.3. */
	if ((desc = (char *)gnutls_cipher_get_name(gnutls_cipher_get(t->s))) !=
	    NULL)
		(void)strlcpy(i->cipher, desc, sizeof(i->cipher));
	i->resumed = gnutls_session_is_resumed(t->s) != 0;
	tls_cert_info(t, i);
}

int
tls_session_channel_binding(struct tls_session *t, enum tls_cb_type *type,
    unsigned char *out, size_t cap, size_t *len)
{
	gnutls_datum_t d = { NULL, 0 };
	gnutls_channel_binding_t cb;

	*type = TLS_CB_NONE;
	if (gnutls_protocol_get_version(t->s) == GNUTLS_TLS1_3) {
		cb = GNUTLS_CB_TLS_EXPORTER;
		*type = TLS_CB_EXPORTER;
	} else {
		cb = GNUTLS_CB_TLS_UNIQUE;
		*type = TLS_CB_UNIQUE;
	}
	if (gnutls_session_channel_binding(t->s, cb, &d) < 0 || d.size > cap) {
		gnutls_free(d.data);
		*type = TLS_CB_NONE;
		return -1;
	}
	memcpy(out, d.data, d.size);
	*len = d.size;
	gnutls_free(d.data);
	return 0;
}

void
tls_session_free(struct tls_session *t)
{
	if (t == NULL)
		return;
	if (t->s)
		gnutls_deinit(t->s);
	if (t->cred)
		gnutls_certificate_free_credentials(t->cred);
	free(t->cache);
	free(t->trust_file);
	free(t->root);
	free(t);
}

static ssize_t
tls_io_result(struct tls_session *t, ssize_t rc, struct err *e)
{
	if (rc >= 0)
		return rc;
	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED)
		return gnutls_record_get_direction(t->s) ? NET_IO_WANT_WRITE
		                                         : NET_IO_WANT_READ;
	if (rc == GNUTLS_E_PREMATURE_TERMINATION)
		return 0;
	/* The socket failed under TLS (EPIPE, ECONNRESET): the peer went
	 * away, as for plain TCP a temporary failure, not a local error. */
	if (rc == GNUTLS_E_PUSH_ERROR || rc == GNUTLS_E_PULL_ERROR)
		return err_set_temp(e, ERR_TEMP, "TLS connection lost: %s",
		    tls_strerror((int)rc));
	err_set(e, ERR_IO, "TLS: %s", tls_strerror((int)rc));
	return -1;
}

static ssize_t
tls_read(void *ctx, void *p, size_t n, struct err *e)
{
	struct tls_session *t = ctx;

	return tls_io_result(t, gnutls_record_recv(t->s, p, n), e);
}

static ssize_t
tls_write(void *ctx, const void *p, size_t n, struct err *e)
{
	struct tls_session *t = ctx;

	return tls_io_result(t, gnutls_record_send(t->s, p, n), e);
}

static size_t
tls_pending(void *ctx)
{
	struct tls_session *t = ctx;

	return gnutls_record_check_pending(t->s);
}

static void
tls_close(void *ctx)
{
	struct tls_session *t = ctx;

	tls_cache_save(t);
	/* Non-blocking: one attempt at close_notify, no waiting. */
	(void)gnutls_bye(t->s, GNUTLS_SHUT_WR);
	tls_session_free(t);
}

const struct net_transport tls_transport = {
	.name = "tls",
	.read = tls_read,
	.write = tls_write,
	.pending = tls_pending,
	.close = tls_close,
};
