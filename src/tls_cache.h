/*
 * tls_cache.h: the file of the TLS session cache (tls_session_cache),
 * without GnuTLS: tls.c hashes the session's identity and hands the
 * bytes of gnutls_session_get_data2 here.
 *
 * One file per identity: dir/<64 hex digits of the SHA-256 of the
 * identity>, mode 0600, replaced atomically (temporary file + rename).
 * Its bytes:
 *
 *	"postern-tls-session 1 <the same 64 hex digits>\n"
 *	the GnuTLS session data, to the end of the file
 *
 * The header repeats the name, so a file copied or renamed to another
 * identity's name is not used. A file is used only when it is a regular
 * file (not a symlink) owned by the effective uid and not readable or
 * writable by group or others, and at most TLS_CACHE_MAX bytes long.
 * The cache only saves time: every failure means "no cached session".
 * Nothing here prints or exits.
 */
#ifndef POSTERN_TLS_CACHE_H
#define POSTERN_TLS_CACHE_H

#include <stddef.h>

#define TLS_CACHE_MAX (64 * 1024) /* a session with its certificates */
#define TLS_CACHE_HDR_MAX 96

/*
 * From the 32-byte SHA-256 of the identity: *path (allocated) and the
 * header line (hdr, TLS_CACHE_HDR_MAX bytes). 0, or -1 out of memory.
 */
int tls_cache_path(const char *dir, const unsigned char md[32], char **path,
    char *hdr);

/* The session data of a sound file: 0 with *data (malloc) and *len. */
int tls_cache_read(const char *path, const char *hdr, unsigned char **data,
    size_t *len);

/* Replace the file (creating dir, 0700): 0, or -1. */
int tls_cache_write(const char *path, const char *hdr, const void *data,
    size_t len);

#endif
