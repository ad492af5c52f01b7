/*
 * queue_ops.c: the queue operable by a person (see queue_ops.h). An
 * entry of failed/ goes back into new/ due now, its refused recipients
 * to be tried again and its error forgotten, or it is removed; one id,
 * or every failed entry of an account. And what -q skips.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queue.h"
#include "queue_ops.h"
#include "queue_run.h"

/* The entry as a new submission: due now, for a whole new lifetime. */
static void
qfailed_reset(struct queue_env *env, time_t now)
{
	size_t i;

	for (i = 0; i < env->nrcpts; i++) {
		struct queue_rcpt *r = &env->rcpts[i];

		if (r->state == QUEUE_RCPT_SENT)
			continue;
		r->state = QUEUE_RCPT_PENDING;
		(void)queue_env_set(&r->reply, NULL);
	}
	env->attempts = 0;
	env->created = now;
	env->next_attempt = now;
	(void)queue_env_set(&env->last_error, NULL);
	(void)queue_env_set(&env->held, NULL);
}

/* A locked failed/ entry: back into new/, or removed. */
static int
qfailed_act(struct queue_entry *q, bool purge, struct err *e)
{
	if (purge)
		return queue_remove(q, e);
	if (q->damaged)
		return err_set(e, ERR_DATA, "%s cannot be queued again: %s",
		    q->env.id, q->why);
	qfailed_reset(&q->env, time(NULL));
	if (queue_save(q, e) == -1)
		return -1;
	return queue_move(q, "new", e);
}

/* 1 done, 0 no such entry in dir (or another process has it), -1. */
static int
qfailed_one(const char *dir, const char *id, const char *account, bool purge,
    struct err *e)
{
	struct queue_entry q;
	int k = queue_lock(dir, "failed", id, true, &q, e);

	if (k == 1 && account != NULL &&
	    (q.env.account == NULL || strcmp(q.env.account, account) != 0))
		k = 0;
	if (k == 1 && qfailed_act(&q, purge, e) == -1)
		k = -1;
	queue_entry_free(&q);
	return k;
}

int
queue_failed_id(const struct conf *c, const char *id, bool purge, struct err *e)
{
	char **dirs;
	size_t n, i;
	int k = 0;

	if (!queue_id_valid(id))
		return err_set(e, ERR_USAGE, "%s is not a queue id", id);
	if (queue_dirs(c, &dirs, &n, e) == -1)
		return -1;
	for (i = 0; i < n && k == 0; i++)
		k = qfailed_one(dirs[i], id, NULL, purge, e);
	queue_ids_free(dirs, n);
	return k;
}

/* Every failed entry of account (NULL: all) in dir. */
static int
qfailed_dir(const char *dir, const char *account, bool purge, size_t *done,
    struct err *e)
{
	char **ids;
	size_t n, i;
	int r = 0;

	if (queue_scan(dir, "failed", &ids, &n, e) == -1)
		return -1;
	for (i = 0; i < n && r == 0; i++) {
		int k = qfailed_one(dir, ids[i], account, purge, e);

		if (k == -1)
			r = -1;
		else
			*done += (size_t)k;
	}
	queue_ids_free(ids, n);
	return r;
}

int
queue_failed_all(const struct conf *c, const char *account, bool purge,
    size_t *done, struct err *e)
{
	char **dirs;
	size_t n, i;
	int r = 0;

	*done = 0;
	if (queue_dirs(c, &dirs, &n, e) == -1)
		return -1;
	for (i = 0; i < n && r == 0; i++)
		r = qfailed_dir(dirs[i], account, purge, done, e);
	queue_ids_free(dirs, n);
	return r;
}

int
queue_delete_any(const struct conf *c, const char *id, struct err *e)
{
	int k;

	if (queue_delete(c, id, e) == 0)
		return 0;
	if (e->cls != ERR_NOINPUT)
		return -1;
	err_clear(e);
	if ((k = queue_failed_id(c, id, true, e)) == 1)
		return 0;
	if (k == 0)
		err_set(e, ERR_NOINPUT, "no queue entry %s", id);
	return -1;
}

/* Whether a -q run at now leaves the entry for later (qrun_due). */
static bool
qops_waits(const struct conf *c, const struct queue_env *env, time_t now)
{
	const struct account *a = conf_find(c, env->account);
	unsigned life = a ? a->queue_lifetime : 5 * 86400;

	return env->held == NULL && env->next_attempt > (int64_t)now &&
	    env->created + (int64_t)life > (int64_t)now;
}

static int
qops_not_due_dir(const struct conf *c, const char *dir, time_t now, size_t *n,
    int64_t *next, struct err *e)
{
	struct queue_entry q;
	char **ids;
	size_t nids, i;

	if (queue_scan(dir, "new", &ids, &nids, e) == -1)
		return -1;
	for (i = 0; i < nids; i++) {
		if (queue_peek(dir, "new", ids[i], &q, e) == 0 && !q.damaged &&
		    qops_waits(c, &q.env, now)) {
			++*n;
			if (*next == 0 || q.env.next_attempt < *next)
				*next = q.env.next_attempt;
		}
		queue_entry_free(&q);
	}
	queue_ids_free(ids, nids);
	err_clear(e);
	return 0;
}

int
queue_not_due(const struct conf *c, time_t now, size_t *n, int64_t *next,
    struct err *e)
{
	char **dirs;
	size_t nd, i;
	int r = 0;

	*n = 0;
	*next = 0;
	if (queue_dirs(c, &dirs, &nd, e) == -1)
		return -1;
	for (i = 0; i < nd && r == 0; i++)
		r = qops_not_due_dir(c, dirs[i], now, n, next, e);
	queue_ids_free(dirs, nd);
	return r;
}
