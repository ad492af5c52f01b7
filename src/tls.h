/*
 * tls.h: TLS for the SMTP transport. tls.c is the only file that includes
 * GnuTLS.
 */
#ifndef POSTERN_TLS_H
#define POSTERN_TLS_H

/* The GnuTLS version in use at run time ("3.7.9"). */
const char *tls_library_version(void);

#endif
