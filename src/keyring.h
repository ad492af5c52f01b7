/*
 * keyring.h: the Secret Service keyring backend. secrets_libsecret.c (the
 * only file that includes libsecret) implements it when postern is built
 * with libsecret; secrets_nokeyring.c otherwise, reporting "disabled".
 */
#ifndef POSTERN_KEYRING_H
#define POSTERN_KEYRING_H

#include <stdbool.h>

/* True when built with a keyring backend. */
bool keyring_available(void);

/* The backend's version ("libsecret 0.20.5"), or "disabled". */
const char *keyring_backend_version(void);

#endif
