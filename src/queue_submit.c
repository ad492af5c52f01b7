/*
 * queue_submit.c: the submission path of DESIGN §1: deliver a prepared
 * job now, or queue it (see queue.h, queue_submit_job).
 *
 *   -odq / queue_only    publish into new/ without connecting
 *   final 250 for all    done (the spool file is removed by job_free);
 *                        the account's due entries follow over the same
 *                        session (queue_run_follow), within a time bound
 *   temporary failure    publish into new/ with the recipients' states
 *                        (accepted ones are never sent again), attempt 1;
 *                        lost after the end of data: also "sending:",
 *                        so the queue run logs a possible duplicate
 *   permanent failure    publish into failed/ (a copy for the user); the
 *                        recipients still to do, if some were accepted,
 *                        stay in new/ instead
 *
 * A failure of the keyring or passwordeval, or a refused OAuth token
 * (err.hold), marks the entry held, so a queue run in the user's session
 * tries it first and the account's mail waits instead of failing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queue.h"
#include "queue_run.h"
#include "util.h"

static enum queue_rcpt_state
qsub_state(enum smtp_rcpt_status st)
{
	switch (st) {
	case SMTP_RCPT_OK:
		return QUEUE_RCPT_SENT;
	case SMTP_RCPT_TEMPFAIL:
		return QUEUE_RCPT_DEFERRED;
	case SMTP_RCPT_PERMFAIL:
		return QUEUE_RCPT_REFUSED;
	case SMTP_RCPT_PENDING:
		break;
	}
	return QUEUE_RCPT_PENDING;
}

static int
qsub_rcpts(const struct job *j, const struct deliver_result *res,
    struct queue_env *env)
{
	bool tried = res->nrcpts == j->rcpts.n;
	size_t i;

	for (i = 0; i < j->rcpts.n; i++) {
		const struct smtp_rcpt *r = tried ? &res->rcpts[i] : NULL;
		enum queue_rcpt_state st =
		    r ? qsub_state(r->status) : QUEUE_RCPT_PENDING;

		if (queue_env_add_rcpt(env, j->rcpts.v[i].spec, st,
		        r && r->status != SMTP_RCPT_OK && r->text[0] ? r->text
		                                                     : NULL))
			return -1;
	}
	return 0;
}

/* The job as a queue envelope; res (may be empty) gives rcpt states. */
static int
qsub_env(const struct job *j, const struct deliver_result *res,
    struct queue_env *env, struct err *e)
{
	time_t now = time(NULL);

	queue_env_init(env);
	if (queue_id_new(env->id, e) == -1)
		return -1;
	env->created = now;
	env->next_attempt = now;
	env->size = j->res.size;
	env->has_8bit = j->res.has_8bit;
	env->smtputf8 = j->smtputf8;
	if (queue_env_set(&env->account, j->acct->name) == -1 ||
	    queue_env_set(&env->sender, j->sender) == -1 ||
	    queue_env_set(&env->dsn_notify, j->dsn_notify) == -1 ||
	    queue_env_set(&env->dsn_ret, j->dsn_ret) == -1 ||
	    queue_env_set(&env->envid, j->req->envid) == -1 ||
	    qsub_rcpts(j, res, env) == -1)
		return err_set(e, ERR_SOFTWARE, "cannot build the envelope");
	return 0;
}

/* Publish the job's spool file into sub; the job no longer owns it. */
static int
qsub_publish(struct job *j, const char *sub, struct queue_env *env,
    struct queue_submit *s, struct err *e)
{
	if (queue_dir_init(j->acct->queue_dir, e) == -1 ||
	    queue_publish(j->acct->queue_dir, sub, env, j->fd, j->spool, e))
		return -1;
	free(j->spool);
	j->spool = NULL;
	(void)strlcpy(s->id, env->id, sizeof(s->id));
	return 0;
}

static int
qsub_temporary(struct job *j, const struct err *de, struct queue_env *env,
    struct queue_submit *s, struct err *e)
{
	const struct account *a = j->acct;

	env->attempts = 1;
	env->next_attempt +=
	    queue_backoff(1, a->retry_min, a->retry_max, queue_random());
	if (s->res.unsure) /* the server may have it: the retry says so */
		env->sending = env->created;
	if (queue_env_set(&env->last_error, de->text) == -1 ||
	    ((s->res.secret_failed || de->hold) &&
	        queue_env_set(&env->held, de->text) == -1))
		return err_set(e, ERR_SOFTWARE, "out of memory");
	if (qsub_publish(j, "new", env, s, e) == -1)
		return -1;
	s->outcome = QUEUE_QUEUED;
	(void)strlcpy(s->why, de->text, sizeof(s->why));
	return 0;
}

/* Refused for good: the rest stays queued, or a copy goes to failed/. */
static int
qsub_permanent(struct job *j, const struct err *de, struct queue_env *env,
    struct queue_submit *s)
{
	struct err ignored;
	size_t i;

	env->attempts = 1;
	(void)queue_env_set(&env->last_error, de->text);
	if (s->res.naccepted > 0 && queue_env_todo(env) > 0 && j->acct->queue) {
		if (qsub_publish(j, "new", env, s, &ignored) == 0)
			s->outcome = QUEUE_QUEUED;
		return -1;
	}
	for (i = 0; i < env->nrcpts; i++)
		if (env->rcpts[i].state != QUEUE_RCPT_SENT &&
		    env->rcpts[i].state != QUEUE_RCPT_REFUSED) {
			env->rcpts[i].state = QUEUE_RCPT_REFUSED;
			(void)queue_env_set(&env->rcpts[i].reply, de->text);
		}
	if (qsub_publish(j, "failed", env, s, &ignored) == 0)
		s->outcome = QUEUE_KEPT;
	return -1;
}

/* -odq, queue_only: into new/ without trying. */
static int
qsub_untried(struct job *j, struct queue_env *env, struct queue_submit *s,
    struct err *e)
{
	if (qsub_env(j, &s->res, env, e) == -1 ||
	    qsub_publish(j, "new", env, s, e) == -1)
		return -1;
	s->outcome = QUEUE_QUEUED;
	(void)strlcpy(s->why, "queued without trying", sizeof(s->why));
	return 0;
}

int
queue_submit_job(struct job *j, const struct smtp_trace *trace,
    struct queue_submit *s, struct err *e)
{
	struct deliver_session ds;
	struct queue_env env;
	struct err de;
	int r = -1;

	memset(s, 0, sizeof(*s));
	queue_env_init(&env);
	err_clear(e);
	if (j->req->queue_only || j->acct->queue_only) {
		r = qsub_untried(j, &env, s, e);
		goto out;
	}
	if (deliver_job_keep(j, trace, &ds, &s->res, &de) == 0) {
		s->outcome = QUEUE_DELIVERED;
		queue_run_follow(j->acct, &ds, trace);
		r = 0;
		goto out;
	}
	deliver_close(&ds);
	*e = de;
	if (de.temporary && !j->acct->queue)
		goto out;
	if (qsub_env(j, &s->res, &env, e) == -1)
		goto out;
	if (de.temporary)
		r = qsub_temporary(j, &de, &env, s, e);
	else
		r = qsub_permanent(j, &de, &env, s);
out:
	queue_env_free(&env);
	return r;
}

void
queue_submit_free(struct queue_submit *s)
{
	deliver_result_free(&s->res);
}
