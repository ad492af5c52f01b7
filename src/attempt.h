/*
 * attempt.h: one delivery attempt of one queue entry (its envelope,
 * queue_env.h, and its message file) over an open session (deliver.h).
 * The same code serves a fresh submission (an entry not yet published,
 * submit.h) and a queue run (queue_run.h): the envelope becomes the
 * engine's mail here and nowhere else, and each recipient's result
 * becomes its queue state here and nowhere else. What is then done with
 * the entry (drop, publish, failed/, bounce) is the caller's outcome.
 * Nothing here prints or exits.
 */
#ifndef POSTERN_ATTEMPT_H
#define POSTERN_ATTEMPT_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "deliver.h"
#include "err.h"
#include "queue_env.h"
#include "smtp.h"

/*
 * The recipients of env still to do (pending, deferred) as an engine
 * mail over the message in fd; map[k] is the envelope index of
 * m->rcpts[k]. Free with attempt_mail_free. 0, or -1 (memory).
 */
int attempt_mail(const struct queue_env *, int fd, struct smtp_mail *m,
    size_t **map);
void attempt_mail_free(struct smtp_mail *m, size_t **map);

/*
 * A recipient's queue state after an attempt: accepted is sent; refused
 * (5xx), or anything not accepted when the whole message failed for
 * good, is refused; the rest is deferred.
 */
enum queue_rcpt_state attempt_state(enum smtp_rcpt_status, bool whole);

/* What one attempt did. */
struct attempt {
	size_t tried;     /* recipients tried */
	size_t naccepted; /* of them, accepted */
	size_t nrefused;  /* of them, refused now (refused[]) */
	size_t *refused;  /* their envelope indexes */
	bool unsure;      /* no reply after the end of data (smtp.h) */
	bool dsn_dropped; /* DSN asked for, not offered: sent without */
	char reply[SMTP_TEXT_MAX]; /* the server's final reply */
	/* between attempt_start and attempt_finish: */
	struct smtp_mail m; /* what is on its way (the session points here) */
	size_t *map;        /* m's recipients' envelope indexes */
	bool failed;        /* attempt_start failed before sending anything */
};

/*
 * Send the recipients of env still to do over ds and record each one's
 * state and reply in env (the "sending:" mark is cleared unless the
 * outcome is unknown); id names the entry in the log line (NULL: a
 * fresh submission). Returns 0 when every recipient tried took it,
 * else -1 with e filled as deliver_send. Free with attempt_free.
 */
int attempt_send(struct deliver_session *ds, const char *id,
    struct queue_env *env, int fd, struct attempt *, struct err *e);

/*
 * attempt_send in two halves (deliver_send_start, deliver_send_finish),
 * so a queue run does its own work while the commands are on their
 * way: start writes them, finish reads the replies and records the
 * outcome in env as attempt_send. Call finish after every start, with
 * the same at, which must not move in between. Free with attempt_free.
 */
int attempt_start(struct deliver_session *, struct queue_env *, int fd,
    struct attempt *, struct err *e);
int attempt_finish(struct deliver_session *, const char *id, struct queue_env *,
    struct attempt *, struct err *e);
void attempt_free(struct attempt *);

/* The log line of an entry that was not sent: the session failed. */
void attempt_log_unsent(const struct account *, const char *id,
    const struct queue_env *, int fd, const struct err *);

/*
 * --dry-run: the MAIL FROM and RCPT TO lines of env exactly as the
 * engine would send them to a server offering SIZE, 8BITMIME, SMTPUTF8
 * and DSN (smtp_mail_line), one per line, into out. 0, or -1 with e.
 */
int attempt_dry_run(const struct queue_env *, int fd, struct buf *out,
    struct err *e);

#endif
