/*
 * oauth2.h: OAuth2 built in (doc/oauth2.md): an account with
 * oauth2_provider set gets its AUTH token from here instead of the
 * password sources.
 *
 *  oauth2_conf.c     presets (Microsoft, Google, Fastmail) and explicit
 *                    endpoints into struct oauth2_endpoints; pure
 *  oauth2_json.c     the JSON documents (oauth2_json.h); pure
 *  oauth2_store.c    where tokens are kept (the 0600 token file)
 *  oauth2.c          discovery, the token for AUTH, refresh under a
 *                    per-account lock
 *  oauth2_device.c   postern --authorize: the device flow (RFC 8628)
 *  oauth2_loopback.c postern --authorize: the browser flow (RFC 8252)
 *  oauth2_redirect.c the redirect URL's query; pure
 *
 * Nothing here prints or exits, except through the caller's say hook in
 * oauth2_authorize (the URL and code the user must see). Errors:
 * ERR_CONFIG (missing client ID or scope, bad endpoint), a temporary
 * ERR_TEMP (endpoint unreachable or 5xx), a temporary ERR_TEMP with
 * err.hold set (the grant is gone: "account NAME needs authorization"),
 * ERR_PROTOCOL (an answer that does not parse).
 */
#ifndef POSTERN_OAUTH2_H
#define POSTERN_OAUTH2_H

#include <stdbool.h>

#include "buf.h"
#include "conf.h"
#include "err.h"
#include "oauth2_json.h"

/* --authorize's messages to the user (the URL, the code). */
typedef void (*oauth2_say_fn)(void *arg, const char *line);

/* Refresh when fewer seconds than this remain. */
#define OAUTH2_REFRESH_MARGIN 300

struct oauth2_endpoints {
	const char *provider; /* "microsoft", ..., "custom" */
	const char *client_id;
	const char *client_secret; /* or NULL */
	char issuer[OAUTH2_URL_MAX];
	char authorize[OAUTH2_URL_MAX];
	char token[OAUTH2_URL_MAX];
	char device[OAUTH2_URL_MAX];
	char scope[1024];
	bool device_ok;    /* Google refuses the device flow for mail */
	bool ask_offline;  /* Google: access_type=offline&prompt=consent */
	char secret[1024]; /* oauth2_client_secret_eval's answer */
};

/* Whether the account uses built-in OAuth2. */
bool oauth2_enabled(const struct account *);

/* The auth choice (enum conf_auth index) a provider implies. */
int oauth2_conf_auth(int provider);

/*
 * The account's endpoints from its preset or explicit keys (no network:
 * issuer discovery is oauth2_discover). -1 ERR_CONFIG naming the
 * missing key and doc/oauth2.md.
 */
int oauth2_conf_resolve(const struct account *, struct oauth2_endpoints *,
    struct err *);

/*
 * Resolve, then run oauth2_client_secret_eval when set (client_secret
 * then points into ep->secret; wipe ep with oauth2_conf_wipe).
 */
int oauth2_conf_load(const struct account *, struct oauth2_endpoints *,
    struct err *);
void oauth2_conf_wipe(struct oauth2_endpoints *);

/* Fill the endpoints an issuer publishes (RFC 8414, then OIDC). */
int oauth2_discover(struct oauth2_endpoints *, struct err *);

/*
 * The access token for AUTH into out: from the store, refreshed first
 * (under the account's lock, the rotated refresh token stored before
 * the new access token is used) when fewer than OAUTH2_REFRESH_MARGIN
 * seconds remain, or always when force is set (the server refused it).
 */
int oauth2_access_token(const struct account *, bool force, struct buf *out,
    struct err *);

/* The message when the account must be authorized again (held). */
int oauth2_needs_authorization(const struct account *, struct err *);

/*
 * Append the client's part of a token request form:
 * &client_id=ID[&client_secret=SECRET], escaped. 0, or -1 (memory).
 */
int oauth2_form_client(const struct oauth2_endpoints *, struct buf *form);

/* POST form to the token endpoint; parse the answer into t. */
int oauth2_token_request(const char *url, const char *form,
    struct oauth2_tokens *t, struct err *);

/* Store tokens t (expires_in made absolute) for the account. */
int oauth2_store_save(const struct account *, const struct oauth2_endpoints *,
    struct oauth2_tokens *t, struct err *);
/* Load them; 1 when there are none. */
int oauth2_store_load(const struct account *, const struct oauth2_endpoints *,
    struct oauth2_tokens *t, struct err *);
/* Open (create) and flock the account's lock file; the fd, or -1. */
int oauth2_store_lock(const struct account *, struct err *);
/* oauth2_store_save under the account's lock (new tokens from a flow). */
int oauth2_store_save_locked(const struct account *,
    const struct oauth2_endpoints *, struct oauth2_tokens *t, struct err *);

/* The authorization response from a redirect URL (oauth2_redirect.c). */
struct oauth2_redirect {
	char code[OAUTH2_TOKEN_MAX];
	char state[OAUTH2_TEXT_MAX];
	char iss[OAUTH2_URL_MAX];
	char error[OAUTH2_TEXT_MAX];
	char error_description[OAUTH2_TEXT_MAX];
};

/* Parse the query of a URL or request target (pure). 0, or -1. */
int oauth2_redirect_parse(const char *, struct oauth2_redirect *, struct err *);

/* The browser flow (oauth2_loopback.c). */
int oauth2_loopback(const struct account *, struct oauth2_endpoints *,
    oauth2_say_fn say, void *arg, struct err *);

/* --authorize: say shows lines to the user (URL, code). */
int oauth2_authorize(const struct account *, bool device, oauth2_say_fn say,
    void *arg, struct err *);

#endif
