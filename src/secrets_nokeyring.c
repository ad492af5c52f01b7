/*
 * secrets_nokeyring.c: the keyring backend of a build without libsecret
 * (see keyring.h). Lookups find nothing, so the password sources go on
 * to ~/.netrc and the prompt; storing and forgetting say why they cannot.
 */
#include "config.h"

#include "keyring.h"

#define KEYRING_NONE                                                           \
	"this postern was built without keyring support "                      \
	"(./configure --with-libsecret)"

bool
keyring_available(void)
{
	return false;
}

const char *
keyring_backend_version(void)
{
	return "disabled";
}

int
keyring_lookup(const char *host, const char *user, struct buf *out,
    enum keyring_schema *which, struct err *e)
{
	(void)host, (void)user, (void)out, (void)which, (void)e;
	return 1;
}

int
keyring_store(const char *host, const char *user, const char *label,
    const char *password, struct err *e)
{
	(void)host, (void)user, (void)label, (void)password;
	return err_set(e, ERR_UNAVAILABLE, "cannot store the password: %s",
	    KEYRING_NONE);
}

int
keyring_forget(const char *host, const char *user, unsigned *removed,
    struct err *e)
{
	(void)host, (void)user;
	*removed = 0;
	return err_set(e, ERR_UNAVAILABLE, "cannot forget the password: %s",
	    KEYRING_NONE);
}

int
keyring_token_lookup(const struct keyring_token *k, struct buf *out,
    struct err *e)
{
	(void)k, (void)out, (void)e;
	return 1;
}

int
keyring_token_store(const struct keyring_token *k, const char *label,
    const char *secret, struct err *e)
{
	(void)k, (void)label, (void)secret;
	return err_set(e, ERR_UNAVAILABLE,
	    "cannot store the OAuth2 tokens: %s; set oauth2_token_store file",
	    KEYRING_NONE);
}
