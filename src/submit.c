/*
 * submit.c: a fresh submission (see submit.h): the prepared entry goes
 * through attempt.c like any queue entry; here is only its outcome.
 * A failure of the keyring or passwordeval, or an account problem the
 * engine marks err.hold (a refused OAuth token), marks the entry held,
 * so a queue run in the user's session tries it first.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "attempt.h"
#include "conf.h"
#include "deliver.h"
#include "queue.h"
#include "queue_run.h"
#include "submit.h"
#include "util.h"

/* Publish the job's entry into sub; the job no longer owns the file. */
static int
submit_publish(struct job *j, const char *sub, struct submit *s, struct err *e)
{
	if (queue_dir_init(j->acct->queue_dir, e) == -1 ||
	    queue_publish(j->acct->queue_dir, sub, &j->env, j->fd, j->spool,
	        e) == -1)
		return -1;
	free(j->spool);
	j->spool = NULL;
	(void)strlcpy(s->id, j->env.id, sizeof(s->id));
	return 0;
}

/* Into new/ for a later run; held: that run tries it first. */
static int
submit_temporary(struct job *j, const struct err *de, bool hold,
    struct submit *s, struct err *e)
{
	const struct account *a = j->acct;

	j->env.next_attempt +=
	    queue_backoff(1, a->retry_min, a->retry_max, queue_random());
	if (hold && queue_env_set(&j->env.held, de->text) == -1)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (submit_publish(j, "new", s, e) == -1)
		return -1;
	s->outcome = SUBMIT_QUEUED;
	(void)strlcpy(s->why, de->text, sizeof(s->why));
	return 0;
}

/* Refused for good: the rest stays queued, or a copy goes to failed/. */
static int
submit_permanent(struct job *j, const struct err *de, struct submit *s)
{
	struct queue_env *env = &j->env;
	struct err ignored;
	size_t i;

	if (s->naccepted > 0 && queue_env_todo(env) > 0 && j->acct->queue) {
		if (submit_publish(j, "new", s, &ignored) == 0)
			s->outcome = SUBMIT_QUEUED;
		return -1;
	}
	for (i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].state != QUEUE_RCPT_SENT &&
		    env->rcpts[i].state != QUEUE_RCPT_REFUSED) {
			env->rcpts[i].state = QUEUE_RCPT_REFUSED;
			(void)queue_env_set(&env->rcpts[i].reply, de->text);
		}
	if (submit_publish(j, "failed", s, &ignored) == 0)
		s->outcome = SUBMIT_KEPT;
	return -1;
}

/* Not delivered to everyone: publish it where the failure says. */
static int
submit_outcome(struct job *j, const struct err *de, bool secret_failed,
    struct submit *s, struct err *e)
{
	*e = *de;
	if (de->temporary && !j->acct->queue)
		return -1;
	j->env.attempts = 1;
	if (queue_env_set(&j->env.last_error, de->text) == -1)
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (de->temporary) /* err.hold: a refused OAuth token, say */
		return submit_temporary(j, de, secret_failed || de->hold, s, e);
	if (s->tls_refused && j->acct->queue)
		return submit_temporary(j, de, true, s, e);
	s->tls_refused = false;
	return submit_permanent(j, de, s);
}

/*
 * Nothing in the account's queue can follow this message over its
 * session (queue_run_follow): QUIT may go with its end of data.
 */
static bool
submit_nothing_follows(const struct account *a)
{
	char **ids = NULL;
	size_t n = 0;
	struct err e;

	if (!a->queue || a->queue_dir == NULL)
		return true;
	if (queue_scan(a->queue_dir, "new", &ids, &n, &e) == -1)
		return false;
	queue_ids_free(ids, n);
	return n == 0;
}

/* The attempt, as a queue run makes it, over the open session ds. */
static int
submit_send(struct job *j, struct deliver_session *ds, struct submit *s,
    struct err *e)
{
	struct attempt at;
	int r;

	s->secret = ds->secret;
	r = attempt_send(ds, NULL, &j->env, j->fd, &at, e);
	s->nrcpts = at.tried;
	s->naccepted = at.naccepted;
	s->unsure = at.unsure;
	s->dsn_dropped = at.dsn_dropped;
	(void)strlcpy(s->reply, at.reply, sizeof(s->reply));
	attempt_free(&at);
	return r;
}

/* A new session for j's account in ds. */
static int
submit_open(struct job *j, const struct smtp_trace *trace,
    struct deliver_session *ds, struct submit *s, struct err *e)
{
	if (deliver_open(ds, j->acct, trace, e) == -1) {
		s->secret = ds->secret;
		s->tls_refused = deliver_tls_refused(ds, e);
		attempt_log_unsent(j->acct, NULL, &j->env, j->fd, e);
		return -1;
	}
	return 0;
}

/*
 * The kept session now belongs to j's account: k keeps j's
 * configuration alive (the session points into its account), the job
 * still uses it through j->acct until job_free.
 */
static void
submit_keep_adopt(struct submit_keep *k, struct job *j)
{
	conf_free(&k->conf);
	k->conf = j->conf;
	conf_init(&j->conf);
	k->open = true;
}

/*
 * Whether the kept session can carry j's message: the same account, and
 * the server did not close it (421, EOF) while it was idle. Else it is
 * closed (QUIT when it still can).
 */
static bool
submit_keep_ready(struct submit_keep *k, const struct account *a)
{
	if (!k->open)
		return false;
	if (strcmp(k->ds.acct->name, a->name) == 0 && deliver_usable(&k->ds) &&
	    !deliver_idle_closed(&k->ds))
		return true;
	deliver_close(&k->ds);
	k->open = false;
	return false;
}

/*
 * Over a kept session the message failed before anything of it could
 * have been taken (no recipient took it, no end of data went out
 * unanswered) and the session is gone: the server closed it between
 * messages. Worth one new session.
 */
static bool
submit_retry(const struct submit *s, const struct deliver_session *ds,
    const struct err *e)
{
	return !s->unsure && s->naccepted == 0 && e->temporary &&
	    !deliver_usable(ds);
}

/* The attempt over the kept session, or a new one (reconnecting once). */
static int
submit_attempt_keep(struct job *j, const struct smtp_trace *trace,
    struct submit_keep *k, struct submit *s, struct err *e)
{
	bool reused = submit_keep_ready(k, j->acct);
	int r;

	if (!reused) {
		if (submit_open(j, trace, &k->ds, s, e) == -1)
			return -1;
		submit_keep_adopt(k, j);
	}
	r = submit_send(j, &k->ds, s, e);
	if (r == 0 || !reused || !submit_retry(s, &k->ds, e))
		return r;
	deliver_close(&k->ds);
	k->open = false;
	if (submit_open(j, trace, &k->ds, s, e) == -1)
		return -1;
	submit_keep_adopt(k, j);
	return submit_send(j, &k->ds, s, e);
}

/* The attempt, as a queue run makes it, over a new session in ds. */
static int
submit_attempt(struct job *j, const struct smtp_trace *trace,
    struct deliver_session *ds, struct submit *s, struct err *e)
{
	if (submit_open(j, trace, ds, s, e) == -1)
		return -1;
	if (submit_nothing_follows(j->acct))
		smtp_set_last(ds->smtp);
	return submit_send(j, ds, s, e);
}

/* The session after the message: kept, or closed. */
static void
submit_done(struct job *j, const struct smtp_trace *trace,
    struct deliver_session *ds, struct submit_keep *k, bool ok)
{
	if (k != NULL && k->open && deliver_usable(ds) &&
	    submit_nothing_follows(j->acct))
		return;
	if (ok)
		queue_run_follow(j->acct, ds, trace); /* closes ds */
	else
		deliver_close(ds);
	if (k != NULL)
		k->open = false;
}

void
submit_keep_init(struct submit_keep *k)
{
	memset(k, 0, sizeof(*k));
	conf_init(&k->conf);
}

void
submit_keep_close(struct submit_keep *k)
{
	if (k->open)
		deliver_close(&k->ds);
	k->open = false;
	conf_free(&k->conf);
	conf_init(&k->conf);
}

int
submit_job(struct job *j, const struct smtp_trace *trace, struct submit_keep *k,
    struct submit *s, struct err *e)
{
	struct deliver_session own, *ds = k != NULL ? &k->ds : &own;
	struct err de;
	int r;

	memset(s, 0, sizeof(*s));
	err_clear(e);
	if (j->req->queue_only || j->acct->queue_only) {
		if (submit_publish(j, "new", s, e) == -1)
			return -1;
		s->outcome = SUBMIT_QUEUED;
		(void)strlcpy(s->why, "queued without trying", sizeof(s->why));
		return 0;
	}
	s->tried = true;
	r = k != NULL ? submit_attempt_keep(j, trace, k, s, &de)
	              : submit_attempt(j, trace, ds, s, &de);
	submit_done(j, trace, ds, k, r == 0);
	if (r == 0) {
		s->outcome = SUBMIT_DELIVERED;
		return 0;
	}
	return submit_outcome(j, &de, ds->secret_failed, s, e);
}
