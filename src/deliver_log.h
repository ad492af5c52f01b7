/*
 * deliver_log.h: the log line of each delivery attempt (and of an
 * account on hold) to syslog and the account's logfile, in log.c's
 * format. Failures to log are not fatal and not reported.
 */
#ifndef POSTERN_DELIVER_LOG_H
#define POSTERN_DELIVER_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "err.h"
#include "smtp.h"

/* What the line says about the session besides the mail. */
struct deliver_log_session {
	const char *tls;  /* "TLS1.3 ..." or NULL */
	const char *auth; /* mechanism, or NULL */
	bool possible_duplicate;
};

/*
 * One message: id (NULL for a fresh submission), the mail as the engine
 * left it (recipients with status), e (ERR_NONE: the server's reply),
 * ms the time it took.
 */
void deliver_log(const struct account *, const char *id,
    const struct smtp_mail *, const struct deliver_log_session *,
    const struct err *e, uint64_t ms);

/*
 * The line of an account on hold in a queue run (a NULL account, not in
 * the configuration: syslog LOG_MAIL only).
 */
void deliver_log_held(const struct account *, const char *name,
    const char *reason, size_t entries);

#endif
