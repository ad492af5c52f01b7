/*
 * deliver.h: the adapter between an account and the SMTP engine
 * (smtp.h): the account's settings become the engine's parameters, the
 * password comes from secrets.c when AUTH asks for it (and is wiped
 * right after), and each message sent gets its log line (deliver_log.h).
 * What is sent comes from a queue envelope through attempt.h. Nothing
 * here prints or exits: the -v transcript goes through the caller's
 * trace hook, and failures fill the struct err.
 */
#ifndef POSTERN_DELIVER_H
#define POSTERN_DELIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "conf.h"
#include "secrets.h"
#include "smtp.h"

/* The account's TLS mode: none, STARTTLS or implicit TLS. */
enum smtp_tls_mode deliver_tls_mode(const struct account *);

/*
 * The account's settings as engine parameters, without a password
 * source: strings point into the account, the port into port[portlen].
 * --doctor and --serverinfo start from these.
 */
void deliver_account_params(const struct account *, char *port, size_t portlen,
    struct smtp_params *);

/* What the password callback needs (set up by deliver_open). */
struct deliver_ctx {
	const struct account *acct;
	enum secrets_source *source;
	bool *failed; /* set when the password source failed */
};

/*
 * A session for one or more messages of one account (a submission and
 * the due entries that follow it, or a queue run): deliver_open
 * connects and authenticates, deliver_send submits one message (built
 * by attempt.h) and writes its log line under the queue id,
 * deliver_close ends it. The struct is caller-owned
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
	char *tls_dir; /* the TLS session cache directory, or NULL */
	bool tls_up;   /* TLS was established on this session */
	enum secrets_source secret;
	bool secret_failed;
	struct smtp_info info;   /* the session's TLS and AUTH, for the log */
	bool possible_duplicate; /* the next deliver_send logs that an
				    earlier attempt may have delivered it */
	uint64_t send_start;     /* deliver_send_start's time (ms) */
};

int deliver_open(struct deliver_session *, const struct account *,
    const struct smtp_trace *, struct err *);

/*
 * Returns 0 when every recipient accepted it. Returns -1 otherwise, with
 * e filled:
 *  - nothing delivered: the engine's class (smtp.h), temporary or not;
 *  - some recipients refused: ERR_NOUSER (a 5xx among them) or a
 *    temporary ERR_TEMP (only 4xx), the text naming each refused one and
 *    the reply; m says who got the message.
 */
int deliver_send(struct deliver_session *, const char *id, struct smtp_mail *,
    struct err *);

/*
 * deliver_send in two halves (smtp_send_start, smtp_send_finish): start
 * writes the commands, finish reads the replies, writes the log line
 * and returns as deliver_send. Call finish after every start; m must
 * not move in between, and nothing else may use the session.
 */
int deliver_send_start(struct deliver_session *, struct smtp_mail *,
    struct err *);
int deliver_send_finish(struct deliver_session *, const char *id,
    struct smtp_mail *, struct err *);

/*
 * After deliver_open failed with e: whether TLS was refused, that is the
 * account wants TLS and the session failed for good before TLS was up,
 * on a garbled reply (ERR_PROTOCOL), a refused certificate (ERR_NOPERM)
 * or STARTTLS missing (ERR_UNAVAILABLE without a reply code). A man in
 * the middle can cause each, so it is not the server's verdict: hold
 * the account rather than give up on the message.
 */
bool deliver_tls_refused(const struct deliver_session *, const struct err *);

/* Whether the session can carry another message. */
bool deliver_usable(const struct deliver_session *);

/* Between messages: whether the server closed it while idle (421, EOF). */
bool deliver_idle_closed(const struct deliver_session *);

void deliver_close(struct deliver_session *);

/* The log line of a message that was not sent (the session failed). */
void deliver_log_unsent(const struct account *, const char *id,
    const struct smtp_mail *, const struct err *);

#endif
