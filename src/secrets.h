/*
 * secrets.h: where the AUTH password (or OAuth token) comes from, and the
 * --store-password / --forget-password commands.
 *
 * Sources, in order, the first that answers wins: the account's
 * `password`; its `passwordeval` command (fork and exec /bin/sh -c, the
 * first line of its output, bounded by the account's timeout; a non-zero
 * exit status or empty output is a failure); the Secret Service keyring
 * (keyring.h; unless `keyring off`); ~/.netrc (refused when group or
 * others may read it); a no-echo prompt on /dev/tty when there is one and
 * it is not standard input. A keyring that cannot answer now (no session
 * bus, locked, ...) does not stop the search; when no later source
 * answers either, its temporary error is the result.
 *
 * The password is written into a caller-owned capped buffer that the
 * caller wipes (buf_wipe); it never reaches argv, the environment, a log
 * or the -v transcript, and the process stays non-dumpable while it
 * holds one. Nothing here exits; only the prompt writes (to /dev/tty).
 */
#ifndef POSTERN_SECRETS_H
#define POSTERN_SECRETS_H

#include <stdbool.h>

#include "buf.h"
#include "conf.h"
#include "err.h"

#define SECRETS_MAX (64 * 1024) /* longest password or token */
#define SECRETS_EVAL_TIMEOUT 60 /* passwordeval seconds with timeout off */

enum secrets_source {
	SECRETS_NONE = 0,
	SECRETS_CONFIG,          /* `password` */
	SECRETS_EVAL,            /* `passwordeval` */
	SECRETS_CREDENTIAL,      /* `password_credential` (systemd) */
	SECRETS_KEYRING,         /* our keyring schema */
	SECRETS_KEYRING_MSMTP,   /* msmtp's schema / secret-tool item */
	SECRETS_KEYRING_NETWORK, /* GNOME network-password schema */
	SECRETS_NETRC,           /* ~/.netrc */
	SECRETS_PROMPT,          /* typed on /dev/tty */
};

/*
 * Fill out with the password for the account. On success *src says
 * which source answered. Failures: ERR_CONFIG when no source has one (or
 * ~/.netrc is readable by others); a temporary ERR_TEMP when
 * passwordeval fails or times out, or the keyring cannot answer now and
 * nothing after it answered (an agent or keyring that is not reachable
 * now may be later).
 */
int secrets_password(const struct account *, struct buf *out,
    enum secrets_source *src, struct err *);

/* "the keyring (...)", "passwordeval", ... for -v; never the value. */
const char *secrets_source_name(enum secrets_source);

/*
 * Run cmd with /bin/sh -c, stdin from /dev/null, stderr inherited, and
 * put the first line of its output (without CR/LF) into out. Waits at
 * most timeout seconds, then kills it. 0, or -1 with a temporary
 * ERR_TEMP naming what failed (exit status, signal, time, no output).
 */
int secrets_eval(const char *cmd, unsigned timeout, struct buf *out,
    struct err *);

/*
 * Look user at host up in the netrc file path (read and permission
 * check here, parsing in netrc.c). 0 found, 1 not found or no file, -1
 * with ERR_CONFIG (readable by group or others, not ours, unreadable).
 */
int secrets_netrc(const char *path, const char *host, const char *user,
    struct buf *out, struct err *);

/*
 * The account's user at host in $NETRC, or else ~/.netrc (as
 * secrets_netrc: 0 found, 1 not found, -1 with e).
 */
int secrets_netrc_account(const struct account *, struct buf *out,
    struct err *);

/*
 * --store-password: read the password (one line from stdin when
 * from_stdin, else twice without echo on /dev/tty) and store it in the
 * keyring for the account's user at host, labelled with the account
 * name. 0, or -1 with the error (ERR_USAGE: no terminal; ERR_DATA: the
 * two differ or it is empty; ERR_UNAVAILABLE: no keyring; keyring.h).
 */
int secrets_store(const struct account *, bool from_stdin, struct err *);

/*
 * --forget-password: remove what --store-password stored. 0 with
 * *removed (0 when there was nothing), or -1 with the error.
 */
int secrets_forget(const struct account *, unsigned *removed, struct err *);

#endif
