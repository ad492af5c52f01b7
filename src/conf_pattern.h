/*
 * conf_pattern.h: msmtp's patterns in the `from` and `domain` values:
 *   %U  the user's login name ($USER, else $LOGNAME, else the password
 *       database's name for the real uid)
 *   %H  the host name ($HOSTNAME, else gethostname)
 *   %C  the canonical name of %H (getaddrinfo AI_CANONNAME, else %H)
 *   %M  the first line of SYSCONFDIR/mailname (else /etc/mailname)
 *   %%  a percent sign
 * so an ~/.msmtprc with `from %U@%C` or `domain %M` works unchanged.
 * msmtp 1.8.29's %F (the message's From) is refused with a clear error:
 * the account is chosen before the message is read.
 *
 * conf_pattern_expand is pure; conf_expand_patterns gathers only the
 * values an account actually uses and reports errors as file:line.
 */
#ifndef POSTERN_CONF_PATTERN_H
#define POSTERN_CONF_PATTERN_H

#include "buf.h"
#include "conf.h"

struct conf_pattern_env {
	const char *user; /* NULL: not available */
	const char *host;
	const char *canon;
	const char *mailname;
};

/*
 * Append in with its patterns replaced to out. 0, or -1 with *why
 * ("unknown pattern %X", "%M: no mailname file", "%F is not supported").
 */
int conf_pattern_expand(const char *in, const struct conf_pattern_env *,
    struct buf *out, const char **why);

/*
 * Expand `from` and `domain` of every account in place. Errors are
 * appended to c->errors as "file:line: ..."; returns their number.
 */
int conf_expand_patterns(struct conf *c);

#endif
