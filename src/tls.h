/*
 * tls.h: TLS for the SMTP transport. tls.c is the only file that includes
 * GnuTLS.
 *
 * A session is created on a connected non-blocking socket, handshaken
 * (net.c drives the handshake with poll and the command deadline), then
 * used through tls_transport. Verification happens inside the handshake:
 *
 *  - default: the chain is checked against the system trust store (or
 *    tls_trust_file), and the certificate must match the host name
 *    (RFC 6125 via gnutls_certificate_verify_peers3; tls_host_override
 *    replaces the configured host as the reference identity and SNI).
 *    The check runs right after the handshake, before tls_session_handshake
 *    returns and so before anything is sent (inside the handshake for an
 *    account with a client certificate, which would otherwise go to a
 *    server not verified yet). The store is loaded while the server
 *    answers the ClientHello, not before it; with a session cache, a
 *    tls_trust_file account loads only the root that verified its server
 *    last time (tls_cache.h), and the whole file when that root does not
 *    verify the chain;
 *  - tls_fingerprint: the leaf certificate's SHA-256 (or, for existing
 *    msmtp configurations, SHA-1) must equal the pin; the pin replaces
 *    the CA and name checks and says so in tls_info.verify, it never
 *    turns checking off. SHA-1 is accepted because ~/.msmtprc files
 *    carry SHA-1 pins and matching a pin needs a second preimage, which
 *    is not practical for SHA-1 (collisions do not help); MD5 is refused;
 *  - certcheck false (config `tls_certcheck off`): no verification at
 *    all; conf.c decides whether that is allowed, tls_info.verify says
 *    "none".
 * TLS 1.2 is the minimum whatever tls_priorities says (versions below
 * 1.2 are removed from the priority string).
 *
 * Session resumption (tls_session_cache): with session_dir set, the
 * session of a verified handshake is kept in session_dir/<SHA-256 of
 * session_id> (0600, written atomically when the connection closes and
 * the server sent a ticket) and offered at the next handshake. The id
 * names everything the session was verified under (account, host, port,
 * user, trust file, pin, client certificate, priorities): another
 * account, host or port never finds it, and the file's header repeats
 * the hash, so a file copied to another name is not used. A resumed
 * session is verified again (the certificate it carries, against the
 * trust store or pin and the host name, as for a full handshake): one
 * that no longer verifies is refused and its cache file removed.
 *
 * Errors: ERR_NOPERM for a refused certificate (untrusted, expired,
 * wrong name, pin mismatch); ERR_PROTOCOL for a failed handshake (no
 * common cipher, bad record, alert); ERR_TEMP + temporary for a
 * handshake interrupted by a timeout or a closed connection;
 * ERR_NOINPUT for an unreadable trust/cert/key file; ERR_CONFIG for a bad
 * priority string or fingerprint.
 */
#ifndef POSTERN_TLS_H
#define POSTERN_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "net.h"

struct tls_params {
	const char *host;        /* reference identity and SNI (required) */
	const char *trust_file;  /* PEM CA file; NULL = system store */
	const char *fingerprint; /* "AA:BB:..." SHA-256 or SHA-1; NULL */
	const char *cert_file;   /* client certificate (PEM) or NULL */
	const char *key_file;    /* its key; both or neither */
	const char *priorities;  /* GnuTLS priority string; NULL = default */
	bool no_certcheck;       /* tls_certcheck off: verify nothing */
	const char *session_dir; /* resumption cache, or NULL: none */
	const char *session_id;  /* what a cached session is for */
};

/* How the peer was authenticated. */
enum tls_verify {
	TLS_VERIFY_UNSET = 0,   /* no TLS session */
	TLS_VERIFY_CA_HOSTNAME, /* chain to a trusted CA, name matches */
	TLS_VERIFY_FINGERPRINT, /* tls_fingerprint pin only */
	TLS_VERIFY_NONE,        /* tls_certcheck off */
	TLS_VERIFY_COUNT
};

/* "ca+hostname", "fingerprint", "none"; "-" when unset. */
const char *tls_verify_name(enum tls_verify);

/* How the peer was authenticated, for -v and the log. */
struct tls_info {
	char version[16];   /* "TLS1.3" */
	char cipher[96];    /* "TLS_AES_256_GCM_SHA384" style name */
	char subject[256];  /* leaf certificate subject DN */
	char issuer[256];   /* leaf certificate issuer DN */
	char sha256[96];    /* leaf SHA-256, colon-separated hex */
	char not_after[32]; /* expiry, "2026-01-31 12:00:00 UTC" */
	enum tls_verify verify;
	bool resumed;
};

/* Channel binding types for SCRAM-*-PLUS (RFC 5929, RFC 9266). */
enum tls_cb_type {
	TLS_CB_NONE = 0,
	TLS_CB_UNIQUE,   /* "tls-unique", TLS 1.2 */
	TLS_CB_EXPORTER, /* "tls-exporter", TLS 1.3 */
};

#define TLS_CB_MAX 64

struct tls_session;

/* The GnuTLS version in use at run time ("3.7.9"). */
const char *tls_library_version(void);

/*
 * A client session on fd (not owned: net.c closes it) with trust,
 * credentials and SNI set up from the params. Nothing is sent yet.
 */
int tls_session_new(struct tls_session **out, int fd, const struct tls_params *,
    struct err *);

/*
 * One handshake step on the non-blocking socket: 0 when done and the
 * peer verified, NET_IO_WANT_READ / NET_IO_WANT_WRITE to poll and call
 * again, -1 on failure (class as above).
 */
int tls_session_handshake(struct tls_session *, struct err *);

/* Version, cipher and certificate of a handshaken session. */
void tls_session_info(struct tls_session *, struct tls_info *);

/*
 * The channel binding of this session: tls-exporter for TLS 1.3,
 * tls-unique for TLS 1.2. Writes up to TLS_CB_MAX bytes to out; -1 when
 * the session offers none (type is then TLS_CB_NONE).
 */
int tls_session_channel_binding(struct tls_session *, enum tls_cb_type *,
    unsigned char *out, size_t cap, size_t *len);

/* Free a session that was never handed to net (handshake failed). */
void tls_session_free(struct tls_session *);

/* The transport ops; ctx is the struct tls_session. */
extern const struct net_transport tls_transport;

/*
 * Parse a fingerprint "AA:BB:.." (colons optional, any case) into bytes:
 * 32 (SHA-256) or 20 (SHA-1). 0, or -1 for anything else. Pure.
 */
int tls_fingerprint_parse(const char *, unsigned char *out, size_t cap,
    size_t *len);

#endif
