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

#include <stdbool.h>
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
	bool secret_failed;         /* no password: the source failed */
	bool unsure; /* no valid reply after the end of data (smtp.h) */
	bool possible_duplicate; /* for the log line */
	bool dsn_dropped;        /* DSN asked for, not offered: sent without */
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
/* The account's TLS mode: none, STARTTLS or implicit TLS. */
enum smtp_tls_mode deliver_tls_mode(const struct account *);

/*
 * The account's settings as engine parameters, without a password
 * source: strings point into the account, the port into port[portlen].
 * --doctor and --serverinfo start from these.
 */
void deliver_account_params(const struct account *, char *port, size_t portlen,
    struct smtp_params *);

int deliver_job(const struct job *, const struct smtp_trace *,
    struct deliver_result *res, struct err *e);

void deliver_result_free(struct deliver_result *);

/* What the password callback needs (set up by deliver_open). */
struct deliver_ctx {
	const struct account *acct;
	enum secrets_source *source;
	bool *failed; /* set when the password source failed */
};

/*
 * A session for several messages of one account (the queue runner):
 * deliver_open connects and authenticates, deliver_send submits one
 * message (the caller builds the smtp_mail) and writes its log line
 * under the queue id, deliver_close ends it. The struct is caller-owned
 * and must not move while open; after deliver_open fails, secret_failed
 * says whether the password source was the cause (a keyring that cannot
 * answer now, rather than the server).
 */
struct deliver_session {
	const struct account *acct;
	struct smtp_session *smtp;
	struct smtp_params params;
	struct deliver_ctx ctx;
	char port[16];
	enum secrets_source secret;
	bool secret_failed;
	char tls[128];
	char auth[32];
	bool possible_duplicate; /* the next deliver_send logs that an
				    earlier attempt may have delivered it */
};

int deliver_open(struct deliver_session *, const struct account *,
    const struct smtp_trace *, struct err *);

/* As deliver_job's result: 0 when every recipient took it, else -1. */
int deliver_send(struct deliver_session *, const char *id, struct smtp_mail *,
    struct err *);

/* Whether the session can carry another message. */
bool deliver_usable(const struct deliver_session *);

void deliver_close(struct deliver_session *);

/*
 * deliver_job, with the session left open in ds (deliver_session below)
 * when the message reached every recipient and the server can take
 * another: the queue sends the account's due entries over it
 * (queue_run_follow). The caller always ends it with deliver_close.
 */
int deliver_job_keep(const struct job *, const struct smtp_trace *,
    struct deliver_session *ds, struct deliver_result *res, struct err *e);

/*
 * The line of an account on hold in a queue run, to syslog and the
 * account's logfile (a NULL account, not in the configuration: syslog
 * LOG_MAIL only).
 */
void deliver_log_held(const struct account *, const char *name,
    const char *reason, size_t entries);

/* The log line of a message that was not sent (the session failed). */
void deliver_log_unsent(const struct account *, const char *id,
    const struct smtp_mail *, const struct err *);

#endif
