/*
 * oauth2_json.h: the JSON documents of OAuth2, parsed from memory (pure:
 * no I/O, fuzzed by tests/fuzz/fuzz_oauth2_json.c) with jansson, which
 * rejects duplicate keys (JSON_REJECT_DUPLICATES): two "access_token"
 * members must not let one part of a program read another token than
 * the rest.
 *
 *  - a token response (RFC 6749 5.1) or error (5.2, RFC 8628 3.5);
 *  - a device authorization response (RFC 8628 3.2);
 *  - server metadata (RFC 8414, OpenID Connect Discovery);
 *  - the token file of `oauth2_token_store file` (oauth2_store.c).
 *
 * Strings are copied into fixed fields and capped: a longer value is an
 * error, never cut. Fields that hold tokens are wiped by
 * oauth2_json_wipe. Errors: ERR_PROTOCOL (not JSON, not an object, a
 * duplicate key, a member of the wrong type or too long).
 */
#ifndef POSTERN_OAUTH2_JSON_H
#define POSTERN_OAUTH2_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define OAUTH2_TOKEN_MAX 8192 /* an access or refresh token */
#define OAUTH2_URL_MAX 1024
#define OAUTH2_TEXT_MAX 256 /* error, error_description, user_code */

/* A token response, an error response, or the token file. */
struct oauth2_tokens {
	char access_token[OAUTH2_TOKEN_MAX];
	char refresh_token[OAUTH2_TOKEN_MAX];
	char token_type[32];
	int64_t expires_in; /* seconds; -1 when absent */
	int64_t expires_at; /* the token file: Unix time; 0 when absent */
	char error[OAUTH2_TEXT_MAX];
	char error_description[OAUTH2_TEXT_MAX];
};

/* A device authorization response. */
struct oauth2_device {
	char device_code[OAUTH2_TOKEN_MAX];
	char user_code[OAUTH2_TEXT_MAX];
	char verification_uri[OAUTH2_URL_MAX];
	char verification_uri_complete[OAUTH2_URL_MAX];
	int64_t expires_in;
	int64_t interval; /* -1 when absent: poll every 5 s */
};

/* Server metadata: the endpoints postern uses. */
struct oauth2_meta {
	char issuer[OAUTH2_URL_MAX];
	char authorization_endpoint[OAUTH2_URL_MAX];
	char token_endpoint[OAUTH2_URL_MAX];
	char device_authorization_endpoint[OAUTH2_URL_MAX];
};

/*
 * Parse a token endpoint answer. 0 when it is a success (access_token
 * and token_type "Bearer", any case) or an error response (error set);
 * -1 otherwise.
 */
int oauth2_json_tokens(const char *, size_t, struct oauth2_tokens *,
    struct err *);

int oauth2_json_device(const char *, size_t, struct oauth2_device *,
    struct err *);

int oauth2_json_meta(const char *, size_t, struct oauth2_meta *, struct err *);

/* The token file: {"access_token","refresh_token","expires_at"}. */
int oauth2_json_store_parse(const char *, size_t, struct oauth2_tokens *,
    struct err *);
/* Its text, NUL-terminated, into out (malloc'd; wipe and free). */
char *oauth2_json_store_dump(const struct oauth2_tokens *);

/* Zero the token fields. */
void oauth2_json_wipe(struct oauth2_tokens *);

#endif
