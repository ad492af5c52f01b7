/*
 * secrets_nokeyring.c: the keyring backend of a build without libsecret.
 */
#include "config.h"

#include "keyring.h"

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
