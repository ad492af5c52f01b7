/*
 * netrc.h: find a password in the bytes of a ~/.netrc file.
 *
 * The format (ftp(1), curl): whitespace-separated tokens. "machine NAME"
 * or "default" starts an entry; "login NAME", "password PW" and
 * "account ACCT" belong to the entry before them; "macdef NAME" is
 * followed by a macro body up to the next empty line, which is skipped.
 * A token may be written in double quotes with \" and \\ escapes (so a
 * password may hold blanks). Unknown tokens are ignored.
 *
 * The parser takes memory and never does I/O; the caller reads the file
 * and checks its permissions (secrets.c).
 */
#ifndef POSTERN_NETRC_H
#define POSTERN_NETRC_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

#define NETRC_FILE_MAX (1024 * 1024) /* a bigger file is refused */
#define NETRC_TOKEN_MAX 4096         /* a longer token is an error */

/*
 * The password for user at host: the first "machine" entry whose name
 * equals host (case-insensitive) and whose login equals user, or that has
 * no login; else the "default" entry on the same terms. Returns 0 with
 * the password in out, 1 when no entry matches (or the matching one has
 * no password), -1 with ERR_CONFIG when a token is too long or a quote
 * is not closed.
 */
int netrc_find(const char *data, size_t len, const char *host, const char *user,
    struct buf *out, struct err *);

#endif
