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

/* The attempt, as a queue run makes it, over a new session in ds. */
static int
submit_attempt(struct job *j, const struct smtp_trace *trace,
    struct deliver_session *ds, struct submit *s, struct err *e)
{
	struct attempt at;
	int r;

	s->tried = true;
	if (deliver_open(ds, j->acct, trace, e) == -1) {
		s->secret = ds->secret;
		s->tls_refused = deliver_tls_refused(ds, e);
		attempt_log_unsent(j->acct, NULL, &j->env, j->fd, e);
		return -1;
	}
	s->secret = ds->secret;
	if (submit_nothing_follows(j->acct))
		smtp_set_last(ds->smtp);
	r = attempt_send(ds, NULL, &j->env, j->fd, &at, e);
	s->nrcpts = at.tried;
	s->naccepted = at.naccepted;
	s->unsure = at.unsure;
	s->dsn_dropped = at.dsn_dropped;
	(void)strlcpy(s->reply, at.reply, sizeof(s->reply));
	attempt_free(&at);
	return r;
}

int
submit_job(struct job *j, const struct smtp_trace *trace, struct submit *s,
    struct err *e)
{
	struct deliver_session ds;
	struct err de;

	memset(s, 0, sizeof(*s));
	err_clear(e);
	if (j->req->queue_only || j->acct->queue_only) {
		if (submit_publish(j, "new", s, e) == -1)
			return -1;
		s->outcome = SUBMIT_QUEUED;
		(void)strlcpy(s->why, "queued without trying", sizeof(s->why));
		return 0;
	}
	if (submit_attempt(j, trace, &ds, s, &de) == 0) {
		s->outcome = SUBMIT_DELIVERED;
		queue_run_follow(j->acct, &ds, trace);
		return 0;
	}
	deliver_close(&ds);
	return submit_outcome(j, &de, ds.secret_failed, s, e);
}
