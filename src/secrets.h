/*
 * secrets.h: where the AUTH password comes from.
 *
 * Sources, in order: the account's `password`, then its `passwordeval`
 * command (run with /bin/sh -c; the first line of its output; a non-zero
 * exit status or empty output is a failure). The keyring and ~/.netrc
 * join this list with the keyring work. The password is written into a
 * caller-owned capped buffer that the caller wipes (buf_wipe); it never
 * reaches argv, the environment, a log or the -v transcript. Nothing here
 * prints or exits.
 */
#ifndef POSTERN_SECRETS_H
#define POSTERN_SECRETS_H

#include "buf.h"
#include "conf.h"
#include "err.h"

#define SECRETS_MAX (64 * 1024) /* longest password or token */
#define SECRETS_EVAL_TIMEOUT 60 /* seconds passwordeval may take */

enum secrets_source {
	SECRETS_NONE = 0,
	SECRETS_CONFIG, /* `password` */
	SECRETS_EVAL,   /* `passwordeval` */
};

/*
 * Fill out with the password for the account. On success *src says
 * which source answered. Failures: ERR_CONFIG when no source has one;
 * a temporary ERR_TEMP when passwordeval fails or times out (a gpg or
 * keyring agent that is not reachable now may be later).
 */
int secrets_password(const struct account *, struct buf *out,
    enum secrets_source *src, struct err *);

/* "config", "passwordeval", ... for -v. */
const char *secrets_source_name(enum secrets_source);

/*
 * Run cmd with /bin/sh -c, stdin from /dev/null, and put the first line
 * of its output (without CR/LF) into out. Waits at most timeout seconds.
 * 0, or -1 with a temporary ERR_TEMP naming what failed.
 */
int secrets_eval(const char *cmd, unsigned timeout, struct buf *out,
    struct err *);

#endif
