/*
 * keyring.h: the Secret Service keyring backend. secrets_libsecret.c (the
 * only file that includes libsecret) implements it when postern is built
 * with libsecret; secrets_nokeyring.c otherwise, reporting "disabled".
 *
 * Items are keyed by the attributes host, service=smtp and user. postern
 * stores under its own schema (KEYRING_SCHEMA); a lookup also reads, never
 * writes, msmtp's schema (same attributes, also what `secret-tool store
 * host H service smtp user U` creates) and GNOME's network-password schema
 * (server, protocol=smtp, user).
 *
 * Every call is bounded (KEYRING_TIMEOUT seconds), never asks the user to
 * unlock anything and never starts a bus of its own: without
 * DBUS_SESSION_BUS_ADDRESS it fails at once. Failures that may go away
 * (no session bus, no Secret Service on it, collection locked, no answer
 * in time) are temporary ERR_TEMP with a message that tells them apart.
 * Nothing here prints or exits.
 */
#ifndef POSTERN_KEYRING_H
#define POSTERN_KEYRING_H

#include <stdbool.h>

#include "buf.h"
#include "err.h"

#define KEYRING_SCHEMA "org.postern.Password"
#define KEYRING_SCHEMA_MSMTP "de.marlam.msmtp.password"
#define KEYRING_SCHEMA_NETWORK "org.gnome.keyring.NetworkPassword"
#define KEYRING_SCHEMA_OAUTH2 "org.postern.OAuth2"
#define KEYRING_TIMEOUT 10 /* seconds for one whole call */

/* Which schema an item was found under. */
enum keyring_schema {
	KEYRING_OURS = 0,
	KEYRING_MSMTP,   /* also secret-tool's generic items */
	KEYRING_NETWORK, /* org.gnome.keyring.NetworkPassword */
};

/* True when built with a keyring backend. */
bool keyring_available(void);

/* The backend's version ("libsecret 0.20.5"), or "disabled". */
const char *keyring_backend_version(void);

/*
 * Look up the password of user at host into out. 0 with *which set when
 * found; 1 when the keyring answered but holds none (or there is no
 * backend); -1 with a temporary ERR_TEMP when the keyring cannot answer
 * now, ERR_SOFTWARE/ERR_CONFIG otherwise.
 */
int keyring_lookup(const char *host, const char *user, struct buf *out,
    enum keyring_schema *which, struct err *);

/*
 * Store (replace) the password of user at host under our schema, with
 * label, in the default collection. 0, or -1 (ERR_UNAVAILABLE without a
 * backend, else as keyring_lookup).
 */
int keyring_store(const char *host, const char *user, const char *label,
    const char *password, struct err *);

/*
 * Remove our items for user at host; *removed is how many. 0, or -1 as
 * keyring_store. Items of the other schemas are left alone.
 */
int keyring_forget(const char *host, const char *user, unsigned *removed,
    struct err *);

/*
 * OAuth2 tokens under our schema KEYRING_SCHEMA_OAUTH2: attributes
 * issuer, client_id, user and kind ("tokens": the JSON document of
 * oauth2_store.c). Lookup: 0 found, 1 none (or no backend), -1 as
 * keyring_lookup. Store: as keyring_store.
 */
struct keyring_token {
	const char *issuer, *client_id, *user, *kind;
};
int keyring_token_lookup(const struct keyring_token *, struct buf *out,
    struct err *);
int keyring_token_store(const struct keyring_token *, const char *label,
    const char *secret, struct err *);

#endif
