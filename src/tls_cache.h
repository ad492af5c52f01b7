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
 *
 * Beside it, the trust anchor cache (issue 19 item 4): dir/<hex>.root
 * names the root certificate that verified this identity's server the
 * last time, so the next run loads that one root instead of parsing the
 * whole trust file. Same file rules (tls_cache_read/write), and its
 * header also carries the trust file's stamp (device, inode, size,
 * mtime and ctime in nanoseconds, tls_cache_root_hdr): any change to the
 * trust file, or the trust file at another path, makes the header differ
 * and the cached root unused. Its bytes after the header: the SHA-256 of
 * the root (32 bytes), then the root in DER; tls.c checks the hash.
 */
#ifndef POSTERN_TLS_CACHE_H
#define POSTERN_TLS_CACHE_H

#include <sys/stat.h>

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define TLS_CACHE_MAX (64 * 1024) /* a session with its certificates */
#define TLS_CACHE_HDR_MAX 256

/*
 * From the 32-byte SHA-256 of the identity: *path (allocated) and the
 * header line (hdr, TLS_CACHE_HDR_MAX bytes). 0, or -1 out of memory.
 */
int tls_cache_path(const char *dir, const unsigned char md[32], char **path,
    char *hdr);

/* The session data of a sound file: 0 with *data (malloc) and *len. */
int tls_cache_read(const char *path, const char *hdr, unsigned char **data,
    size_t *len);

/*
 * The root file of a session cache path (*root_path = path + ".root",
 * allocated) and its header for trust_file as it is now (stat(2),
 * following links). 0, or -1 (no such file, not a regular file, a racy
 * stamp, out of memory): no root cache then.
 */
int tls_cache_root_hdr(const char *path, const char *trust_file,
    char **root_path, char *hdr);

/* The same from the trust file's struct stat, whatever its age. */
int tls_cache_root_stamp(const char *path, const struct stat *,
    char **root_path, char *hdr);

/*
 * A stamp that could miss a change: the trust file changed (mtime or
 * ctime, the later) less than 2 s before now. Timestamps are as coarse
 * as a clock tick, or whole seconds on some file systems, so a rewrite
 * of the same size right after could keep the stamp; a file left alone
 * for 2 s gets a later timestamp from any further write.
 * tls_cache_root_hdr then says "no root cache" (neither read nor
 * written).
 */
bool tls_cache_racy(const struct stat *, const struct timespec *now);

/* Replace the file (creating dir, 0700): 0, or -1. */
int tls_cache_write(const char *path, const char *hdr, const void *data,
    size_t len);

#endif
