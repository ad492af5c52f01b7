/*
 * submit.h: a fresh submission (DESIGN §1): the prepared job (job.h) is
 * an unpublished queue entry, its envelope (job->env) and its spool file
 * in queue_dir/tmp, not fsynced. It goes through the same attempt as a
 * queue run (attempt.h), and the outcome decides what becomes of it:
 *
 *   every recipient took it   dropped (the spool file is removed by
 *                             job_free); the account's due entries
 *                             follow over the same session
 *   temporary failure         published into new/ (fsync, rename), with
 *                             the recipients' states
 *   permanent failure         published into failed/ for the user; if
 *                             some recipients took it, the ones still to
 *                             do go into new/ instead
 *   TLS refused               published into new/ with the account
 *                             held, as a queue run would (never sent
 *                             without TLS; deliver_tls_refused)
 *   -odq, queue_only          published into new/ without connecting
 *
 * Nothing here prints or exits.
 */
#ifndef POSTERN_SUBMIT_H
#define POSTERN_SUBMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "conf.h"
#include "deliver.h"
#include "err.h"
#include "job.h"
#include "queue_env.h"
#include "secrets.h"
#include "smtp.h"

enum submit_outcome {
	SUBMIT_DELIVERED = 0, /* every recipient took it */
	SUBMIT_QUEUED,        /* queued: -odq, or a temporary failure */
	SUBMIT_KEPT,          /* not delivered; a copy is in failed/ */
};

struct submit {
	enum submit_outcome outcome;
	char id[QUEUE_ID_LEN + 1]; /* the entry, when queued or kept */
	char why[ERR_TEXT_MAX];    /* why it was queued */
	bool tried;                /* a session was attempted */
	size_t nrcpts;             /* recipients tried */
	size_t naccepted;          /* recipients the message reached */
	bool unsure;               /* no reply after the end of data */
	bool dsn_dropped; /* DSN asked for, not offered: sent without */
	char reply[SMTP_TEXT_MAX];  /* the server's final reply */
	enum secrets_source secret; /* where the password came from */
	bool tls_refused; /* queued and the account held: TLS was refused
			     before anything was sent (deliver.h) */
};

/*
 * A session kept across submissions (-bs): the messages of one account
 * go over one upstream session. Owned by the caller: submit_keep_init,
 * then submit_job with it for each message (after the previous job was
 * freed), then submit_keep_close (QUIT). It holds the configuration the
 * session's account lives in. A different account closes it and opens
 * a new one; a session the server closed while idle (421, EOF) is
 * replaced before the message is sent, and one dropped under a message
 * before anything of it could have been taken is replaced once and the
 * message sent again (never after its end of data went out).
 */
struct submit_keep {
	struct deliver_session ds;
	bool open;
	struct conf conf; /* where ds.acct lives */
};

void submit_keep_init(struct submit_keep *);
void submit_keep_close(struct submit_keep *);

/*
 * Submit a prepared job: enqueue it without trying (-odq, queue_only),
 * or deliver it now and queue it on a temporary failure (unless `queue
 * off`). Returns 0 when postern took responsibility: delivered, or
 * durably queued (s->why says why). Returns -1 otherwise with e filled:
 * a permanent failure (a copy was kept in failed/, s->id), a temporary
 * one with `queue off`, or the queue could not be written
 * (ERR_CANTCREAT, ERR_IO). keep: NULL for one message (-bm), else the
 * session kept across messages (no follow-up of due entries while the
 * account's queue is empty; with due entries they follow and it closes).
 */
int submit_job(struct job *, const struct smtp_trace *, struct submit_keep *,
    struct submit *s, struct err *e);

#endif
