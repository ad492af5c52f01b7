/*
 * queue_run_entry.c: one locked entry in a queue run (see queue_run.h and
 * queue_run_int.h): expire it (failed/ and a bounce notice), hold it,
 * defer it with backoff, or send the recipients still to do over the
 * run's session and record each one's outcome in the envelope; refused
 * recipients get a bounce notice (a new entry with the null sender),
 * and an entry whose recipients are all done leaves new/.
 *
 * Entries to send go through a pipeline of two (qrun_launch): while the
 * commands of entry N are on their way, the run records N-1's outcome
 * and marks N+1 "sending" on disk, so the queue's fsyncs overlap the
 * round trip instead of adding to it. The order that keeps a crash
 * harmless: an entry's mark is on disk before its MAIL is written, and
 * the entry stays in new/ with the mark until its outcome is.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attempt.h"
#include "bounce.h"
#include "deliver.h"
#include "queue.h"
#include "queue_run_int.h"
#include "util.h"

void
qrun_note(const struct qrun *r, const char *fmt, ...)
{
	char line[ERR_TEXT_MAX + 128];
	va_list ap;

	if (r->o->note == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	r->o->note(r->o->arg, line);
}

static bool
qrun_expired(const struct qrun *r, const struct queue_env *env)
{
	unsigned life =
	    r->acct ? r->acct->queue_lifetime : QUEUE_LIFETIME_DEFAULT;

	return env->created + (int64_t)life <= (int64_t)r->now;
}

bool
qrun_due(const struct qrun *r, const struct queue_env *env)
{
	if (r->o->only_id != NULL)
		return strcmp(env->id, r->o->only_id) == 0;
	return r->o->flush || env->held != NULL ||
	    env->next_attempt <= (int64_t)r->now || qrun_expired(r, env);
}

static void
qrun_save(const struct qrun *r, struct queue_entry *q)
{
	struct err e;

	if (queue_save(q, &e) == -1)
		qrun_note(r, "%s: cannot update the entry: %s", q->env.id,
		    e.text);
}

static void
qrun_defer(struct qrun *r, struct queue_entry *q, const char *why)
{
	unsigned min = r->acct ? r->acct->retry_min : QUEUE_RETRY_MIN_DEFAULT;
	unsigned max = r->acct ? r->acct->retry_max : QUEUE_RETRY_MAX_DEFAULT;

	q->env.attempts++;
	q->env.next_attempt = (int64_t)r->now +
	    queue_backoff(q->env.attempts, min, max, queue_random());
	(void)queue_env_set(&q->env.last_error, why);
	(void)queue_env_set(&q->env.held, NULL);
	qrun_save(r, q);
	r->st->deferred++;
}

/* dirty: the envelope on disk differs from q's (a mark undone). */
static void
qrun_hold(struct qrun *r, struct queue_entry *q, const char *why, bool dirty)
{
	if (dirty || q->env.held == NULL || strcmp(q->env.held, why) != 0) {
		(void)queue_env_set(&q->env.held, why);
		qrun_save(r, q);
	}
	r->st->held++;
	r->nheld++;
}

/* The notice's envelope: the null sender, to q's sender, due now. */
static int
qrun_bounce_env(const struct qrun *r, const struct queue_entry *q,
    const struct buf *b, struct queue_env *env)
{
	size_t i;

	env->created = env->next_attempt = r->now;
	for (i = 0; i < b->len; i++)
		env->has_8bit |= (unsigned char)b->data[i] >= 0x80;
	if (queue_env_set(&env->account, q->env.account) == -1 ||
	    queue_env_set(&env->sender, "") == -1 ||
	    queue_env_add_rcpt(env, q->env.sender, QUEUE_RCPT_PENDING, NULL))
		return -1;
	return 0;
}

/* The notice to the sender of q for the refused rcpts (not for <>). */
static void
qrun_bounce(struct qrun *r, struct queue_entry *q,
    const struct bounce_rcpt *rcpts, size_t n, const char *reason)
{
	char host[256] = "localhost", boundary[64], head[BOUNCE_HEADERS_MAX];
	const char *from = r->acct ? r->acct->from : NULL;
	struct bounce bn;
	struct queue_env env;
	struct buf b;
	struct err e;
	ssize_t got;

	if (q->env.sender[0] == '\0' || n == 0)
		return;
	if (from == NULL || conf_from_is_pattern(from))
		from = q->env.sender;
	(void)gethostname(host, sizeof(host) - 1);
	got = pread(q->fd, head, sizeof(head), 0);
	queue_env_init(&env);
	buf_init(&b, BOUNCE_MAX);
	if (queue_id_new(env.id, &e) == -1)
		goto fail;
	(void)snprintf(boundary, sizeof(boundary), "%s/%s", env.id, host);
	bn = (struct bounce){ host, from, q->env.sender, q->env.id, reason,
		(time_t)q->env.created, r->now, rcpts, n, head,
		got > 0 ? bounce_header_len(head, (size_t)got) : 0, boundary };
	if (bounce_build(&bn, &b) == -1 ||
	    qrun_bounce_env(r, q, &b, &env) == -1 ||
	    queue_put(r->dir, &env, buf_str(&b), b.len, &e) == -1)
		goto fail;
	r->st->bounced++;
	qrun_note(r, "%s: bounce notice %s to <%s>", q->env.id, env.id,
	    q->env.sender);
	goto out;
fail:
	qrun_note(r, "%s: cannot make the bounce notice", q->env.id);
out:
	buf_free(&b);
	queue_env_free(&env);
}

/* Every recipient is done: failed/ when one was refused, else gone. */
static void
qrun_finish(struct qrun *r, struct queue_entry *q)
{
	bool refused = false;
	struct err e;
	size_t i;

	for (i = 0; i < q->env.nrcpts; i++)
		refused |= q->env.rcpts[i].state == QUEUE_RCPT_REFUSED;
	if (refused) {
		(void)queue_env_set(&q->env.held, NULL);
		qrun_save(r, q);
	}
	if ((refused ? queue_fail(q, &e) : queue_remove(q, &e)) == -1)
		qrun_note(r, "%s: %s", q->env.id, e.text);
	else if (refused)
		r->st->failed++;
	else
		r->st->delivered++;
}

/* Older than queue_lifetime: failed/ and a notice naming why. */
static void
qrun_expire(struct qrun *r, struct queue_entry *q)
{
	struct bounce_rcpt *br = calloc(q->env.nrcpts, sizeof(*br));
	const char *last = q->env.held ? q->env.held : q->env.last_error;
	char why[ERR_TEXT_MAX + 64];
	size_t i, n = 0;

	(void)snprintf(why, sizeof(why), "%s%s",
	    q->env.held ? "the account was held: " : "",
	    last ? last : "never tried");
	for (i = 0; br != NULL && i < q->env.nrcpts; i++) {
		struct queue_rcpt *rc = &q->env.rcpts[i];

		if (rc->state == QUEUE_RCPT_SENT ||
		    rc->state == QUEUE_RCPT_REFUSED)
			continue;
		rc->state = QUEUE_RCPT_REFUSED;
		if (rc->reply == NULL)
			(void)queue_env_set(&rc->reply, why);
		br[n++] = (struct bounce_rcpt){ rc->addr, rc->reply };
	}
	qrun_note(r, "%s: gave up after the queue lifetime: %s", q->env.id,
	    why);
	qrun_bounce(r, q, br, n, why);
	free(br);
	qrun_finish(r, q);
}

/* The attempt's outcome: bounce the refused, finish or defer. */
static void
qrun_outcome(struct qrun *r, struct queue_entry *q, const struct attempt *at,
    const struct err *e)
{
	struct bounce_rcpt *br =
	    calloc(at->nrefused ? at->nrefused : 1, sizeof(*br));
	size_t k, n = 0;

	for (k = 0; br != NULL && k < at->nrefused; k++) {
		const struct queue_rcpt *rc = &q->env.rcpts[at->refused[k]];

		br[n++] = (struct bounce_rcpt){ rc->addr,
			rc->reply ? rc->reply : e->text };
	}
	(void)queue_env_set(&q->env.held, NULL);
	qrun_bounce(r, q, br, n, NULL);
	free(br);
	if (queue_env_todo(&q->env) == 0)
		qrun_finish(r, q);
	else
		qrun_defer(r, q, e->text[0] ? e->text : "not delivered");
}

/* The session could not be opened: hold the account, or defer. */
static void
qrun_open_failed(struct qrun *r, struct queue_entry *q, const struct err *e,
    bool dirty)
{
	attempt_log_unsent(r->acct, q->env.id, &q->env, q->fd, e);
	if (e->temporary && !r->ds->secret_failed && !e->hold) {
		(void)strlcpy(r->down, e->text, sizeof(r->down));
		qrun_defer(r, q, e->text);
		return;
	}
	(void)snprintf(r->held, sizeof(r->held), "%s%.480s",
	    r->ds->secret_failed && !e->hold ? "no password: " : "", e->text);
	qrun_note(r, "account %s held: %s", r->acct->name, r->held);
	qrun_hold(r, q, r->held, dirty);
}

/*
 * Before MAIL: record in the envelope (fsynced) that a send is under
 * way, so that a run that finds the mark after a crash between the
 * server's final reply and the removal of the entry knows the message
 * may go out twice, and says so (qrun_start). An earlier mark means
 * this send is that possible duplicate; was_sending keeps it. -1: the
 * mark could not be written; not sent.
 */
static int
qrun_mark_sending(struct qrun *r, struct qrun_slot *s)
{
	struct queue_entry *q = &s->q;
	struct err e;

	s->was_sending = q->env.sending;
	q->env.sending = r->now > 0 ? (int64_t)r->now : 1;
	if (queue_save(q, &e) == 0)
		return 0;
	qrun_note(r, "%s: cannot record the attempt: %s; not sent", q->env.id,
	    e.text);
	q->env.sending = s->was_sending;
	return -1;
}

/* To be sent: open the session if need be, mark it, make it r->ready. */
static void
qrun_send(struct qrun *r, struct qrun_slot *s)
{
	struct err e;

	err_clear(&e);
	if (!r->open && deliver_open(r->ds, r->acct, r->o->trace, &e)) {
		qrun_open_failed(r, &s->q, &e, false);
		return;
	}
	r->open = true;
	if (qrun_mark_sending(r, s) == -1) {
		r->st->deferred++;
		return;
	}
	r->ready = s;
}

/* One more entry done (its outcome recorded): the progress line. */
static void
qrun_progress(struct qrun *r, uint64_t size)
{
	r->done++;
	r->bytes += size;
	if (r->o->progress != NULL)
		r->o->progress(r->o->arg, r->done, r->total, r->bytes,
		    r->total_bytes);
}

static struct qrun_slot *
qrun_slot_get(struct qrun *r)
{
	size_t i;

	for (i = 0; i < QRUN_SLOTS; i++)
		if (!r->slots[i].used)
			break;
	r->slots[i].used = true; /* one is always free: QRUN_SLOTS */
	memset(&r->slots[i].q, 0, sizeof(r->slots[i].q));
	r->slots[i].q.fd = -1;
	return &r->slots[i];
}

static void
qrun_slot_put(struct qrun_slot *s)
{
	queue_entry_free(&s->q);
	s->used = false;
}

/* Write the commands of s; it is in flight. */
static void
qrun_start(struct qrun *r, struct qrun_slot *s)
{
	struct queue_env *env = &s->q.env;

	r->ds->possible_duplicate = s->was_sending != 0;
	if (s->was_sending != 0)
		qrun_note(r,
		    "%s: possible duplicate: an attempt %llds ago may have reached the server; sending it again",
		    env->id, (long long)(r->now - s->was_sending));
	(void)attempt_start(r->ds, env, s->q.fd, &s->at, &s->e);
	r->fly = s;
}

/* Read the replies of the entry in flight; it has landed. */
static void
qrun_land(struct qrun *r)
{
	struct qrun_slot *s = r->fly;

	if (s == NULL)
		return;
	r->fly = NULL;
	if (attempt_finish(r->ds, s->q.env.id, &s->q.env, &s->at, &s->e) == 0)
		qrun_note(r, "%s: delivered to %zu recipient%s", s->q.env.id,
		    s->at.naccepted, s->at.naccepted == 1 ? "" : "s");
	else
		qrun_note(r, "%s: %s", s->q.env.id, s->e.text);
	if (!deliver_usable(r->ds)) {
		deliver_close(r->ds);
		r->open = false;
	}
	r->landed = s;
}

/* Record the landed entry's outcome (remove, defer, failed/, bounce). */
static void
qrun_settle(struct qrun *r)
{
	struct qrun_slot *s = r->landed;

	if (s == NULL)
		return;
	r->landed = NULL;
	qrun_outcome(r, &s->q, &s->at, &s->e);
	attempt_free(&s->at);
	qrun_slot_put(s);
	qrun_progress(r, s->size);
}

/*
 * The ready entry does not go: a follow-up past its deadline or without
 * its session, or the session cannot be opened again. Its mark is
 * undone on disk (no attempt was made) and it waits for a later run.
 */
static void
qrun_unready(struct qrun *r, struct qrun_slot *s, const struct err *e)
{
	s->q.env.sending = s->was_sending;
	if (e == NULL) {
		qrun_save(r, &s->q);
		r->st->seen--;
	} else
		qrun_open_failed(r, &s->q, e, true);
	qrun_slot_put(s);
	qrun_progress(r, s->size);
}

/* The session went away under the ready entry: open it again. */
static void
qrun_reopen(struct qrun *r, struct qrun_slot *s)
{
	struct err e;

	err_clear(&e);
	if (r->follow) {
		qrun_unready(r, s, NULL);
		return;
	}
	if (deliver_open(r->ds, r->acct, r->o->trace, &e) == -1) {
		qrun_unready(r, s, &e);
		return;
	}
	r->open = true;
	qrun_start(r, s);
}

/*
 * N+1 is ready (marked) and N in flight: read N's replies, write N+1's
 * commands, then record N's outcome (its fsyncs, a bounce notice) while
 * they are on their way. A crash anywhere leaves N in new/ with its mark
 * until its outcome is on disk, and N+1 marked before any of it is sent.
 */
void
qrun_launch(struct qrun *r)
{
	struct qrun_slot *s = r->ready;

	r->ready = NULL;
	qrun_land(r);
	if (r->follow && util_now_ms() >= r->deadline)
		qrun_unready(r, s, NULL);
	else if (r->open)
		qrun_start(r, s);
	else
		qrun_reopen(r, s);
	qrun_settle(r);
}

void
qrun_drain(struct qrun *r)
{
	if (r->ready != NULL)
		qrun_launch(r);
	qrun_land(r);
	qrun_settle(r);
}

void
qrun_entry(struct qrun *r, struct qrun_item *it)
{
	struct qrun_slot *s = qrun_slot_get(r);
	struct queue_entry *q = &s->q;
	struct err e;
	int k = queue_lock(r->dir, "new", it->id, false, q, &e);

	it->done = true;
	if (k == -1)
		qrun_note(r, "%s: %s", it->id, e.text);
	if (k != 1)
		goto out;
	if (q->damaged) {
		qrun_note(r, "%s: %s; not sent", it->id, q->why);
		goto out;
	}
	if (!qrun_due(r, &q->env))
		goto out;
	r->st->seen++;
	if (qrun_expired(r, &q->env))
		qrun_expire(r, q);
	else if (r->held[0] != '\0')
		qrun_hold(r, q, r->held, false);
	else if (r->down[0] != '\0')
		qrun_defer(r, q, r->down);
	else
		qrun_send(r, s);
out:
	s->size = it->size;
	if (r->ready == s) /* done when its outcome is recorded */
		return;
	qrun_slot_put(s);
	qrun_progress(r, it->size);
}
