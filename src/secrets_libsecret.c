/*
 * secrets_libsecret.c: the Secret Service keyring through libsecret; the
 * only file that includes libsecret.
 */
#include "config.h"

#include <stdio.h>

#include <libsecret/secret.h>

#include "keyring.h"

bool
keyring_available(void)
{
	return true;
}

const char *
keyring_backend_version(void)
{
	static char version[32];

	/* libsecret has no run-time version call; report what we built with. */
	(void)snprintf(version, sizeof(version), "libsecret %d.%d.%d",
	    SECRET_MAJOR_VERSION, SECRET_MINOR_VERSION, SECRET_MICRO_VERSION);
	return version;
}
