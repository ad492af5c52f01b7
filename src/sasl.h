/*
 * sasl.h: SMTP AUTH mechanisms: the choice of a mechanism, small pure
 * builders for PLAIN, LOGIN, XOAUTH2, OAUTHBEARER and EXTERNAL, and a
 * client that steps any mechanism (built-in, or SCRAM and the rest
 * through GNU SASL, see sasl_lib.h).
 *
 * Everything speaks base64 text, the form it has on the wire: the
 * challenge is the text after "334 ", the response is what the client
 * sends back ("" means an empty response, sent as "=" for an initial
 * response). Buffers that carry a secret or its base64 are wiped
 * (buf_wipe) by whoever owns them; nothing here logs.
 *
 * Errors: ERR_UNAVAILABLE (mechanism not offered / not built in / no
 * secure mechanism), ERR_NOPERM (refused to run AUTH without TLS),
 * ERR_PROTOCOL (malformed challenge, server signature does not verify),
 * ERR_SOFTWARE (out of memory, library failure).
 */
#ifndef POSTERN_SASL_H
#define POSTERN_SASL_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"
#include "tls.h"

#define SASL_MECH_MAX 32
/* Cap on a base64 challenge or response line. */
#define SASL_B64_MAX 12288

/* The mechanisms built in; everything else is SASL_LIB (GNU SASL). */
enum sasl_builtin {
	SASL_LIB = 0, /* not built in: GNU SASL runs it */
	SASL_PLAIN,
	SASL_LOGIN,
	SASL_XOAUTH2,
	SASL_OAUTHBEARER,
	SASL_EXTERNAL,
	SASL_BUILTIN_COUNT
};

/* The built-in mechanism named mech (any case), or SASL_LIB. */
enum sasl_builtin sasl_builtin_id(const char *mech);

/* The secrets and context a mechanism may use. */
struct sasl_creds {
	const char *user;             /* authentication identity */
	const char *authzid;          /* authorisation identity, or NULL */
	const char *password;         /* password or OAuth token (not owned) */
	const char *host;             /* server name (OAUTHBEARER, GSSAPI) */
	unsigned port;                /* server port (OAUTHBEARER) */
	enum tls_cb_type cb_type;     /* TLS_CB_NONE: no channel binding */
	const unsigned char *cb_data; /* channel binding bytes */
	size_t cb_len;
};

/*
 * Choose the mechanism to use from the server's AUTH list (space
 * separated, from the post-TLS EHLO).
 *  - wanted NULL or "": automatic, strongest first: SCRAM-SHA-256-PLUS
 *    (only when have_cb), SCRAM-SHA-256, SCRAM-SHA-1-PLUS, SCRAM-SHA-1
 *    (SCRAM only when GNU SASL supports it), PLAIN, LOGIN. Others
 *    (CRAM-MD5, XOAUTH2, OAUTHBEARER, EXTERNAL, ...) only when named.
 *    Without TLS the automatic choice fails: ERR_UNAVAILABLE.
 *  - wanted names a mechanism: it must be offered (ERR_UNAVAILABLE) and
 *    supported; over plaintext it is allowed only when plaintext_ok
 *    (the account says `tls off` and names the mechanism).
 * Writes the upper-case name to out.
 */
int sasl_choose(const char *offered, const char *wanted, bool tls,
    bool plaintext_ok, bool have_cb, char out[SASL_MECH_MAX], struct err *);

/* Append the built-in mechanisms, space separated, to out. 0 or -1. */
int sasl_builtin_mechanisms(struct buf *out);

/* True when this build can run mech (built in, or GNU SASL has it). */
bool sasl_supported(const char *mech);

/* A running mechanism. */
struct sasl_client;

int sasl_client_new(struct sasl_client **, const char *mech,
    const struct sasl_creds *, struct err *);

/*
 * The next response. challenge is NULL for the initial response (sent
 * with AUTH when has_ir), else the text after "334 ". Returns 0 with the
 * base64 response in out (reset first), or -1. Pass the out buffer to
 * buf_wipe when done: it may hold the password in base64.
 */
int sasl_client_step(struct sasl_client *, const char *challenge,
    struct buf *out, struct err *);

/* Whether the mechanism sends an initial response with the AUTH line. */
bool sasl_client_has_ir(const struct sasl_client *);

/*
 * Whether the mechanism is complete from the client's side: for SCRAM,
 * the server's final message arrived and its signature verified. A 235
 * before that must fail the session (the server did not prove itself).
 */
bool sasl_client_done(const struct sasl_client *);

/* Wipe and free; NULL is fine. */
void sasl_client_free(struct sasl_client *);

/*
 * Pure builders (append base64 to out; 0 or -1 when out's cap is hit).
 *  PLAIN (RFC 4616):  [authzid] NUL user NUL password
 *  XOAUTH2:           "user=" user ^A "auth=Bearer " token ^A ^A
 *  OAUTHBEARER (RFC 7628): "n,a=" user "," ^A "host=" host ^A "port="
 *                     port ^A "auth=Bearer " token ^A ^A
 *  EXTERNAL (RFC 4422): the authzid, or "" (sent as "=")
 *  LOGIN: the user, then the password, each base64 on its own 334.
 */
int sasl_plain(const char *authzid, const char *user, const char *password,
    struct buf *out);
int sasl_xoauth2(const char *user, const char *token, struct buf *out);
int sasl_oauthbearer(const char *user, const char *host, unsigned port,
    const char *token, struct buf *out);
int sasl_external(const char *authzid, struct buf *out);

/* RFC 4648 base64 (no line breaks). decode rejects bad input: -1. */
int sasl_b64_encode(const void *, size_t, struct buf *out);
int sasl_b64_decode(const char *, size_t, struct buf *out);

#endif
