/*
 * deliver.h: hand a prepared job (job.h) to the SMTP engine (smtp.h).
 *
 * The account's settings become the engine's parameters, the password
 * comes from secrets.c when AUTH asks for it (and is wiped right after),
 * and the outcome is written as one log line to syslog and the account's
 * logfile. Nothing here prints or exits: the -v transcript goes through
 * the caller's trace hook, and failures fill the struct err.
 */
#ifndef POSTERN_DELIVER_H
#define POSTERN_DELIVER_H

#include <stddef.h>

#include "err.h"
#include "job.h"
#include "secrets.h"
#include "smtp.h"

struct deliver_result {
	struct smtp_rcpt *rcpts; /* one per envelope recipient, with status */
	size_t nrcpts;
	size_t naccepted;           /* recipients the message reached */
	char reply[SMTP_TEXT_MAX];  /* final reply to the message */
	char tls[128];              /* "TLS1.3 TLS_AES_..." or "" */
	char auth[32];              /* mechanism used, or "" */
	enum secrets_source secret; /* where the password came from */
};

/*
 * Submit the job's message to its account's server. Returns 0 when every
 * recipient accepted it. Returns -1 otherwise, with e filled:
 *  - nothing delivered: the engine's class (smtp.h), temporary or not;
 *  - some recipients refused: ERR_NOUSER (a 5xx among them) or a
 *    temporary ERR_TEMP (only 4xx), the text naming each refused one and
 *    the reply; res says who got the message.
 * res is filled in both cases; free it with deliver_result_free.
 */
int deliver_job(const struct job *, const struct smtp_trace *,
    struct deliver_result *res, struct err *e);

void deliver_result_free(struct deliver_result *);

#endif
