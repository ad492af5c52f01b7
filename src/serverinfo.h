/*
 * serverinfo.h: `postern --serverinfo [ACCOUNT]`: what the account's
 * server says about itself: banner, extensions (SIZE in human units),
 * AUTH mechanisms and the one postern would pick, TLS version and
 * cipher, and the certificate (subject, issuer, expiry, SHA-256
 * fingerprint ready to paste as tls_fingerprint).
 *
 * The session is opened without AUTH and closed with QUIT. When the
 * certificate is refused, the error is kept and the server is asked a
 * second time without verification so that the certificate can still be
 * shown (and pinned after checking it). Nothing here prints: the text
 * goes into a buffer.
 */
#ifndef POSTERN_SERVERINFO_H
#define POSTERN_SERVERINFO_H

#include "buf.h"
#include "conf.h"
#include "err.h"

/*
 * The report for account a into out, each network step bounded by
 * timeout seconds. 0 when the server answered as configured; -1 with e
 * filled otherwise (out then holds what could be learnt, e.g. the
 * refused certificate).
 */
int serverinfo_run(const struct account *a, unsigned timeout, struct buf *out,
    struct err *e);

#endif
