/*
 * tls.c: TLS for the SMTP transport, the only file that includes GnuTLS.
 */
#include "config.h"

#include <gnutls/gnutls.h>

#include "tls.h"

const char *
tls_library_version(void)
{
	return gnutls_check_version(NULL);
}
